"""Answering a statistics query: read the base cells, decide suppression on the whole grid,
keep the reader's cells, sum their measures."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections import defaultdict
from typing import Any

from hub.domain.stats_cells import ALL, Measures
from hub.domain.stats_grid import (
    Grain,
    Level,
    period_end,
    period_start,
    region_at,
)
from hub.domain.stats_query import StatsQuery, cell_document
from hub.domain.stats_scope import StatsScope
from hub.domain.stats_suppression import (
    Cell,
    Decisions,
    Depth,
    Table,
    decide,
    depth_of,
    week_hidden,
)
from hub.store.stats import StatsStore


@dataclasses.dataclass(frozen=True, slots=True)
class StatsResult:
    query: StatsQuery
    threshold: int
    cells: list[dict[str, Any]]
    position: int  # the feed position the rollup has followed to


# The suppression decisions kept, by (kind, breakdown, first and last day of the years): the
# decision over a whole year is the costly part of a query, and every query of one rollup
# position (a report's seven tables, readers asking at once) shares it.
_DECISIONS_KEPT = 8
DecisionKey = tuple[str, str, dt.date, dt.date]


class StatsService:
    def __init__(self, store: StatsStore, *, threshold: int) -> None:
        self.store = store
        self.threshold = threshold
        self._decided: dict[DecisionKey, tuple[int, Decisions]] = {}

    async def _decisions(self, kind: str, dim: str, first: dt.date, last: dt.date) -> Decisions:
        """The suppression of every table of the years [first, last], for the rollup as it is.
        Reused only while the rollup has not moved: a decision taken on other counts could show
        a cell that these counts make small."""
        key = (kind, dim, first, last)
        position = await self.store.position()
        kept = self._decided.get(key)
        if kept is not None and kept[0] == position:
            return kept[1]
        counts = await self.store.populations(kind, "day", dim, first, last)
        population = {
            (start, region, platform, value): n for start, region, platform, value, n in counts
        }
        table = Table(Grain.DAY, Level.DISTRICT, True, dim != ALL)
        # pure and CPU-bound: off the event loop
        decisions = await asyncio.to_thread(decide, population, table, self.threshold)
        self._decided.pop(key, None)
        self._decided[key] = (position, decisions)
        while len(self._decided) > _DECISIONS_KEPT:
            self._decided.pop(next(iter(self._decided)))
        return decisions

    async def query(self, query: StatsQuery, scope: StatsScope) -> StatsResult:
        weekly = query.grain is Grain.WEEK
        base_grain = "day" if query.grain in (Grain.DAY, Grain.WEEK) else "month"
        first, last = query.first, query.last
        if weekly:
            first = period_start(Grain.WEEK, first)
            last = period_end(Grain.WEEK, period_start(Grain.WEEK, last))
        # Whole years: the suppression of a cell is decided within its year, never the range.
        year_first, year_last = dt.date(first.year, 1, 1), dt.date(last.year, 12, 31)
        dim = query.dimension or ALL
        # Suppression is decided over every table of the years at once, so from the days.
        decisions = await self._decisions(query.kind, dim, year_first, year_last)
        table = Table(query.grain, query.level, query.by_platform, query.dimension is not None)
        target = depth_of(table)
        counts = decisions.counts[target]
        focus = {
            region
            for region in {region_at(query.level, cell[1]) for cell in counts}
            if self._region_shown(query, scope, region)
        }
        base = (
            await self.store.base_cells(
                query.kind,
                base_grain,
                dim,
                year_first,
                year_last,
                sorted(_prefix(r) for r in focus),
            )
            if focus
            else []
        )
        depths: list[Depth] = [target]
        if scope.platform is not None:
            depths.append((target[0], target[1], 0, target[3]))  # the market totals
        grain = query.grain
        measures: dict[tuple[Depth, Cell], Measures] = defaultdict(Measures)
        for cell in base:
            region = region_at(query.level, cell.region)
            if region not in focus:
                continue
            start = period_start(grain, cell.period_start)
            if start > query.last or period_end(grain, start) < query.first:
                continue
            for depth in depths:
                key = (
                    start,
                    region,
                    cell.platform if depth[2] else ALL,
                    cell.value if depth[3] else ALL,
                )
                if scope.sees_platform(key[2]):
                    measures[(depth, key)] = measures[(depth, key)].plus(cell.measures)
        hidden: dict[Depth, set[Cell]] = {}
        for depth in depths:
            if weekly:
                hidden[depth] = week_hidden(
                    decisions, depth, [key for d, key in measures if d == depth]
                )
            else:
                hidden[depth] = decisions.hidden[depth]
        cells = [
            cell_document(
                query,
                *key,
                None
                if key in hidden[depth] or self._moved(decisions, depth, key, total, query)
                else total,
            )
            for (depth, key), total in sorted(measures.items(), key=_order)
            if total.population(query.kind)
        ]
        return StatsResult(query, self.threshold, cells, await self.store.position())

    @staticmethod
    def _moved(
        decisions: Decisions, depth: Depth, key: Cell, total: Measures, query: StatsQuery
    ) -> bool:
        """A cell whose count is not the one its suppression was decided on (the rollup moved
        between the two reads) is withheld from this answer rather than shown undecided."""
        if query.grain is Grain.WEEK:
            return False  # the decisions keep no week counts: a week follows its days
        return decisions.counts[depth].get(key, 0) != total.population(query.kind)

    @staticmethod
    def _region_shown(query: StatsQuery, scope: StatsScope, region: str) -> bool:
        # only cells inside the region asked for, or the one cell holding it
        if query.region is not None and not (
            region.startswith(_prefix(query.region)) or query.region.startswith(_prefix(region))
        ):
            return False
        return scope.sees_region(region) and query.kind in scope.kinds


def _prefix(region: str) -> str:
    prefix = region
    for _ in range(2):
        if prefix.endswith("00"):
            prefix = prefix[:-2]
    return prefix if prefix != "00" else ""


def _order(item: tuple[tuple[Depth, Cell], Measures]) -> tuple[Any, ...]:
    (depth, (start, region, platform, value)), _ = item
    return (start, region, platform == ALL, platform, value, depth)
