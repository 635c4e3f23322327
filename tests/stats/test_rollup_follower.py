"""The rollup's fast path against the slow, obvious one, and one follower per database.

The rollup reads a complaint's state narrowed to the fields its figures need and spreads
contributions in their JSON form; here every cell it keeps is checked against the sum of every
case's contribution decoded from its whole snapshot (CaseView), after cases moved between folds.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping
from typing import Any

import asyncpg
import orjson
import pytest
from aiohttp import web

from hub.domain.case_state import from_state, is_report_state
from hub.domain.stats_cells import ALL, CaseFigures, Measures
from hub.stats.resources import STATS_WORKER
from hub.stats.worker import StatsWorker, contributions
from hub.store.pool import Conn, create_pool
from hub.store.resources import POOL
from hub.store.stats import StatsStore, rollup_deltas
from tests.stats._year import DISTRICTS, Clock, append_year, plan_year
from tests.waiting import eventually


async def _whole_states(db: asyncpg.Connection) -> dict[str, dict[str, Any]]:
    rows = await db.fetch("SELECT complaint_id, (snapshot->'state')::text AS s FROM complaints")
    return {r["complaint_id"]: orjson.loads(r["s"]) for r in rows}


def _reference_cells(
    states: Mapping[str, Mapping[str, Any]], bureau_regions: Mapping[str, tuple[str, ...]]
) -> dict[tuple[Any, ...], Measures]:
    """Every base cell as the sum of each case's contribution from its whole CaseView."""
    cells: dict[tuple[Any, ...], Measures] = defaultdict(Measures)
    for contribution in contributions(
        states, bureau_regions=bureau_regions, village_stations=()
    ).values():
        assert contribution is not None
        day = contribution.received_on
        for grain, start in (("day", day), ("month", day.replace(day=1))):
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
                cells[key] = cells[key].plus(contribution.measures)
    return dict(cells)


async def _stored_cells(db: asyncpg.Connection) -> dict[tuple[Any, ...], Measures]:
    rows = await db.fetch("SELECT *, resolve_days::text AS days FROM stats_rollup")
    names = [n for n in Measures.__dataclass_fields__ if n != "resolve_days"]
    return {
        tuple(
            r[k] for k in ("kind", "grain", "dim", "period_start", "region", "platform", "value")
        ): (
            Measures(
                **{n: int(r[n]) for n in names},
                resolve_days={int(d): int(c) for d, c in orjson.loads(r["days"]).items()},
            )
        )
        for r in rows
        if any(int(r[n]) for n in names) or r["days"] != "{}"
    }


async def test_the_rollup_equals_every_case_counted_from_its_whole_snapshot(
    clock: Clock, client: Any, app: web.Application, enrol: Any, db: asyncpg.Connection
) -> None:
    for district, participant in DISTRICTS.items():
        await enrol(participant, "bureau", regions=(district,))
    year = plan_year(seed=11, complaints=150, reports=12)
    worker = app[STATS_WORKER]
    # fold after every step of the chains, so cases move out of cells they were counted in
    for index in range(max(len(chain) for chain in year.plans)):
        await append_year(app, year, index, index + 1)
        await worker.catch_up()
    states = await _whole_states(db)
    bureau_regions = await StatsStore(app[POOL]).bureau_regions()
    reference = _reference_cells(states, bureau_regions)
    assert any(m.resolve_days for m in reference.values())
    # the year's breaches are bureaus' acceptance decisions: none is charged to a platform
    assert any(m.bureau_breached_deadlines for m in reference.values())
    assert not any(m.breached_deadlines for m in reference.values())
    assert any(k[0] == "report" for k in reference)
    assert await _stored_cells(db) == reference
    stored = {r["complaint_id"] for r in await db.fetch("SELECT complaint_id FROM stats_cases")}
    assert stored == set(states)


async def test_a_complaint_narrowed_to_its_figure_fields_has_the_figures_of_its_whole_state(
    clock: Clock, client: Any, app: web.Application, enrol: Any, db: asyncpg.Connection
) -> None:
    for district, participant in DISTRICTS.items():
        await enrol(participant, "bureau", regions=(district,))
    await append_year(app, plan_year(seed=5, complaints=80, reports=6))
    whole = await _whole_states(db)
    seen: dict[str, Mapping[str, Any]] = {}

    def capture(states: Mapping[str, Mapping[str, Any]]) -> dict[str, None]:
        seen.update(states)
        raise RuntimeError("only looking")  # nothing is folded

    await db.execute("UPDATE stats_cursor SET position = 0")
    with pytest.raises(RuntimeError):
        await StatsStore(app[POOL]).follow(capture, limit=100_000)
    assert set(seen) == set(whole)
    complaints = [c for c, state in whole.items() if not is_report_state(state)]
    assert complaints
    for complaint_id in complaints:
        figures = CaseFigures.of(from_state(whole[complaint_id]))
        assert len(seen[complaint_id]) < len(whole[complaint_id])  # narrowed
        assert CaseFigures.from_state(seen[complaint_id]) == figures, complaint_id
        assert CaseFigures.from_state(whole[complaint_id]) == figures, complaint_id


