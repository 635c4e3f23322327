"""Which field of a native payload carried the status an adapter read, as a JSON pointer.

The adapter contract names a field only when it refuses one (`AdapterError.field`). When the hub
refuses the events a well-formed record implies (the transition is illegal from the case's
current state), the platform needs to know which of its fields that was: the status code or topic
the adapter kept as `state["status"]` (or `state["type"]` for the canonical format). It is found
by value, preferring keys that name a status.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

import orjson

_STATUS_WORDS = ("status", "step", "topic", "type", "tag")
_MAX_DEPTH = 4


def status_pointer(payload: Any, state: Mapping[str, Any] | None) -> str:
    """The pointer to the payload's status field, or "/" when the state names none."""
    if not state:
        return "/"
    wanted = state.get("status", state.get("type"))
    if wanted is None:
        return "/"
    wanted_text = str(wanted)
    matches = [pointer for pointer, value in _scalars(payload, "", 0) if _same(value, wanted_text)]
    if not matches:
        return "/"
    named = [p for p in matches if any(w in p.rsplit("/", 1)[-1].lower() for w in _STATUS_WORDS)]
    return (named or matches)[0]


def _same(value: Any, wanted: str) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    return str(value) == wanted


def _scalars(value: Any, at: str, depth: int) -> Iterator[tuple[str, Any]]:
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, str) and value[:1] == "{" and depth > 0:
        # Platforms nest a JSON document in a string (Taobao `content`, Douyin `data`); adapters
        # point into it the same way.
        with contextlib.suppress(orjson.JSONDecodeError):
            value = orjson.loads(value)
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _scalars(item, f"{at}/{_escape(str(key))}", depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _scalars(item, f"{at}/{index}", depth + 1)
    else:
        yield at, value


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")
