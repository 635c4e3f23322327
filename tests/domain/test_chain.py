"""The steps a complaint's chain and a report's share (hub.domain.chain), on both chains."""

from __future__ import annotations

from typing import Any

import pytest
from domain_samples import ACCEPTED_AT, CALENDAR, XIHU_BUREAU, data_for, event, sample_case
from test_report import RECEIVED

from hub.domain.case import apply, decide
from hub.domain.errors import ComplaintExists, UnknownComplaint
from hub.domain.lifecycle import Status
from hub.domain.report import apply_report, decide_report

FILED = data_for("complaint.filed")
REPORT = decide_report(
    None, event("report.received", 1, RECEIVED), XIHU_BUREAU, ACCEPTED_AT, CALENDAR
)
CASE = sample_case(Status.FILED, version=1)


@pytest.mark.parametrize(
    ("decide_on", "view", "event_type", "data"),
    [
        (decide, CASE, "case.note_added", data_for("case.note_added")),
        (decide_report, REPORT, "report.verified", {"verified": True}),
    ],
)
def test_an_event_of_another_chain_is_never_decided_on_this_one(
    decide_on: Any, view: Any, event_type: str, data: dict[str, Any]
) -> None:
    document = event(event_type, 2, data, complaint_id="HZ-2")
    with pytest.raises(ValueError, match="different chains"):
        decide_on(view, document, XIHU_BUREAU, ACCEPTED_AT, CALENDAR)


@pytest.mark.parametrize(
    ("decide_on", "view", "opener", "data"),
    [
        (decide, CASE, "complaint.filed", FILED),
        (decide_report, REPORT, "report.received", RECEIVED),
    ],
)
def test_a_chain_opens_once(decide_on: Any, view: Any, opener: str, data: dict[str, Any]) -> None:
    with pytest.raises(ComplaintExists):
        decide_on(view, event(opener, 1, data), XIHU_BUREAU, ACCEPTED_AT, CALENDAR)


@pytest.mark.parametrize(
    ("fold", "event_type", "data"),
    [(apply, "complaint.accepted", {}), (apply_report, "report.verified", {"verified": True})],
)
def test_only_the_opening_event_folds_into_nothing(
    fold: Any, event_type: str, data: dict[str, Any]
) -> None:
    with pytest.raises(UnknownComplaint):
        fold(None, event(event_type, 1, data), XIHU_BUREAU, ACCEPTED_AT)


def test_both_chains_write_their_deadlines_alike() -> None:
    case = decide(None, event("complaint.filed", 1, FILED), XIHU_BUREAU, ACCEPTED_AT, CALENDAR)
    (complaint_deadline, *_) = case.new_case.to_json()["deadlines"]
    (report_deadline,) = REPORT.to_json()["deadlines"]
    assert complaint_deadline.keys() == report_deadline.keys()
