"""Problem types (RFC 9457): plain exception types any layer may raise.

Handlers and layers below raise `Problem` subclasses; `hub.http.problems` renders them, and
nothing else builds error JSON. Foreign errors are translated once, at the boundary where they
occur.
"""

from __future__ import annotations

from typing import Any

PROBLEM_BASE = "https://complaint-hub.org/problems/"
CONTENT_TYPE = "application/problem+json"


class Problem(Exception):
    """An error the client can act on. `slug` names the stable type URI.

    Each subclass declares its slug, title and status as class attributes; the few whose rule is
    named per instance (authentication, authorisation, domain refusals) set `slug` in __init__.
    """

    slug: str = "about:blank"
    title: str = "Error"
    status: int = 400

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
        self.slug = slug


class Forbidden(Problem):
    """Authenticated, but not allowed; `slug` names the rule."""

    title, status = "Forbidden", 403

    def __init__(self, slug: str, detail: str, **extensions: Any) -> None:
        super().__init__(detail, **extensions)
        self.slug = slug


class Restated(Problem):
    """Another problem told again with more members (or another detail), keeping its type.

    Its slug, title and status are the original's, so a client matches it exactly like the
    problem it restates.
    """

    def __init__(self, original: Problem, detail: str | None = None, **extensions: Any) -> None:
        super().__init__(
            original.detail if detail is None else detail,
            **{**original.extensions, **extensions},
        )
        self.slug = original.slug
        self.title = original.title
        self.status = original.status
        self.headers.update(original.headers)


class NotReady(Problem):
    slug, title, status = "not-ready", "Not ready", 503


class ServiceUnavailable(Problem):
    slug, title, status = "service-unavailable", "Service unavailable", 503


# How long a client should wait before retrying while the database is away: the pool reconnects
# on the next request, so a short wait is enough once it is back.
DATABASE_RETRY_AFTER_S = 5


class DatabaseUnavailable(ServiceUnavailable):
    """The database cannot be reached now (hub.store.pool.database_unavailable says which errors
    mean that); always sent with Retry-After, whoever raises it."""

    slug, title = "database-unavailable", "Database unavailable"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail, **extensions)
        self.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_S)


class TooManyRequests(Problem):
    slug, title, status = "too-many-requests", "Too many requests", 429


class HttpError(Problem):
    """A status aiohttp raised that has no problem type of its own."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title


class InternalError(Problem):
    slug, title, status = "internal-error", "Internal server error", 500
