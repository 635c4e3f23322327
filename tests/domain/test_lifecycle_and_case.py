from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from domain_samples import (
    ACCEPTED_AT,
    ASSOCIATION,
    CALENDAR,
    MESSAGE,
    TAOBAO,
    XIHU_BUREAU,
    data_for,
    event,
    sample_case,
)

from hub.domain.case import CaseView, apply, decide
from hub.domain.errors import (
    ComplaintExists,
    DelegationNotConsented,
    DomainError,
    GroundNotInForce,
    IllegalTransition,
    RoutedElsewhere,
    StaleVersion,
    UnknownComplaint,
    UnknownOffer,
)
from hub.domain.lifecycle import Status, initial_status, next_status
from hub.domain.roles import Actor

S = Status


@pytest.mark.parametrize(
    ("status", "event_type", "odr", "expected"),
    [
        (S.FILED, "complaint.accepted", False, S.ACCEPTED),
        (S.FILED, "complaint.rejected", False, S.REJECTED),
        (S.ACCEPTED, "complaint.routed", False, S.ROUTED),
        (S.ROUTED, "complaint.acknowledged", False, S.ACKNOWLEDGED),
        (S.ACKNOWLEDGED, "complaint.offer_made", False, S.NEGOTIATING),
        (S.NEGOTIATING, "complaint.offer_answered", False, S.NEGOTIATING),
        (S.NEGOTIATING, "complaint.resolved", False, S.RESOLVED),
        (S.RESOLVED, "complaint.confirmed", False, S.CONFIRMED),
        (S.RESOLVED, "complaint.disputed", False, S.DISPUTED),
        (S.DISPUTED, "mediation.started", False, S.MEDIATING),
        (S.DISPUTED, "complaint.escalated", False, S.MEDIATING),
        (S.MEDIATING, "mediation.concluded", False, S.MEDIATED),
        (S.MEDIATED, "case.referred", False, S.REFERRED),
        (S.REFERRED, "complaint.closed", False, S.CLOSED),
        (S.NEGOTIATING, "complaint.withdrawn", False, S.WITHDRAWN),
        (S.WITHDRAWN, "complaint.closed", False, S.CLOSED),
        (S.MEDIATING, "case.note_added", False, S.MEDIATING),
        (S.ROUTED, "deadline.breached", False, S.ROUTED),
        (S.FILED, "complaint.acknowledged", True, S.ACKNOWLEDGED),  # the ODR clock
        (S.FILED, "complaint.offer_made", True, S.NEGOTIATING),
    ],
)
def test_next_status(status: Status, event_type: str, odr: bool, expected: Status) -> None:
    assert next_status(status, event_type, odr=odr) is expected


@pytest.mark.parametrize(
    ("status", "event_type", "odr"),
    [
        (S.FILED, "complaint.acknowledged", False),  # a bureau case reaches the platform routed
        (S.FILED, "complaint.accepted", True),  # no bureau accepts an ODR complaint
        (S.CLOSED, "case.note_added", False),
        (S.CLOSED, "complaint.withdrawn", False),
        (S.WITHDRAWN, "complaint.withdrawn", False),
        (S.REJECTED, "deadline.breached", False),
        (S.RESOLVED, "mediation.concluded", False),
        (S.FILED, "complaint.filed", False),
        (S.FILED, "complaint.unknown", False),
    ],
)
def test_illegal_transition(status: Status, event_type: str, odr: bool) -> None:
    with pytest.raises(IllegalTransition) as caught:
        next_status(status, event_type, odr=odr)
    assert (caught.value.code, caught.value.status) == ("illegal_transition", 409)


def test_only_filing_opens_a_case() -> None:
    assert initial_status("complaint.filed") is S.FILED
    with pytest.raises(IllegalTransition):
        initial_status("complaint.accepted")


BUREAU_CHAIN: list[tuple[Actor, str, dict[str, Any], Status]] = [
    (XIHU_BUREAU, "complaint.filed", data_for("complaint.filed"), S.FILED),
    (XIHU_BUREAU, "complaint.accepted", {}, S.ACCEPTED),
    (XIHU_BUREAU, "complaint.routed", {"platform": "taobao"}, S.ROUTED),
    (TAOBAO, "complaint.acknowledged", {}, S.ACKNOWLEDGED),
    (
        TAOBAO,
        "complaint.offer_made",
        {"offer_id": "o1", "kind": "refund", "amount_fen": 30000},
        S.NEGOTIATING,
    ),
    (
        XIHU_BUREAU,
        "complaint.offer_answered",
        {"offer_id": "o1", "answer": "declined"},
        S.NEGOTIATING,
    ),
    (
        TAOBAO,
        "complaint.resolved",
        {"resolution": "refund", "amount_fen": 30000, "platform_intervened": True},
        S.RESOLVED,
    ),
    (XIHU_BUREAU, "complaint.disputed", {"reason": "amount_short"}, S.DISPUTED),
    (XIHU_BUREAU, "mediation.started", {"mediator": "association.zj.hz"}, S.MEDIATING),
    (ASSOCIATION, "mediation.concluded", {"agreement": True, "amount_fen": 59900}, S.MEDIATED),
    (XIHU_BUREAU, "complaint.closed", {"outcome": "resolved"}, S.CLOSED),
]


