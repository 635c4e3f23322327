from __future__ import annotations

import datetime as dt

import pytest

from hub.domain.calendar import WorkingCalendar, YearTable, add_working_days, parse_holiday_table
from hub.domain.deadlines import (
    ORDER_20,
    ORDER_121,
    CaseFacts,
    Deadline,
    DeadlineName,
    breached,
    open_deadlines,
    returns_window_ends,
    rules_for,
)
from hub.domain.errors import HolidayTableInvalid
from hub.domain.lifecycle import Status

D = dt.date
PACKAGE = WorkingCalendar()

# The State Council's 2027 schedule as an operator would enter it (illustrative: New Year's Day
# on Friday 2027-01-01, with the adjusted working Saturday 2027-01-09 invented for the test).
TABLE_2027 = """{"2027": {"holidays": ["2027-01-01"], "workdays": ["2027-01-09"]}}"""


@pytest.mark.parametrize(
    ("day", "workday", "provisional"),
    [
        (D(2026, 10, 1), False, False),  # National Day
        (D(2026, 10, 7), False, False),
        (D(2026, 10, 8), True, False),
        (D(2026, 10, 10), True, False),  # adjusted working Saturday
        (D(2026, 2, 14), True, False),  # adjusted working Saturday before Spring Festival
        (D(2026, 2, 16), False, False),  # Spring Festival
        (D(2026, 2, 28), True, False),  # adjusted working Saturday after it
        (D(2026, 3, 1), False, False),  # an ordinary Sunday
        (D(2027, 1, 1), True, True),  # a Friday nobody has a table for yet
        (D(2027, 1, 2), False, True),
    ],
)
def test_package_calendar(day: dt.date, workday: bool, provisional: bool) -> None:
    assert PACKAGE.is_workday(day) == (workday, provisional)


@pytest.mark.parametrize(
    ("day", "workday", "provisional"),
    [
        (D(2027, 1, 1), False, False),  # holiday from the table
        (D(2027, 1, 9), True, False),  # adjusted workday from the table
        (D(2027, 1, 4), True, False),  # an ordinary Monday of a year the table covers
        (D(2027, 1, 10), False, False),
        (D(2028, 1, 3), True, True),  # still nobody knows 2028
        (D(2026, 10, 1), False, False),  # the package still answers for 2026
    ],
)
def test_table_extends_package(day: dt.date, workday: bool, provisional: bool) -> None:
    calendar = WorkingCalendar(parse_holiday_table(TABLE_2027))
    assert calendar.is_workday(day) == (workday, provisional)


def test_table_overrides_package() -> None:
    # e.g. a holiday announced late by the State Council
    calendar = WorkingCalendar({2026: YearTable(holidays=frozenset({D(2026, 10, 8)}))})
    assert calendar.is_workday(D(2026, 10, 8)) == (False, False)
    assert calendar.is_workday(D(2026, 10, 9)) == (True, False)


@pytest.mark.parametrize(
    ("start", "working_days", "due_on", "provisional"),
    [
        # received the day before National Day: Oct 8, 9, 10 (Sat, worked), 12, 13, 14, 15
        (D(2026, 9, 30), 7, D(2026, 10, 15), False),
        (D(2026, 9, 30), 3, D(2026, 10, 10), False),
        # received Friday 2026-02-13: Sat 14 is worked; Spring Festival 15..23; 24, 25, 26, 27 (Fri)
        (D(2026, 2, 13), 5, D(2026, 2, 27), False),
        (D(2026, 2, 13), 6, D(2026, 2, 28), False),  # the adjusted working Saturday counts
        (D(2026, 2, 13), 1, D(2026, 2, 14), False),
        # the day of receipt never counts, even when it is a working day
        (D(2026, 11, 2), 1, D(2026, 11, 3), False),
        # late December 2026: the period runs into 2027, which the package does not know
        (D(2026, 12, 28), 7, D(2027, 1, 6), True),
    ],
)
def test_add_working_days(
    start: dt.date, working_days: int, due_on: dt.date, provisional: bool
) -> None:
    due = add_working_days(start, working_days, PACKAGE)
    assert (due.due_on, due.provisional) == (due_on, provisional)


def test_year_end_deadline_final_once_the_table_arrives() -> None:
    calendar = WorkingCalendar(parse_holiday_table(TABLE_2027))
    # Dec 29, 30, 31, Jan 4, 5, 6, 7 (Jan 1 is a holiday in the table)
    due = add_working_days(D(2026, 12, 28), 7, calendar)
    assert (due.due_on, due.provisional) == (D(2027, 1, 7), False)


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"27": {"holidays": []}}',
        '{"2027": {"holidays": ["2026-12-31"]}}',  # filed under the wrong year
        '{"2027": {"holidays": ["2027-01-01"], "workdays": ["2027-01-01"]}}',
        '{"2027": {"holiday": ["2027-01-01"]}}',  # a typo in the key
        '{"2027": {"holidays": ["2027-1-1"]}}',
        '{"2027": {"holidays": "2027-01-01"}}',
    ],
)
def test_parse_holiday_table_refuses(text: str) -> None:
    with pytest.raises(HolidayTableInvalid):
        parse_holiday_table(text)


