"""Parsing a JSON text strictly: one parse, no deep nesting, no repeated member names.

Signed JSON must mean one thing to every reader (RFC 7493, I-JSON), so what the hub accepts is
decided here, before any schema or signature check, for the HTTP edge and the intake alike.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from hub.problems import MalformedJson

# Arrays and objects nested in one another, the document itself counting as the first level.
MAX_DEPTH = 64


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
