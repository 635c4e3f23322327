"""Reports (举报): leads on a suspected violation, handled apart from complaints (投诉).

A complaint asks the bureau to settle one consumer's dispute; a report tells it of a suspected
violation, which it verifies (核查) and may hand to enforcement for a case (立案). The two are
handled apart (Order 20 art. 3, Order 121 art. 3), so a report is a chain of its own:
received -> verified or not -> handed over to enforcement -> concluded (the outcome).

One submission may carry both: the complaint is filed as `complaint.filed`, the report as
`report.received` naming it in `filed_with`. The link lives on the report's side only, so a
platform reading the complaint never learns that, or by whom, it was reported. A report is read by
the bureau that received it and by enforcement staff (never by platforms, associations or courts).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from hub.domain.breaches import Breach
from hub.domain.calendar import WorkingCalendar
from hub.domain.case import local_date
from hub.domain.chain import Chain, deadline_documents
from hub.domain.deadlines import DayCount, Deadline, DeadlineName, Period, breached
from hub.domain.errors import (
    IllegalTransition,
    OutsideJurisdiction,
    WrongRole,
)
from hub.domain.roles import Actor, Role, covers, region_prefix


class ReportStatus(StrEnum):
    RECEIVED = "received"
    VERIFIED = "verified"  # the lead checks out
    NOT_VERIFIED = "not_verified"
    HANDED_OVER = "handed_over"  # with enforcement staff, for a decision on opening a case
    CONCLUDED = "concluded"


class ReportEventType(StrEnum):
    RECEIVED = "report.received"
    VERIFIED = "report.verified"
    HANDED_OVER = "report.handed_over"
    CONCLUDED = "report.concluded"


REPORT_EVENT_TYPES: frozenset[str] = frozenset(member.value for member in ReportEventType)
DEADLINE_BREACHED = "deadline.breached"  # the hub's own, on a report's clock as on a complaint's

RS = ReportStatus
RE = ReportEventType

_MOVES: dict[tuple[ReportStatus, str], ReportStatus] = {
    # `report.verified` leads to verified or not_verified as its data says (see next_report_status)
    (RS.RECEIVED, RE.VERIFIED): RS.VERIFIED,
    (RS.VERIFIED, RE.HANDED_OVER): RS.HANDED_OVER,
    (RS.VERIFIED, RE.CONCLUDED): RS.CONCLUDED,  # e.g. transferred to another authority
    (RS.NOT_VERIFIED, RE.CONCLUDED): RS.CONCLUDED,
    (RS.HANDED_OVER, RE.CONCLUDED): RS.CONCLUDED,
}
_MOVES.update(
    {(status, DEADLINE_BREACHED): status for status in ReportStatus if status is not RS.CONCLUDED}
)
REPORT_TRANSITIONS: MappingProxyType[tuple[ReportStatus, str], ReportStatus] = MappingProxyType(
    _MOVES
)

REPORT_ROLE_MATRIX: Mapping[str, frozenset[Role]] = MappingProxyType(
    {
        RE.RECEIVED: frozenset({Role.BUREAU}),
        RE.VERIFIED: frozenset({Role.BUREAU, Role.ENFORCEMENT}),
        RE.HANDED_OVER: frozenset({Role.BUREAU}),
        RE.CONCLUDED: frozenset({Role.BUREAU, Role.ENFORCEMENT}),
        DEADLINE_BREACHED: frozenset({Role.HUB}),
    }
)


def next_report_status(
    status: ReportStatus, event_type: str, data: Mapping[str, Any]
) -> ReportStatus:
    try:
        moved = REPORT_TRANSITIONS[(status, event_type)]
    except KeyError:
        raise IllegalTransition(status, event_type) from None
    if event_type == RE.VERIFIED and not data.get("verified"):
        return RS.NOT_VERIFIED
    return moved


@dataclass(frozen=True, slots=True)
class ReportRules:
    """The verification period for reports, by effective date (configurable)."""

    name: str
    effective_from: dt.date
    verification: Period


# Verify a lead within 15 working days of receiving it (extendable by 15 with approval): the SAMR
# rules on administrative penalty procedure (Order 2, amended 2021) art. 18, to which Order 20 and
# Order 121 refer reports. Article, figure and date unverified: keep configurable.
PENALTY_PROCEDURE = ReportRules(
    name="samr_order_2",
    effective_from=dt.date(2019, 4, 1),
    verification=Period(15, DayCount.WORKING, "SAMR Order 2 art. 18 (unverified)"),
)
REPORT_RULES: tuple[ReportRules, ...] = (PENALTY_PROCEDURE,)


def report_rules_for(
    received_on: dt.date, rules: tuple[ReportRules, ...] = REPORT_RULES
) -> ReportRules:
    chosen = rules[0]
    for rule_set in rules:
        if rule_set.effective_from <= received_on:
            chosen = rule_set
    return chosen


@dataclass(frozen=True, slots=True)
class ReportView:
    report_id: str
    version: int
    status: ReportStatus
    filer: str  # the bureau that received the report
    region: str
    respondent_platform: str
    received_at: str
    filed_at: dt.datetime
    updated_at: dt.datetime
    merchant_uscc: str | None = None
    filed_with: str | None = None  # the complaint of the same submission
    anonymous: bool = False
    verified: bool | None = None
    enforcement: str | None = None  # the enforcement participant it was handed to
    outcome: str | None = None
    deadlines: tuple[Deadline, ...] = ()
    breached_deadlines: frozenset[str] = field(default_factory=frozenset)

    @property
    def chain_id(self) -> str:
        return self.report_id

    @property
    def received_on(self) -> dt.date:
        return local_date(self.received_at)

    def with_deadlines(
        self, calendar: WorkingCalendar, rules: tuple[ReportRules, ...] = REPORT_RULES
    ) -> ReportView:
        return replace(self, deadlines=tuple(report_deadlines(self, calendar, rules)))

    def to_json(self) -> dict[str, Any]:
        """The report's document as its readers see it; `kind` tells it from a complaint's.

        Its deadlines are written as a complaint's are (`deadline_documents`), so one sweep finds
        the clocks of both.
        """
        respondent: dict[str, Any] = {"platform": self.respondent_platform}
        if self.merchant_uscc is not None:
            respondent["merchant"] = {"uscc": self.merchant_uscc}
        document: dict[str, Any] = {
            "kind": "report",
            "report_id": self.report_id,
            "version": self.version,
            "status": self.status.value,
            "filer": self.filer,
            "region": self.region,
            "respondent": respondent,
            "anonymous": self.anonymous,
            "received_at": self.received_at,
            "filed_at": self.filed_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "deadlines": deadline_documents(self.deadlines, self.breached_deadlines),
        }
        optional = {
            "filed_with": self.filed_with,
            "verified": self.verified,
            "enforcement": self.enforcement,
            "outcome": self.outcome,
        }
        document.update({key: value for key, value in optional.items() if value is not None})
        return document


def report_deadlines(
    report: ReportView, calendar: WorkingCalendar, rules: tuple[ReportRules, ...] = REPORT_RULES
) -> list[Deadline]:
    """The verification clock runs from receipt until the lead is verified or not."""
    if report.status is not RS.RECEIVED:
        return []
    start = report.received_on
    due = report_rules_for(start, rules).verification.ends(start, calendar)
    return [Deadline(DeadlineName.REPORT_VERIFICATION, due.due_on, due.provisional)]


def is_enforcement_for(actor: Actor, report: ReportView) -> bool:
    """Enforcement staff covering the report's region, or those it was handed to."""
    if actor.role is not Role.ENFORCEMENT:
        return False
    return report.enforcement == actor.participant_id or covers_region(actor, report.region)


