"""A platform's feed in its own format: the events of its cases, rendered by its adapter."""

from __future__ import annotations

import dataclasses
from typing import Any

import asyncpg
import orjson
import structlog

from adapters.base.contract import Adapter
from adapters.base.errors import AdapterError
from hub.store.feed import FeedItem, read_feed
from hub.store.native import CaseContext, NativeStore

log = structlog.get_logger("hub.platforms.feed")

# A platform with few cases may find none in a page of the shared feed; a read scans a few pages
# before answering, so a poller is not sent back empty-handed for every page of others' events.
_MAX_SCANS = 8


@dataclasses.dataclass(frozen=True)
class NativeFeedPage:
    items: list[dict[str, Any]]
    next: int  # the exclusive cursor to resume from; past events this platform may not see
    more: bool


class NativeFeed:
    def __init__(self, pool: asyncpg.Pool, native: NativeStore) -> None:
        self._pool = pool
        self._native = native

    async def read(self, adapter: Adapter, *, after: int, limit: int) -> NativeFeedPage:
        """Events on cases whose respondent is the adapter's platform, after the cursor."""
        platform = adapter.info.code
        items: list[dict[str, Any]] = []
        cursor = after
        for _ in range(_MAX_SCANS):
            page, _, limited = await read_feed(self._pool, after=cursor, limit=limit)
            contexts = await self._native.case_contexts([i.complaint_id for i in page])
            for item in page:
                cursor = item.position
                context = contexts.get(item.complaint_id)
                if context is None or context.respondent_platform != platform:
                    continue
                items.append(_rendered(adapter, item, context))
                if len(items) == limit:
                    return NativeFeedPage(items, cursor, True)
            if not limited:
                return NativeFeedPage(items, cursor, False)
        return NativeFeedPage(items, cursor, True)


def _rendered(adapter: Adapter, item: FeedItem, context: CaseContext) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "position": item.position,
        "event_id": item.event_id,
        "complaint_id": item.complaint_id,
        "receipt": item.receipt,
    }
    try:
        shown["message"] = adapter.render(orjson.loads(item.body), context.as_render_case())
    except AdapterError as err:
        # The event stays in the feed (a cursor never skips silently); the reader sees why its
        # format cannot carry it and can read it canonically from /v1/complaints.
        log.warning("native_render_failed", platform=adapter.info.code, position=item.position)
        shown["message"] = None
        shown["unrenderable"] = {"field": err.field, "detail": err.message}
    return shown
