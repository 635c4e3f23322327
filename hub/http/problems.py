"""Rendering problems (RFC 9457) and the one middleware that turns every error into one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg
import orjson
import structlog
from aiohttp import web

from hub.http.body import UploadAborted
from hub.http.keys import REQUEST_ID
from hub.metrics.instruments import count_problem
from hub.problems import (
    CONTENT_TYPE,
    BadRequest,
    HttpError,
    InternalError,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    Problem,
    ServiceUnavailable,
    UnsupportedMediaType,
)
from hub.settings import SETTINGS

log = structlog.get_logger("hub.problems")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# How long a client should wait before retrying while the database is away: the pool reconnects
# on the next request, so a short wait is enough once it is back.
DATABASE_RETRY_AFTER_S = 5


class DatabaseUnavailable(ServiceUnavailable):
    slug, title = "database-unavailable", "Database unavailable"


def database_unavailable(err: BaseException) -> bool:
    """True when `err` says the database cannot be reached now, not that a statement is wrong.

    Connection refused or reset, a backend terminated by an operator or a restart, a database
    that does not accept connections, too many connections, a pool closing or a connection
    closed under a statement: each passes once the database is back.
    """
    if isinstance(
        err,
        ConnectionRefusedError
        | asyncpg.PostgresConnectionError
        | asyncpg.OperatorInterventionError
        | asyncpg.TooManyConnectionsError
        | asyncpg.ConnectionDoesNotExistError,
    ):
        return True
    if isinstance(err, asyncpg.ObjectNotInPrerequisiteStateError):
        return "accepting connections" in str(err)
    if isinstance(err, asyncpg.InterfaceError):
        return any(words in str(err) for words in ("connection is closed", "pool is closing"))
    if isinstance(err, asyncpg.InternalClientError):
        # A connection whose server died under it is left mid-operation.
        return "cannot switch to state" in str(err)
    # A stopped local server: its Unix socket is gone (FileNotFoundError) or refuses; only when
    # the driver raised it, so a missing file elsewhere is still a bug reported as such.
    return isinstance(err, OSError) and _raised_by_driver(err)


def _raised_by_driver(err: BaseException) -> bool:
    traceback = err.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_globals.get("__name__", "").startswith("asyncpg"):
            return True
        traceback = traceback.tb_next
    return False


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
            log.warning("database_unavailable", error=type(err).__name__)
            unavailable = DatabaseUnavailable(
                "the database cannot be reached; retry after the time in Retry-After"
            )
            unavailable.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_S)
            return render(unavailable, request_id)
        # The stack trace goes to the log, never to the client.
        log.exception("unhandled_exception")
        return render(
            InternalError("an unexpected error occurred; quote the request id when reporting it"),
            request_id,
        )
