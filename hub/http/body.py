"""Reading request bodies: content type, size and JSON, each refused with its own problem."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from typing import Any

import orjson
import structlog
from aiohttp import web
from aiohttp.web_protocol import RequestPayloadError

from hub.http.keys import RAW_BODY
from hub.problems import MalformedJson, Problem, UnsupportedMediaType
from hub.settings import SETTINGS

log = structlog.get_logger("hub.http.body")

JSON_TYPES = frozenset({"application/json"})
# Arrays and objects nested in one another, the document itself counting as the first level.
MAX_DEPTH = 64


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


def loads_unique(raw: bytes) -> Any:
    """One parse (orjson), refusing deep nesting and repeated member names.

    orjson keeps the last of repeated names silently, and a verifier of the stored evidence may
    keep the first. The names are counted in the raw bytes by a lexer pass over its string
    tokens; only when the document holds fewer members than that is the body parsed again, to
    name the repeated member."""
    try:
        # orjson itself refuses nesting beyond 1,024 levels.
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        raise MalformedJson(f"the body is not valid JSON: {err}") from err
    if _members_within_depth(document) != _member_names_in(raw):
        _refuse_duplicate_names(raw)
    return document


def loads_stdlib(raw: bytes) -> Any:
    """The standard library's parser alone, duplicates refused in its hook (the baseline)."""
    try:
        document = json.loads(raw, object_pairs_hook=_unique_members)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise MalformedJson(f"the body is not valid JSON: {err}") from err
    _members_within_depth(document)
    return document


# Every string token of a valid JSON text, and whether a colon follows it (a member name). Outside
# strings JSON has no quotes, so scanning left to right finds exactly the tokens a parser sees.
_STRING_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"\s*(:?)')


def _member_names_in(raw: bytes) -> int:
    return _STRING_TOKEN.findall(raw).count(b":")


def _members_within_depth(document: Any) -> int:
    """The number of object members in `document`, refusing nesting beyond MAX_DEPTH.

    The checks after parsing (signability, JSON Schema) recurse per level, and Python's recursion
    limit is about 1,000 frames: a few hundred levels would end in a RecursionError. No record
    of ours nests beyond a handful of levels."""
    members = 0
    pending: list[tuple[Any, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise MalformedJson(
                f"the body is nested deeper than {MAX_DEPTH} levels", max_depth=MAX_DEPTH
            )
        if isinstance(value, dict):
            members += len(value)
            pending.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
    return members


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: set[str] = set()
    for name, _ in pairs:
        if name in seen:
            raise MalformedJson(
                f"the body repeats the member name {name!r}; signed JSON must be I-JSON "
                "(RFC 7493 section 2.3), or the signed bytes would mean different things to "
                "different readers"
            )
        seen.add(name)
    return dict(pairs)


def _refuse_duplicate_names(raw: bytes) -> None:
    json.loads(raw, object_pairs_hook=_unique_members)


async def read_json(request: web.Request) -> Any:
    return parse_json(await read_body(request), request.content_type, request.charset)


def request_json(request: web.Request, loads: Callable[[bytes], Any] | None = None) -> Any:
    """The JSON document of a body the signature middleware has already read."""
    return parse_json(request[RAW_BODY], request.content_type, request.charset, loads=loads)
