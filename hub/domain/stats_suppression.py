"""Small-cell suppression over the published grid, decided once per cell. Pure.

A cell of the grid is (period, region, platform, value): a whole period of a grain, a whole
region of a level, one platform or all (`*`), one value of a breakdown or all. The tables of the
grid nest along four trees: year > quarter > month > day; nation > province > city > district;
all platforms > each platform; all values > each value. Every cell with children along a tree is
the total of a partition of them.

Primary suppression hides a cell holding 1 to threshold-1 records. Secondary suppression then
makes sure that no total minus its visible parts reveals a hidden cell: in every partition whose
total is published, the hidden parts are none, or at least two that hold at least `threshold`
records together; in a partition whose total is hidden, at least one part is hidden too. Where
that does not hold, the smallest visible part is hidden as well (ties broken by key), until it
holds, across all the partitions of a table at once.

The decision is made top-down, coarse tables first (HITAS-style): a cell's fate depends on its
own table and the coarser ones, never on the table a reader happened to ask for, or on the
range of periods or regions asked. So every query gives one answer for a cell, and differencing
two queries (overlapping periods, a total and its parts) subtracts published figures from
published figures only.

ISO weeks cross months and years, and weeks and months together would isolate the days at a
month's edge; so a week is published only where every one of its days is: it then tells nothing
its days do not.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping

from hub.domain.stats_cells import ALL
from hub.domain.stats_grid import (
    REGION_TREE,
    TIME_TREE,
    Grain,
    Level,
    period_start,
    region_at,
)

# (period start, region code, platform or "*", value or "*")
Cell = tuple[dt.date, str, str, str]
# depth along each tree: time (0 year .. 3 day), region (0 nation .. 3 district), platform, value
Depth = tuple[int, int, int, int]

DEFAULT_THRESHOLD = 5


@dataclasses.dataclass(frozen=True, slots=True)
class Table:
    """The table a query reads: one grain, one region level, split by platform and/or value."""

    grain: Grain
    level: Level
    by_platform: bool = False
    by_value: bool = False


@functools.lru_cache(maxsize=65536)
def _time_up(depth: int, start: dt.date) -> dt.date:
    return period_start(TIME_TREE[depth - 1], start)


@functools.lru_cache(maxsize=65536)
def _region_up(depth: int, region: str) -> str:
    return region_at(REGION_TREE[depth - 1], region)


def _lift(depth: Depth, axis: int, cell: Cell) -> Cell:
    """The parent of `cell` (at `depth`) one step up the tree of `axis`."""
    start, region, platform, value = cell
    if axis == 0:
        return (_time_up(depth[0], start), region, platform, value)
    if axis == 1:
        return (start, _region_up(depth[1], region), platform, value)
    if axis == 2:
        return (start, region, ALL, value)
    return (start, region, platform, ALL)


def _up(depth: Depth, axis: int) -> Depth:
    lifted = list(depth)
    lifted[axis] -= 1
    return (lifted[0], lifted[1], lifted[2], lifted[3])


@dataclasses.dataclass
class Decisions:
    """Counts and hidden cells of every table from the top down to the one asked for."""

    counts: dict[Depth, dict[Cell, int]]
    hidden: dict[Depth, set[Cell]]
    target: Depth

    def is_hidden(self, cell: Cell) -> bool:
        return cell in self.hidden[self.target]


def _depth_of(table: Table) -> Depth:
    grain = Grain.DAY if table.grain is Grain.WEEK else table.grain
    return (
        TIME_TREE.index(grain),
        REGION_TREE.index(table.level),
        int(table.by_platform),
        int(table.by_value),
    )


def decide(
    base: Mapping[Cell, int],
    table: Table,
    threshold: int = DEFAULT_THRESHOLD,
    focus: Collection[str] | None = None,
) -> Decisions:
    """Suppression for `table`, from `base`: record counts per (day or month, six-digit region,
    platform, value) cell, covering whole years and every region (never a reader's share).

    `focus`, the region codes (at the table's level) whose cells are wanted, spares the work
    below the province level elsewhere: every partition at the city or district level lies
    within one province or city, so the cells of one city are decided by that city's cells and
    coarser ones alone; their decisions are the same with or without a focus."""
    target = _depth_of(table)
    # The base may be finer (days for a month table, districts for a city table, split when the
    # table is not): the table asked for is its sum, and coarser tables are sums of that.
    summed_base: dict[Cell, int] = defaultdict(int)
    for (start, region, platform, value), n in base.items():
        if n:
            cell = (
                period_start(TIME_TREE[target[0]], start),
                region_at(REGION_TREE[target[1]], region),
                platform if table.by_platform else ALL,
                value if table.by_value else ALL,
            )
            summed_base[cell] += n
    counts: dict[Depth, dict[Cell, int]] = {target: dict(summed_base)}
    finest = target
    depths = [
        (t, r, p, v)
        for t in range(finest[0] + 1)
        for r in range(finest[1] + 1)
        for p in range(finest[2] + 1)
        for v in range(finest[3] + 1)
    ]
    # Build every table from a finer one, finest first.
    for depth in sorted(depths, key=sum, reverse=True):
        if depth in counts:
            continue
        source, axis = _finer(depth, target, counts)
        summed: dict[Cell, int] = defaultdict(int)
        for cell, n in counts[source].items():
            summed[_lift(source, axis, cell)] += n
        counts[depth] = dict(summed)
    hidden: dict[Depth, set[Cell]] = {}
    for depth in sorted(depths, key=sum):
        hidden[depth] = _suppress_table(depth, counts, hidden, threshold, _within(depth, focus))
    return Decisions(counts, hidden, target)


def _finer(depth: Depth, base: Depth, counts: Mapping[Depth, object]) -> tuple[Depth, int]:
    """A table already summed that is one step finer than `depth` along some tree."""
    for axis in range(4):
        finer = list(depth)
        finer[axis] += 1
        candidate = (finer[0], finer[1], finer[2], finer[3])
        if candidate[axis] <= base[axis] and candidate in counts:
            return candidate, axis
    raise AssertionError(f"no finer table for {depth}")


def _within(depth: Depth, focus: Collection[str] | None) -> Collection[str] | None:
    """The regions, at the level above `depth`'s, whose cells at `depth` must be decided."""
    if focus is None or depth[1] <= 1:
        return None  # the nation and the provinces: always all of them
    return {region_at(REGION_TREE[depth[1] - 1], region) for region in focus}


def _suppress_table(
    depth: Depth,
    counts: Mapping[Depth, Mapping[Cell, int]],
    hidden: Mapping[Depth, set[Cell]],
    threshold: int,
    within: Collection[str] | None = None,
) -> set[Cell]:
    cells = counts[depth]
    if within is not None:
        cells = {cell: n for cell, n in cells.items() if _region_up(depth[1], cell[1]) in within}
    suppressed = {cell for cell, n in cells.items() if 0 < n < threshold}
    # Every partition this table's cells form under a coarser, already decided cell.
    partitions: list[tuple[bool, list[tuple[int, Cell]]]] = []
    for axis in range(4):
        if depth[axis] == 0:
            continue
        parent_depth = _up(depth, axis)
        groups: dict[Cell, list[tuple[int, Cell]]] = defaultdict(list)
        for cell, n in cells.items():
            if n:
                groups[_lift(depth, axis, cell)].append((n, cell))
        for parent, children in groups.items():
            children.sort()
            partitions.append((parent in hidden[parent_depth], children))
    changed = True
    while changed:
        changed = False
        for parent_hidden, children in partitions:
            while not _safe(parent_hidden, children, suppressed, threshold):
                visible = [cell for _, cell in children if cell not in suppressed]
                if not visible:
                    break
                suppressed.add(visible[0])  # the smallest visible part
                changed = True
    return suppressed


def _safe(
    parent_hidden: bool,
    children: list[tuple[int, Cell]],
    suppressed: set[Cell],
    threshold: int,
) -> bool:
    hidden = [n for n, cell in children if cell in suppressed]
    if parent_hidden:
        return bool(hidden)  # else the hidden total is the sum of its visible parts
    return not hidden or (len(hidden) >= 2 and sum(hidden) >= threshold)


def week_hidden(decisions: Decisions, depth: Depth, week_cells: Iterable[Cell]) -> set[Cell]:
    """Of the week cells (keyed by their Monday) made of the day cells of table `depth`, those
    not published: every week holding a hidden day."""
    days = decisions.counts[depth]
    hidden_weeks = {
        (period_start(Grain.WEEK, start), region, platform, value)
        for (start, region, platform, value) in decisions.hidden[depth]
        if days.get((start, region, platform, value), 0)
    }
    return {cell for cell in week_cells if cell in hidden_weeks}
