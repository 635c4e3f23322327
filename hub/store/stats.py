"""The statistics rollup: follow the feed into base cells, and read cells back.

`follow` moves the rollup and its cursor in one transaction: it reads the next events after the
cursor, replaces the contribution of every case they touch by the one of the case's current
snapshot, adds the difference to the cells, and stores the new cursor. A crash before COMMIT
leaves all three as they were; a batch that is repeated replaces a contribution by itself.

The fold is the hub's busiest background work (a case spreads over twenty cells: two grains, the
total and nine breakdowns), so it stays lean: a complaint's state is read narrowed to the fields
its figures need, contributions are compared and spread in their JSON form (no dataclasses), a
case whose contribution did not change costs nothing more, and a batch holds many events.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any

import asyncpg
import orjson

from hub.domain.stats_cells import ALL, COUNT_FIELDS, FIGURE_FIELDS, Contribution, Measures
from hub.store.pool import Conn

# (kind, grain, dim, period_start as ISO date, region, platform, value)
RollupKey = tuple[str, str, str, str, str, str, str]
# case states (a complaint's FIGURE_FIELDS, a report's whole ReportView form) -> each one's
# contribution now (None: counted nowhere)
Contribute = Callable[[Mapping[str, Mapping[str, Any]]], Mapping[str, Contribution | None]]


@dataclasses.dataclass(frozen=True, slots=True)
class Followed:
    events: int
    cases: int
    position: int


@dataclasses.dataclass(frozen=True, slots=True)
class BaseCell:
    period_start: dt.date
    region: str
    platform: str
    value: str
    measures: Measures


def rollup_deltas(
    old: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any] | None]
) -> dict[RollupKey, tuple[list[int], dict[str, int]]]:
    """What the cells gain when each case of `new` goes from its contribution in `old` to the
    one in `new` (None: counted nowhere), both in Contribution's JSON form: per cell, its
    counts in COUNT_FIELDS order and its {days: cases} histogram, cells gaining nothing left
    out."""
    deltas: dict[RollupKey, tuple[list[int], dict[str, int]]] = {}
    for complaint_id, now in new.items():
        before = old.get(complaint_id)
        if before == now:
            continue  # a move that changes no figure (most notes, offers and reminders)
        for document, sign in ((before, -1), (now, 1)):
            if document is None:
                continue
            measures = document["measures"]
            counts = [
                (i, sign * v) for i, name in enumerate(COUNT_FIELDS) if (v := measures.get(name))
            ]
            days = [(d, sign * c) for d, c in (measures.get("resolve_days") or {}).items()]
            kind, region, platform = document["kind"], document["region"], document["platform"]
            day = document["received_on"]
            breakdowns = [(ALL, ALL), *document["dimensions"].items()]
            for grain, start in (("day", day), ("month", day[:8] + "01")):
                for dim, value in breakdowns:
                    key = (kind, grain, dim, start, region, platform, value)
                    cell = deltas.get(key)
                    if cell is None:
                        cell = deltas[key] = ([0] * len(COUNT_FIELDS), {})
                    cell_counts, histogram = cell
                    for i, v in counts:
                        cell_counts[i] += v
                    for d, c in days:
                        histogram[d] = histogram.get(d, 0) + c
    result = {}
    for key, (cell_counts, histogram) in deltas.items():
        histogram = {d: c for d, c in histogram.items() if c}
        if histogram or any(cell_counts):
            result[key] = (cell_counts, histogram)
    return result


class StatsStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def position(self) -> int:
        return int(await self._pool.fetchval("SELECT position FROM stats_cursor"))

    async def bureau_regions(self, conn: Conn | None = None) -> dict[str, tuple[str, ...]]:
        """The regions of every bureau: a transferred case counts where its bureau is."""
        rows = await (conn or self._pool).fetch(
            "SELECT participant_id, regions FROM participants WHERE role = 'bureau'"
        )
        return {str(r["participant_id"]): tuple(r["regions"] or ()) for r in rows}

    @contextlib.asynccontextmanager
    async def leading(self) -> AsyncIterator[Conn | None]:
        """A connection of this process's own while it is the database's one rollup follower,
        or None while another process is: the others' work would only wait on the cursor row.

        The lock is the session's, so it goes when the connection does: a follower that dies
        hands over to whichever process asks next. A leader that stops closes its connection
        rather than hand it back to the pool with the lock still held (the pool does not reset
        session state: hub/store/pool.py).
        """
        async with self._pool.acquire() as conn:
            if await conn.fetchval("SELECT pg_try_advisory_lock($1, $2)", *_FOLLOWER_LOCK):
                try:
                    yield conn
                finally:
                    # (Already gone if the connection broke: the pool took it back then.)
                    with contextlib.suppress(asyncpg.InterfaceError):
                        conn.terminate()
            else:
                yield None

    async def follow(
        self, contribute: Contribute, *, limit: int = 1000, conn: Conn | None = None
    ) -> Followed:
        """Fold the next `limit` events after the cursor into the rollup, in one transaction
        (on `conn` if given, else on a connection of the pool)."""
        if conn is None:
            async with self._pool.acquire() as pooled:
                return await self._follow(pooled, contribute, limit)
        return await self._follow(conn, contribute, limit)

    async def _follow(self, conn: Conn, contribute: Contribute, limit: int) -> Followed:
        async with conn.transaction():
            # The row lock makes followers in several processes take turns, never overlap.
            after = int(await conn.fetchval("SELECT position FROM stats_cursor FOR UPDATE"))
            batch = await conn.fetchrow(_NEXT_EVENTS, after, limit)
            if batch is None:
                raise RuntimeError("reading the events after the rollup's cursor returned no row")
            events, position, cases = batch
            if not events:
                return Followed(0, 0, after)
            # The cases are named by the batch's positions, never sent back as a list of ids.
            states = {
                str(r["complaint_id"]): orjson.loads(r["state"])
                for r in await conn.fetch(_FIGURE_STATES, after, position)
            }
            # No row locks: every writer of stats_cases holds the cursor row first.
            old = {
                str(r["complaint_id"]): orjson.loads(r["contribution"])
                for r in await conn.fetch(_CONTRIBUTIONS, after, position)
            }
            new = {
                complaint_id: None if contribution is None else contribution.to_json()
                for complaint_id, contribution in contribute(states).items()
            }
            await _apply_txn(conn, rollup_deltas(old, new))
            await _replace_cases_txn(conn, {c: j for c, j in new.items() if j != old.get(c)})
            await conn.execute("UPDATE stats_cursor SET position = $1", position)
            return Followed(int(events), int(cases), int(position))

    async def populations(
        self, kind: str, grain: str, dim: str, first: dt.date, last: dt.date
    ) -> list[tuple[dt.date, str, str, str, int]]:
        """The record count of every base cell of (kind, grain, dim) with a period starting in
        [first, last], all regions and platforms: suppression is decided on the whole grid,
        never on a reader's part."""
        rows = await self._pool.fetch(
            "SELECT period_start, region, platform, value,"
            " CASE WHEN kind = 'report' THEN reports_received ELSE filed END AS n"
            " FROM stats_rollup WHERE kind = $1 AND grain = $2 AND dim = $3"
            " AND period_start BETWEEN $4 AND $5 AND (filed > 0 OR reports_received > 0)",
            kind,
            grain,
            dim,
            first,
            last,
        )
        return [(r[0], r[1], r[2], r[3], int(r[4])) for r in rows]

    async def base_cells(
        self,
        kind: str,
        grain: str,
        dim: str,
        first: dt.date,
        last: dt.date,
        region_prefixes: Sequence[str],
    ) -> list[BaseCell]:
        """The measures of the base cells inside the regions a reader is shown."""
        rows = await self._pool.fetch(
            f"SELECT period_start, region, platform, value, {_MEASURE_COLUMNS},"
            " resolve_days::text AS resolve_days FROM stats_rollup"
            " WHERE kind = $1 AND grain = $2 AND dim = $3"
            " AND period_start BETWEEN $4 AND $5"
            " AND (filed > 0 OR reports_received > 0)"
            " AND region LIKE ANY($6::text[])",
            kind,
            grain,
            dim,
            first,
            last,
            [prefix + "%" for prefix in region_prefixes],
        )
        return [
            BaseCell(
                r["period_start"],
                r["region"],
                r["platform"],
                r["value"],
                Measures(
                    **{name: int(r[name]) for name in COUNT_FIELDS},
                    resolve_days={
                        int(d): int(c) for d, c in orjson.loads(r["resolve_days"]).items()
                    },
                ),
            )
            for r in rows
        ]


