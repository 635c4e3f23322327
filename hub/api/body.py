"""Reading request bodies: content type, size and JSON, each refused with its own problem."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from hub.problems import MalformedJson, UnsupportedMediaType

JSON_TYPES = frozenset({"application/json"})


async def read_body(request: web.Request) -> bytes:
    """The raw body; aiohttp enforces client_max_size and raises 413 past it."""
    return await request.read()


def parse_json(raw: bytes, content_type: str) -> Any:
    if content_type not in JSON_TYPES:
        raise UnsupportedMediaType(
            f"send the body as application/json, not {content_type or 'no content type'}"
        )
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        raise MalformedJson(f"the body is not valid JSON: {err}") from err


async def read_json(request: web.Request) -> Any:
    return parse_json(await read_body(request), request.content_type)
