"""Rendering problems (RFC 9457) and the one middleware that turns every error into one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import orjson
import structlog
from aiohttp import web

from hub.http.body import UploadAborted
from hub.http.keys import REQUEST_ID
from hub.metrics.instruments import count_problem
from hub.problems import (
    CONTENT_TYPE,
    BadRequest,
    DatabaseUnavailable,
    HttpError,
    InternalError,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    Problem,
    UnsupportedMediaType,
)
from hub.settings import SETTINGS
from hub.store.pool import database_unavailable, error_name

log = structlog.get_logger("hub.problems")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

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
    return HttpError(err.status, err.reason, err.text or err.reason)


def render(problem: Problem, request_id: str | None) -> web.Response:
    count_problem(problem)
    response = web.Response(
        status=problem.status,
        body=orjson.dumps(problem.body(request_id)),
        content_type=CONTENT_TYPE,
    )
    response.headers.update(problem.headers)
    return response


@web.middleware
async def problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    request_id = request.get(REQUEST_ID)
    try:
        return await handler(request)
    except Problem as problem:
        return render(problem, request_id)
    except UploadAborted:
        # Already logged in one line; the client has most likely gone and reads no answer.
        return render(BadRequest("the request body was cut short or malformed"), request_id)
    except web.HTTPException as err:
        if err.status < 400:
            raise
        return render(_from_http_exception(request, err), request_id)
    except Exception as err:
        if database_unavailable(err):
            log.warning("database_unavailable", error=error_name(err))
            return render(
                DatabaseUnavailable(
                    "the database cannot be reached; retry after the time in Retry-After"
                ),
                request_id,
            )
        # The stack trace goes to the log, never to the client.
        log.exception("unhandled_exception")
        return render(
            InternalError("an unexpected error occurred; quote the request id when reporting it"),
            request_id,
        )
