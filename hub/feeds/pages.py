"""One page of a reader's feed: store pages read in position order, filtered, cursor advanced.

The cursor (`next`) moves past every position scanned, visible or not, so a reader whose filters
remove most events never scans the same positions twice.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import asyncpg
import orjson

from hub.domain.roles import Actor
from hub.feeds.visibility import visible_items
from hub.records.event_view import shown_event
from hub.store.feed import FeedItem, read_feed

MAX_LIMIT = 1000
# Rows read from the store per round trip; a filtered reader scans in large steps.
_STORE_PAGE = 500
# Positions one request may scan before it answers with what it has (perhaps nothing, with an
# advanced cursor), so a narrow filter over a long backlog cannot pin a request.
_MAX_SCAN = 20_000


@dataclasses.dataclass(frozen=True)
class FeedQuery:
    after: int = 0
    limit: int = 100
    types: frozenset[str] | None = None
    complaint_id: str | None = None

    def matches(self, item: FeedItem) -> bool:
        return (self.types is None or item.type in self.types) and (
            self.complaint_id is None or item.complaint_id == self.complaint_id
        )


@dataclasses.dataclass(frozen=True)
class Page:
    items: list[FeedItem]
    next: int
    exhausted: bool  # True: nothing committed beyond `next` when the page was read


async def read_page(pool: asyncpg.Pool, actor: Actor, query: FeedQuery) -> Page:
    """Up to `query.limit` visible items after `query.after`, and the cursor to continue from."""
    found: list[FeedItem] = []
    cursor = query.after
    while True:
        batch, scanned_to, limited = await read_feed(
            pool, after=cursor, limit=max(_STORE_PAGE, query.limit)
        )
        wanted = await visible_items(pool, actor, [i for i in batch if query.matches(i)])
        room = query.limit - len(found)
        if len(wanted) >= room:
            found.extend(wanted[:room])
            # Items after the last one returned were not handed out: continue right after it.
            return Page(found, found[-1].position, exhausted=False)
        found.extend(wanted)
        cursor = scanned_to
        if not limited:
            return Page(found, cursor, exhausted=True)
        if cursor - query.after >= _MAX_SCAN:
            return Page(found, cursor, exhausted=False)


def item_json(item: FeedItem) -> dict[str, Any]:
    """The wire form of one feed item: `{position, event, receipt}`."""
    return {
        "position": item.position,
        "event": shown_event(
            item.body, actor=item.actor, position=item.position, accepted_at=item.accepted_at
        ),
        "receipt": item.receipt,
    }


def item_bytes(item: FeedItem) -> bytes:
    return orjson.dumps(item_json(item))