@pytest.mark.parametrize(
    ("received_on", "rules", "mediation_limit"),
    [
        (D(2025, 6, 1), ORDER_20, 45),
        (D(2026, 4, 14), ORDER_20, 45),
        (D(2026, 4, 15), ORDER_121, 60),
        (D(2026, 11, 12), ORDER_121, 60),
    ],
)
def test_rules_chosen_by_received_date(
    received_on: dt.date, rules: object, mediation_limit: int
) -> None:
    chosen = rules_for(received_on)
    assert chosen is rules
    assert chosen.mediation_limit_working_days == mediation_limit


def deadline(name: DeadlineName, due_on: dt.date, provisional: bool = False) -> Deadline:
    return Deadline(name, due_on, provisional)


N = DeadlineName


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        # bureau case awaiting acceptance, received before National Day
        (
            CaseFacts(Status.FILED, odr=False, received_on=D(2026, 9, 30)),
            [deadline(N.ACCEPTANCE_DECISION, D(2026, 10, 15))],
        ),
        # ODR complaint: 10 working days from filing, across the adjusted Saturday 2026-10-10
        (
            CaseFacts(Status.ACKNOWLEDGED, odr=True, received_on=D(2026, 9, 30)),
            [deadline(N.ODR_NEGOTIATION, D(2026, 10, 20))],
        ),
        # routed bureau case: the platform's 10 working days run from routing; Feb 14 and 28
        # (adjusted Saturdays) count, Spring Festival 15..23 does not
        (
            CaseFacts(
                Status.NEGOTIATING,
                odr=False,
                received_on=D(2026, 2, 10),
                accepted_on=D(2026, 2, 12),
                routed_on=D(2026, 2, 13),
            ),
            [deadline(N.ODR_NEGOTIATION, D(2026, 3, 5))],
        ),
        # either side of 2026-04-15: Order 20's 45 vs Order 121's 60 working days of mediation
        (
            CaseFacts(
                Status.MEDIATING, odr=False, received_on=D(2026, 4, 14), accepted_on=D(2026, 4, 14)
            ),
            [deadline(N.MEDIATION_LIMIT, D(2026, 6, 18))],
        ),
        (
            CaseFacts(
                Status.MEDIATING, odr=False, received_on=D(2026, 4, 15), accepted_on=D(2026, 4, 15)
            ),
            [deadline(N.MEDIATION_LIMIT, D(2026, 7, 13))],
        ),
        # the ODR period does not count: 1 working day spent before routing, 59 from mediation:
        # 29 left in 2026, then 30 weekdays of 2027 (no table yet: provisional)
        (
            CaseFacts(
                Status.MEDIATING,
                odr=False,
                received_on=D(2026, 11, 2),
                accepted_on=D(2026, 11, 2),
                routed_on=D(2026, 11, 3),
                mediation_started_on=D(2026, 11, 20),
            ),
            [deadline(N.MEDIATION_LIMIT, D(2027, 2, 11), provisional=True)],
        ),
        (
            CaseFacts(
                Status.MEDIATED,
                odr=False,
                received_on=D(2026, 9, 1),
                mediation_concluded_on=D(2026, 9, 30),
            ),
            [deadline(N.PARTIES_NOTIFIED, D(2026, 10, 15))],
        ),
        # received late December 2026: the acceptance decision falls in 2027, provisional
        (
            CaseFacts(Status.FILED, odr=False, received_on=D(2026, 12, 28)),
            [deadline(N.ACCEPTANCE_DECISION, D(2027, 1, 6), provisional=True)],
        ),
        (CaseFacts(Status.CLOSED, odr=False, received_on=D(2026, 9, 30)), []),
        (CaseFacts(Status.REJECTED, odr=False, received_on=D(2026, 9, 30)), []),
    ],
)
def test_open_deadlines(facts: CaseFacts, expected: list[Deadline]) -> None:
    assert open_deadlines(facts, PACKAGE) == expected


def test_open_deadlines_recomputed_with_2027_table() -> None:
    facts = CaseFacts(Status.FILED, odr=False, received_on=D(2026, 12, 28))
    calendar = WorkingCalendar(parse_holiday_table(TABLE_2027))
    assert open_deadlines(facts, calendar) == [deadline(N.ACCEPTANCE_DECISION, D(2027, 1, 7))]


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2026, 10, 15), []),  # the due day itself is in time
        (D(2026, 10, 16), [deadline(N.ACCEPTANCE_DECISION, D(2026, 10, 15))]),
        (D(2027, 3, 1), [deadline(N.ACCEPTANCE_DECISION, D(2026, 10, 15))]),  # never provisional
    ],
)
def test_breached(today: dt.date, expected: list[Deadline]) -> None:
    deadlines = [
        deadline(N.ACCEPTANCE_DECISION, D(2026, 10, 15)),
        deadline(N.ODR_NEGOTIATION, D(2027, 1, 6), provisional=True),
    ]
    assert breached(deadlines, today) == expected


@pytest.mark.parametrize(
    ("signed_for_on", "last_day"),
    [
        (D(2026, 11, 11), D(2026, 11, 18)),  # day 1 is 11-12; calendar days, holidays included
        (D(2026, 9, 30), D(2026, 10, 7)),
        (D(2026, 12, 28), D(2027, 1, 4)),
    ],
)
def test_seven_day_returns_window(signed_for_on: dt.date, last_day: dt.date) -> None:
    assert returns_window_ends(signed_for_on) == last_day
