"""What one case adds to the statistics: the cell it falls in and its measures. Pure.

A case is counted once, in the cell of the day it was received, and its measures are those of its
current snapshot: the rollup replaces a case's old contribution by its new one whenever the case
moves, so a cell says "of the complaints received then, so many were accepted, resolved, ...".
Nothing of the consumer enters: no personal part, no free text, no order or goods.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from hub.domain.case import CaseView, local_date
from hub.domain.deadlines import CHARGED_TO_PLATFORM, OWNER, DeadlineName
from hub.domain.lifecycle import Status
from hub.domain.report import ReportView
from hub.domain.roles import covers

ALL = "*"  # the total over a dimension
NONE = "none"  # a case with no value for a dimension (no merchant named, not yet resolved)

COMPLAINT = "complaint"
REPORT = "report"
KINDS = (COMPLAINT, REPORT)

# Breakdowns kept in the rollup besides period, region and platform (which every cell has).
COMPLAINT_DIMENSIONS = (
    "merchant",
    "category1",
    "category2",
    "status",
    "outcome",
    "channel",
    "livestream",
    "confirmation",
    "bureau",
)
# Reports (举报) are counted apart: by period, region and platform only, never by reporter.
REPORT_DIMENSIONS: tuple[str, ...] = ()

CHANNEL_VILLAGE_STATION = "village_station"


@dataclasses.dataclass(frozen=True, slots=True)
class Measures:
    """Additive measures of a cell; `resolve_days` is a histogram {days: cases} so medians and
    percentiles of any union of cells stay exact."""

    filed: int = 0
    accepted: int = 0
    resolved: int = 0
    claimed_fen: int = 0
    recovered_fen: int = 0
    advance_compensation_fen: int = 0
    within_deadline: int = 0
    breached_deadlines: int = 0  # of the platform's and its merchants' deadlines (OWNER)
    bureau_breached_deadlines: int = 0  # of the bureau's and the mediator's
    reports_received: int = 0
    reports_verified: int = 0
    reports_case_opened: int = 0
    resolve_days: Mapping[int, int] = dataclasses.field(default_factory=dict)

    def plus(self, other: Measures, sign: int = 1) -> Measures:
        values = {name: getattr(self, name) + sign * getattr(other, name) for name in COUNT_FIELDS}
        days = dict(self.resolve_days)
        for day, count in other.resolve_days.items():
            days[day] = days.get(day, 0) + sign * count
        return Measures(**values, resolve_days={d: c for d, c in days.items() if c})

    def population(self, kind: str) -> int:
        """The records a cell holds, the count small-cell suppression looks at."""
        return self.reports_received if kind == REPORT else self.filed

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {name: getattr(self, name) for name in COUNT_FIELDS}
        document["resolve_days"] = {str(d): c for d, c in sorted(self.resolve_days.items())}
        return document


COUNT_FIELDS = tuple(f.name for f in dataclasses.fields(Measures) if f.name != "resolve_days")


def total(measures: Iterable[Measures]) -> Measures:
    result = Measures()
    for item in measures:
        result = result.plus(item)
    return result


def quantile_days(histogram: Mapping[int, int], q: float) -> float | None:
    """The exact q-quantile of the days in `histogram` (nearest rank, as the median of an even
    count the mean of the two middle values)."""
    n = sum(histogram.values())
    if n == 0:
        return None
    ordered = sorted(histogram.items())

    def nth(rank: int) -> int:  # 1-based
        seen = 0
        for days, count in ordered:
            seen += count
            if seen >= rank:
                return days
        raise AssertionError("rank beyond the histogram")

    if q == 0.5:
        return (nth((n + 1) // 2) + nth(n // 2 + 1)) / 2
    rank = max(1, -(-int(q * 1000) * n // 1000))  # ceil(q * n) without float drift
    return float(nth(rank))


@dataclasses.dataclass(frozen=True, slots=True)
class Contribution:
    """One case's place in the grid and what it adds there."""

    kind: str
    received_on: dt.date
    region: str
    platform: str
    dimensions: Mapping[str, str]
    measures: Measures

    def breakdowns(self) -> list[tuple[str, str]]:
        """(dimension, value) of every breakdown the case counts in, the total included."""
        return [(ALL, ALL), *sorted(self.dimensions.items())]

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "received_on": self.received_on.isoformat(),
            "region": self.region,
            "platform": self.platform,
            "dimensions": dict(self.dimensions),
            "measures": self.measures.to_json(),
        }


def attributed_region(case_region: str, bureau_regions: Collection[str]) -> str:
    """Where a case is counted: its own region, unless the bureau handling it (after a transfer,
    移送) covers none of it; then the bureau's first region, so the case counts once, at the
    bureau that handled it."""
    if not bureau_regions or any(covers(r, case_region) for r in bureau_regions):
        return case_region
    return sorted(bureau_regions)[0]


