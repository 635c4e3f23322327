"""Pull pages read into records and paging state, and the windowed cursor of the list calls."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.base.contract import PullPage, PullRequest, TimeWindow
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


@dataclass(frozen=True)
class WindowQuery:
    """Where a windowed pull stands: an update-time span in epoch seconds and a page in it.

    Platforms whose list call takes an update-time span and a page number (Pinduoduo, Taobao,
    Douyin) resume from the same cursor, `<start epoch seconds>:<page>`: the span is re-derived
    from the start, the window the hub asked for and the platform's longest span.
    """

    start_s: int
    end_s: int
    page: int

    @property
    def window(self) -> TimeWindow:
        return TimeWindow(from_epoch(self.start_s), from_epoch(self.end_s))


def window_query(
    cursor: str | None, window: TimeWindow, max_window_s: int, first_page: int = 1
) -> WindowQuery:
    """The span and page of the next query: from the cursor, or from `window.start`.

    Raises:
        ValueError: the cursor is malformed or already at the end of the window.
    """
    until_s = epoch(window.end)
    if cursor:
        start_s, page = read_cursor(cursor, first_page)
    else:
        start_s, page = epoch(window.start), first_page
    if start_s >= until_s:
        raise ValueError("nothing to pull: the cursor is at or past the window's end")
    return WindowQuery(start_s, min(start_s + max_window_s, until_s), page)


def after_page(
    records: Sequence[Mapping[str, Any]],
    request: PullRequest,
    more_pages: bool,
    first_page: int = 1,
) -> PullPage:
    """Where to resume after a page: the next page of this span, the next span, or caught up."""
    start_s, end_s = epoch(request.window.start), epoch(request.window.end)
    if records and more_pages:
        return PullPage(records=records, next_cursor=f"{start_s}:{request.page + 1}", more=True)
    return PullPage(
        records=records, next_cursor=f"{end_s}:{first_page}", more=end_s < epoch(request.until)
    )


def checked_size(records: Sequence[Any], request: PullRequest, at: str) -> None:
    """A page with more records than asked for is not the answer to this query."""
    if len(records) > request.page_size:
        raise AdapterError(at, "more records than the page size asked for")


def epoch(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("pull windows need aware datetimes")
    return int(moment.timestamp())


def from_epoch(seconds: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)


def read_cursor(cursor: str, first_page: int = 1) -> tuple[int, int]:
    start, _, page = cursor.partition(":")
    if not (start.isdigit() and page.isdigit() and int(page) >= first_page):
        raise ValueError(f"not a windowed pull cursor: {cursor!r}")
    return int(start), int(page)
