"""Small-cell suppression decided over every table the hub publishes together. Pure.

A cell of the grid is (period, region, platform, value): a whole period of a grain, a whole
region of a level, one platform or all (`*`), one value of a breakdown or all. The tables of the
grid nest along four trees: year > quarter > month > day; nation > province > city > district;
all platforms > each platform; all values > each value. Every table is a sum of the finest one
(day x district x platform x value), and every table of a period is published at once (every
`group_by`, every region level, `/reports`, CSV): a reader holds them all, so suppression is
decided over that linked set, never table by table.

The method is protection by blocks, audited as cell suppression is (Hundepool et al.,
Statistical Disclosure Control, Wiley 2012, ch. 5: the minimum frequency rule, and the feasibility
interval a reader can compute for a suppressed cell from every published figure and the
non-negativity of counts). The hidden cells of the finest table are grouped into blocks, and a
cell of any table is published only when it holds each block wholly or not at all. Within a
block any amount can move from one cell to another without changing a published figure, so a
reader can place one of its cells anywhere from 0 to the block's total S, and a hidden coarser
cell, which holds part of a block and not all of it, anywhere over a range of S as well. The
rule requires S >= threshold of every block, or that no published cell holds any of it. Every
cell of 1 to threshold-1 records starts hidden (primary suppression); a block too small grows
(secondary suppression) along MARGIN_PATH, first by joining a safe block under the same key,
else by taking the smallest shown cells under it. tests/stats/test_disclosure_audit.py checks
the promise by linear programming over every published figure of seeded and random periods.

The tables without a breakdown are decided first, from the counts alone: they are the same
whatever breakdown a reader asks for. A breakdown's blocks then lie each within one cell of
those tables, so no published margin cuts them.

ISO weeks cross months and years; a week follows the same rule: published only when it holds
each block wholly or not at all.
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
# a block: the published ancestors its cells share, None where an ancestor is hidden
Signature = tuple[Cell | None, ...]

DEFAULT_THRESHOLD = 5


@dataclasses.dataclass(frozen=True, slots=True)
class Table:
    """The table a query reads: one grain, one region level, split by platform and/or value."""

    grain: Grain
    level: Level
    by_platform: bool = False
    by_value: bool = False


@functools.lru_cache(maxsize=65536)
def _time_at(depth: int, start: dt.date) -> dt.date:
    return period_start(TIME_TREE[depth], start)


@functools.lru_cache(maxsize=65536)
def _region_at(depth: int, region: str) -> str:
    return region_at(REGION_TREE[depth], region)


def ancestor(cell: Cell, depth: Depth) -> Cell:
    """The cell of table `depth` holding `cell` (a cell of a finer or equal table)."""
    start, region, platform, value = cell
    return (
        _time_at(depth[0], start),
        _region_at(depth[1], region),
        platform if depth[2] else ALL,
        value if depth[3] else ALL,
    )


@dataclasses.dataclass
class Decisions:
    """Counts and hidden cells of every table of the linked set."""

    counts: dict[Depth, dict[Cell, int]]
    hidden: dict[Depth, set[Cell]]
    target: Depth
    # the blocks of hidden finest cells (margin: without a breakdown; split: with one), and
    # those no published cell covers
    blocks: dict[int, list[frozenset[Cell]]] = dataclasses.field(default_factory=dict)
    unbounded: set[frozenset[Cell]] = dataclasses.field(default_factory=set)

    def is_hidden(self, cell: Cell) -> bool:
        return cell in self.hidden[self.target]


def depth_of(table: Table) -> Depth:
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
) -> Decisions:
    """Suppression of every table of the linked set, from `base`: record counts per (day,
    six-digit region, platform, value) cell, covering whole years and every region (never a
    reader's share). The tables with a breakdown are decided only when `table` has one; those
    without are decided the same way whatever `table` is."""
    target = depth_of(table)
    finest: Depth = (3, 3, 1, target[3])
    finest_counts: dict[Cell, int] = defaultdict(int)
    for cell, n in base.items():
        if n:
            finest_counts[ancestor(cell, finest)] += n
    counts: dict[Depth, dict[Cell, int]] = {finest: dict(finest_counts)}
    # each coarser table summed from one a step finer, already summed: far fewer cells than
    # summing every table from the finest
    for depth in sorted(_depths(finest), key=sum, reverse=True):
        if depth in counts:
            continue
        source = _finer(depth, finest)
        summed: dict[Cell, int] = defaultdict(int)
        for cell, n in counts[source].items():
            summed[ancestor(cell, depth)] += n
        counts[depth] = dict(summed)
    hidden: dict[Depth, set[Cell]] = {}
    margin: Depth = (3, 3, 1, 0)
    blocks, unbounded = _blocks(counts[margin], threshold)
    _hide_cuts(blocks, unbounded, _depths(margin), hidden)
    decisions = Decisions(counts, hidden, target, {0: blocks}, set(unbounded))
    if finest[3]:
        split, split_unbounded = _split_blocks(counts[finest], blocks, unbounded, threshold)
        _hide_cuts(split, split_unbounded, [d for d in _depths(finest) if d[3]], hidden)
        decisions.blocks[1] = split
        decisions.unbounded |= split_unbounded
    return decisions


def _finer(depth: Depth, finest: Depth) -> Depth:
    """The table one step finer than `depth` along the first tree that has one."""
    for axis in range(4):
        if depth[axis] < finest[axis]:
            finer = list(depth)
            finer[axis] += 1
            return (finer[0], finer[1], finer[2], finer[3])
    raise AssertionError(f"{depth} is the finest table")


def _depths(finest: Depth) -> list[Depth]:
    return [
        (t, r, p, v)
        for t in range(finest[0] + 1)
        for r in range(finest[1] + 1)
        for p in range(finest[2] + 1)
        for v in range(finest[3] + 1)
    ]


# The keys a block of hidden cells grows through, finest first. It stays within its month as
# long as it can, so that every region's monthly figures (the trend, the month's report) stay
# shown: first the other days of its district and platform, then the city's other districts
# within the platform, then the city's other platforms, then the province and the nation; only
# then the quarter and the year. A block that crosses platforms hides those platforms' figures
# where it does, the price of keeping the regions' totals.
MARGIN_PATH: tuple[Depth, ...] = (
    (2, 3, 1, 0),
    (2, 2, 1, 0),
    (2, 2, 0, 0),
    (2, 1, 0, 0),
    (2, 0, 0, 0),
    (1, 0, 0, 0),
    (0, 0, 0, 0),
)


def _hide_cuts(
    blocks: list[frozenset[Cell]],
    unbounded: set[frozenset[Cell]],
    depths: Iterable[Depth],
    hidden: dict[Depth, set[Cell]],
) -> None:
    """Hide, in every table of `depths`, each cell holding part of a block and not all of it,
    and each cell holding any part of an unbounded block."""
    ordered = sorted(depths, key=sum, reverse=True)
    finest = ordered[0]
    # each block's cells in every table, lifted from the table a step finer
    parents: dict[Depth, list[set[Cell]]] = {finest: [set(members) for members in blocks]}
    for depth in ordered:
        if depth not in parents:
            source = parents[_finer(depth, finest)]
            lift = {cell: ancestor(cell, depth) for cells in source for cell in cells}
            parents[depth] = [{lift[cell] for cell in cells} for cells in source]
        cut: set[Cell] = set()
        for members, cells in zip(blocks, parents[depth], strict=True):
            if len(cells) > 1 or members in unbounded:
                cut |= cells
        hidden[depth] = cut


def _blocks(
    base: Mapping[Cell, int], threshold: int
) -> tuple[list[frozenset[Cell]], set[frozenset[Cell]]]:
    """The blocks of hidden cells of the finest table: every cell of 1 to threshold-1 records
    falls in one, each block holds S records in k cells with S - k >= threshold, or else no
    published cell covers it (`unbounded`)."""
    resolved: list[set[Cell]] = []
    open_cells = {cell for cell, n in base.items() if 0 < n < threshold}
    taken = set(open_cells)
    for depth in MARGIN_PATH:
        under: dict[Cell, list[Cell]] = {}
        whole: dict[Cell, list[set[Cell]]] = defaultdict(list)
        for block in resolved:
            parents = {ancestor(cell, depth) for cell in block}
            if len(parents) == 1:
                whole[parents.pop()].append(block)
        residues: dict[Cell, set[Cell]] = defaultdict(set)
        for cell in open_cells:
            residues[ancestor(cell, depth)].add(cell)
        open_cells = set()
        for key, members in sorted(residues.items()):
            if _margin(members, base) < threshold:
                # join a block already safe that lies wholly under the same key: no cell more
                # is hidden, and the block stays safe
                joinable = whole.get(key)
                if joinable:
                    smallest = min(joinable, key=lambda b: (sum(base[c] for c in b), sorted(b)))
                    smallest |= members
                    continue
                # else hide shown cells under the key, the smallest first
                if not under:
                    for cell in base:
                        under.setdefault(ancestor(cell, depth), []).append(cell)
                for cell in sorted(under.get(key, ()), key=lambda c: (base[c], c)):
                    if _margin(members, base) >= threshold:
                        break
                    if cell not in taken:
                        members.add(cell)
                        taken.add(cell)
            if _margin(members, base) >= threshold:
                resolved.append(members)
            else:
                open_cells |= members
    blocks = [frozenset(b) for b in resolved]
    unbounded: set[frozenset[Cell]] = set()
    for key_cells in _by_year(open_cells).values():
        left = frozenset(key_cells)
        blocks.append(left)
        unbounded.add(left)
    return blocks, unbounded


def _split_blocks(
    base: Mapping[Cell, int],
    margin_blocks: list[frozenset[Cell]],
    margin_unbounded: set[frozenset[Cell]],
    threshold: int,
) -> tuple[list[frozenset[Cell]], set[frozenset[Cell]]]:
    """The blocks of a breakdown's finest cells (day x district x platform x value), each
    within one cell of the margin, a shown finest cell or a block of hidden ones, so that no
    published margin figure cuts it. Each is safe there: the margin cell or block holds at least
    `threshold` records."""
    cells_of: dict[Cell, list[Cell]] = defaultdict(list)
    for cell in base:
        cells_of[ancestor(cell, (3, 3, 1, 0))].append(cell)
    block_of = {x: b for b in margin_blocks for x in b}
    blocks: list[frozenset[Cell]] = []
    unbounded: set[frozenset[Cell]] = set()
    for open_block in margin_unbounded:
        block = frozenset(c for x in open_block for c in cells_of[x])
        blocks.append(block)
        unbounded.add(block)
    # every breakdown cell of a block of hidden margin cells is hidden, in one block: a move
    # between two of the margin's cells is then a move between two of its breakdown cells, and
    # no breakdown figure pins a hidden margin cell down (its values all shown would)
    within: dict[frozenset[Cell], set[Cell]] = defaultdict(set)
    for x, cells in sorted(cells_of.items()):
        held_by = block_of.get(x)
        if held_by in margin_unbounded:
            continue
        if held_by is not None:
            within[held_by] |= set(cells)
            continue
        members = {c for c in cells if 0 < base[c] < threshold}
        if members:
            # a shown margin cell holds at least the threshold: its own values always suffice
            _fill(members, cells, base, threshold)
            blocks.append(frozenset(members))
    blocks.extend(
        frozenset(cells) for _, cells in sorted(within.items(), key=lambda i: sorted(i[0]))
    )
    return blocks, unbounded


def _fill(members: set[Cell], cells: Iterable[Cell], base: Mapping[Cell, int], t: int) -> None:
    """Add the smallest of `cells` to a block until it is safe or none is left."""
    for cell in sorted(cells, key=lambda c: (base[c], c)):
        if _margin(members, base) >= t:
            return
        members.add(cell)


def _by_year(cells: Iterable[Cell]) -> dict[dt.date, set[Cell]]:
    years: dict[dt.date, set[Cell]] = defaultdict(set)
    for cell in cells:
        years[_time_at(0, cell[0])].add(cell)
    return years


def _margin(members: Collection[Cell], base: Mapping[Cell, int]) -> int:
    """How far from its truth a reader can place one cell of a block: anywhere from none to
    the block's whole total, which every published figure holds wholly or not at all."""
    return sum(base[c] for c in members)


def week_hidden(decisions: Decisions, depth: Depth, week_cells: Iterable[Cell]) -> set[Cell]:
    """Of the week cells (keyed by their Monday) made of the day cells of table `depth`, those
    not published: by the rule of every other table, each week holding part of a block and not
    all of it, or any part of a block no published cell covers."""
    hidden_weeks: set[Cell] = set()
    for members in decisions.blocks.get(depth[3], ()):
        weeks = {_week_of(cell, depth) for cell in members}
        if len(weeks) > 1 or members in decisions.unbounded:
            hidden_weeks |= weeks
    return {cell for cell in week_cells if cell in hidden_weeks}


def _week_of(cell: Cell, depth: Depth) -> Cell:
    day = ancestor(cell, depth)
    return (period_start(Grain.WEEK, day[0]), day[1], day[2], day[3])
