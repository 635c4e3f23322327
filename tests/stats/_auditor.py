"""An attacker who holds every table the hub publishes for a period and solves, by linear
programming, for the feasible range of each hidden cell.

The unknowns are the hidden cells of the finest table (day x district x platform [x value]); a
shown finest cell is a known constant and an absent one is zero. Every shown cell of every
coarser table, weeks included, is an equation over them; a hidden cell is listed as such, so
the attacker knows it holds at least one record. For each hidden cell of any table the attacker
minimises and maximises its figure subject to all of that.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

from hub.domain.stats_grid import Grain, period_start
from hub.domain.stats_suppression import Cell, Decisions, Depth, ancestor, week_hidden


@dataclasses.dataclass(frozen=True)
class Range:
    depth: Depth | str
    cell: Cell
    true: int
    low: float
    high: float

    @property
    def width(self) -> float:
        return self.high - self.low


def audit(decisions: Decisions) -> list[Range]:
    """The feasible range of every hidden cell of every table of `decisions`."""
    depths = sorted(decisions.counts)
    finest = max(depths, key=sum)
    base = decisions.counts[finest]
    hidden_base = sorted(c for c in decisions.hidden[finest] if base.get(c))
    index = {cell: i for i, cell in enumerate(hidden_base)}
    # every table as (label, cells with their finest members)
    tables: list[tuple[Depth | str, dict[Cell, list[Cell]]]] = []
    for depth in depths:
        if depth == finest:
            continue
        members: dict[Cell, list[Cell]] = defaultdict(list)
        for cell in base:
            members[ancestor(cell, depth)].append(cell)
        tables.append((depth, members))
    for depth in depths:
        if depth[0] != 3:
            continue
        weeks: dict[Cell, list[Cell]] = defaultdict(list)
        for cell in base:
            day = ancestor(cell, depth)
            weeks[(period_start(Grain.WEEK, day[0]), *day[1:])].append(cell)
        tables.append((f"week{depth[1:]}", weeks))
    rows: list[dict[int, float]] = []
    rhs: list[float] = []
    targets: list[tuple[Depth | str, Cell, int, dict[int, float], float]] = []
    for label, members in tables:
        if isinstance(label, str):
            day_depth = _parse(label)
            hidden = week_hidden(decisions, day_depth, members)
        else:
            hidden = decisions.hidden[label]
        for cell, cells in members.items():
            total = sum(base[c] for c in cells)
            coefficients = {index[c]: 1.0 for c in cells if c in index}
            constant = float(total - sum(base[c] for c in cells if c not in index))
            if cell not in hidden:
                if coefficients:
                    rows.append(coefficients)
                    rhs.append(constant)
            else:
                targets.append((label, cell, total, coefficients, total - constant))
    for cell in hidden_base:
        targets.append((finest, cell, base[cell], {index[cell]: 1.0}, 0.0))
    n = len(hidden_base)
    if rows:
        data = [v for row in rows for v in row.values()]
        columns = [k for row in rows for k in row]
        pointers = np.cumsum([0] + [len(row) for row in rows])
        a_eq = csr_matrix((data, columns, pointers), shape=(len(rows), max(n, 1)))
        b_eq = np.array(rhs)
    else:
        a_eq, b_eq = None, None
    bounds = [(0, None)] * max(n, 1)
    ranges = []
    for label, cell, true, coefficients, shown_part in targets:
        objective = np.zeros(max(n, 1))
        for k, v in coefficients.items():
            objective[k] = v
        low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        assert low.status == 0, (label, cell, low.message)
        high_value = math.inf if high.status == 3 else -high.fun
        assert high.status in (0, 3), (label, cell, high.message)
        ranges.append(Range(label, cell, true, low.fun + shown_part, high_value + shown_part))
    return ranges


def _parse(label: str) -> Depth:
    region, platform, value = (int(x) for x in label[5:-1].split(","))
    return (3, region, platform, value)
