"""Deadlines of a complaint, from a rule table versioned by effective date.

SAMR Order 20 (the interim measures on complaints and reports, in force 2020-01-01, amended 2022)
applies until 2026-04-14, SAMR Order 121 from 2026-04-15. Each period says whether it counts working
days or calendar days: Order 20's mediation limit is 45 working days, Order 121's is 六十日, 60
calendar days. Every period starts the day after the fact that opens it (Civil Code art. 201).

Which rules a complaint pending on a rule set's effective date follows is a choice the rule set
carries (`PendingCases`), because no transitional article settles it for Order 121.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum

from hub.domain.calendar import DueDate, Excluded, WorkingCalendar
from hub.domain.deadlines_index import indexed_calendar_days, indexed_working_days
from hub.domain.lifecycle import MEDIATION_CLOCK_RUNS, Status
from hub.domain.roles import Role


class DayCount(StrEnum):
    WORKING = "working"  # 工作日: holidays and weekends left out, adjusted workdays counted
    CALENDAR = "calendar"  # 日: every day, ending on a working day (Civil Code art. 203)


@dataclass(frozen=True, slots=True)
class Period:
    days: int
    count: DayCount
    source: str  # where the figure comes from, as bureau staff would cite it

    def ends(self, start: dt.date, calendar: WorkingCalendar, excluded: Excluded = ()) -> DueDate:
        if self.count is DayCount.WORKING:
            return indexed_working_days(start, self.days, calendar, excluded)
        return indexed_calendar_days(start, self.days, calendar, excluded)


class PendingCases(StrEnum):
    """Which rules a complaint received before a rule set's effective date follows afterwards."""

    # every step follows the rules in force on the day the complaint was received
    BY_RECEIVED = "by_received"
    # a clock opened (or a decision taken) on or after the effective date follows the new rules
    BY_STEP = "by_step"


ORDER_20_GROUNDS = frozenset(
    {
        # grounds for not accepting a complaint: SAMR Order 20 art. 15
        "outside_remit",
        "handled_elsewhere",
        "not_personal_consumption",
        "over_three_years",
        "material_missing",
        "other",
    }
)

# Grounds for ending mediation without an agreement (终止调解). Order 20 art. 21 lists seven, its
# item (1) joining withdrawal and settling on their own; Order 121 art. 23 lists eight. The slugs
# follow Order 20's wording with (1) split in two; Order 121's exact wording is unverified.
MEDIATION_END_GROUNDS = frozenset(
    {
        "complaint_withdrawn",  # the consumer withdrew the complaint
        "settled_by_parties",  # the parties settled on their own (自行和解)
        "testing_not_agreed",  # no agreement on the testing or appraisal body or its costs
        "party_refused",  # a party stayed away without good reason, or refused mediation
        "no_agreement_possible",  # after mediation a party said no agreement can be reached
        "limit_passed",  # the mediation limit passed without agreement
        "ground_for_non_acceptance",  # after acceptance, a ground for not accepting came to light
        "other_by_law",  # any other ground laws, regulations or rules provide
    }
)


@dataclass(frozen=True, slots=True)
class RuleSet:
    name: str
    effective_from: dt.date
    acceptance_decision: Period
    odr_negotiation: Period
    mediation_limit: Period
    parties_notified: Period
    rejection_grounds: frozenset[str]
    mediation_end_grounds: frozenset[str] = MEDIATION_END_GROUNDS
    # For complaints received before `effective_from` and still pending on it.
    pending_cases: PendingCases = PendingCases.BY_RECEIVED
    returns_window_days: int = 7
    # the seller refunds within 7 days of receiving the returned goods: Consumer Protection Law
    # art. 25 (七日, calendar days)
    refund_after_return: Period = Period(7, DayCount.CALENDAR, "Consumer Protection Law art. 25")

    @property
    def mediation_limit_working_days(self) -> int:
        """Kept for callers of the first rule table; meaningful only for a working-day limit."""
        return self.mediation_limit.days


ORDER_20 = RuleSet(
    name="samr_order_20",
    effective_from=dt.date(2020, 1, 1),
    # accept or not within 7 working days of receipt: Order 20 art. 14
    acceptance_decision=Period(7, DayCount.WORKING, "SAMR Order 20 art. 14"),
    # ODR enterprises negotiate within 10 working days (12315 ODR rules; article unverified)
    odr_negotiation=Period(10, DayCount.WORKING, "12315 ODR rules"),
    # mediation ends without agreement 45 working days after acceptance: Order 20 art. 21(5)
    mediation_limit=Period(45, DayCount.WORKING, "SAMR Order 20 art. 21(5)"),
    # the parties are told within 7 working days of ending mediation: Order 20 art. 21
    parties_notified=Period(7, DayCount.WORKING, "SAMR Order 20 art. 21"),
    rejection_grounds=ORDER_20_GROUNDS,
)

