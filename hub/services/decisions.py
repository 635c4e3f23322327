"""The per-item check run inside group commit: domain rules on the stored snapshot.

A chain is a complaint's or a report's (举报); `report.*` events open and extend a report's chain,
decided by `hub.domain.report`, everything else a complaint's, decided by `hub.domain.case`. The
one fact a check cannot read from the case, the registry's entry for each participant an event
names, is read by the store in the same transaction and passed in (`hub.domain.named`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson

from hub.domain.authorisation import may_emit
from hub.domain.case import decide
from hub.domain.case_state import from_state, is_report_state, report_from_state, to_state
from hub.domain.complaint_ids import in_namespace_of
from hub.domain.deadlines import RULES, PendingCases, RuleSet, with_pending_cases
from hub.domain.errors import (
    ComplaintExists,
    DomainError,
    IllegalTransition,
    UnknownComplaint,
    WrongRole,
)
from hub.domain.lifecycle import EventType
from hub.domain.named import Registered, check_named
from hub.domain.report import (
    DEADLINE_BREACHED,
    REPORT_EVENT_TYPES,
    REPORT_ROLE_MATRIX,
    REPORT_RULES,
    ReportEventType,
    ReportRules,
    decide_report,
)
from hub.domain.roles import Actor, Role, actor_of
from hub.domain.visibility import may_read_case, may_read_chain
from hub.problems import Problem
from hub.services.calendar import CalendarSource
from hub.store.events import CaseState, Check, Decision, PendingEvent
from hub.store.participants import Participant


class DomainRefusal(Problem):
    """A domain rule refused the event; the slug is the rule's code."""

    title = "Refused by a complaint rule"

    def __init__(self, err: DomainError) -> None:
        super().__init__(err.message, **({"pointer": err.pointer} if err.pointer else {}))
        self.slug = err.code.replace("_", "-")
        self.status = err.status


class ComplaintIdNotOwn(Problem):
    """A filing names its complaint outside its sender's namespace (hub.domain.complaint_ids)."""

    slug = "complaint-id-not-own"
    title = "Complaint id outside the filer's namespace"
    status = 422


_COMPLAINT_TYPES = frozenset(e.value for e in EventType)
# The events that open a chain: their id must be in the sender's own namespace.
_OPENING_TYPES = frozenset({EventType.FILED.value, ReportEventType.RECEIVED.value})


def _role_may_send(role: Role, event_type: str) -> bool:
    if event_type in _COMPLAINT_TYPES:
        return may_emit(role, event_type)
    # a report's own events, and the hub's breach (which also extends a report's chain)
    return event_type == DEADLINE_BREACHED or role in REPORT_ROLE_MATRIX.get(event_type, ())


def rules_for_setting(pending_cases: str) -> tuple[RuleSet, ...]:
    """The complaint rule table with the operator's choice for pending complaints (by_received,
    by_step; see docs/bureau-clocks.md)."""
    return with_pending_cases(PendingCases(pending_cases))


def _is_report_chain(case: CaseState | None, event_type: str) -> bool:
    if case is None:
        return event_type in REPORT_EVENT_TYPES
    return is_report_state(case.snapshot["state"])


def _decide_complaint(
    case: CaseState | None,
    doc: Mapping[str, Any],
    actor: Actor,
    accepted_at: datetime,
    checks: CaseChecks,
    named: Mapping[str, Registered],
) -> Decision:
    view = from_state(case.snapshot["state"]) if case is not None else None
    if view is not None and actor.role is not Role.HUB and not may_read_case(actor, view):
        # Whoever may not see a complaint is answered as if it did not exist: no other refusal
        # (stale version, not the respondent, already filed) may tell it that it does.
        raise UnknownComplaint(view.complaint_id)
    if case is not None and doc["type"] == ReportEventType.RECEIVED:
        # a report is received on a chain of its own, never onto a complaint's id
        raise ComplaintExists(case.complaint_id)
    if view is not None:
        check_named(str(doc["type"]), doc["data"], actor, view, named)
    decision = decide(view, doc, actor, accepted_at, checks.calendars.current, checks.rules)
    new = decision.new_case
    snapshot = {"state": to_state(new), "public": new.to_json()}
    flags = {
        k: v
        for k, v in (
            ("self_reported", decision.flags.self_reported),
            ("overrides_self_reported", decision.flags.overrides_self_reported),
        )
        if v
    }
    return Decision(CaseState(new.complaint_id, new.version, new.status.value, snapshot), flags)


def _decide_report(
    case: CaseState | None,
    doc: Mapping[str, Any],
    actor: Actor,
    accepted_at: datetime,
    checks: CaseChecks,
    named: Mapping[str, Registered],
) -> Decision:
    view = report_from_state(case.snapshot["state"]) if case is not None else None
    if view is not None and actor.role is not Role.HUB and not may_read_chain(actor, view):
        raise UnknownComplaint(view.report_id)  # as for a complaint: nothing is revealed
    event_type = str(doc["type"])
    if view is not None and event_type not in REPORT_EVENT_TYPES | {DEADLINE_BREACHED}:
        raise IllegalTransition(view.status, event_type, "a report's chain takes report events")
    if view is not None:
        check_named(event_type, doc["data"], actor, None, named)
    new = decide_report(
        view, doc, actor, accepted_at, checks.calendars.current, checks.report_rules
    )
    snapshot = {"state": to_state(new), "public": new.to_json()}
    return Decision(CaseState(new.report_id, new.version, new.status.value, snapshot))


class CaseChecks:
    """Builds the store's Check for one authenticated actor."""

    def __init__(
        self,
        calendars: CalendarSource,
        *,
        rules: tuple[RuleSet, ...] = RULES,
        report_rules: tuple[ReportRules, ...] = REPORT_RULES,
    ) -> None:
        self.calendars = calendars
        self.rules = rules
        self.report_rules = report_rules

    def for_actor(self, participant: Participant) -> Check:
        return self.for_domain_actor(actor_of(participant))

    def for_domain_actor(self, actor: Actor) -> Check:
        def check(
            case: CaseState | None,
            event: PendingEvent,
            accepted_at: datetime,
            named: Mapping[str, Registered],
        ) -> Decision:
            if not _role_may_send(actor.role, event.type):
                # What a role may never send is refused alike on every case, seen or not.
                raise DomainRefusal(WrongRole(actor.role.value, event.type))
            if event.type in _OPENING_TYPES and not in_namespace_of(
                event.complaint_id, actor.participant_id
            ):
                # Decided before the case is looked at: the same answer whether it exists or not.
                raise ComplaintIdNotOwn(
                    f"/complaint_id: {actor.participant_id} files under ids of its own, "
                    f"{actor.participant_id}:<local part> (letters, digits, '.' or '-')",
                    pointer="/complaint_id",
                )
            doc = orjson.loads(event.body)
            decide_chain = (
                _decide_report if _is_report_chain(case, event.type) else _decide_complaint
            )
            try:
                return decide_chain(case, doc, actor, accepted_at, self, named)
            except DomainError as err:
                raise DomainRefusal(err) from err

        return check
