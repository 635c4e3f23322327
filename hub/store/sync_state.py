"""Pull synchronisation state per polled platform: cursor, health, rejects, and the poll lease.

Every statement here is short: the lease is claimed and progress is recorded in their own
statements, so no transaction is ever open while the hub waits on a platform's API.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from hub.domain.lifecycle import TERMINAL

_COLUMNS = (
    "platform, cursor, window_end, backlog, last_success_at, last_error, last_error_at,"
    " consecutive_failures, lag_s, rejects::text AS rejects, pages, records, lease_holder,"
    " lease_until, updated_at"
)

# The same columns, qualified, for an UPDATE that joins the row it locked.
_S_COLUMNS = ", ".join("s." + column.strip() for column in _COLUMNS.split(","))


@dataclasses.dataclass(frozen=True)
class SyncState:
    platform: str
    cursor: str | None
    window_end: datetime | None
    backlog: bool
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    lag_s: int | None
    rejects: dict[str, int]
    pages: int
    records: int
    lease_holder: str | None
    lease_until: datetime | None
    updated_at: datetime

    def as_json(self) -> dict[str, Any]:
        shown = dataclasses.asdict(self)
        for name, value in shown.items():
            if isinstance(value, datetime):
                shown[name] = value.isoformat()
        return shown


def _state(row: asyncpg.Record) -> SyncState:
    return SyncState(
        row["platform"],
        row["cursor"],
        row["window_end"],
        row["backlog"],
        row["last_success_at"],
        row["last_error"],
        row["last_error_at"],
        row["consecutive_failures"],
        row["lag_s"],
        orjson.loads(row["rejects"]),
        row["pages"],
        row["records"],
        row["lease_holder"],
        row["lease_until"],
        row["updated_at"],
    )


class SyncStateStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def ensure(self, platform: str, at: datetime) -> None:
        await self._pool.execute(
            "INSERT INTO sync_state (platform, updated_at) VALUES ($1, $2)"
            " ON CONFLICT (platform) DO NOTHING",
            platform,
            at,
        )

    async def get(self, platform: str) -> SyncState | None:
        row = await self._pool.fetchrow(
            f"SELECT {_COLUMNS} FROM sync_state WHERE platform = $1", platform
        )
        return _state(row) if row else None

    async def all(self) -> list[SyncState]:
        rows = await self._pool.fetch(f"SELECT {_COLUMNS} FROM sync_state ORDER BY platform")
        return [_state(r) for r in rows]

    async def claim_lease(
        self, platform: str, holder: str, at: datetime, until: datetime
    ) -> SyncState | None:
        """Hold the platform's poll lease until `until`, unless another live holder has it.

        SKIP LOCKED: a process that finds the row being claimed by another moves on at once
        instead of queueing behind it.
        """
        row = await self._pool.fetchrow(
            f"""
            WITH free AS (
                SELECT platform FROM sync_state
                WHERE platform = $1
                  AND (lease_holder IS NULL OR lease_holder = $2 OR lease_until <= $3)
                  AND NOT paused  -- an operator paused it on /ops: no poll until resumed
                FOR UPDATE SKIP LOCKED
            )
            UPDATE sync_state s SET lease_holder = $2, lease_until = $4
            FROM free WHERE s.platform = free.platform
            RETURNING {_S_COLUMNS}
            """,
            platform,
            holder,
            at,
            until,
        )
        return _state(row) if row else None

    async def release_lease(self, platform: str, holder: str) -> None:
        await self._pool.execute(
            "UPDATE sync_state SET lease_holder = NULL, lease_until = NULL"
            " WHERE platform = $1 AND lease_holder = $2",
            platform,
            holder,
        )

    async def record_page(
        self,
        platform: str,
        holder: str,
        *,
        cursor: str,
        window_end: datetime,
        backlog: bool,
        lag_s: int,
        records: int,
        at: datetime,
    ) -> bool:
        """Advance the cursor past a page whose records were all handled; False if the lease
        was lost meanwhile (another process took over: it must not be overwritten)."""
        status = await self._pool.execute(
            """
            UPDATE sync_state SET cursor = $3, window_end = $4, backlog = $5, lag_s = $6,
                   pages = pages + 1, records = records + $7, updated_at = $8,
                   last_success_at = CASE WHEN $5 THEN last_success_at ELSE $8 END,
                   consecutive_failures = 0
            WHERE platform = $1 AND lease_holder = $2
            """,
            platform,
            holder,
            cursor,
            window_end,
            backlog,
            lag_s,
            records,
            at,
        )
        return status.endswith(" 1")

    async def record_failure(self, platform: str, error: str, at: datetime) -> int:
        """Note a failed poll; returns the number of failures in a row."""
        failures = await self._pool.fetchval(
            "UPDATE sync_state SET last_error = $2, last_error_at = $3, updated_at = $3,"
            " consecutive_failures = consecutive_failures + 1"
            " WHERE platform = $1 RETURNING consecutive_failures",
            platform,
            error,
            at,
        )
        return int(failures or 0)

    async def count_reject(self, platform: str, reason: str, at: datetime) -> None:
        await self._pool.execute(
            "UPDATE sync_state SET rejects = jsonb_set(rejects, ARRAY[$2::text],"
            " to_jsonb(coalesce((rejects ->> $2)::bigint, 0) + 1)), updated_at = $3"
            " WHERE platform = $1",
            platform,
            reason,
            at,
        )

    async def open_complaints_for_order(self, platform: str, order_id: str) -> list[str]:
        """Complaints against `platform` about `order_id` that are not closed yet."""
        rows = await self._pool.fetch(
            "SELECT c.complaint_id FROM events e JOIN complaints c USING (complaint_id)"
            " WHERE e.version = 1 AND filed_order_id(e.body) = $2"
            " AND c.respondent_platform = $1 AND NOT (c.status = ANY($3::text[]))"
            " ORDER BY c.complaint_id",
            platform,
            order_id,
            sorted(str(s) for s in TERMINAL),
        )
        return [r["complaint_id"] for r in rows]

    async def set_paused(self, platform: str, paused: bool, at: datetime) -> None:
        await self._pool.execute(
            "INSERT INTO sync_state (platform, paused, updated_at) VALUES ($1, $2, $3)"
            " ON CONFLICT (platform) DO UPDATE SET paused = EXCLUDED.paused,"
            " updated_at = EXCLUDED.updated_at",
            platform,
            paused,
            at,
        )
