"""What the deadline sweeper reads and rewrites: cases with a deadline to breach or to recompute.

`complaints` is derived from the events, so rewriting a snapshot's deadlines (after a holiday
table arrived) changes no history; the events themselves are never touched.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

import asyncpg
import orjson


@dataclasses.dataclass(frozen=True)
class SweepCandidate:
    complaint_id: str
    version: int
    state: dict[str, Any]  # the lossless snapshot state (hub.domain.case_state)


def _candidate(row: asyncpg.Record) -> SweepCandidate:
    return SweepCandidate(row["complaint_id"], row["version"], orjson.loads(row["state"]))


class SweepStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def due_before(
        self, today: dt.date, *, after: str | None, limit: int
    ) -> list[SweepCandidate]:
        """Cases with a non-provisional, unbreached deadline due before `today`, by complaint id.

        `after` is the exclusive keyset cursor (a complaint id). Recording a breach drops a case
        from this set, so paging by id never skips one.
        """
        rows = await self._pool.fetch(
            """
            SELECT complaint_id, version, (snapshot -> 'state')::text AS state FROM complaints
            WHERE breachable_due_on < $1 AND ($2::text IS NULL OR complaint_id > $2)
            ORDER BY complaint_id
            LIMIT $3
            """,
            today.isoformat(),
            after,
            limit,
        )
        return [_candidate(r) for r in rows]

    async def with_provisional_deadlines(
        self, *, after: str | None, limit: int
    ) -> list[SweepCandidate]:
        rows = await self._pool.fetch(
            """
            SELECT complaint_id, version, (snapshot -> 'state')::text AS state FROM complaints
            WHERE provisional_deadlines AND ($1::text IS NULL OR complaint_id > $1)
            ORDER BY complaint_id
            LIMIT $2
            """,
            after,
            limit,
        )
        return [_candidate(r) for r in rows]

    async def rewrite_snapshot(
        self, complaint_id: str, version: int, snapshot: Mapping[str, Any]
    ) -> bool:
        """Replace the snapshot of `complaint_id` if it is still at `version`.

        A case that moved on meanwhile got its snapshot from a newer event; it is left alone and
        looked at again on the next sweep.
        """
        status = await self._pool.execute(
            "UPDATE complaints SET snapshot = $3::jsonb WHERE complaint_id = $1 AND version = $2",
            complaint_id,
            version,
            orjson.dumps(dict(snapshot)).decode(),
        )
        return status == "UPDATE 1"
