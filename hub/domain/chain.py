"""The steps every chain (a complaint's, a report's) takes on one more event, written once.

A chain opens with one event type at version 1, and each later event extends it by one version.
An event is decided in the same order whatever the chain: the version rule, who may say it (the
chain's role matrix and the actor's ties to the chain), whether the chain's status may move so (its
transition table), the chain's own checks of the data; then it is folded into the next snapshot,
whose deadlines are worked out again. A `Chain` names what differs between chains: the event that
opens one, those rules, and what each event changes. No I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import Field, dataclass, replace
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar

from hub.domain.calendar import WorkingCalendar
from hub.domain.deadlines import Deadline
from hub.domain.errors import ComplaintExists, UnknownComplaint, stale_version
from hub.domain.lifecycle import EventType
from hub.domain.roles import Actor

RulesT = TypeVar("RulesT")
RulesT_contra = TypeVar("RulesT_contra", contravariant=True)


class Snapshot(Protocol[RulesT_contra]):
    """What the steps read of a chain's snapshot (CaseView and ReportView have it)."""

    # a dataclass, so that `dataclasses.replace` makes the next snapshot
    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    @property
    def chain_id(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def breached_deadlines(self) -> frozenset[str]: ...
    def with_deadlines(self, calendar: WorkingCalendar, rules: RulesT_contra) -> Self: ...


ViewT = TypeVar("ViewT", bound=Snapshot[Any])
StatusT = TypeVar("StatusT")
VerdictT = TypeVar("VerdictT")
DecisionT = TypeVar("DecisionT")

Event = Mapping[str, Any]


def check_chain_step(
    event_type: str,
    version: int,
    chain_id: str,
    *,
    opener: str,
    current: tuple[str, int] | None,
) -> None:
    """The version rule every chain shares: it opens with `opener` at version 1, and each later
    event extends the current version by one.

    A second opener (naturally sent at version 1) is refused as such: no version would make it
    acceptable, so "stale, send the next version" would mislead its sender.
    """
    if current is None:
        if event_type != opener:
            raise UnknownComplaint(chain_id)
        if version != 1:
            raise stale_version(0, version)
        return
    current_id, current_version = current
    if event_type == opener:
        raise ComplaintExists(current_id)
    if version != current_version + 1:
        raise stale_version(current_version, version)


def deadline_documents(
    deadlines: Sequence[Deadline], breached: frozenset[str]
) -> list[dict[str, Any]]:
    """A chain's open deadlines as its document shows them, each marked `breached` once the hub
    recorded its breach: alike for a complaint's and a report's, so one sweep reads both."""
    return [
        {
            "name": deadline.name.value,
            "due_on": deadline.due_on.isoformat(),
            "provisional": deadline.provisional,
            "breached": deadline.name.value in breached,
        }
        for deadline in deadlines
    ]


def _no_check(view: Any, event: Event, actor: Actor, verdict: Any, rules: Any) -> None:
    return None


@dataclass(frozen=True, slots=True)
class Chain(Generic[ViewT, StatusT, VerdictT, RulesT, DecisionT]):
    """One kind of chain: its opening event, its rules, and what each event changes.

    `authorise` raises unless the actor may say the event here (before the chain is opened, the
    view is None) and returns its verdict (a complaint's flags); `transition` is the status after
    an event, or raises; `check` refuses data that the tables allow but the chain's facts do not;
    `opened` is the snapshot the opening event makes, `changes` the fields a later event changes
    beside its version, status and time; `decision` is what `decide` answers, made of the next
    snapshot and the verdict. `rules` are the chain's rules in force unless told otherwise.
    """

    opener: str
    rules: RulesT
    authorise: Callable[[Actor, str, Mapping[str, Any], ViewT | None], VerdictT]
    transition: Callable[[ViewT, str, Mapping[str, Any]], StatusT]
    opened: Callable[[Event, Actor, dt.datetime], ViewT]
    changes: Callable[[ViewT, Event, Actor, dt.datetime, StatusT], Mapping[str, Any]]
    decision: Callable[[ViewT, VerdictT], DecisionT]
    check: Callable[[ViewT, Event, Actor, VerdictT, RulesT], None] = _no_check

    def decide(
        self,
        view: ViewT | None,
        event: Event,
        actor: Actor,
        accepted_at: dt.datetime,
        calendar: WorkingCalendar,
        rules: RulesT | None = None,
    ) -> DecisionT:
        """Decide one schema-valid event against the current snapshot (None before the chain
        opened): version, authorisation, transition, the chain's checks, then the next snapshot.
        """
        event_type = str(event["type"])
        data: Mapping[str, Any] = event["data"]
        if view is not None and event["complaint_id"] != view.chain_id:
            raise ValueError("event and snapshot belong to different chains")
        check_chain_step(
            event_type,
            int(event["version"]),
            str(event["complaint_id"]),
            opener=self.opener,
            current=(view.chain_id, view.version) if view is not None else None,
        )
        verdict = self.authorise(actor, event_type, data, view)
        in_force = self.rules if rules is None else rules
        if view is not None:
            self.transition(view, event_type, data)
            self.check(view, event, actor, verdict, in_force)
        new = self.apply(view, event, actor, accepted_at, calendar, in_force)
        return self.decision(new, verdict)

    def apply(
        self,
        view: ViewT | None,
        event: Event,
        actor: Actor,
        accepted_at: dt.datetime,
        calendar: WorkingCalendar | None = None,
        rules: RulesT | None = None,
    ) -> ViewT:
        """Fold one accepted event into the snapshot, for rebuilding one from a chain whose events
        were decided already; deadlines recomputed with `calendar`."""
        calendar = calendar if calendar is not None else WorkingCalendar()
        in_force = self.rules if rules is None else rules
        event_type = str(event["type"])
        if view is None:
            if event_type != self.opener:
                raise UnknownComplaint(str(event["complaint_id"]))
            return self.opened(event, actor, accepted_at).with_deadlines(calendar, in_force)
        status = self.transition(view, event_type, event["data"])
        changes: dict[str, Any] = {
            "version": int(event["version"]),
            "status": status,
            "updated_at": accepted_at,
        }
        changes.update(self.changes(view, event, actor, accepted_at, status))
        if event_type == EventType.DEADLINE_BREACHED:
            # the hub's own record of a clock run out, alike on every chain
            deadline = str(event["data"]["deadline"])
            changes["breached_deadlines"] = view.breached_deadlines | {deadline}
        return replace(view, **changes).with_deadlines(calendar, in_force)
