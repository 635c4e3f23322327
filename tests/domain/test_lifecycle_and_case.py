from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest
from domain_samples import (
    ACCEPTED_AT,
    ASSOCIATION,
    BINJIANG_BUREAU,
    CALENDAR,
    MESSAGE,
    TAOBAO,
    XIHU_BUREAU,
    ZHEJIANG_BUREAU,
    data_for,
    event,
    sample_case,
)

from hub.domain.case import CaseView, apply, decide
from hub.domain.case_state import from_state, to_state
from hub.domain.deadlines import RULES, RuleSet
from hub.domain.errors import (
    ComplaintExists,
    DelegationNotConsented,
    GroundNotInForce,
    IllegalTransition,
    OutsideJurisdiction,
    RoutedElsewhere,
    TransferToSelf,
    UnknownComplaint,
    UnknownOffer,
)
from hub.domain.lifecycle import Status, initial_status, next_status
from hub.domain.roles import Actor
from hub.domain.visibility import may_read_case, may_read_personal
from hub.problems import StaleVersion

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
    error: type[Exception],
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
    # the one stale-version problem, whether the domain or the store finds the version stale
    assert (caught.value.extensions["current_version"], caught.value.status) == (5, 409)


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


@pytest.mark.parametrize(
    ("status", "event_type", "odr", "expected"),
    [
        # a failed ODR negotiation goes to a bureau's acceptance, not straight to mediation
        (S.NEGOTIATING, "complaint.escalated", True, S.ESCALATED),
        (S.FILED, "complaint.escalated", True, S.ESCALATED),
        (S.ESCALATED, "complaint.accepted", True, S.ACCEPTED),
        (S.ESCALATED, "complaint.rejected", True, S.REJECTED),
        (S.ESCALATED, "case.transferred", True, S.ESCALATED),
        # a bureau-accepted case escalated by the bureau goes into its mediation
        (S.NEGOTIATING, "complaint.escalated", False, S.MEDIATING),
        # a refund paid during mediation is recorded
        (S.MEDIATING, "complaint.resolved", False, S.MEDIATING),
        (S.FILED, "case.transferred", False, S.FILED),
        (S.NEGOTIATING, "case.paused", False, S.NEGOTIATING),
        (S.MEDIATING, "case.resumed", False, S.MEDIATING),
        (S.NEGOTIATING, "complaint.return_received", False, S.NEGOTIATING),
        (S.FILED, "complaint.return_received", True, S.FILED),
        (S.CLOSED, "case.follow_up", False, S.CLOSED),
    ],
)
def test_next_status_of_new_steps(
    status: Status, event_type: str, odr: bool, expected: Status
) -> None:
    assert next_status(status, event_type, odr=odr) is expected


@pytest.mark.parametrize(
    ("status", "event_type", "odr"),
    [
        (S.ESCALATED, "complaint.accepted", False),  # only an ODR complaint is escalated so
        (S.ACCEPTED, "case.transferred", False),  # transferred before acceptance only
        (S.CONFIRMED, "case.paused", False),
        (S.MEDIATED, "case.paused", False),
        (S.CLOSED, "case.paused", False),
        (S.FILED, "complaint.return_received", False),
        (S.FILED, "case.follow_up", False),
        (S.FILED, "report.received", False),
    ],
)
def test_new_steps_refused_where_they_do_not_belong(
    status: Status, event_type: str, odr: bool
) -> None:
    with pytest.raises(IllegalTransition):
        next_status(status, event_type, odr=odr)


def at(day: str) -> dict[str, str]:
    return {"occurred_at": f"{day}T10:00:00+08:00"}


def step(
    case: CaseView | None, actor: Actor, event_type: str, data: dict[str, Any], day: str
) -> CaseView:
    version = 1 if case is None else case.version + 1
    accepted_at = dt.datetime.fromisoformat(f"{day}T10:00:01+08:00")
    document = event(event_type, version, data, **at(day))
    decided = decide(case, document, actor, accepted_at, CALENDAR).new_case
    assert apply(case, document, actor, accepted_at, CALENDAR) == decided
    assert from_state(to_state(decided)) == decided
    return decided


def names(case: CaseView) -> dict[str, dt.date]:
    return {deadline.name.value: deadline.due_on for deadline in case.deadlines}


D = dt.date