def _contribution(status: str, resolved_days: int | None = None) -> dict[str, Any]:
    return {
        "kind": "complaint",
        "received_on": "2026-03-15",
        "region": "330106",
        "platform": "taobao",
        "dimensions": {"status": status},
        "measures": {
            "filed": 1,
            "resolved": int(resolved_days is not None),
            "claimed_fen": 500,
            "resolve_days": {} if resolved_days is None else {str(resolved_days): 1},
        },
    }


def test_a_case_that_moves_leaves_its_old_cells_and_one_that_does_not_moves_nothing() -> None:
    received = _contribution("received")
    resolved = _contribution("resolved", resolved_days=4)
    assert rollup_deltas({"a": received}, {"a": dict(received)}) == {}
    deltas = rollup_deltas({"a": received}, {"a": resolved})
    # the total's cells keep the case and gain its resolution; the status cells swap it
    assert deltas[("complaint", "day", ALL, "2026-03-15", "330106", "taobao", ALL)] == (
        [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        {"4": 1},
    )
    assert deltas[("complaint", "month", "status", "2026-03-01", "330106", "taobao", "received")][
        0
    ] == [-1, 0, 0, -500, 0, 0, 0, 0, 0, 0, 0, 0]
    assert deltas[
        ("complaint", "month", "status", "2026-03-01", "330106", "taobao", "resolved")
    ] == (
        [1, 0, 1, 500, 0, 0, 0, 0, 0, 0, 0, 0],
        {"4": 1},
    )
    assert len(deltas) == 6
    gone = rollup_deltas({"a": resolved}, {"a": None})
    assert gone[("complaint", "day", ALL, "2026-03-15", "330106", "taobao", ALL)] == (
        [-1, 0, -1, -500, 0, 0, 0, 0, 0, 0, 0, 0],
        {"4": -1},
    )


_HOLDER = """
SELECT pid FROM pg_locks
WHERE locktype = 'advisory' AND granted AND database = (
    SELECT oid FROM pg_database WHERE datname = current_database()
)
"""


class _CountingStore(StatsStore):
    """The real store, counting the times it was refused the lead."""

    refused = 0

    @contextlib.asynccontextmanager
    async def leading(self) -> AsyncIterator[Conn | None]:
        async with super().leading() as conn:
            if conn is None:
                self.refused += 1
            yield conn


async def test_one_process_follows_and_another_takes_over_when_it_dies(
    database_url: str, db: asyncpg.Connection
) -> None:
    first_pool = await create_pool(database_url, size=2)
    second_pool = await create_pool(database_url, size=2)
    try:
        first, second = StatsStore(first_pool), _CountingStore(second_pool)
        async with first.leading() as leader:
            assert leader is not None
            pid = leader.get_server_pid()
            async with second.leading() as standby:
                assert standby is None  # it would only wait on the cursor row
            # a second process's follower stands by while the first leads, asking again and again
            runner = asyncio.create_task(StatsWorker(second, idle_s=0.01, standby_s=0.05).run())
            await eventually(lambda: second.refused >= 3)
            assert [r["pid"] for r in await db.fetch(_HOLDER)] == [pid]
            # the leader's connection dies (a crashed process): its lock goes with it
            await db.execute("SELECT pg_terminate_backend($1)", pid)

            async def taken_over() -> list[int]:
                holders = [r["pid"] for r in await db.fetch(_HOLDER)]
                assert holders, "nobody holds the lock yet"
                assert holders != [pid]
                return holders

            holders = await eventually(taken_over)
            assert len(holders) == 1  # the standby took over
            runner.cancel()
            with pytest.raises(asyncio.CancelledError):
                await runner
        # a follower that stops hands over at once: it closes its connection, and the lock goes
        # as soon as the server has seen it close (a lock kept on a pooled connection never would)

        async def released() -> bool:
            return await db.fetch(_HOLDER) == []

        await eventually(released)
        async with first.leading() as leader:
            assert leader is not None
    finally:
        await first_pool.close()
        await second_pool.close()