ORDER_121 = RuleSet(
    name="samr_order_121",
    effective_from=dt.date(2026, 4, 15),
    # 7 working days: Order 121 art. 16; the Consumer Protection Law art. 46 caps it at 7 working
    # days, so it cannot be longer (Order 121's own figure unverified)
    acceptance_decision=Period(7, DayCount.WORKING, "SAMR Order 121 art. 16; CPL art. 46"),
    odr_negotiation=Period(10, DayCount.WORKING, "12315 ODR rules"),
    # 六十日 from acceptance: Order 121 art. 23(1)(5); calendar days, rolled past a holiday
    mediation_limit=Period(60, DayCount.CALENDAR, "SAMR Order 121 art. 23(1)(5)"),
    # notice of ending mediation: Order 121 art. 23 (7 working days as under Order 20: unverified)
    parties_notified=Period(7, DayCount.WORKING, "SAMR Order 121 art. 23"),
    # Order 121 art. 16 adds false material and impersonation or refusal of identity checks
    rejection_grounds=ORDER_20_GROUNDS | {"false_material", "identity_refused"},
    # No transitional article found: the rules in force on receipt, until decided otherwise.
    pending_cases=PendingCases.BY_RECEIVED,
)

# Oldest first; configurable (see `with_pending_cases`), passed where deadlines are computed.
RULES: tuple[RuleSet, ...] = (ORDER_20, ORDER_121)


def with_pending_cases(
    choice: PendingCases, rules: tuple[RuleSet, ...] = RULES, name: str = ORDER_121.name
) -> tuple[RuleSet, ...]:
    """The rule table with `choice` made for complaints pending when rule set `name` came in."""
    return tuple(replace(r, pending_cases=choice) if r.name == name else r for r in rules)


def rules_for(
    received_on: dt.date, step_on: dt.date | None = None, rules: tuple[RuleSet, ...] = RULES
) -> RuleSet:
    """The rule set for a step taken on `step_on` in a complaint received on `received_on`.

    The rules in force on receipt (the oldest for anything before it), unless a later rule set in
    force on `step_on` chose to govern pending complaints' later steps (`PendingCases.BY_STEP`).
    """
    chosen = rules[0]
    for rule_set in rules:
        if rule_set.effective_from <= received_on or (
            step_on is not None
            and rule_set.effective_from <= step_on
            and rule_set.pending_cases is PendingCases.BY_STEP
        ):
            chosen = rule_set
    return chosen


class DeadlineName(StrEnum):
    ACCEPTANCE_DECISION = "acceptance_decision"
    ODR_NEGOTIATION = "odr_negotiation"
    MEDIATION_LIMIT = "mediation_limit"
    PARTIES_NOTIFIED = "parties_notified"
    REFUND_AFTER_RETURN = "refund_after_return"
    REPORT_VERIFICATION = "report_verification"


# Whose timeliness a breach counts against.
RESPONSIBLE: dict[DeadlineName, Role] = {
    DeadlineName.ACCEPTANCE_DECISION: Role.BUREAU,
    DeadlineName.ODR_NEGOTIATION: Role.PLATFORM,
    DeadlineName.MEDIATION_LIMIT: Role.BUREAU,
    DeadlineName.PARTIES_NOTIFIED: Role.BUREAU,
    DeadlineName.REFUND_AFTER_RETURN: Role.PLATFORM,
    DeadlineName.REPORT_VERIFICATION: Role.BUREAU,
}


class Owner(StrEnum):
    """The party whose duty a deadline is, and whose timeliness its breach is charged to."""

    PLATFORM = "platform"
    MERCHANT = "merchant"
    BUREAU = "bureau"
    MEDIATOR = "mediator"


# Whose duty each deadline is: what the statistics charge a breach to. A platform's league table
# counts its own and its merchants' deadlines, never a bureau's or a mediator's.
OWNER: dict[DeadlineName, Owner] = {
    # the bureau decides whether to accept within its limit (Order 20 art. 18, Order 121)
    DeadlineName.ACCEPTANCE_DECISION: Owner.BUREAU,
    # the platform settles on its own ODR service before the case escalates
    DeadlineName.ODR_NEGOTIATION: Owner.PLATFORM,
    # the mediation the bureau conducts ends within its limit (Order 20 art. 28)
    DeadlineName.MEDIATION_LIMIT: Owner.MEDIATOR,
    # the bureau tells the parties that mediation ended without agreement
    DeadlineName.PARTIES_NOTIFIED: Owner.BUREAU,
    # the seller refunds once it received the returned goods (E-Commerce Law, 七日无理由退货)
    DeadlineName.REFUND_AFTER_RETURN: Owner.MERCHANT,
    # the bureau verifies a report (举报) within its limit
    DeadlineName.REPORT_VERIFICATION: Owner.BUREAU,
}
CHARGED_TO_PLATFORM = frozenset({Owner.PLATFORM, Owner.MERCHANT})


@dataclass(frozen=True, slots=True)
class Deadline:
    name: DeadlineName
    due_on: dt.date
    provisional: bool


