"""The lifecycle of a complaint as a table: (status, event type) -> next status.

filed -> accepted or rejected (bureau) -> routed to the platform -> acknowledged -> negotiating
(offers and answers) -> resolved -> confirmed or disputed -> mediation (escalated, started,
concluded) -> referred to the online court -> closed; withdrawn before closing from any open state.
A complaint filed by the platform on its own ODR service starts on the ODR clock: no bureau decides
acceptance, and the platform may acknowledge or make an offer at once; when that negotiation fails,
the complaint is escalated to a bureau, which decides acceptance as for any complaint.

Steps that change no status: a bureau not competent transfers a complaint awaiting acceptance to
another bureau; a bureau pauses and resumes the mediation clock for testing, inspection or
appraisal; the platform records that the seller received the returned goods; a bureau records a
follow-up visit (回访), also after closing.
"""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType

from hub.domain.errors import IllegalTransition


class Status(StrEnum):
    FILED = "filed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    ROUTED = "routed"
    ACKNOWLEDGED = "acknowledged"
    NEGOTIATING = "negotiating"
    RESOLVED = "resolved"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    ESCALATED = "escalated"  # an ODR complaint at a bureau, awaiting its acceptance decision
    MEDIATING = "mediating"
    MEDIATED = "mediated"
    REFERRED = "referred"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class EventType(StrEnum):
    FILED = "complaint.filed"
    ACCEPTED = "complaint.accepted"
    REJECTED = "complaint.rejected"
    ROUTED = "complaint.routed"
    ACKNOWLEDGED = "complaint.acknowledged"
    OFFER_MADE = "complaint.offer_made"
    OFFER_ANSWERED = "complaint.offer_answered"
    RESOLVED = "complaint.resolved"
    CONFIRMED = "complaint.confirmed"
    DISPUTED = "complaint.disputed"
    ESCALATED = "complaint.escalated"
    WITHDRAWN = "complaint.withdrawn"
    CLOSED = "complaint.closed"
    MEDIATION_STARTED = "mediation.started"
    MEDIATION_CONCLUDED = "mediation.concluded"
    REFERRED = "case.referred"
    NOTE_ADDED = "case.note_added"
    DEADLINE_BREACHED = "deadline.breached"
    RETURN_RECEIVED = "complaint.return_received"
    TRANSFERRED = "case.transferred"
    PAUSED = "case.paused"
    RESUMED = "case.resumed"
    FOLLOW_UP = "case.follow_up"


S = Status
E = EventType

# Nothing but a follow-up visit follows closing. A rejected or withdrawn complaint still awaits its
# formal close.
TERMINAL: frozenset[Status] = frozenset({S.CLOSED})
# Open: the consumer may still withdraw, and the clocks still run.
OPEN: frozenset[Status] = frozenset(Status) - {S.REJECTED, S.WITHDRAWN, S.CLOSED}
# The mediation limit runs from acceptance whatever happens in between (Order 20 art. 21(5),
# Order 121 art. 23(1)(5): 自投诉受理之日起) until mediation ends; testing, inspection or
# appraisal pauses it.
MEDIATION_CLOCK_RUNS: frozenset[Status] = frozenset(
    {S.ACCEPTED, S.ROUTED, S.ACKNOWLEDGED, S.NEGOTIATING, S.RESOLVED, S.DISPUTED, S.MEDIATING}
)
# Where the platform may report that the seller received the returned goods (CPL art. 25 clock).
_RETURN_POSSIBLE = frozenset({S.ROUTED, S.ACKNOWLEDGED, S.NEGOTIATING, S.DISPUTED, S.MEDIATING})
# After the handling ends, a bureau may call the consumer back (回访).
_FOLLOW_UP_POSSIBLE = frozenset({S.RESOLVED, S.CONFIRMED, S.MEDIATED, S.REFERRED, S.CLOSED})