def test_failed_odr_negotiation_goes_to_acceptance_then_mediation() -> None:
    odr = data_for("complaint.filed") | {
        "channel": "platform_odr",
        "received_at": "2026-04-15T09:00:00+08:00",
    }
    case = step(None, TAOBAO, "complaint.filed", odr, "2026-04-15")
    offer = {"offer_id": "o1", "kind": "refund", "amount_fen": 100}
    case = step(case, TAOBAO, "complaint.offer_made", offer, "2026-04-16")
    case = step(case, XIHU_BUREAU, "complaint.escalated", {}, "2026-04-17")
    assert case.status is S.ESCALATED
    assert case.handling_bureau == XIHU_BUREAU.participant_id
    # 7 working days from the bureau's receipt: Apr 20..24, 27, 28
    assert names(case) == {"acceptance_decision": D(2026, 4, 28)}
    case = step(case, XIHU_BUREAU, "complaint.accepted", {}, "2026-04-20")
    # 60 calendar days from acceptance: Fri Jun 19, Dragon Boat: Mon Jun 22
    assert names(case) == {"mediation_limit": D(2026, 6, 22)}
    case = step(
        case, XIHU_BUREAU, "mediation.started", {"mediator": "bureau.zj.hz.xihu"}, "2026-05-06"
    )
    assert names(case) == {"mediation_limit": D(2026, 6, 22)}
    ended = {"agreement": False, "ground": "party_refused", "parties_consented": False}
    case = step(case, XIHU_BUREAU, "mediation.concluded", ended, "2026-06-18")
    assert (case.mediation_end_ground, case.mediation_consented) == ("party_refused", False)
    # the parties are told within 7 working days of ending without agreement: Jun 19 off
    # Jun 19 off: Jun 22..26, 29, 30
    assert names(case) == {"parties_notified": D(2026, 6, 30)}


def test_accepted_and_routed_case_keeps_its_mediation_limit_from_acceptance() -> None:
    filed = data_for("complaint.filed") | {"received_at": "2025-05-06T09:00:00+08:00"}
    case = step(None, XIHU_BUREAU, "complaint.filed", filed, "2025-05-06")
    case = step(case, XIHU_BUREAU, "complaint.accepted", {}, "2025-05-08")
    case = step(case, XIHU_BUREAU, "complaint.routed", {"platform": "taobao"}, "2025-05-08")
    case = step(case, TAOBAO, "complaint.acknowledged", {}, "2025-05-09")
    assert names(case) == {"odr_negotiation": D(2025, 5, 22), "mediation_limit": D(2025, 7, 11)}
    case = step(case, XIHU_BUREAU, "complaint.escalated", {}, "2025-07-01")
    assert names(case) == {"mediation_limit": D(2025, 7, 11)}
    # testing Jul 2..8 (five working days) extends Order 20's 45 working days by five
    case = step(case, XIHU_BUREAU, "case.paused", {"reason": "testing"}, "2025-07-01")
    assert case.paused
    assert names(case) == {}
    case = step(case, XIHU_BUREAU, "case.resumed", {}, "2025-07-08")
    assert names(case) == {"mediation_limit": D(2025, 7, 18)}


def test_pause_twice_or_resume_unpaused_is_refused() -> None:
    case = sample_case(S.MEDIATING, accepted_on=D(2026, 4, 20))
    with pytest.raises(IllegalTransition):
        step(case, XIHU_BUREAU, "case.resumed", {}, "2026-05-04")
    paused = step(case, XIHU_BUREAU, "case.paused", {"reason": "appraisal"}, "2026-05-04")
    with pytest.raises(IllegalTransition):
        step(paused, XIHU_BUREAU, "case.paused", {"reason": "appraisal"}, "2026-05-05")
    resumed = step(paused, XIHU_BUREAU, "case.resumed", {}, "2026-05-14")
    assert resumed.pauses == ((D(2026, 5, 4), D(2026, 5, 14)),)
    assert names(resumed) == {"mediation_limit": D(2026, 6, 29)}


def test_refund_during_mediation_then_ended_as_settled() -> None:
    case = sample_case(S.MEDIATING, accepted_on=D(2026, 11, 2))
    refund = {"resolution": "refund", "amount_fen": 59900, "platform_intervened": False}
    case = step(case, TAOBAO, "complaint.resolved", refund, "2026-11-20")
    assert (case.status, case.amount_recovered_fen) == (S.MEDIATING, 59900)
    settled = {"agreement": False, "ground": "settled_by_parties"}
    case = step(case, XIHU_BUREAU, "mediation.concluded", settled, "2026-11-23")
    assert (case.status, case.mediation_end_ground) == (S.MEDIATED, "settled_by_parties")
    assert names(case) == {"parties_notified": D(2026, 12, 2)}


