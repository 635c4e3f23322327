"""The statistics rollup: follow the feed into base cells, and read cells back.

`follow` moves the rollup and its cursor in one transaction: it reads the next events after the
cursor, replaces the contribution of every case they touch by the one of the case's current
snapshot, adds the difference to the cells, and stores the new cursor. A crash before COMMIT
leaves all three as they were; a batch that is repeated replaces a contribution by itself.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import asyncpg
import orjson

from hub.domain.stats_cells import COUNT_FIELDS, Contribution, Measures
from hub.store.pool import Conn

# grain of the base rows -> how a received day maps to its period start
BASE_GRAINS: dict[str, Callable[[dt.date], dt.date]] = {
    "day": lambda day: day,
    "month": lambda day: day.replace(day=1),
}

# (kind, grain, dim, period_start, region, platform, value)
RollupKey = tuple[str, str, str, dt.date, str, str, str]
# case states (the CaseView form) -> each one's contribution now (None: counted nowhere)
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
    old: Mapping[str, Contribution | None], new: Mapping[str, Contribution | None]
) -> dict[RollupKey, Measures]:
    """What the cells gain when each case's contribution goes from `old` to `new`."""
    deltas: dict[RollupKey, Measures] = defaultdict(Measures)
    for complaint_id in set(old) | set(new):
        for contribution, sign in ((old.get(complaint_id), -1), (new.get(complaint_id), 1)):
            if contribution is None:
                continue
            for grain, start_of in BASE_GRAINS.items():
                start = start_of(contribution.received_on)
                for dim, value in contribution.breakdowns():
                    key = (
                        contribution.kind,
                        grain,
                        dim,
                        start,
                        contribution.region,
                        contribution.platform,
                        value,
                    )
                    deltas[key] = deltas[key].plus(contribution.measures, sign)
    return {
        key: delta
        for key, delta in deltas.items()
        if any(getattr(delta, name) for name in COUNT_FIELDS) or delta.resolve_days
    }


class StatsStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def position(self) -> int:
        return int(await self._pool.fetchval("SELECT position FROM stats_cursor"))

    async def bureau_regions(self) -> dict[str, tuple[str, ...]]:
        """The regions of every bureau: a transferred case counts where its bureau is."""
        rows = await self._pool.fetch(
            "SELECT participant_id, regions FROM participants WHERE role = 'bureau'"
        )
        return {str(r["participant_id"]): tuple(r["regions"] or ()) for r in rows}

    async def follow(self, contribute: Contribute, *, limit: int = 1000) -> Followed:
        """Fold the next `limit` events after the cursor into the rollup, in one transaction."""
        async with self._pool.acquire() as conn, conn.transaction():
            # The row lock makes followers in several processes take turns, never overlap.
            after = int(await conn.fetchval("SELECT position FROM stats_cursor FOR UPDATE"))
            rows = await conn.fetch(
                "SELECT position, complaint_id FROM events WHERE position > $1"
                " ORDER BY position LIMIT $2",
                after,
                limit,
            )
            if not rows:
                return Followed(0, 0, after)
            complaint_ids = sorted({str(r["complaint_id"]) for r in rows})
            states = {
                str(r["complaint_id"]): orjson.loads(r["state"])
                for r in await conn.fetch(
                    "SELECT complaint_id, (snapshot->'state')::text AS state FROM complaints"
                    " WHERE complaint_id = ANY($1::text[]) AND snapshot ? 'state'",
                    complaint_ids,
                )
            }
            old = {
                str(r["complaint_id"]): Contribution.from_json(orjson.loads(r["contribution"]))
                for r in await conn.fetch(
                    "SELECT complaint_id, contribution::text AS contribution FROM stats_cases"
                    " WHERE complaint_id = ANY($1::text[]) FOR UPDATE",
                    complaint_ids,
                )
            }
            new = dict(contribute(states))
            await _apply_txn(conn, rollup_deltas(old, new))
            await _replace_cases_txn(conn, new)
            position = int(rows[-1]["position"])
            await conn.execute("UPDATE stats_cursor SET position = $1", position)
            return Followed(len(rows), len(complaint_ids), position)

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


async def _apply_txn(conn: Conn, deltas: Mapping[RollupKey, Measures]) -> None:
    if not deltas:
        return
    keys = sorted(deltas)  # one lock order in every process
    columns: list[Sequence[Any]] = [[key[i] for key in keys] for i in range(7)]
    columns += [[getattr(deltas[key], name) for key in keys] for name in COUNT_FIELDS]
    columns.append(
        [
            orjson.dumps({str(d): c for d, c in deltas[key].resolve_days.items()}).decode()
            for key in keys
        ]
    )
    await conn.execute(_UPSERT_ROLLUP, *columns)


async def _replace_cases_txn(conn: Conn, new: Mapping[str, Contribution | None]) -> None:
    kept = sorted(c for c, contribution in new.items() if contribution is not None)
    gone = sorted(c for c, contribution in new.items() if contribution is None)
    if kept:
        await conn.execute(
            "INSERT INTO stats_cases (complaint_id, contribution)"
            " SELECT c, j::jsonb FROM unnest($1::text[], $2::text[]) AS u(c, j)"
            " ON CONFLICT (complaint_id) DO UPDATE SET contribution = EXCLUDED.contribution",
            kept,
            [orjson.dumps(new[c].to_json()).decode() for c in kept],  # type: ignore[union-attr]
        )
    if gone:
        await conn.execute("DELETE FROM stats_cases WHERE complaint_id = ANY($1::text[])", gone)


_COUNT_PARAMS = ", ".join(f"${8 + i}::bigint[]" for i in range(len(COUNT_FIELDS)))
_HIST_PARAM = f"${8 + len(COUNT_FIELDS)}::text[]"
_UPDATES = ", ".join(f"{name} = stats_rollup.{name} + EXCLUDED.{name}" for name in COUNT_FIELDS)
_UPSERT_ROLLUP = f"""
INSERT INTO stats_rollup (kind, grain, dim, period_start, region, platform, value,
                          {_MEASURE_COLUMNS}, resolve_days)
SELECT u.*
FROM unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::text[], $6::text[], $7::text[],
            {_COUNT_PARAMS}, {_HIST_PARAM}::jsonb[]) AS u
ON CONFLICT (kind, grain, dim, period_start, region, platform, value) DO UPDATE
SET {_UPDATES}, resolve_days = stats_hist_add(stats_rollup.resolve_days, EXCLUDED.resolve_days)
"""
