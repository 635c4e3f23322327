"""A pull page read into its records and its paging state, whatever the platform's wrapper."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.base.convert import is_int, pointer
from adapters.base.errors import AdapterError


@dataclass(frozen=True)
class Page:
    """The records of one list or detail response and where paging goes next.

    `pointers[i]` is the JSON pointer of `records[i]` in the response, so an error in a record
    names its place in the page. `next_cursor` is the platform's own next page marker (a page
    number as text), None when nothing follows.
    """

    records: Sequence[Mapping[str, Any]]
    pointers: Sequence[str]
    has_more: bool
    next_cursor: str | None


def walk(payload: Any, path: Sequence[str]) -> tuple[Any, str]:
    """Follow `path` into the payload; return the value and its pointer, refusing a gap."""
    value, at = payload, ""
    for key in path:
        if not isinstance(value, Mapping):
            raise AdapterError(at or "/", "expected an object")
        if value.get(key) is None:
            raise AdapterError(f"{at}/{key}", "required field is missing")
        value, at = value[key], f"{at}/{key}"
    return value, at


def record_list(value: Any, at: str) -> tuple[list[Mapping[str, Any]], list[str]]:
    """A list of record objects and their pointers; an empty or absent list is an empty page."""
    if value is None:
        return [], []
    if not isinstance(value, list):
        raise AdapterError(at, "expected a list of records")
    for index, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise AdapterError(f"{at}/{index}", "expected a record object")
    return list(value), [at + pointer(index) for index in range(len(value))]


def count(value: Any, at: str) -> int:
    """A non-negative count sent as an integer or a digit string (pages differ by platform)."""
    if is_int(value) and value >= 0:
        return int(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise AdapterError(at, "expected a count")


def flag(value: Any, at: str) -> bool:
    """A boolean sent as true/false or as the strings "true"/"false" (Douyin's examples)."""
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return bool(value == "true")
    raise AdapterError(at, "expected true or false")