_MEASURE_COLUMNS = ", ".join(COUNT_FIELDS)


# (classid, objid): a two-key advisory lock, apart from the event store's one-key locks on cases
_FOLLOWER_LOCK = (0x5354, 0x41545300)

_NEXT_EVENTS = """
SELECT count(*), max(position), count(DISTINCT complaint_id)
FROM (SELECT position, complaint_id FROM events WHERE position > $1 ORDER BY position LIMIT $2)
    AS batch
"""
_BATCH_CASES = "SELECT complaint_id FROM events WHERE position > $1 AND position <= $2"
_CONTRIBUTIONS = f"""
SELECT complaint_id, contribution::text AS contribution FROM stats_cases
WHERE complaint_id IN ({_BATCH_CASES})
"""

# A report's state whole (it is small); a complaint's narrowed to the fields its figures read.
_FIGURES = ", ".join(f"'{name}', s -> '{name}'" for name in FIGURE_FIELDS)
_FIGURE_STATES = f"""
SELECT complaint_id,
       (CASE WHEN s ? 'report_id' THEN s ELSE jsonb_build_object({_FIGURES}) END)::text AS state
FROM (SELECT complaint_id, snapshot -> 'state' AS s FROM complaints
      WHERE complaint_id IN ({_BATCH_CASES}) AND snapshot ? 'state'
      OFFSET 0) AS c  -- a fence: the snapshot is read (and decompressed) once, not per field
"""