@dataclasses.dataclass(frozen=True, slots=True)
class CaseFigures:
    """What the statistics read of a case, and nothing more: the rollup decodes these few fields
    of a snapshot (`from_state`), never the whole CaseView."""

    received_on: dt.date
    region: str
    respondent_platform: str
    status: str
    channel: str
    filer: str
    category_level1: str
    category_level2: str | None
    livestream: bool
    merchant_uscc: str | None
    handling_bureau: str | None
    amount_claimed_fen: int
    amount_recovered_fen: int
    accepted_on: dt.date | None
    resolved_on: dt.date | None
    resolution: str | None
    outcome: str | None
    self_reported: bool
    breached_deadlines: frozenset[str]
    provisional_deadlines: frozenset[str]  # the names of those due on a provisional day

    @classmethod
    def of(cls, case: CaseView) -> CaseFigures:
        return cls(
            received_on=case.received_on,
            region=case.region,
            respondent_platform=case.respondent_platform,
            status=case.status.value,
            channel=case.channel,
            filer=case.filer,
            category_level1=case.category_level1,
            category_level2=case.category_level2,
            livestream=case.livestream,
            merchant_uscc=case.merchant_uscc,
            handling_bureau=case.handling_bureau,
            amount_claimed_fen=case.amount_claimed_fen,
            amount_recovered_fen=case.amount_recovered_fen,
            accepted_on=case.accepted_on,
            resolved_on=case.resolved_on,
            resolution=case.resolution,
            outcome=case.outcome,
            self_reported=case.self_reported,
            breached_deadlines=frozenset(case.breached_deadlines),
            provisional_deadlines=frozenset(d.name.value for d in case.deadlines if d.provisional),
        )

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> CaseFigures:
        """The figures of a complaint's lossless state (hub.domain.case_state), whole or only its
        FIGURE_FIELDS; a missing or null field takes the CaseView default, as `from_state` does."""
        return cls(
            received_on=local_date(state["received_at"]),
            region=state["region"],
            respondent_platform=state["respondent_platform"],
            status=Status(state["status"]).value,
            channel=state["channel"],
            filer=state["filer"],
            category_level1=state["category_level1"],
            category_level2=state.get("category_level2"),
            livestream=state["livestream"],
            merchant_uscc=state.get("merchant_uscc"),
            handling_bureau=state.get("handling_bureau"),
            amount_claimed_fen=state["amount_claimed_fen"],
            amount_recovered_fen=state.get("amount_recovered_fen") or 0,
            accepted_on=_date_or_none(state.get("accepted_on")),
            resolved_on=_date_or_none(state.get("resolved_on")),
            resolution=state.get("resolution"),
            outcome=state.get("outcome"),
            self_reported=bool(state.get("self_reported")),
            breached_deadlines=frozenset(state.get("breached_deadlines") or ()),
            provisional_deadlines=frozenset(
                d["name"] for d in state.get("deadlines") or () if d["provisional"]
            ),
        )


# The fields of a complaint's state that CaseFigures.from_state reads: the rollup asks the store
# for these alone, so it never decodes a whole snapshot.
FIGURE_FIELDS = (
    "received_at",
    "region",
    "respondent_platform",
    "status",
    "channel",
    "filer",
    "category_level1",
    "category_level2",
    "livestream",
    "merchant_uscc",
    "handling_bureau",
    "amount_claimed_fen",
    "amount_recovered_fen",
    "accepted_on",
    "resolved_on",
    "resolution",
    "outcome",
    "self_reported",
    "breached_deadlines",
    "deadlines",
)


def _date_or_none(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def charged_to_platform(deadline: str) -> bool:
    """Whether a breach of `deadline` counts against the platform (its own or its merchants')."""
    return OWNER[DeadlineName(deadline)] in CHARGED_TO_PLATFORM


def complaint_contribution(
    case: CaseFigures,
    *,
    bureau_regions: Collection[str] = (),
    village_stations: Collection[str] = (),
) -> Contribution:
    received_on = case.received_on
    resolved = case.resolved_on is not None
    # a provisional deadline (no holiday table yet for its year) never counts as breached; a
    # breach is charged to the deadline's owner, the platform only for its own and its merchants'
    counted = [name for name in case.breached_deadlines if name not in case.provisional_deadlines]
    breaches = sum(1 for name in counted if charged_to_platform(name))
    bureau_breaches = len(counted) - breaches
    resolve_days: dict[int, int] = {}
    if case.resolved_on is not None:
        resolve_days[max(0, (case.resolved_on - received_on).days)] = 1
    advance = case.resolution == "advance_compensation"
    # the consumer's voice heard through the respondent itself (its own ODR service) is counted
    # apart from what came through the consumer's own channel
    if case.self_reported:
        confirmation = "self_reported"
    elif case.status == "confirmed" or case.outcome == "resolved":
        confirmation = "consumer_confirmed"
    else:
        confirmation = "unconfirmed"
    channel = CHANNEL_VILLAGE_STATION if case.filer in village_stations else case.channel
    measures = Measures(
        filed=1,
        accepted=int(case.accepted_on is not None),
        resolved=int(resolved),
        claimed_fen=case.amount_claimed_fen,
        recovered_fen=case.amount_recovered_fen,
        advance_compensation_fen=case.amount_recovered_fen if advance else 0,
        within_deadline=int(resolved and breaches == 0),
        breached_deadlines=breaches,
        bureau_breached_deadlines=bureau_breaches,
        resolve_days=resolve_days,
    )
    dimensions = {
        "merchant": case.merchant_uscc or NONE,
        "category1": case.category_level1,
        "category2": case.category_level2 or NONE,
        "status": case.status,
        "outcome": case.resolution or NONE,
        "channel": channel,
        "livestream": "true" if case.livestream else "false",
        "confirmation": confirmation,
        "bureau": case.handling_bureau or NONE,
    }
    return Contribution(
        COMPLAINT,
        received_on,
        attributed_region(case.region, bureau_regions),
        case.respondent_platform,
        dimensions,
        measures,
    )


def report_contribution(report: ReportView) -> Contribution:
    measures = Measures(
        reports_received=1,
        reports_verified=int(bool(report.verified)),
        reports_case_opened=int(report.outcome == "case_opened"),
    )
    return Contribution(
        REPORT, report.received_on, report.region, report.respondent_platform, {}, measures
    )
