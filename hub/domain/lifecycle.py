"""The lifecycle of a complaint as a table: (status, event type) -> next status.

filed -> accepted or rejected (bureau) -> routed to the platform -> acknowledged -> negotiating
(offers and answers) -> resolved -> confirmed or disputed -> mediation (escalated, started,
concluded) -> referred to the online court -> closed; withdrawn before closing from any open state.
A complaint filed by the platform on its own ODR service starts on the ODR clock: no bureau decides
acceptance, and the platform may acknowledge or make an offer at once.
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


S = Status
E = EventType

# Nothing follows closing. A rejected or withdrawn complaint still awaits its formal close.
TERMINAL: frozenset[Status] = frozenset({S.CLOSED})
# Open: the consumer may still withdraw, and the clocks still run.
OPEN: frozenset[Status] = frozenset(Status) - {S.REJECTED, S.WITHDRAWN, S.CLOSED}

_MOVES: dict[tuple[Status, EventType], Status] = {
    # acceptance decided by the bureau: SAMR Order 20 art. 19, Order 121 likewise
    (S.FILED, E.ACCEPTED): S.ACCEPTED,
    (S.FILED, E.REJECTED): S.REJECTED,
    (S.REJECTED, E.CLOSED): S.CLOSED,
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
    (S.NEGOTIATING, E.ESCALATED): S.MEDIATING,  # ODR negotiation failed: to the bureau
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

TRANSITIONS: MappingProxyType[tuple[Status, EventType], Status] = MappingProxyType(_MOVES)

# A complaint the platform files from its own ODR service: the ODR clock runs from filing, no
# bureau decides acceptance (the negotiation time does not count against the bureau's clocks), and
# the consumer may take it to a bureau when negotiation fails.
_ODR_FILED: dict[tuple[Status, EventType], Status] = {
    (S.FILED, E.ACKNOWLEDGED): S.ACKNOWLEDGED,
    (S.FILED, E.OFFER_MADE): S.NEGOTIATING,
    (S.FILED, E.ESCALATED): S.MEDIATING,
}
_ODR_MOVES = {
    key: status
    for key, status in _MOVES.items()
    if key not in {(S.FILED, E.ACCEPTED), (S.FILED, E.REJECTED)}
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