def covers_region(actor: Actor, region: str) -> bool:
    return any(covers(own, region) for own in actor.regions)


@dataclass(frozen=True, slots=True)
class ReadableReports:
    """Which reports one reader may read, as plain values: the store lists the rows they match
    and `includes` judges one report by them, so the rule is written once, in `readable_reports`.
    """

    everything: bool = False
    received_by: str | None = None  # the reports it received
    handed_to: str | None = None  # the reports handed to it
    region_prefixes: tuple[str, ...] = ()  # the reports of these regions (GB/T 2260 prefixes)

    def includes(self, report: ReportView) -> bool:
        return (
            self.everything
            or report.filer == self.received_by
            or (self.handed_to is not None and report.enforcement == self.handed_to)
            or report.region.startswith(self.region_prefixes)
        )


@functools.lru_cache(maxsize=4096)  # once per actor, as `readable_cases`
def readable_reports(actor: Actor) -> ReadableReports:
    """The receiving bureau, enforcement staff and operators. No other bureau desk, and never a
    platform, association or court: a platform could tell who reported from a complaint filed
    with the report."""
    if actor.role is Role.OPERATOR:
        return ReadableReports(everything=True)
    if actor.role is Role.ENFORCEMENT:
        # those covering the report's region, or those it was handed to (`is_enforcement_for`)
        return ReadableReports(
            received_by=actor.participant_id,
            handed_to=actor.participant_id,
            region_prefixes=tuple(region_prefix(own) for own in actor.regions),
        )
    return ReadableReports(received_by=actor.participant_id)