_MOVES: dict[tuple[Status, EventType], Status] = {
    # acceptance decided by the bureau: SAMR Order 20 art. 14, Order 121 art. 16
    (S.FILED, E.ACCEPTED): S.ACCEPTED,
    (S.FILED, E.REJECTED): S.REJECTED,
    (S.REJECTED, E.CLOSED): S.CLOSED,
    # a bureau that is not competent transfers the complaint (移送); the receiving bureau decides
    # acceptance on its own clock (Order 121 art. 16; Order 20 art. 14)
    (S.FILED, E.TRANSFERRED): S.FILED,
    # the bureau routes to the platform's ODR service, or mediates itself at once
    (S.ACCEPTED, E.ROUTED): S.ROUTED,
    (S.ACCEPTED, E.MEDIATION_STARTED): S.MEDIATING,
    (S.ROUTED, E.ACKNOWLEDGED): S.ACKNOWLEDGED,
    (S.ROUTED, E.ESCALATED): S.MEDIATING,  # the platform never answered
    (S.ACKNOWLEDGED, E.OFFER_MADE): S.NEGOTIATING,
    (S.ACKNOWLEDGED, E.RESOLVED): S.RESOLVED,  # refunded at once, without an offer
    (S.ACKNOWLEDGED, E.ESCALATED): S.MEDIATING,
    (S.NEGOTIATING, E.OFFER_MADE): S.NEGOTIATING,  # counter-offers
    (S.NEGOTIATING, E.OFFER_ANSWERED): S.NEGOTIATING,
    (S.NEGOTIATING, E.RESOLVED): S.RESOLVED,
    # a case the bureau accepted and routed comes back into its mediation when negotiation fails
    (S.NEGOTIATING, E.ESCALATED): S.MEDIATING,
    (S.RESOLVED, E.CONFIRMED): S.CONFIRMED,
    (S.RESOLVED, E.DISPUTED): S.DISPUTED,
    (S.RESOLVED, E.CLOSED): S.CLOSED,  # the consumer never answered the resolution
    # A dispute after a confirmation: only a bureau's, overriding a self-reported confirmation
    # (checked in authorisation; the table only says the move exists).
    (S.CONFIRMED, E.DISPUTED): S.DISPUTED,
    (S.CONFIRMED, E.CLOSED): S.CLOSED,
    (S.DISPUTED, E.OFFER_MADE): S.NEGOTIATING,  # the platform tries again
    (S.DISPUTED, E.ESCALATED): S.MEDIATING,
    (S.DISPUTED, E.MEDIATION_STARTED): S.MEDIATING,
    (S.DISPUTED, E.CLOSED): S.CLOSED,  # the consumer wants no mediation
    # mediation may be delegated to the consumers association after escalation (Order 20)
    (S.MEDIATING, E.MEDIATION_STARTED): S.MEDIATING,
    # a refund paid during mediation is recorded; the parties settling on their own is a ground
    # for ending mediation (Order 20 art. 21(1), Order 121 art. 23), which the bureau then records
    (S.MEDIATING, E.RESOLVED): S.MEDIATING,
    (S.MEDIATING, E.MEDIATION_CONCLUDED): S.MEDIATED,
    (S.MEDIATED, E.REFERRED): S.REFERRED,
    (S.MEDIATED, E.CLOSED): S.CLOSED,
    (S.REFERRED, E.CLOSED): S.CLOSED,
    (S.WITHDRAWN, E.CLOSED): S.CLOSED,
}
_MOVES.update({(status, E.WITHDRAWN): S.WITHDRAWN for status in OPEN})
# A note changes nothing, and may be added until the case is closed.
_MOVES.update({(status, E.NOTE_ADDED): status for status in Status if status not in TERMINAL})
# A breach is recorded where a clock runs; it changes no status.
_MOVES.update({(status, E.DEADLINE_BREACHED): status for status in OPEN})
# Testing, inspection or appraisal stops the mediation clock; whether the case is paused already is
# a fact of the case, checked beside the table.
_MOVES.update({(status, E.PAUSED): status for status in MEDIATION_CLOCK_RUNS})
_MOVES.update({(status, E.RESUMED): status for status in MEDIATION_CLOCK_RUNS})
_MOVES.update({(status, E.RETURN_RECEIVED): status for status in _RETURN_POSSIBLE})
_MOVES.update({(status, E.FOLLOW_UP): status for status in _FOLLOW_UP_POSSIBLE})

TRANSITIONS: MappingProxyType[tuple[Status, EventType], Status] = MappingProxyType(_MOVES)

# A complaint the platform files from its own ODR service: the ODR clock runs from filing, no
# bureau decides acceptance (the negotiation time does not count against the bureau's clocks), and
# the consumer may take it to a bureau when negotiation fails: the bureau then decides acceptance
# within the ordinary period; there is no jump from ODR straight to mediation.
_ODR_FILED: dict[tuple[Status, EventType], Status] = {
    (S.FILED, E.ACKNOWLEDGED): S.ACKNOWLEDGED,
    (S.FILED, E.OFFER_MADE): S.NEGOTIATING,
    (S.FILED, E.RETURN_RECEIVED): S.FILED,
    (S.FILED, E.ESCALATED): S.ESCALATED,
    (S.ACKNOWLEDGED, E.ESCALATED): S.ESCALATED,
    (S.NEGOTIATING, E.ESCALATED): S.ESCALATED,
    (S.DISPUTED, E.ESCALATED): S.ESCALATED,
    (S.ESCALATED, E.ACCEPTED): S.ACCEPTED,
    (S.ESCALATED, E.REJECTED): S.REJECTED,
    (S.ESCALATED, E.TRANSFERRED): S.ESCALATED,
}
_ODR_MOVES = {
    key: status
    for key, status in _MOVES.items()
    if key not in {(S.FILED, E.ACCEPTED), (S.FILED, E.REJECTED), (S.FILED, E.TRANSFERRED)}
} | _ODR_FILED
ODR_TRANSITIONS: MappingProxyType[tuple[Status, EventType], Status] = MappingProxyType(_ODR_MOVES)


def initial_status(event_type: str) -> Status:
    """The status a case starts in: only `complaint.filed` opens one."""
    if event_type != E.FILED:
        raise IllegalTransition("not filed", event_type, "a case starts with complaint.filed")
    return S.FILED


def next_status(status: Status, event_type: str, *, odr: bool = False) -> Status:
    """The status after `event_type`; `odr` for a complaint filed on the platform's ODR service."""
    table = ODR_TRANSITIONS if odr else TRANSITIONS
    try:
        return table[(status, EventType(event_type))]
    except (KeyError, ValueError):
        raise IllegalTransition(status, event_type) from None
