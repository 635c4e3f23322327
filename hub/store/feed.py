"""Reading the feed: events in position order, after an exclusive cursor."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from hub.store.pool import Conn


@dataclasses.dataclass(frozen=True)
class FeedItem:
    position: int
    event_id: str
    complaint_id: str
    version: int
    type: str
    actor: str
    accepted_at: datetime
    body: bytes
    receipt: str | None


def feed_item_from_row(row: asyncpg.Record) -> FeedItem:
    """A feed item from a row with the events columns of the same names."""
    return FeedItem(
        row["position"],
        row["event_id"],
        row["complaint_id"],
        row["version"],
        row["type"],
        row["actor"],
        row["accepted_at"],
        bytes(row["body"]),
        row["receipt"],
    )


# `events` is partitioned by month of acceptance (migration 0020), which a position says nothing
# of: the page's keys, read from the narrow `event_keys`, give the range of months to read, so
# the page touches one or two partitions instead of every one. Months detached to the archive
# are always every month before some `until`: their positions are skipped, not waited for.
_PAGE = """
WITH floor AS (
    SELECT coalesce(max(until)::timestamp AT TIME ZONE 'UTC', '-infinity') AS at
    FROM detached_months
), keys AS (
    SELECT accepted_at FROM event_keys
    WHERE position > $1 AND ($2::bigint IS NULL OR position <= $2)
      AND accepted_at >= (SELECT at FROM floor)
    ORDER BY position LIMIT $3
), span AS (
    SELECT min(accepted_at) AS lo, max(accepted_at) AS hi FROM keys
)
SELECT position, event_id, complaint_id, version, type, actor, accepted_at, body, receipt
FROM events
WHERE position > $1 AND ($2::bigint IS NULL OR position <= $2)
  AND accepted_at >= (SELECT lo FROM span) AND accepted_at <= (SELECT hi FROM span)
ORDER BY position LIMIT $3
"""


async def read_feed(
    pool: asyncpg.Pool, *, after: int, upto: int | None = None, limit: int = 100
) -> tuple[list[FeedItem], int, bool]:
    """Items with after < position <= upto, at most `limit`; returns (items, next, limited).

    Positions are taken under the counter's row lock and become visible only at COMMIT, in
    order, so nothing can later appear below a position a reader has passed.
    """
    rows = await pool.fetch(_PAGE, after, upto, limit + 1)
    limited = len(rows) > limit
    items = [feed_item_from_row(r) for r in rows[:limit]]
    next_cursor = items[-1].position if items else after
    return items, next_cursor, limited


async def head_position(pool: asyncpg.Pool) -> int:
    """The highest committed position."""
    return int(await pool.fetchval("SELECT coalesce(max(position), 0) FROM event_keys"))


async def case_states(
    pool: asyncpg.Pool | Conn, complaint_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """The current case state (the CaseView form) of each complaint, in one query."""
    rows = await pool.fetch(
        "SELECT complaint_id, (snapshot->'state')::text AS state FROM complaints"
        " WHERE complaint_id = ANY($1::text[])",
        list(complaint_ids),
    )
    return {r["complaint_id"]: orjson.loads(r["state"]) for r in rows if r["state"]}
