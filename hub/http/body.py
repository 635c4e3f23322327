"""Reading request bodies: content type, size and JSON, each refused with its own problem."""

from __future__ import annotations

import json
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
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        raise MalformedJson(f"the body is not valid JSON: {err}") from err
    _refuse_duplicate_names(raw)
    return document


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
    # orjson keeps the last of repeated names silently; a verifier of the stored evidence may keep
    # the first. The stdlib parser reports every pair, so it checks what orjson already accepted.
    json.loads(raw, object_pairs_hook=_unique_members)


async def read_json(request: web.Request) -> Any:
    return parse_json(await read_body(request), request.content_type)