def test_mediation_agreement_is_recorded_with_its_document_and_no_notice() -> None:
    case = sample_case(S.MEDIATING, accepted_on=D(2026, 11, 2))
    agreed = {
        "agreement": True,
        "amount_fen": 50000,
        "agreement_document": {"document_id": "TJS-2026-11", "sha256": "ab" * 32},
        "parties_consented": True,
    }
    case = step(case, ASSOCIATION, "mediation.concluded", agreed, "2026-11-23")
    assert (case.agreement_document, case.mediation_agreement) == ("TJS-2026-11", True)
    assert case.deadlines == ()


def test_transfer_moves_the_clock_and_leaves_a_read_view() -> None:
    filed = data_for("complaint.filed") | {"received_at": "2026-09-25T09:00:00+08:00"}
    case = step(None, XIHU_BUREAU, "complaint.filed", filed, "2026-09-25")
    transfer = {"to_bureau": BINJIANG_BUREAU.participant_id, "reason": "merchant_location"}
    case = step(case, XIHU_BUREAU, "case.transferred", transfer, "2026-09-30")
    assert case.handling_bureau == BINJIANG_BUREAU.participant_id
    assert case.former_bureaus == (XIHU_BUREAU.participant_id,)
    # the receiving bureau's 7 working days start on its receipt, across National Day
    assert names(case) == {"acceptance_decision": D(2026, 10, 15)}
    assert case.to_json()["former_bureaus"] == [XIHU_BUREAU.participant_id]
    # the first bureau reads the whole history but acts no more (as the filer it keeps the
    # personal part it collected); a province bureau covering it reads and acts as before
    assert may_read_case(XIHU_BUREAU, case)
    assert may_read_personal(BINJIANG_BUREAU, case)
    assert not may_read_personal(ZHEJIANG_BUREAU, case)
    with pytest.raises(OutsideJurisdiction):
        step(case, XIHU_BUREAU, "complaint.accepted", {}, "2026-10-08")
    case = step(case, BINJIANG_BUREAU, "complaint.accepted", {}, "2026-10-08")
    assert case.status is S.ACCEPTED


XIHU = XIHU_BUREAU.participant_id


def test_a_case_is_not_transferred_to_its_own_bureau() -> None:
    case = sample_case(S.FILED)
    with pytest.raises(TransferToSelf):
        step(
            case,
            XIHU_BUREAU,
            "case.transferred",
            {"to_bureau": "bureau.zj.hz.xihu", "reason": "other"},
            "2026-11-20",
        )


def test_refund_after_return_is_tracked_from_the_platforms_record() -> None:
    case = sample_case(S.NEGOTIATING, accepted_on=D(2026, 9, 21))
    case = step(case, TAOBAO, "complaint.return_received", {}, "2026-09-25")
    # 七日 from receipt of the goods: day 7 is Oct 2, National Day: Oct 8
    assert names(case)["refund_after_return"] == D(2026, 10, 8)
    refund = {"resolution": "refund", "amount_fen": 59900, "platform_intervened": False}
    case = step(case, TAOBAO, "complaint.resolved", refund, "2026-09-29")
    assert "refund_after_return" not in names(case)


def test_follow_up_after_closing() -> None:
    case = sample_case(S.CLOSED)
    case = step(case, XIHU_BUREAU, "case.follow_up", {"result": "satisfied"}, "2026-12-01")
    assert (case.status, case.follow_up_result) == (S.CLOSED, "satisfied")


def test_report_events_go_on_a_chain_of_their_own() -> None:
    with pytest.raises(IllegalTransition):
        step(sample_case(S.FILED), XIHU_BUREAU, "report.verified", {"verified": True}, "2026-11-20")


@pytest.mark.parametrize(
    ("rules", "ground", "refused"),
    [
        (RULES, "limit_passed", False),
        # a rule table whose rule set lacks a ground refuses it
        (
            tuple(replace(r, mediation_end_grounds=frozenset({"party_refused"})) for r in RULES),
            "limit_passed",
            True,
        ),
    ],
)
def test_mediation_end_ground_must_be_in_force(
    rules: tuple[RuleSet, ...], ground: str, refused: bool
) -> None:
    case = sample_case(S.MEDIATING, accepted_on=D(2026, 9, 1))
    document = event("mediation.concluded", 6, {"agreement": False, "ground": ground})
    if refused:
        with pytest.raises(GroundNotInForce):
            decide(case, document, XIHU_BUREAU, ACCEPTED_AT, CALENDAR, rules)
    else:
        decide(case, document, XIHU_BUREAU, ACCEPTED_AT, CALENDAR, rules)
