"""Every (role, event type, status) triple, against an expected table written here as data.

The expectations are spelled out independently of hub.domain's own tables, so a change to the role
matrix or the lifecycle shows up as a failing row, not as a silently shifted test.
"""

from __future__ import annotations

import itertools

import pytest
from domain_samples import (
    ACCEPTED_AT,
    CALENDAR,
    ENTITLED,
    VOICE,
    data_for,
    event,
    sample_case,
)

from hub.domain.case import CaseView, decide
from hub.domain.errors import DomainError
from hub.domain.lifecycle import EventType, Status
from hub.domain.roles import Role

ALL = " ".join(status.value for status in Status)
OPEN = (
    "filed accepted routed acknowledged negotiating resolved confirmed disputed"
    " escalated mediating mediated referred"
)
# where the mediation limit runs, so testing or appraisal may pause it
MEDIATION_CLOCK = "accepted routed acknowledged negotiating resolved disputed mediating"

# Which roles may emit each type (before any case-level rule).
ROLES = {
    "complaint.filed": "bureau platform",
    "complaint.accepted": "bureau",
    "complaint.rejected": "bureau",
    "complaint.routed": "bureau",
    "complaint.acknowledged": "platform",
    "complaint.offer_made": "platform",
    "complaint.offer_answered": "bureau platform",
    "complaint.resolved": "platform",
    "complaint.confirmed": "bureau platform",
    "complaint.disputed": "bureau platform",
    "complaint.escalated": "bureau",
    "complaint.withdrawn": "bureau platform",
    "complaint.closed": "bureau platform",
    "mediation.started": "bureau",
    "mediation.concluded": "bureau association",
    "case.referred": "bureau",
    "case.note_added": "bureau platform association court",
    "deadline.breached": "hub",
    "complaint.return_received": "platform",
    "case.transferred": "bureau",
    "case.paused": "bureau",
    "case.resumed": "bureau",
    "case.follow_up": "bureau",
}

# The statuses in which each type is a legal move, for a complaint filed at a bureau.
LEGAL_IN = {
    "complaint.filed": "",
    "complaint.accepted": "filed",
    "complaint.rejected": "filed",
    "complaint.routed": "accepted",
    "complaint.acknowledged": "routed",
    "complaint.offer_made": "acknowledged negotiating disputed",
    "complaint.offer_answered": "negotiating",
    "complaint.resolved": "acknowledged negotiating mediating",
    "complaint.confirmed": "resolved",
    "complaint.disputed": "resolved confirmed",
    "complaint.escalated": "routed acknowledged negotiating disputed",
    "complaint.withdrawn": OPEN,
    "complaint.closed": "rejected resolved confirmed disputed mediated referred withdrawn",
    "mediation.started": "accepted disputed mediating",
    "mediation.concluded": "mediating",
    "case.referred": "mediated",
    "case.note_added": ALL.replace("closed", ""),
    "deadline.breached": OPEN,
    "complaint.return_received": "routed acknowledged negotiating disputed mediating",
    "case.transferred": "filed",
    "case.paused": MEDIATION_CLOCK,
    "case.resumed": MEDIATION_CLOCK,  # and only when paused: the sample case is not
    "case.follow_up": "resolved confirmed mediated referred closed",
}

# For a complaint the platform filed from its own ODR service: acceptance only once escalated.
ODR_LEGAL_IN = dict(LEGAL_IN)
ODR_LEGAL_IN.update(
    {
        "complaint.accepted": "escalated",
        "complaint.rejected": "escalated",
        "case.transferred": "escalated",
        "complaint.return_received": "filed routed acknowledged negotiating disputed mediating",
        "complaint.acknowledged": "filed routed",
        "complaint.offer_made": "filed acknowledged negotiating disputed",
        "complaint.escalated": "filed routed acknowledged negotiating disputed",
    }
)
ODR_STATUSES = [s for s in Status if s not in {Status.ACCEPTED, Status.REJECTED, Status.ROUTED}]


def expected_bureau_case(role: Role, event_type: str, status: Status) -> str:
    if event_type == "complaint.filed":
        return "complaint_exists"
    if role.value not in ROLES[event_type].split():
        return "wrong_role"
    if role is Role.PLATFORM and event_type in VOICE:
        return "not_consumer_channel"  # a respondent never speaks for a bureau's complainant
    if role is Role.PLATFORM and event_type == "complaint.closed":
        return "bureau_handles_case"
    if status.value not in LEGAL_IN[event_type].split():
        return "illegal_transition"
    if event_type == "complaint.disputed" and status is Status.CONFIRMED:
        return "illegal_transition"  # confirmed through the consumer's own channel: final
    if event_type == "case.resumed":
        return "illegal_transition"  # nothing to resume
    return "ok"


def expected_odr_case(role: Role, event_type: str, status: Status) -> str:
    if event_type == "complaint.filed":
        return "complaint_exists"
    if role.value not in ROLES[event_type].split():
        return "wrong_role"
    if role is Role.BUREAU and event_type in VOICE and event_type != "complaint.disputed":
        return "not_consumer_channel"
    if status.value not in ODR_LEGAL_IN[event_type].split():
        return "illegal_transition"
    if event_type == "complaint.disputed" and status is Status.CONFIRMED and role is Role.PLATFORM:
        return "illegal_transition"  # only a bureau reopens a self-reported confirmation
    if event_type == "case.resumed":
        return "illegal_transition"
    return "ok"


def outcome(case: CaseView, role: Role, event_type: str, *, with_message: bool) -> str:
    document = event(event_type, case.version + 1, data_for(event_type, with_message=with_message))
    try:
        decide(case, document, ENTITLED[role], ACCEPTED_AT, CALENDAR)
    except DomainError as err:
        return err.code
    return "ok"


TRIPLES = list(itertools.product(Role, [t.value for t in EventType], Status))


@pytest.mark.parametrize(("role", "event_type", "status"), TRIPLES)
def test_bureau_filed_case(role: Role, event_type: str, status: Status) -> None:
    case = sample_case(status)
    got = outcome(case, role, event_type, with_message=False)
    assert got == expected_bureau_case(role, event_type, status)


@pytest.mark.parametrize(
    ("role", "event_type", "status"),
    list(itertools.product(Role, [t.value for t in EventType], ODR_STATUSES)),
)
def test_odr_case(role: Role, event_type: str, status: Status) -> None:
    case = sample_case(status, odr=True)
    got = outcome(case, role, event_type, with_message=True)
    assert got == expected_odr_case(role, event_type, status)
