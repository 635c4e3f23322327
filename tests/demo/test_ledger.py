"""The subscriber's ledger: the hub's lifecycle replayed over delivered events."""

from __future__ import annotations

from typing import Any

from hub.demo.ledger import Ledger


def _event(complaint_id: str, version: int, event_type: str, **data: Any) -> dict[str, Any]:
    return {"complaint_id": complaint_id, "version": version, "type": event_type, "data": data}


FILED = {"channel": "bureau", "respondent": {"platform": "jd"}}


def test_a_case_answered_in_time_counts_on_time_and_its_refund_as_recovered() -> None:
    ledger = Ledger()
    for version, (event_type, data) in enumerate(
        [
            ("complaint.filed", FILED),
            ("complaint.accepted", {}),
            ("complaint.routed", {}),
            ("complaint.acknowledged", {}),
            ("complaint.resolved", {"resolution": "advance_compensation", "amount_fen": 8900}),
            ("complaint.confirmed", {}),
            ("complaint.closed", {"outcome": "resolved"}),
        ],
        start=1,
    ):
        ledger.apply(_event("b:1", version, event_type, **data))

    assert ledger.by_status() == {"closed": 1}
    assert ledger.recovered_fen() == 8900
    assert ledger.advance_compensations == 1
    assert [(r.platform, r.on_time, r.late) for r in ledger.league()] == [("jd", 1, 0)]
    assert ledger.illegal == 0


def test_a_breach_before_any_answer_counts_late_and_a_mediated_agreement_replaces_the_amount() -> (
    None
):
    ledger = Ledger()
    steps = [
        ("complaint.filed", FILED),
        ("complaint.accepted", {}),
        ("complaint.routed", {}),
        ("deadline.breached", {"deadline": "odr_negotiation"}),
        ("complaint.escalated", {}),
        ("mediation.started", {"mediator": "association.zj.hz"}),
        ("mediation.concluded", {"agreement": True, "amount_fen": 12000}),
    ]
    for version, (event_type, data) in enumerate(steps, start=1):
        ledger.apply(_event("b:2", version, event_type, **data))

    assert ledger.by_status() == {"mediated": 1}
    assert ledger.recovered_fen() == 12000
    assert ledger.breaches() == {"odr_negotiation": 1}
    row = ledger.league()[0]
    assert (row.on_time, row.late, row.on_time_share) == (0, 1, 0.0)


def test_a_move_the_lifecycle_does_not_know_is_counted_not_hidden() -> None:
    ledger = Ledger()
    ledger.apply(_event("b:3", 1, "complaint.filed", **FILED))
    ledger.apply(_event("b:3", 2, "complaint.confirmed"))

    assert ledger.illegal == 1
    assert ledger.by_status() == {"filed": 1}
