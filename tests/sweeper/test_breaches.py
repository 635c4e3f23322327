"""Which breaches are due and against whom: pure table tests."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from hub.domain.breaches import breach_event, breach_event_id, due_breaches, today_in_china
from hub.domain.case import CaseView
from hub.domain.deadlines import Deadline, DeadlineName
from hub.domain.lifecycle import Status

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
CASE = CaseView(
    complaint_id="bureau.hz:HZ12315-20261111-000123",
    version=3,
    status=Status.FILED,
    channel="bureau",
    filer="bureau.hz",
    respondent_platform="taobao",
    region="330106",
    received_at="2026-11-12T09:12:45+08:00",
    filed_at=NOW,
    updated_at=NOW,
    category_level1="quality",
    livestream=False,
    demand_kind="refund",
    amount_claimed_fen=59900,
)
ACCEPTANCE = Deadline(DeadlineName.ACCEPTANCE_DECISION, dt.date(2026, 11, 23), False)
NEGOTIATION = Deadline(DeadlineName.ODR_NEGOTIATION, dt.date(2026, 11, 23), False)


@pytest.mark.parametrize(
    ("deadline", "handling_bureau", "already", "today", "expected"),
    [
        (ACCEPTANCE, None, frozenset(), dt.date(2026, 11, 24), ["bureau.hz"]),
        (ACCEPTANCE, "bureau.xh", frozenset(), dt.date(2026, 11, 24), ["bureau.xh"]),
        (NEGOTIATION, "bureau.hz", frozenset(), dt.date(2026, 11, 24), ["taobao"]),
        (ACCEPTANCE, None, frozenset(), dt.date(2026, 11, 23), []),
        (ACCEPTANCE, None, frozenset({"acceptance_decision"}), dt.date(2026, 12, 1), []),
        (
            dataclasses.replace(ACCEPTANCE, provisional=True),
            None,
            frozenset(),
            dt.date(2027, 3, 1),
            [],
        ),
    ],
    ids=["filer", "handling", "platform", "due-day", "recorded", "provisional"],
)
def test_due_breaches(
    deadline: Deadline,
    handling_bureau: str | None,
    already: frozenset[str],
    today: dt.date,
    expected: list[str],
) -> None:
    case = dataclasses.replace(
        CASE, deadlines=(deadline,), handling_bureau=handling_bureau, breached_deadlines=already
    )
    assert [b.responsible for b in due_breaches(case, today)] == expected


def test_breach_event_is_the_same_from_every_process() -> None:
    case = dataclasses.replace(CASE, deadlines=(ACCEPTANCE,))
    (breach,) = due_breaches(case, dt.date(2026, 11, 24))
    event = breach_event(breach, 4, NOW)
    assert event == breach_event(breach, 4, NOW)
    assert event["event_id"] == breach_event_id(
        CASE.complaint_id, "acceptance_decision", dt.date(2026, 11, 23)
    )
    assert event["occurred_at"] == "2026-11-24T09:00:00+08:00"


def test_today_is_the_date_in_beijing() -> None:
    late_utc = dt.datetime(2026, 11, 23, 16, 30, tzinfo=dt.UTC)
    assert today_in_china(late_utc) == dt.date(2026, 11, 24)
