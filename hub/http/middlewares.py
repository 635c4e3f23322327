"""Request id and access log: every line logged while serving a request carries its id."""

from __future__ import annotations

import re
import time
import uuid

import structlog
from aiohttp import web

from hub.http.keys import REQUEST_ID
from hub.http.problems import Handler

log = structlog.get_logger("hub.access")

# A caller's X-Request-Id is kept only when it is short and plain, so it can't forge log lines.
_ACCEPTABLE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


@web.middleware
async def request_context_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    offered = request.headers.get("X-Request-Id", "")
    request_id = offered if _ACCEPTABLE_REQUEST_ID.match(offered) else uuid.uuid4().hex
    request[REQUEST_ID] = request_id
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id)
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        if not response.prepared:
            response.headers["X-Request-Id"] = request_id
        return response
    except web.HTTPException as err:
        status = err.status
        raise
    finally:
        log.info(
            "request",
            method=request.method,
            path=request.path,
            status=status,
            duration_ms=round((time.perf_counter() - started) * 1000, 2),
        )