def may_read_report(actor: Actor, report: ReportView) -> bool:
    return readable_reports(actor).includes(report)


def authorise_report(
    actor: Actor, event_type: str, data: Mapping[str, Any], report: ReportView | None
) -> None:
    if actor.role not in REPORT_ROLE_MATRIX.get(event_type, frozenset()):
        raise WrongRole(actor.role.value, event_type)
    if report is None:
        region = str(data.get("region", ""))
        if not covers_region(actor, region):
            raise OutsideJurisdiction(f"region {region} is outside the bureau's jurisdiction")
        return
    if actor.role is Role.BUREAU and actor.participant_id != report.filer:
        raise OutsideJurisdiction("a report is handled by the bureau that received it")
    if actor.role is Role.ENFORCEMENT and not is_enforcement_for(actor, report):
        raise OutsideJurisdiction("this report is not with this enforcement unit")


def _next_status(report: ReportView, event_type: str, data: Mapping[str, Any]) -> ReportStatus:
    return next_report_status(report.status, event_type, data)


def _received(event: Mapping[str, Any], actor: Actor, accepted_at: dt.datetime) -> ReportView:
    data: Mapping[str, Any] = event["data"]
    respondent: Mapping[str, Any] = data["respondent"]
    merchant: Mapping[str, Any] = respondent.get("merchant") or {}
    return ReportView(
        report_id=str(event["complaint_id"]),
        version=1,
        status=RS.RECEIVED,
        filer=actor.participant_id,
        region=str(data["region"]),
        respondent_platform=str(respondent["platform"]),
        merchant_uscc=merchant.get("uscc"),
        received_at=str(data["received_at"]),
        filed_at=accepted_at,
        updated_at=accepted_at,
        filed_with=data.get("filed_with"),
        anonymous="personal_ref" not in data,
    )


def _changes(
    report: ReportView,
    event: Mapping[str, Any],
    actor: Actor,
    accepted_at: dt.datetime,
    status: ReportStatus,
) -> dict[str, Any]:
    event_type = str(event["type"])
    data: Mapping[str, Any] = event["data"]
    if event_type == RE.VERIFIED:
        return {"verified": bool(data["verified"])}
    if event_type == RE.HANDED_OVER:
        return {"enforcement": str(data["enforcement"])}
    if event_type == RE.CONCLUDED:
        return {"outcome": str(data["outcome"])}
    return {}


def _the_report(report: ReportView, verdict: None) -> ReportView:
    return report


REPORT_CHAIN: Chain[ReportView, ReportStatus, None, tuple[ReportRules, ...], ReportView] = Chain(
    opener=RE.RECEIVED,
    rules=REPORT_RULES,
    authorise=authorise_report,
    transition=_next_status,
    opened=_received,
    changes=_changes,
    decision=_the_report,
)
# One schema-valid event decided on a report's chain (None before it was received), and the fold.
decide_report = REPORT_CHAIN.decide
apply_report = REPORT_CHAIN.apply


def due_report_breaches(report: ReportView, today: dt.date) -> list[Breach]:
    """Breaches of a report's clock not yet recorded, as of the local date `today`; each counts
    against the bureau that received the report. `breach_event` turns one into its event (the
    chain's id stands in `complaint_id`)."""
    return [
        Breach(report.report_id, deadline, report.filer)
        for deadline in breached(list(report.deadlines), today)
        if deadline.name.value not in report.breached_deadlines
    ]
