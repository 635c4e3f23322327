"""The per-item check run inside group commit: domain rules on the stored snapshot."""

from __future__ import annotations

from datetime import datetime

import orjson

from hub.domain.case import decide
from hub.domain.case_state import from_state, to_state
from hub.domain.errors import DomainError
from hub.domain.errors import StaleVersion as DomainStaleVersion
from hub.domain.roles import Actor, Role
from hub.problems import Problem, StaleVersion
from hub.services.calendar import CalendarSource
from hub.store.events import CaseState, Check, Decision, PendingEvent
from hub.store.participants import Participant


class DomainRefusal(Problem):
    """A domain rule refused the event; the slug is the rule's code."""

    title = "Refused by a complaint rule"

    def __init__(self, err: DomainError) -> None:
        super().__init__(err.message)
        self.slug = err.code.replace("_", "-")
        self.status = err.status


def actor_of(participant: Participant) -> Actor:
    return Actor(
        participant_id=participant.participant_id,
        role=Role(participant.role),
        platform=participant.platform,
        regions=participant.regions,
    )


class CaseChecks:
    """Builds the store's Check for one authenticated actor."""

    def __init__(self, calendars: CalendarSource) -> None:
        self.calendars = calendars

    def for_actor(self, participant: Participant) -> Check:
        return self.for_domain_actor(actor_of(participant))

    def for_domain_actor(self, actor: Actor) -> Check:
        calendars = self.calendars

        def check(case: CaseState | None, event: PendingEvent, accepted_at: datetime) -> Decision:
            view = from_state(case.snapshot["state"]) if case is not None else None
            try:
                decision = decide(
                    view, orjson.loads(event.body), actor, accepted_at, calendars.current
                )
            except DomainStaleVersion as err:
                # One problem type for a stale version, whether the domain or the store saw it.
                raise StaleVersion(err.message, current_version=err.current_version) from err
            except DomainError as err:
                raise DomainRefusal(err) from err
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
            return Decision(
                CaseState(new.complaint_id, new.version, new.status.value, snapshot), flags
            )

        return check
