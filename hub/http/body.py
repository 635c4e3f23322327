"""Reading request bodies: content type, size and JSON, each refused with its own problem."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import structlog
from aiohttp import web
from aiohttp.web_protocol import RequestPayloadError

from hub.http.keys import RAW_BODY
from hub.problems import Problem, UnsupportedMediaType
from hub.records.strict_json import loads_unique
from hub.settings import SETTINGS

log = structlog.get_logger("hub.http.body")

JSON_TYPES = frozenset({"application/json"})


class RequestTimeout(Problem):
    slug, title, status = "request-timeout", "Request timeout", 408


class UploadAborted(Exception):
    """The client went away in the middle of its body, or sent a broken one (chunking, length);
    logged in one line here, answered without a traceback by the problem middleware."""


async def read_body(request: web.Request) -> bytes:
    """The raw body, received within the body read timeout.

    aiohttp enforces client_max_size and raises 413 past it. A body that stalls is refused with
    408; the listener closes a connection whose body was not read to its end (hub/http/server.py)
    rather than drain it. A client that goes away mid-body is logged in one line.
    """
    timeout_s = request.app[SETTINGS].body_read_timeout_s
    try:
        async with asyncio.timeout(timeout_s):
            return await request.read()
    except TimeoutError as err:
        log.info("request_body_timeout", timeout_s=timeout_s, path=request.path)
        raise RequestTimeout(
            f"the request body did not arrive within {timeout_s:g} s", timeout_s=timeout_s
        ) from err
    except (ConnectionError, RequestPayloadError) as err:
        log.info("request_body_aborted", path=request.path, error=type(err).__name__)
        raise UploadAborted from err


def parse_json(
    raw: bytes,
    content_type: str,
    charset: str | None = None,
    *,
    loads: Callable[[bytes], Any] | None = None,
) -> Any:
    """The JSON document of a body sent as application/json, in UTF-8 (RFC 8259 section 8.1:
    JSON exchanged between systems is UTF-8; any other declared charset is refused, never
    silently read as UTF-8). `loads` replaces the parser (the benchmark's baseline)."""
    if content_type not in JSON_TYPES:
        raise UnsupportedMediaType(
            f"send the body as application/json, not {content_type or 'no content type'}"
        )
    if charset is not None and charset.strip().lower() not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(
            "send JSON in UTF-8: declare no charset, or charset=utf-8", charset=charset[:40]
        )
    return (loads or loads_unique)(raw)


async def read_json(request: web.Request) -> Any:
    return parse_json(await read_body(request), request.content_type, request.charset)


def request_json(request: web.Request, loads: Callable[[bytes], Any] | None = None) -> Any:
    """The JSON document of a body the signature middleware has already read."""
    return parse_json(request[RAW_BODY], request.content_type, request.charset, loads=loads)