def run_chain(chain: list[tuple[Actor, str, dict[str, Any], Status]]) -> CaseView:
    case: CaseView | None = None
    replay: CaseView | None = None
    for version, (actor, event_type, data, expected) in enumerate(chain, start=1):
        decision = decide(case, event(event_type, version, data), actor, ACCEPTED_AT, CALENDAR)
        case = decision.new_case
        assert (case.status, case.version) == (expected, version)
        # The fold alone gives the same snapshot as the decision.
        replay = apply(replay, event(event_type, version, data), actor, ACCEPTED_AT, CALENDAR)
        assert replay == case
    assert case is not None
    return case


def test_a_bureau_case_from_filing_to_close() -> None:
    case = run_chain(BUREAU_CHAIN)
    assert case.handling_bureau == XIHU_BUREAU.participant_id
    assert case.mediator == ASSOCIATION.participant_id
    assert (case.amount_claimed_fen, case.amount_recovered_fen) == (59900, 59900)
    assert case.platform_intervened
    assert not case.self_reported
    assert case.deadlines == ()


def test_odr_self_reported_confirmation_overridden_by_bureau_dispute() -> None:
    odr = data_for("complaint.filed") | {"channel": "platform_odr"}
    confirmed = run_chain(
        [
            (TAOBAO, "complaint.filed", odr, S.FILED),
            (
                TAOBAO,
                "complaint.offer_made",
                {"offer_id": "o1", "kind": "refund", "amount_fen": 100},
                S.NEGOTIATING,
            ),
            (
                TAOBAO,
                "complaint.offer_answered",
                {"offer_id": "o1", "answer": "accepted", "consumer_message": MESSAGE},
                S.NEGOTIATING,
            ),
            (
                TAOBAO,
                "complaint.resolved",
                {"resolution": "refund", "amount_fen": 100, "platform_intervened": False},
                S.RESOLVED,
            ),
            (TAOBAO, "complaint.confirmed", {"consumer_message": MESSAGE}, S.CONFIRMED),
        ]
    )
    assert confirmed.self_reported
    assert confirmed.confirmation_self_reported
    decision = decide(
        confirmed, event("complaint.disputed", 6, {}), XIHU_BUREAU, ACCEPTED_AT, CALENDAR
    )
    assert decision.flags.overrides_self_reported
    assert decision.new_case.status is S.DISPUTED
    assert decision.new_case.overridden_by_bureau


@pytest.mark.parametrize(
    ("case", "actor", "event_type", "version", "data", "error"),
    [
        (sample_case(S.FILED), XIHU_BUREAU, "complaint.accepted", 5, {}, StaleVersion),
        (sample_case(S.FILED), XIHU_BUREAU, "complaint.accepted", 7, {}, StaleVersion),
        (None, XIHU_BUREAU, "complaint.filed", 2, data_for("complaint.filed"), StaleVersion),
        (None, XIHU_BUREAU, "complaint.accepted", 1, {}, UnknownComplaint),
        (
            sample_case(S.FILED),
            XIHU_BUREAU,
            "complaint.filed",
            6,
            data_for("complaint.filed"),
            ComplaintExists,
        ),
        (
            sample_case(S.ACCEPTED),
            XIHU_BUREAU,
            "complaint.routed",
            6,
            {"platform": "jd"},
            RoutedElsewhere,
        ),
        (
            sample_case(S.NEGOTIATING),
            XIHU_BUREAU,
            "complaint.offer_answered",
            6,
            {"offer_id": "nope", "answer": "accepted"},
            UnknownOffer,
        ),
        (
            sample_case(S.DISPUTED, delegated_mediation_consent=False),
            XIHU_BUREAU,
            "mediation.started",
            6,
            {"mediator": "association.zj.hz"},
            DelegationNotConsented,
        ),
        # Order 121's new ground is not available for a complaint received under Order 20
        (
            sample_case(S.FILED, received_at="2026-04-14T23:59:00+08:00"),
            XIHU_BUREAU,
            "complaint.rejected",
            6,
            {"ground": "false_material"},
            GroundNotInForce,
        ),
    ],
)
def test_decide_refuses(
    case: CaseView | None,
    actor: Actor,
    event_type: str,
    version: int,
    data: dict[str, Any],
    error: type[DomainError],
) -> None:
    with pytest.raises(error):
        decide(case, event(event_type, version, data), actor, ACCEPTED_AT, CALENDAR)


def test_stale_version_reports_current_version() -> None:
    with pytest.raises(StaleVersion) as caught:
        decide(
            sample_case(S.FILED),
            event("complaint.accepted", 3, {}),
            XIHU_BUREAU,
            ACCEPTED_AT,
            CALENDAR,
        )
    assert (caught.value.current_version, caught.value.status) == (5, 409)


def test_order_121_ground_accepted_for_complaint_received_under_it() -> None:
    case = sample_case(S.FILED, received_at="2026-04-15T08:00:00+08:00")
    decision = decide(
        case,
        event("complaint.rejected", 6, {"ground": "false_material"}),
        XIHU_BUREAU,
        ACCEPTED_AT,
        CALENDAR,
    )
    assert decision.new_case.rejection_ground == "false_material"


def test_mediation_by_the_bureau_itself_needs_no_delegation_consent() -> None:
    case = sample_case(S.DISPUTED, delegated_mediation_consent=False)
    data = {"mediator": XIHU_BUREAU.participant_id}
    decision = decide(case, event("mediation.started", 6, data), XIHU_BUREAU, ACCEPTED_AT, CALENDAR)
    assert decision.new_case.mediation_started_on == dt.date(2026, 11, 20)