# A pause for testing, inspection or appraisal: (paused on, resumed on or None while it lasts).
Pause = tuple[dt.date, dt.date | None]


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the clocks depend on; dates are local (Asia/Shanghai) calendar dates."""

    status: Status
    odr: bool  # filed by the platform on its own ODR service
    received_on: dt.date
    accepted_on: dt.date | None = None
    routed_on: dt.date | None = None
    mediation_started_on: dt.date | None = None
    mediation_concluded_on: dt.date | None = None
    # None until mediation ended; the notice to the parties follows only an ending without one
    mediation_agreement: bool | None = None
    # when the bureau now handling the case received it: by transfer from another bureau, or by
    # escalation of a failed ODR negotiation; its acceptance clock starts then
    bureau_received_on: dt.date | None = None
    pauses: tuple[Pause, ...] = ()
    return_received_on: dt.date | None = None  # the seller received the returned goods
    resolved_on: dt.date | None = None  # the latest resolution the platform reported


_NEGOTIATING = frozenset({Status.ROUTED, Status.ACKNOWLEDGED, Status.NEGOTIATING})
_ODR_NEGOTIATING = frozenset({Status.FILED, Status.ACKNOWLEDGED, Status.NEGOTIATING})
_AWAITING_ACCEPTANCE = frozenset({Status.FILED, Status.ESCALATED})
_OPEN = frozenset(Status) - {Status.REJECTED, Status.WITHDRAWN, Status.CLOSED}


def is_paused(facts: CaseFacts) -> bool:
    return any(resumed is None for _, resumed in facts.pauses)


def open_deadlines(
    facts: CaseFacts, calendar: WorkingCalendar, rules: tuple[RuleSet, ...] = RULES
) -> list[Deadline]:
    """The deadlines running in the case's current status."""
    found: list[Deadline] = []

    def add(name: DeadlineName, start: dt.date, period: Period, excluded: Excluded = ()) -> None:
        due = period.ends(start, calendar, excluded)
        found.append(Deadline(name, due.due_on, due.provisional))

    def rule_set(step_on: dt.date) -> RuleSet:
        return rules_for(facts.received_on, step_on, rules)

    status = facts.status
    awaits_bureau = not facts.odr or status is Status.ESCALATED
    if status in _AWAITING_ACCEPTANCE and awaits_bureau:
        start = facts.bureau_received_on or facts.received_on
        add(DeadlineName.ACCEPTANCE_DECISION, start, rule_set(start).acceptance_decision)
    if status in _NEGOTIATING and facts.routed_on is not None:
        # the platform negotiates a routed case within its ODR period, from routing
        start = facts.routed_on
        add(DeadlineName.ODR_NEGOTIATION, start, rule_set(start).odr_negotiation)
    elif facts.odr and status in _ODR_NEGOTIATING and facts.accepted_on is None:
        start = facts.received_on
        add(DeadlineName.ODR_NEGOTIATION, start, rule_set(start).odr_negotiation)
    if status in MEDIATION_CLOCK_RUNS and facts.accepted_on is not None and not is_paused(facts):
        # only testing, inspection or appraisal time is left out, and it extends the limit
        excluded = tuple((p, r) for p, r in facts.pauses if r is not None)
        start = facts.accepted_on
        add(DeadlineName.MEDIATION_LIMIT, start, rule_set(start).mediation_limit, excluded)
    ended = facts.mediation_concluded_on
    if status is Status.MEDIATED and ended is not None and facts.mediation_agreement is False:
        add(DeadlineName.PARTIES_NOTIFIED, ended, rule_set(ended).parties_notified)
    returned = facts.return_received_on
    refunded = (
        facts.resolved_on is not None and returned is not None and facts.resolved_on >= returned
    )
    if returned is not None and status in _OPEN and not refunded:
        add(DeadlineName.REFUND_AFTER_RETURN, returned, rule_set(returned).refund_after_return)
    return found


def count_working_days(after: dt.date, upto: dt.date, calendar: WorkingCalendar) -> int:
    """Working days in (after, upto]."""
    count = 0
    day = after
    while day < upto:
        day += dt.timedelta(days=1)
        count += calendar.is_workday(day)[0]
    return count


def returns_window_ends(signed_for_on: dt.date) -> dt.date:
    """The last day of the seven-day no-reason return window.

    Seven calendar days, starting the day after the goods were signed for: Consumer Protection Law
    art. 25 and the SAMR interim measures on seven-day no-reason returns (2017, amended 2020).
    It binds the seller, not a party in the hub, so it is a fact for the case, not a hub deadline.
    """
    return signed_for_on + dt.timedelta(days=ORDER_20.returns_window_days)


def breached(deadlines: list[Deadline], today: dt.date) -> list[Deadline]:
    """Deadlines passed by `today` (the due day itself is still in time).

    Never a provisional one: a breach counts against a party's timeliness, and a date computed
    without the year's holiday table may move once the table arrives.
    """
    return [
        deadline for deadline in deadlines if not deadline.provisional and today > deadline.due_on
    ]
