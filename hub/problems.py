"""Problem types (RFC 9457) and the one middleware that renders every error as one.

Handlers and layers below raise `Problem` subclasses; nothing else builds error JSON. Foreign
errors are translated once, at the boundary where they occur.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

import orjson
import structlog
from aiohttp import web

from hub.appkeys import REQUEST_ID, SETTINGS

PROBLEM_BASE = "https://complaint-hub.org/problems/"
CONTENT_TYPE = "application/problem+json"

log = structlog.get_logger("hub.problems")


class Problem(Exception):
    """An error the client can act on. `slug` names the stable type URI."""

    slug: ClassVar[str] = "about:blank"
    title: ClassVar[str] = "Error"
    status: ClassVar[int] = 400

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions
        self.headers: dict[str, str] = {}

    @property
    def type_uri(self) -> str:
        return PROBLEM_BASE + self.slug

    def body(self, request_id: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.type_uri,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        body.update(self.extensions)
        if request_id:
            body["request_id"] = request_id
        return body


class BadRequest(Problem):
    slug, title, status = "bad-request", "Bad request", 400


class MalformedJson(Problem):
    slug, title, status = "malformed-json", "Malformed JSON", 400


class UnsupportedMediaType(Problem):
    slug, title, status = "unsupported-media-type", "Unsupported media type", 415


class PayloadTooLarge(Problem):
    slug, title, status = "payload-too-large", "Payload too large", 413


class NotFound(Problem):
    slug, title, status = "not-found", "Not found", 404


class MethodNotAllowed(Problem):
    slug, title, status = "method-not-allowed", "Method not allowed", 405


class Conflict(Problem):
    slug, title, status = "conflict", "Conflict", 409


class StaleVersion(Problem):
    slug, title, status = "stale-version", "Stale version", 409


class EventIdReused(Problem):
    slug, title, status = "event-id-reused", "Event id reused", 409


class IdConflict(Problem):
    slug, title, status = "id-conflict", "Identifier conflict", 409


class InvalidRecord(Problem):
    slug, title, status = "invalid-record", "Invalid record", 422


class WebhookTargetRefused(Problem):
    slug, title, status = "webhook-target-refused", "Webhook target refused", 422


class PersonalErased(Problem):
    slug, title, status = "personal-erased", "Personal part erased", 410


class Unauthorized(Problem):
    """Authentication failed; `slug` names exactly what (signature, key, nonce, ...)."""

    title, status = "Unauthorized", 401

    def __init__(self, slug: str, detail: str, **extensions: Any) -> None:
        super().__init__(detail, **extensions)
        self.slug = slug  # type: ignore[misc]


class Forbidden(Problem):
    """Authenticated, but not allowed; `slug` names the rule."""

    title, status = "Forbidden", 403

    def __init__(self, slug: str, detail: str, **extensions: Any) -> None:
        super().__init__(detail, **extensions)
        self.slug = slug  # type: ignore[misc]


class NotReady(Problem):
    slug, title, status = "not-ready", "Not ready", 503


class ServiceUnavailable(Problem):
    slug, title, status = "service-unavailable", "Service unavailable", 503


class InternalError(Problem):
    slug, title, status = "internal-error", "Internal server error", 500


# aiohttp raises these for routing and body limits; each maps to one of ours.
_HTTP_EXCEPTIONS: dict[int, type[Problem]] = {
    400: BadRequest,
    404: NotFound,
    405: MethodNotAllowed,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
}


def _from_http_exception(request: web.Request, err: web.HTTPException) -> Problem:
    problem_type = _HTTP_EXCEPTIONS.get(err.status)
    if problem_type is NotFound:
        return NotFound(f"no resource at {request.path}")
    if problem_type is MethodNotAllowed:
        allowed = sorted(getattr(err, "allowed_methods", ()) or ())
        problem = MethodNotAllowed(
            f"{request.method} is not allowed on {request.path}; allowed: {', '.join(allowed)}",
        )
        problem.headers["Allow"] = ",".join(allowed)
        return problem
    if problem_type is PayloadTooLarge:
        return PayloadTooLarge(
            f"request body exceeds the limit of {request.app[SETTINGS].max_body_bytes} bytes",
            max_bytes=request.app[SETTINGS].max_body_bytes,
        )
    if problem_type is not None:
        return problem_type(err.text or err.reason)
    generic = Problem(err.text or err.reason)
    generic.status = err.status  # type: ignore[misc]
    generic.title = err.reason  # type: ignore[misc]
    return generic


def render(problem: Problem, request_id: str | None) -> web.Response:
    response = web.Response(
        status=problem.status,
        body=orjson.dumps(problem.body(request_id)),
        content_type=CONTENT_TYPE,
    )
    response.headers.update(problem.headers)
    return response


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    request_id = request.get(REQUEST_ID)
    try:
        return await handler(request)
    except Problem as problem:
        return render(problem, request_id)
    except web.HTTPException as err:
        if err.status < 400:
            raise
        return render(_from_http_exception(request, err), request_id)
    except Exception:
        # The stack trace goes to the log, never to the client.
        log.exception("unhandled_exception")
        return render(
            InternalError("an unexpected error occurred; quote the request id when reporting it"),
            request_id,
        )
