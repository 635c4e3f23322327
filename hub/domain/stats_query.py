"""A statistics query as values: parsed parameters, the table it reads, and its cells. Pure.

`group_by` names at most one period grain (day, week, month, quarter, year; year by default),
at most one region level (province, city, district; by default the coarsest level at which each
of the reader's regions is a whole cell), platform, and at most one other breakdown. Cells are
whole periods overlapping [from, to] and whole regions: the published grid, never a range.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from hub.domain.stats_cells import (
    ALL,
    COMPLAINT,
    COMPLAINT_DIMENSIONS,
    KINDS,
    REPORT,
    REPORT_DIMENSIONS,
    Measures,
    quantile_days,
)
from hub.domain.stats_grid import REGION_TREE, Grain, Level, period_label
from hub.domain.stats_scope import StatsScope

MAX_DAYS = 3 * 366 + 1  # a query spans at most three years
_REGION = re.compile(r"^[0-9]{6}$")
_ALIASES = {"category": "category1", "region": "district", "remedy": "outcome"}


class StatsQueryError(ValueError):
    """A parameter the query cannot use; `parameter` names it."""

    def __init__(self, parameter: str, detail: str, *, forbidden: bool = False) -> None:
        super().__init__(detail)
        self.parameter = parameter
        self.detail = detail
        self.forbidden = forbidden


@dataclasses.dataclass(frozen=True, slots=True)
class StatsQuery:
    kind: str
    grain: Grain
    level: Level
    by_platform: bool
    dimension: str | None  # the one breakdown besides platform
    first: dt.date
    last: dt.date
    region: str | None  # only cells inside this region
    group_by: tuple[str, ...]


def default_level(scope: StatsScope) -> Level:
    """The coarsest level at which every region of the reader is a whole cell."""
    if scope.everywhere:
        return Level.NATION
    deepest = 1
    for prefix in scope.region_prefixes:
        deepest = max(deepest, {2: 1, 4: 2}.get(len(prefix), 3))
    return REGION_TREE[deepest]


def parse_query(params: Mapping[str, str], scope: StatsScope, today: dt.date) -> StatsQuery:
    kind = params.get("kind", COMPLAINT)
    if kind not in KINDS:
        raise StatsQueryError("kind", "kind is complaint or report")
    if kind not in scope.kinds:
        raise StatsQueryError(
            "kind", f"this participant may not read {kind} statistics", forbidden=True
        )
    dimensions = COMPLAINT_DIMENSIONS if kind == COMPLAINT else REPORT_DIMENSIONS
    grain: Grain | None = None
    level: Level | None = None
    by_platform = False
    dimension: str | None = None
    names: list[str] = []
    for raw in (p.strip() for p in params.get("group_by", "").split(",")):
        if not raw:
            continue
        name = _ALIASES.get(raw, raw)
        if name in Grain.__members__.values():
            if grain is not None:
                raise StatsQueryError("group_by", "group_by names at most one period grain")
            grain = Grain(name)
        elif name in (Level.PROVINCE, Level.CITY, Level.DISTRICT):
            if level is not None:
                raise StatsQueryError("group_by", "group_by names at most one region level")
            level = Level(name)
        elif name == "platform":
            by_platform = True
        elif name in dimensions:
            if dimension is not None:
                raise StatsQueryError(
                    "group_by", "group_by names at most one breakdown besides platform"
                )
            if name in scope.hidden_dimensions:
                raise StatsQueryError(
                    "group_by",
                    f"this participant may not break figures down by {name}",
                    forbidden=True,
                )
            dimension = name
        else:
            raise StatsQueryError(
                "group_by", f"group_by: unknown or unavailable breakdown {raw[:32]!r}"
            )
        names.append(name)
    first = _date(params, "from", dt.date(today.year, 1, 1))
    last = _date(params, "to", dt.date(today.year, 12, 31))
    if last < first:
        raise StatsQueryError("to", "to is before from")
    if (last - first).days >= MAX_DAYS:
        raise StatsQueryError("to", "a query spans at most three years")
    region = params.get("region")
    if region is not None and not _REGION.match(region):
        raise StatsQueryError("region", "region is a six-digit GB/T 2260 code")
    return StatsQuery(
        kind=kind,
        grain=grain or Grain.YEAR,
        level=level or default_level(scope),
        # a platform sees its own cells beside the market totals, whatever it groups by
        by_platform=by_platform or scope.platform is not None,
        dimension=dimension,
        first=first,
        last=last,
        region=region,
        group_by=tuple(names),
    )


def _date(params: Mapping[str, str], name: str, default: dt.date) -> dt.date:
    text = params.get(name)
    if text is None:
        return default
    try:
        if len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise StatsQueryError(name, f"{name} is a date, YYYY-MM-DD") from None


COMPLAINT_MEASURES = (
    "complaints_filed",
    "complaints_accepted",
    "complaints_resolved",
    "amount_claimed_fen",
    "amount_recovered_fen",
    "advance_compensation_fen",
    "median_days_to_resolve",
    "p90_days_to_resolve",
    "resolved_within_deadline",
    "resolved_within_deadline_share",
    "breached_deadlines",
    "bureau_breached_deadlines",
)
REPORT_MEASURES = ("reports_received", "reports_verified", "reports_case_opened")


def measures_of(kind: str, m: Measures) -> dict[str, Any]:
    if kind == REPORT:
        return {
            "reports_received": m.reports_received,
            "reports_verified": m.reports_verified,
            "reports_case_opened": m.reports_case_opened,
        }
    return {
        "complaints_filed": m.filed,
        "complaints_accepted": m.accepted,
        "complaints_resolved": m.resolved,
        "amount_claimed_fen": m.claimed_fen,
        "amount_recovered_fen": m.recovered_fen,
        "advance_compensation_fen": m.advance_compensation_fen,
        "median_days_to_resolve": quantile_days(m.resolve_days, 0.5),
        "p90_days_to_resolve": quantile_days(m.resolve_days, 0.9),
        "resolved_within_deadline": m.within_deadline,
        "resolved_within_deadline_share": round(m.within_deadline / m.resolved, 4)
        if m.resolved
        else None,
        "breached_deadlines": m.breached_deadlines,
        "bureau_breached_deadlines": m.bureau_breached_deadlines,
    }


def measure_names(kind: str) -> Sequence[str]:
    return REPORT_MEASURES if kind == REPORT else COMPLAINT_MEASURES


def cell_document(
    query: StatsQuery,
    start: dt.date,
    region: str,
    platform: str,
    value: str,
    measures: Measures | None,
) -> dict[str, Any]:
    """One output cell; `measures` None when it is suppressed."""
    document: dict[str, Any] = {
        "period": period_label(query.grain, start),
        "period_start": start.isoformat(),
        "region": region,
    }
    if query.by_platform:
        document["platform"] = platform if platform != ALL else "all"
    if query.dimension is not None:
        document[query.dimension] = value
    document["suppressed"] = measures is None
    if measures is None:
        document.update(dict.fromkeys(measure_names(query.kind)))
    else:
        document.update(measures_of(query.kind, measures))
    return document
