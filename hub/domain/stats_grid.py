"""The published grid of statistics: calendar-aligned periods and the GB/T 2260 region tree.

Figures are published per cell of a fixed grid, never for arbitrary ranges: a period is a whole
day, ISO week, month, quarter or year (Asia/Shanghai dates), and a region is a whole district,
city or province (or the nation). That is what lets small-cell suppression be decided once per
cell (hub.domain.stats_suppression): every query names cells of the same grid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from enum import StrEnum


class Grain(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class Level(StrEnum):
    NATION = "nation"
    PROVINCE = "province"
    CITY = "city"
    DISTRICT = "district"


NATION = "000000"  # the code of the nation's cell (no GB/T 2260 code is all zeros)

# The time tree the suppression works down: each grain's parent. Weeks cross months and years,
# so they sit outside the tree: a week is published only where each of its days is.
TIME_TREE: tuple[Grain, ...] = (Grain.YEAR, Grain.QUARTER, Grain.MONTH, Grain.DAY)
REGION_TREE: tuple[Level, ...] = (Level.NATION, Level.PROVINCE, Level.CITY, Level.DISTRICT)


def period_start(grain: Grain, day: dt.date) -> dt.date:
    """The first day of the `grain` period holding `day`."""
    if grain is Grain.DAY:
        return day
    if grain is Grain.WEEK:
        return day - dt.timedelta(days=day.weekday())  # ISO weeks start on Monday
    if grain is Grain.MONTH:
        return day.replace(day=1)
    if grain is Grain.QUARTER:
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return dt.date(day.year, 1, 1)


def period_end(grain: Grain, start: dt.date) -> dt.date:
    """The last day of the period starting on `start`."""
    if grain is Grain.DAY:
        return start
    if grain is Grain.WEEK:
        return start + dt.timedelta(days=6)
    months = {Grain.MONTH: 1, Grain.QUARTER: 3, Grain.YEAR: 12}[grain]
    month_index = start.year * 12 + start.month - 1 + months
    return dt.date(month_index // 12, month_index % 12 + 1, 1) - dt.timedelta(days=1)


def period_label(grain: Grain, start: dt.date) -> str:
    """2026-03-05, 2026-W10, 2026-03, 2026-Q1, 2026."""
    if grain is Grain.DAY:
        return start.isoformat()
    if grain is Grain.WEEK:
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if grain is Grain.MONTH:
        return f"{start.year}-{start.month:02d}"
    if grain is Grain.QUARTER:
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def periods(grain: Grain, first: dt.date, last: dt.date) -> Iterator[dt.date]:
    """The starts of every whole period that overlaps [first, last], in order."""
    start = period_start(grain, first)
    while start <= last:
        yield start
        start = period_end(grain, start) + dt.timedelta(days=1)


def region_at(level: Level, code: str) -> str:
    """The code of the `level` cell holding the six-digit `code` (a city code is its own
    district cell: a complaint placed only at city level is counted there)."""
    if level is Level.NATION:
        return NATION
    if level is Level.PROVINCE:
        return code[:2] + "0000"
    if level is Level.CITY:
        return code[:4] + "00"
    return code


def level_index(level: Level) -> int:
    return REGION_TREE.index(level)


def time_index(grain: Grain) -> int:
    return TIME_TREE.index(grain)
