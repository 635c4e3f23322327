"""A generated year across 15 platforms and 3 districts: every published figure equals the same
figure computed straight from the stored events; scoping holds for each role; suppression hides
what it must, and differencing two queries, or a total and its parts, reveals nothing."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import asyncpg
from aiohttp import web

from hub.domain.stats_cells import quantile_days
from hub.domain.stats_grid import Grain, period_start
from hub.domain.stats_query import parse_query
from hub.domain.stats_scope import StatsScope
from hub.sdk.client import HubClient
from hub.stats.resources import STATS, STATS_WORKER
from hub.stats.service import StatsService
from tests.stats._year import (
    CITY_BUREAU,
    DISTRICTS,
    FAR_BUREAU,
    PROVINCE_BUREAU,
    Clock,
    Fact,
    append_year,
    facts,
    plan_year,
    stored_events,
)

EVERYTHING = StatsScope(everywhere=True, kinds=frozenset({"complaint", "report"}))
K = 5  # the default threshold


async def _stats(client: HubClient, **params: str) -> dict[str, Any]:
    # the injected clock stands in January 2027: ask for 2026 unless told otherwise
    params = {"from": "2026-01-01", "to": "2026-12-31", **params}
    response = await client.request("GET", "/v1/stats", params=params)
    assert response.status == 200, response.body
    return dict(response.json())


def _expected(
    cases: dict[str, Fact], key: Callable[[Fact], tuple[Any, ...]], kind: str = "complaint"
) -> dict[tuple[Any, ...], list[Fact]]:
    cells: dict[tuple[Any, ...], list[Fact]] = defaultdict(list)
    for fact in cases.values():
        if fact.kind == kind:
            cells[key(fact)].append(fact)
    return cells


def _figures(group: list[Fact]) -> dict[str, Any]:
    days: dict[int, int] = defaultdict(int)
    for f in group:
        if f.resolved_on is not None:
            days[(f.resolved_on - f.received_on).days] += 1
    resolved = [f for f in group if f.resolved_on is not None]
    return {
        "complaints_filed": len(group),
        "complaints_accepted": sum(f.accepted for f in group),
        "complaints_resolved": len(resolved),
        "amount_claimed_fen": sum(f.claimed_fen for f in group),
        "amount_recovered_fen": sum(f.recovered_fen for f in group),
        "advance_compensation_fen": sum(
            f.recovered_fen for f in group if f.resolution == "advance_compensation"
        ),
        "median_days_to_resolve": quantile_days(days, 0.5),
        "p90_days_to_resolve": quantile_days(days, 0.9),
        "resolved_within_deadline": sum(1 for f in resolved if f.breaches == 0),
        "breached_deadlines": sum(f.breaches for f in group),
        "bureau_breached_deadlines": sum(f.bureau_breaches for f in group),
    }


def _month(day: dt.date) -> str:
    return period_start(Grain.MONTH, day).isoformat()


async def test_a_year_of_figures_scopes_and_suppression(
    clock: Clock,
    client: Any,
    app: web.Application,
    enrol: Any,
    db: asyncpg.Connection,
) -> None:
    # bureaus are registered before cases are transferred to them (the hub refuses otherwise)
    for district, participant in DISTRICTS.items():
        await enrol(participant, "bureau", regions=(district,))
    await append_year(app, plan_year(complaints=600, reports=40))
    readers = {
        "operator": await enrol("operator.hub", "operator"),
        "xihu": await enrol(DISTRICTS["330106"], "bureau", regions=("330106",)),
        "city": await enrol(CITY_BUREAU[0], "bureau", regions=(CITY_BUREAU[1],)),
        "province": await enrol(PROVINCE_BUREAU[0], "bureau", regions=(PROVINCE_BUREAU[1],)),
        "far": await enrol(FAR_BUREAU[0], "bureau", regions=(FAR_BUREAU[1],)),
        "taobao": await enrol("platform.taobao", "platform", platform="taobao"),
        "association": await enrol("association.zj.hz", "association"),
        "court": await enrol("court.hz.internet", "court"),
    }
    await app[STATS_WORKER].catch_up()
    cases = facts(await stored_events(db))
    service: StatsService = app[STATS]

    # -- every figure, unsuppressed (threshold 1), equals the events' own ----------------------
    exact = StatsService(service.store, threshold=1)

    async def exact_cells(**params: str) -> list[dict[str, Any]]:
        query = parse_query(params, EVERYTHING, dt.date(2026, 6, 1))
        return (await exact.query(query, EVERYTHING)).cells

    cells = await exact_cells(group_by="month,district,platform", **{"from": "2026-01-01"})
    expected = _expected(cases, lambda f: (_month(f.received_on), f.region, f.platform))
    assert {(c["period_start"], c["region"], c["platform"]) for c in cells} == set(expected)
    for c in cells:
        group = expected[(c["period_start"], c["region"], c["platform"])]
        assert not c["suppressed"]
        assert {k: c[k] for k in _figures(group)} == _figures(group), c
    for dimension, attribute in (
        ("category1", "level1"),
        ("livestream", "livestream"),
        ("channel", "channel"),
        ("merchant", "merchant"),
        ("bureau", "handler"),
    ):
        cells = await exact_cells(group_by=f"year,district,{dimension}")

        def value(f: Fact, attribute: str = attribute) -> str:
            v = getattr(f, attribute)
            return {True: "true", False: "false", None: "none"}.get(v, v)  # type: ignore[arg-type]

        expected = _expected(cases, lambda f: ("2026-01-01", f.region, value(f)))
        assert {(c["period_start"], c["region"], c[dimension]) for c in cells} == set(expected)
        for c in cells:
            group = expected[(c["period_start"], c["region"], c[dimension])]
            assert {k: c[k] for k in _figures(group)} == _figures(group), (dimension, c)
    reports = await exact_cells(kind="report", group_by="quarter,district")
    expected = _expected(
        cases,
        lambda f: (period_start(Grain.QUARTER, f.received_on).isoformat(), f.region),
        kind="report",
    )
    assert {(c["period_start"], c["region"]): c["reports_received"] for c in reports} == {
        k: len(v) for k, v in expected.items()
    }
    # a transferred case counts once, at the bureau that handled it
    nation = await exact_cells()
    assert nation[0]["complaints_filed"] == sum(1 for f in cases.values() if f.kind == "complaint")

    # -- the signed API: suppression, consistency, differencing --------------------------------
    operator = readers["operator"]
    months = await _stats(operator, group_by="month,district,platform")
    totals = await _stats(operator, group_by="month,district")
    expected = _expected(cases, lambda f: (_month(f.received_on), f.region, f.platform))
    parts: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for c in months["cells"]:
        n = len(expected[(c["period_start"], c["region"], c["platform"])])
        if 0 < n < K:
            assert c["suppressed"], c  # primary
        if not c["suppressed"]:
            assert c["complaints_filed"] == n
        parts[(c["period_start"], c["region"])].append(c)
    for total in totals["cells"]:
        children = parts[(total["period_start"], total["region"])]
        hidden = [
            len(expected[(c["period_start"], c["region"], c["platform"])])
            for c in children
            if c["suppressed"]
        ]
        if not total["suppressed"]:
            # total minus the visible parts: nothing, or two or more cells holding >= K together
            visible = sum(c["complaints_filed"] for c in children if not c["suppressed"])
            assert total["complaints_filed"] - visible == sum(hidden)
            assert not hidden or (len(hidden) >= 2 and sum(hidden) >= K), (total, hidden)
        else:
            assert hidden, total  # a hidden total is never the sum of visible parts
    # Overlapping periods give every shared cell the same answer.
    first = await _stats(operator, group_by="month,district,platform", to="2026-06-30")
    second = await _stats(operator, group_by="month,district,platform", **{"from": "2026-04-01"})
    shared = {
        (c["period_start"], c["region"], c["platform"]): c
        for c in first["cells"]
        if c["period_start"] >= "2026-04-01"
    }
    assert shared
    assert all(
        shared[k] == c
        for k in shared
        for c in second["cells"]
        if (c["period_start"], c["region"], c["platform"]) == k
    )
    # Days against their month: a published month less its visible days never isolates a day.
    days = await _stats(operator, group_by="day,district")
    month_cells = await _stats(operator, group_by="month,district")
    by_day = _expected(cases, lambda f: (f.received_on.isoformat(), f.region))
    for month in month_cells["cells"]:
        inside = [
            c
            for c in days["cells"]
            if c["region"] == month["region"] and c["period_start"][:7] == month["period"]
        ]
        hidden = [len(by_day[(c["period_start"], c["region"])]) for c in inside if c["suppressed"]]
        if not month["suppressed"]:
            assert not hidden or (len(hidden) >= 2 and sum(hidden) >= K)
    # A week is published only where each of its days is, and then equals their sum.
    weeks = await _stats(operator, group_by="week,district")
    for week in weeks["cells"]:
        start = dt.date.fromisoformat(week["period_start"])
        inside = [
            c
            for c in days["cells"]
            if c["region"] == week["region"]
            and start <= dt.date.fromisoformat(c["period_start"]) <= start + dt.timedelta(6)
        ]
        if not week["suppressed"]:
            assert all(not c["suppressed"] for c in inside)
            assert week["complaints_filed"] == sum(c["complaints_filed"] for c in inside)

    # -- CSV: the same cells, money in yuan ----------------------------------------------------
    response = await operator.request(
        "GET",
        "/v1/stats",
        params={"group_by": "quarter,district", "from": "2026-01-01"},
        headers={"Accept": "text/csv"},
    )
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.body.decode())))
    quarters = await _stats(operator, group_by="quarter,district", to="2027-12-31")
    assert len(rows) == len(quarters["cells"])
    for row, cell in zip(rows, quarters["cells"], strict=True):
        assert row["period"] == cell["period"]
        assert row["region"] == cell["region"]
        if not cell["suppressed"]:
            assert Decimal(row["amount_recovered_yuan"]) * 100 == cell["amount_recovered_fen"]
            assert int(row["complaints_filed"]) == cell["complaints_filed"]

    # -- scoping, role by role -----------------------------------------------------------------
    def regions(document: dict[str, Any]) -> set[str]:
        return {c["region"] for c in document["cells"]}

    assert regions(await _stats(readers["xihu"], group_by="district")) == {"330106"}
    assert regions(await _stats(readers["xihu"], group_by="city")) == set()
    assert regions(await _stats(readers["city"])) == {"330100"}
    assert regions(await _stats(readers["province"], group_by="city")) == {"330100"}
    assert regions(await _stats(readers["province"], group_by="district")) == set(DISTRICTS)
    assert regions(await _stats(readers["far"], group_by="district")) == set()
    own = await _stats(readers["taobao"], group_by="district,category1")
    assert {c["platform"] for c in own["cells"]} == {"taobao", "all"}
    for role in ("taobao", "association", "court"):
        response = await readers[role].request("GET", "/v1/stats", params={"kind": "report"})
        assert response.status == 403, role
    response = await readers["court"].request("GET", "/v1/stats", params={"group_by": "merchant"})
    assert response.status == 403
    response = await readers["taobao"].request("GET", "/v1/stats", params={"group_by": "bureau"})
    assert response.status == 403
    assert regions(await _stats(readers["association"], group_by="district")) == set(DISTRICTS)
    assert regions(await _stats(readers["court"], group_by="city")) == {"330100"}
    # same cell, same answer, whoever asks (where both may see it)
    xihu = await _stats(readers["xihu"], group_by="month,district,platform")
    mine = {
        (c["period_start"], c["platform"]): c for c in months["cells"] if c["region"] == "330106"
    }
    assert {(c["period_start"], c["platform"]): c for c in xihu["cells"]} == mine


async def test_the_rollup_never_counts_twice(
    clock: Clock, client: Any, app: web.Application, db: asyncpg.Connection, enrol: Any
) -> None:
    for district, participant in DISTRICTS.items():  # the handling bureaus the year names
        await enrol(participant, "bureau", regions=(district,))
    await append_year(app, plan_year(seed=7, complaints=60, reports=5))
    worker = app[STATS_WORKER]
    store = app[STATS].store

    def crash(states: Any) -> Any:
        raise RuntimeError("the worker dies mid-batch")

    async def snapshot() -> list[Any]:
        return [
            tuple(r) for r in await db.fetch("SELECT * FROM stats_rollup ORDER BY 1,2,3,4,5,6,7")
        ]

    await worker.catch_up()
    counted = await snapshot()
    assert counted
    cursor = await store.position()
    # rewind to the start, then die mid-batch: neither the cursor nor the rollup moves
    await db.execute("UPDATE stats_cursor SET position = 0")
    with contextlib.suppress(RuntimeError):
        await store.follow(crash)
    assert await store.position() == 0
    await worker.catch_up()  # replaying the whole feed replaces contributions, adds nothing
    assert await store.position() == cursor
    assert await snapshot() == counted
