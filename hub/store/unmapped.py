"""Native codes no adapter table knows, counted per platform, field and code.

A record carrying such a code is accepted (the adapter reads its phase as unknown); the count is
what tells an operator which code a platform started sending and which table to extend. It is
kept by `count_unmapped_txn`, called in the transaction that keeps the record's native state.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import asyncpg

from hub.store.pool import Conn

_COUNT = """
INSERT INTO unmapped_codes AS u (platform, field, code, count, first_seen_at, last_seen_at)
SELECT p, f, c, n, $5, $5
FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS t(p, f, c, n)
ON CONFLICT (platform, field, code) DO UPDATE
SET count = u.count + EXCLUDED.count,
    last_seen_at = greatest(u.last_seen_at, EXCLUDED.last_seen_at)
"""


@dataclasses.dataclass(frozen=True)
class UnmappedCount:
    platform: str
    field: str
    code: str
    count: int
    first_seen_at: datetime
    last_seen_at: datetime

    def as_json(self) -> dict[str, Any]:
        shown = dataclasses.asdict(self)
        shown["first_seen_at"] = self.first_seen_at.isoformat()
        shown["last_seen_at"] = self.last_seen_at.isoformat()
        return shown


async def count_unmapped_txn(
    conn: Conn, seen: Iterable[tuple[str, str, str]], at: datetime
) -> None:
    """Add one to each (platform, field, code) in `seen`, inside the caller's transaction."""
    counts = Counter(seen)
    if not counts:
        return
    # One statement may not touch a row twice, hence the Counter.
    keys = sorted(counts)
    await conn.execute(
        _COUNT,
        [platform for platform, _, _ in keys],
        [field for _, field, _ in keys],
        [code for _, _, code in keys],
        [counts[key] for key in keys],
        at,
    )


class UnmappedCodeStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def all(self, platform: str | None = None) -> list[UnmappedCount]:
        """Every counted code (of one platform, if named), most frequent first."""
        rows = await self._pool.fetch(
            "SELECT platform, field, code, count, first_seen_at, last_seen_at FROM unmapped_codes"
            " WHERE $1::text IS NULL OR platform = $1"
            " ORDER BY platform, count DESC, field, code",
            platform,
        )
        return [
            UnmappedCount(
                row["platform"],
                row["field"],
                row["code"],
                row["count"],
                row["first_seen_at"],
                row["last_seen_at"],
            )
            for row in rows
        ]
