"""Deadlines of a complaint, from a rule table versioned by effective date.

The rules in force are chosen by the date the complaint was received: SAMR Order 20 (the interim
measures on complaints and reports, in force 2020-01-01, amended 2022) until 2026-04-14, SAMR Order
121 from 2026-04-15. All periods are in working days counted from the day after the starting fact.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from hub.domain.calendar import WorkingCalendar, add_working_days
from hub.domain.lifecycle import Status
from hub.domain.roles import Role

ORDER_20_GROUNDS = frozenset(
    {
        # grounds for not accepting a complaint: SAMR Order 20 art. 15 (article number unverified)
        "outside_remit",
        "handled_elsewhere",
        "not_personal_consumption",
        "over_three_years",
        "material_missing",
        "other",
    }
)


@dataclass(frozen=True, slots=True)
class RuleSet:
    name: str
    effective_from: dt.date
    acceptance_decision_working_days: int
    odr_negotiation_working_days: int
    mediation_limit_working_days: int
    parties_notified_working_days: int
    rejection_grounds: frozenset[str]
    returns_window_days: int = 7


ORDER_20 = RuleSet(
    name="samr_order_20",
    effective_from=dt.date(2020, 1, 1),
    # accept or not within 7 working days of receipt: Order 20 art. 19
    acceptance_decision_working_days=7,
    # ODR enterprises negotiate within 10 working days (12315 ODR rules; DOMAIN.md)
    odr_negotiation_working_days=10,
    # mediation ends without agreement 45 working days after acceptance: Order 20 art. 30(5)
    # (article number unverified)
    mediation_limit_working_days=45,
    # the parties are told within 7 working days that mediation ended: Order 20 art. 31
    # (article number unverified)
    parties_notified_working_days=7,
    rejection_grounds=ORDER_20_GROUNDS,
)

ORDER_121 = RuleSet(
    name="samr_order_121",
    effective_from=dt.date(2026, 4, 15),
    # Order 121's acceptance period: 7 working days as under Order 20 (unverified)
    acceptance_decision_working_days=7,
    odr_negotiation_working_days=10,
    # 60 working days under Order 121: unverified, needs a second source before it is relied on
    mediation_limit_working_days=60,
    parties_notified_working_days=7,
    # Order 121 adds false material and impersonation or refusal of identity checks
    rejection_grounds=ORDER_20_GROUNDS | {"false_material", "identity_refused"},
)

# Newest last; a complaint is handled under the rules in force on the day it was received.
RULES: tuple[RuleSet, ...] = (ORDER_20, ORDER_121)


def rules_for(received_on: dt.date) -> RuleSet:
    """The rule set in force on `received_on` (Order 20 for anything before it, too)."""
    chosen = RULES[0]
    for rules in RULES:
        if rules.effective_from <= received_on:
            chosen = rules
    return chosen


class DeadlineName(StrEnum):
    ACCEPTANCE_DECISION = "acceptance_decision"
    ODR_NEGOTIATION = "odr_negotiation"
    MEDIATION_LIMIT = "mediation_limit"
    PARTIES_NOTIFIED = "parties_notified"


# Whose timeliness a breach counts against.
RESPONSIBLE: dict[DeadlineName, Role] = {
    DeadlineName.ACCEPTANCE_DECISION: Role.BUREAU,
    DeadlineName.ODR_NEGOTIATION: Role.PLATFORM,
    DeadlineName.MEDIATION_LIMIT: Role.BUREAU,
    DeadlineName.PARTIES_NOTIFIED: Role.BUREAU,
}


@dataclass(frozen=True, slots=True)
class Deadline:
    name: DeadlineName
    due_on: dt.date
    provisional: bool


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


_NEGOTIATING = frozenset({Status.ROUTED, Status.ACKNOWLEDGED, Status.NEGOTIATING})
_ODR_NEGOTIATING = frozenset({Status.FILED, Status.ACKNOWLEDGED, Status.NEGOTIATING})


def open_deadlines(facts: CaseFacts, calendar: WorkingCalendar) -> list[Deadline]:
    """The deadlines running in the case's current status."""
    rules = rules_for(facts.received_on)
    found: list[Deadline] = []

    def add(name: DeadlineName, start: dt.date, working_days: int) -> None:
        due = add_working_days(start, working_days, calendar)
        found.append(Deadline(name, due.due_on, due.provisional))

    status = facts.status
    if not facts.odr and status is Status.FILED:
        add(
            DeadlineName.ACCEPTANCE_DECISION,
            facts.received_on,
            rules.acceptance_decision_working_days,
        )
    if facts.odr and status in _ODR_NEGOTIATING:
        add(DeadlineName.ODR_NEGOTIATION, facts.received_on, rules.odr_negotiation_working_days)
    if not facts.odr and status in _NEGOTIATING and facts.routed_on is not None:
        add(DeadlineName.ODR_NEGOTIATION, facts.routed_on, rules.odr_negotiation_working_days)
    if status is Status.MEDIATING:
        start, remaining = _mediation_clock(facts, rules, calendar)
        if remaining > 0:
            add(DeadlineName.MEDIATION_LIMIT, start, remaining)
        else:
            found.append(Deadline(DeadlineName.MEDIATION_LIMIT, start, False))
    if status is Status.MEDIATED and facts.mediation_concluded_on is not None:
        add(
            DeadlineName.PARTIES_NOTIFIED,
            facts.mediation_concluded_on,
            rules.parties_notified_working_days,
        )
    return found


def _mediation_clock(
    facts: CaseFacts, rules: RuleSet, calendar: WorkingCalendar
) -> tuple[dt.date, int]:
    """Where the mediation limit counts from, and how many working days remain from there.

    The limit runs from acceptance, but time spent in the platform's ODR negotiation does not count
    against the bureau's clocks: for a case routed to the platform, the working days between
    acceptance and routing are spent and the rest runs from the start of mediation. A case that
    came from a platform's ODR service without acceptance runs from the start of mediation.
    """
    limit = rules.mediation_limit_working_days
    started = facts.mediation_started_on or facts.received_on
    if facts.accepted_on is None:
        return started, limit
    if facts.routed_on is None:
        return facts.accepted_on, limit
    spent = count_working_days(facts.accepted_on, facts.routed_on, calendar)
    return started, limit - spent


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