async def _apply_txn(
    conn: Conn, deltas: Mapping[RollupKey, tuple[list[int], dict[str, int]]]
) -> None:
    if not deltas:
        return
    # One JSON document, not nineteen arrays: asyncpg encodes an array element by element,
    # which cost more than all the rest of the fold.
    rows = [[*key, *deltas[key][0], deltas[key][1]] for key in sorted(deltas)]
    await conn.execute(_UPSERT_ROLLUP, orjson.dumps(rows).decode())


async def _replace_cases_txn(conn: Conn, changed: Mapping[str, Mapping[str, Any] | None]) -> None:
    kept = {c: contribution for c, contribution in changed.items() if contribution is not None}
    gone = sorted(c for c, contribution in changed.items() if contribution is None)
    if kept:
        await conn.execute(
            "INSERT INTO stats_cases (complaint_id, contribution)"
            " SELECT key, value FROM jsonb_each($1::jsonb) ORDER BY key"
            " ON CONFLICT (complaint_id) DO UPDATE SET contribution = EXCLUDED.contribution",
            orjson.dumps(kept).decode(),
        )
    if gone:
        await conn.execute("DELETE FROM stats_cases WHERE complaint_id = ANY($1::text[])", gone)


_KEY = "kind, grain, dim, period_start, region, platform, value"
_FIELDS = ", ".join(
    [
        *(f"r ->> {i}" for i in (0, 1, 2)),
        "(r ->> 3)::date",
        *(f"r ->> {i}" for i in (4, 5, 6)),
        *(f"(r ->> {7 + i})::bigint" for i in range(len(COUNT_FIELDS))),
        f"r -> {7 + len(COUNT_FIELDS)}",
    ]
)
_UPDATES = ", ".join(f"{name} = stats_rollup.{name} + EXCLUDED.{name}" for name in COUNT_FIELDS)
# $1: [[kind, grain, dim, period_start, region, platform, value, *counts, histogram], ...] sorted
# by key (one lock order in every process). A delta without a histogram (most: only a case
# resolved moves one) leaves the cell's as it is.
_UPSERT_ROLLUP = f"""
INSERT INTO stats_rollup ({_KEY}, {_MEASURE_COLUMNS}, resolve_days)
SELECT {_FIELDS}
FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS u (r, n)
ORDER BY n
ON CONFLICT ({_KEY}) DO UPDATE
SET {_UPDATES},
    resolve_days = CASE WHEN EXCLUDED.resolve_days = '{{}}' THEN stats_rollup.resolve_days
                        ELSE stats_hist_add(stats_rollup.resolve_days, EXCLUDED.resolve_days) END
"""
