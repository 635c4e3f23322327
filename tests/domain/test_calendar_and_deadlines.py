from __future__ import annotations

import datetime as dt

import pytest

from hub.domain.calendar import (
    WorkingCalendar,
    YearTable,
    add_calendar_days,
    add_working_days,
    parse_holiday_table,
)
from hub.domain.deadlines import (
    ORDER_20,
    ORDER_121,
    RULES,
    CaseFacts,
    DayCount,
    Deadline,
    DeadlineName,
    PendingCases,
    breached,
    open_deadlines,
    returns_window_ends,
    rules_for,
    with_pending_cases,
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
        # 2027, which no table knows yet: the fixed-date statutory holidays are certain days off
        (D(2027, 1, 1), False, False),  # New Year's Day, a Friday
        (D(2027, 1, 2), False, True),
        (D(2027, 1, 4), True, True),  # a Monday: an adjusted day off may still be announced
        (D(2027, 5, 1), False, False),  # Labour Day, two days
        (D(2027, 5, 2), False, False),
        (D(2027, 5, 3), True, True),
        (D(2027, 10, 1), False, False),  # National Day, three days
        (D(2027, 10, 3), False, False),
        (D(2027, 10, 4), True, True),
        (D(2028, 1, 3), True, True),
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
        # late December 2026: the period runs into 2027, which the package does not know;
        # 2027-01-01 is a seeded holiday: Dec 29, 30, 31, Jan 4, 5, 6, 7
        (D(2026, 12, 28), 7, D(2027, 1, 7), True),
        # 2025 National Day and Mid-Autumn, Oct 1..8; Oct 11 (Sat) worked: Oct 9, 10, 11, 13..16
        (D(2025, 9, 30), 7, D(2025, 10, 16), False),
        # 2026 Labour Day May 1..5; Sat May 9 worked: Apr 30, May 6, 7, 8, 9, 11
        (D(2026, 4, 29), 3, D(2026, 5, 7), False),
        (D(2026, 4, 29), 5, D(2026, 5, 9), False),
        (D(2026, 4, 29), 6, D(2026, 5, 11), False),
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
    ("start", "days", "excluded", "due_on", "provisional"),
    [
        # Order 121's 六十日 from acceptance on 2026-04-20: day 60 is Fri 2026-06-19, the Dragon
        # Boat holiday (19..21): the period ends on Mon 2026-06-22 (Civil Code art. 203)
        (D(2026, 4, 20), 60, (), D(2026, 6, 22), False),
        (D(2026, 4, 15), 60, (), D(2026, 6, 15), False),  # day 60 a Sunday: Monday
        # day 60 is 2026-10-01: National Day runs to Oct 7
        (D(2026, 8, 2), 60, (), D(2026, 10, 8), False),
        # day 60 is an adjusted working Saturday: the period ends on it
        (D(2026, 8, 11), 60, (), D(2026, 10, 10), False),
        (D(2025, 12, 16), 60, (), D(2026, 2, 14), False),
        # day 60 in the Spring Festival (Feb 15..23)
        (D(2025, 12, 18), 60, (), D(2026, 2, 24), False),
        # into 2027, unknown: a Friday that may yet become a day off
        (D(2026, 12, 28), 60, (), D(2027, 2, 26), True),
        # day 60 is 2027-01-01, a seeded holiday; the weekend and Monday after are provisional
        (D(2026, 11, 2), 60, (), D(2027, 1, 4), True),
        # ten days of appraisal (May 5..14 left out) extend it by ten days
        (D(2026, 4, 20), 60, ((D(2026, 5, 4), D(2026, 5, 14)),), D(2026, 6, 29), False),
        # the refund after a return: 七日 from receipt of the goods (CPL art. 25)
        (D(2026, 9, 25), 7, (), D(2026, 10, 8), False),
        (D(2026, 10, 3), 7, (), D(2026, 10, 10), False),
    ],
)
def test_add_calendar_days(
    start: dt.date,
    days: int,
    excluded: tuple[tuple[dt.date, dt.date], ...],
    due_on: dt.date,
    provisional: bool,
) -> None:
    due = add_calendar_days(start, days, PACKAGE, excluded)
    assert (due.due_on, due.provisional) == (due_on, provisional)


@pytest.mark.parametrize(
    ("start", "working_days", "excluded", "due_on"),
    [
        # Order 20: 45 working days from 2025-05-08 end 2025-07-11 (Dragon Boat Jun 2 off)
        (D(2025, 5, 8), 45, (), D(2025, 7, 11)),
        # testing Jun 4..10 (five working days) extends it by five working days
        (D(2025, 5, 8), 45, ((D(2025, 6, 3), D(2025, 6, 10)),), D(2025, 7, 18)),
        # a pause over a weekend only costs nothing
        (D(2025, 5, 8), 45, ((D(2025, 6, 6), D(2025, 6, 8)),), D(2025, 7, 11)),
    ],
)
def test_add_working_days_leaves_out_pauses(
    start: dt.date,
    working_days: int,
    excluded: tuple[tuple[dt.date, dt.date], ...],
    due_on: dt.date,
) -> None:
    assert add_working_days(start, working_days, PACKAGE, excluded).due_on == due_on


@pytest.mark.parametrize(
    ("received_on", "rules", "mediation_limit", "count"),
    [
        (D(2025, 6, 1), ORDER_20, 45, DayCount.WORKING),
        (D(2026, 4, 14), ORDER_20, 45, DayCount.WORKING),
        (D(2026, 4, 15), ORDER_121, 60, DayCount.CALENDAR),
        (D(2026, 11, 12), ORDER_121, 60, DayCount.CALENDAR),
    ],
)
def test_rules_chosen_by_received_date(
    received_on: dt.date, rules: object, mediation_limit: int, count: DayCount
) -> None:
    chosen = rules_for(received_on)
    assert chosen is rules
    assert (chosen.mediation_limit.days, chosen.mediation_limit.count) == (mediation_limit, count)


@pytest.mark.parametrize(
    ("choice", "received_on", "step_on", "expected"),
    [
        (PendingCases.BY_RECEIVED, D(2026, 4, 10), D(2026, 4, 20), "samr_order_20"),
        (PendingCases.BY_STEP, D(2026, 4, 10), D(2026, 4, 20), "samr_order_121"),
        (PendingCases.BY_STEP, D(2026, 4, 10), D(2026, 4, 14), "samr_order_20"),
        (PendingCases.BY_STEP, D(2026, 4, 10), D(2026, 4, 15), "samr_order_121"),
        (PendingCases.BY_RECEIVED, D(2026, 4, 15), D(2026, 4, 15), "samr_order_121"),
        (PendingCases.BY_STEP, D(2019, 6, 1), D(2019, 6, 2), "samr_order_20"),
    ],
)
def test_rules_for_a_pending_case_follow_the_configured_choice(
    choice: PendingCases, received_on: dt.date, step_on: dt.date, expected: str
) -> None:
    table = with_pending_cases(choice)
    assert rules_for(received_on, step_on, table).name == expected


def test_the_default_choice_keeps_the_rules_in_force_on_receipt() -> None:
    assert ORDER_121.pending_cases is PendingCases.BY_RECEIVED
    assert with_pending_cases(PendingCases.BY_RECEIVED) == RULES


@pytest.mark.parametrize(
    ("rules", "article"),
    [
        (ORDER_20.acceptance_decision, "SAMR Order 20 art. 14"),
        (ORDER_20.mediation_limit, "SAMR Order 20 art. 21(5)"),
        (ORDER_20.parties_notified, "SAMR Order 20 art. 21"),
        (ORDER_121.acceptance_decision, "SAMR Order 121 art. 16; CPL art. 46"),
        (ORDER_121.mediation_limit, "SAMR Order 121 art. 23(1)(5)"),
        (ORDER_121.parties_notified, "SAMR Order 121 art. 23"),
    ],
)
def test_periods_cite_their_articles(rules: object, article: str) -> None:
    assert getattr(rules, "source", None) == article


def deadline(name: DeadlineName, due_on: dt.date, provisional: bool = False) -> Deadline:
    return Deadline(name, due_on, provisional)


N = DeadlineName


M = Status.MEDIATING
BY_STEP = with_pending_cases(PendingCases.BY_STEP)


def facts(status: Status, received_on: dt.date, **changes: object) -> CaseFacts:
    return CaseFacts(
        status, odr=bool(changes.pop("odr", False)), received_on=received_on, **changes
    )  # type: ignore[arg-type]


OPEN_DEADLINES = [
    # --- acceptance decision: 7 working days from receipt (Order 20 art. 14, Order 121 art. 16)
    (
        "received before National Day 2026",
        facts(Status.FILED, D(2026, 9, 30)),
        [deadline(N.ACCEPTANCE_DECISION, D(2026, 10, 15))],
    ),
    (
        "Order 20: received before National Day 2025 (Oct 1..8 off, Sat Oct 11 worked)",
        facts(Status.FILED, D(2025, 9, 30)),
        [deadline(N.ACCEPTANCE_DECISION, D(2025, 10, 16))],
    ),
    (
        "received late December 2026: Jan 1 seeded, the rest of 2027 provisional",
        facts(Status.FILED, D(2026, 12, 28)),
        [deadline(N.ACCEPTANCE_DECISION, D(2027, 1, 7), provisional=True)],
    ),
    (
        "transferred: the receiving bureau's clock starts on its receipt",
        facts(Status.FILED, D(2026, 9, 1), bureau_received_on=D(2026, 9, 30)),
        [deadline(N.ACCEPTANCE_DECISION, D(2026, 10, 15))],
    ),
    (
        "failed ODR negotiation escalated: acceptance from the bureau's receipt, no mediation yet",
        facts(Status.ESCALATED, D(2026, 9, 1), odr=True, bureau_received_on=D(2026, 9, 30)),
        [deadline(N.ACCEPTANCE_DECISION, D(2026, 10, 15))],
    ),
    # --- the platform's ODR negotiation: 10 working days
    (
        "ODR complaint across the adjusted Saturday 2026-10-10",
        facts(Status.ACKNOWLEDGED, D(2026, 9, 30), odr=True),
        [deadline(N.ODR_NEGOTIATION, D(2026, 10, 20))],
    ),
    (
        "Order 20: routed over the Spring Festival; the mediation limit runs meanwhile",
        facts(
            Status.NEGOTIATING, D(2026, 2, 10), accepted_on=D(2026, 2, 12), routed_on=D(2026, 2, 13)
        ),
        [
            deadline(N.ODR_NEGOTIATION, D(2026, 3, 5)),
            deadline(N.MEDIATION_LIMIT, D(2026, 4, 23)),
        ],
    ),
    (
        "Order 121: routed over Labour Day 2026 (May 1..5 off)",
        facts(Status.ROUTED, D(2026, 4, 20), accepted_on=D(2026, 4, 20), routed_on=D(2026, 4, 21)),
        [
            deadline(N.ODR_NEGOTIATION, D(2026, 5, 8)),
            deadline(N.MEDIATION_LIMIT, D(2026, 6, 22)),
        ],
    ),
    # --- the mediation limit, from acceptance whatever happens in between
    (
        "Order 20: accepted and routed 2025-05-08, mediation started 07-01",
        facts(
            M,
            D(2025, 5, 8),
            accepted_on=D(2025, 5, 8),
            routed_on=D(2025, 5, 8),
            mediation_started_on=D(2025, 7, 1),
        ),
        [deadline(N.MEDIATION_LIMIT, D(2025, 7, 11))],
    ),
    (
        "Order 20: testing Jun 4..10 extends it by five working days",
        facts(
            M,
            D(2025, 5, 8),
            accepted_on=D(2025, 5, 8),
            pauses=((D(2025, 6, 3), D(2025, 6, 10)),),
        ),
        [deadline(N.MEDIATION_LIMIT, D(2025, 7, 18))],
    ),
    (
        "Order 20: the last day received under it",
        facts(M, D(2026, 4, 14), accepted_on=D(2026, 4, 14)),
        [deadline(N.MEDIATION_LIMIT, D(2026, 6, 18))],
    ),
    (
        "Order 121: accepted 2026-04-20, day 60 in the Dragon Boat holiday",
        facts(M, D(2026, 4, 20), accepted_on=D(2026, 4, 20)),
        [deadline(N.MEDIATION_LIMIT, D(2026, 6, 22))],
    ),
    (
        "Order 121: the clock runs while the consumer disputes a resolution",
        facts(Status.DISPUTED, D(2026, 4, 20), accepted_on=D(2026, 4, 20)),
        [deadline(N.MEDIATION_LIMIT, D(2026, 6, 22))],
    ),
    (
        "Order 121: and while the platform reports it resolved",
        facts(Status.RESOLVED, D(2026, 4, 20), accepted_on=D(2026, 4, 20)),
        [deadline(N.MEDIATION_LIMIT, D(2026, 6, 22))],
    ),
    (
        "Order 121: ten days of appraisal extend it by ten days",
        facts(
            M, D(2026, 4, 20), accepted_on=D(2026, 4, 20), pauses=((D(2026, 5, 4), D(2026, 5, 14)),)
        ),
        [deadline(N.MEDIATION_LIMIT, D(2026, 6, 29))],
    ),
    (
        "Order 121: no limit shown while appraisal lasts",
        facts(M, D(2026, 4, 20), accepted_on=D(2026, 4, 20), pauses=((D(2026, 5, 4), None),)),
        [],
    ),
    (
        "Order 121: accepted late December 2026, day 60 in 2027",
        facts(M, D(2026, 12, 28), accepted_on=D(2026, 12, 28)),
        [deadline(N.MEDIATION_LIMIT, D(2027, 2, 26), provisional=True)],
    ),
    (
        "Order 121: day 60 is New Year's Day 2027",
        facts(M, D(2026, 11, 2), accepted_on=D(2026, 11, 2)),
        [deadline(N.MEDIATION_LIMIT, D(2027, 1, 4), provisional=True)],
    ),
    (
        "a confirmed resolution needs no mediation",
        facts(Status.CONFIRMED, D(2026, 4, 20), accepted_on=D(2026, 4, 20)),
        [],
    ),
    # --- notice to the parties: 7 working days after ending mediation *without* agreement
    (
        "Order 121: mediation ended without agreement before National Day",
        facts(
            Status.MEDIATED,
            D(2026, 9, 1),
            mediation_concluded_on=D(2026, 9, 30),
            mediation_agreement=False,
        ),
        [deadline(N.PARTIES_NOTIFIED, D(2026, 10, 15))],
    ),
    (
        "Order 20: ended without agreement before National Day 2025",
        facts(
            Status.MEDIATED,
            D(2025, 9, 1),
            mediation_concluded_on=D(2025, 9, 30),
            mediation_agreement=False,
        ),
        [deadline(N.PARTIES_NOTIFIED, D(2025, 10, 16))],
    ),
    (
        "an agreement needs no notice of ending",
        facts(
            Status.MEDIATED,
            D(2026, 9, 1),
            mediation_concluded_on=D(2026, 9, 30),
            mediation_agreement=True,
        ),
        [],
    ),
    (
        "ended without agreement on 2026-12-28: the notice falls in 2027",
        facts(
            Status.MEDIATED,
            D(2026, 11, 2),
            mediation_concluded_on=D(2026, 12, 28),
            mediation_agreement=False,
        ),
        [deadline(N.PARTIES_NOTIFIED, D(2027, 1, 7), provisional=True)],
    ),
    # --- refund within 7 days of the seller receiving returned goods (CPL art. 25)
    (
        "returned goods received in the Mid-Autumn holiday; day 7 in National Day",
        facts(
            Status.ACKNOWLEDGED, D(2026, 9, 20), routed_on=None, return_received_on=D(2026, 9, 25)
        ),
        [deadline(N.REFUND_AFTER_RETURN, D(2026, 10, 8))],
    ),
    (
        "a resolution after the return stops the clock",
        facts(
            Status.RESOLVED,
            D(2026, 9, 20),
            return_received_on=D(2026, 9, 25),
            resolved_on=D(2026, 9, 28),
        ),
        [],
    ),
    (
        "returned goods received 2026-12-28: day 7 is a Monday of 2027",
        facts(Status.NEGOTIATING, D(2026, 12, 20), odr=True, return_received_on=D(2026, 12, 28)),
        [
            # Dec 21..25, 28..31, then Jan 4 (Jan 1 seeded)
            deadline(N.ODR_NEGOTIATION, D(2027, 1, 4), provisional=True),
            deadline(N.REFUND_AFTER_RETURN, D(2027, 1, 4), provisional=True),
        ],
    ),
    ("closed", facts(Status.CLOSED, D(2026, 9, 30)), []),
    ("rejected", facts(Status.REJECTED, D(2026, 9, 30)), []),
]


@pytest.mark.parametrize(
    ("facts", "expected"),
    [pytest.param(f, e, id=name) for name, f, e in OPEN_DEADLINES],
)
def test_open_deadlines(facts: CaseFacts, expected: list[Deadline]) -> None:
    assert open_deadlines(facts, PACKAGE) == expected


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        # received under Order 20, accepted under Order 121: 45 working days ...
        (RULES, D(2026, 6, 25)),
        # ... or, where the new rules govern later steps, 60 calendar days from acceptance
        (BY_STEP, D(2026, 6, 22)),
    ],
)
def test_mediation_limit_of_a_case_pending_on_2026_04_15(
    rules: tuple[object, ...], expected: dt.date
) -> None:
    pending = facts(M, D(2026, 4, 10), accepted_on=D(2026, 4, 20))
    assert open_deadlines(pending, PACKAGE, rules) == [  # type: ignore[arg-type]
        deadline(N.MEDIATION_LIMIT, expected)
    ]


def test_open_deadlines_recomputed_with_2027_table() -> None:
    calendar = WorkingCalendar(parse_holiday_table(TABLE_2027))
    assert open_deadlines(facts(Status.FILED, D(2026, 12, 28)), calendar) == [
        deadline(N.ACCEPTANCE_DECISION, D(2027, 1, 7))
    ]
    # the table lists no holiday near Feb 26: final
    mediating = facts(M, D(2026, 12, 28), accepted_on=D(2026, 12, 28))
    assert open_deadlines(mediating, calendar) == [deadline(N.MEDIATION_LIMIT, D(2027, 2, 26))]


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
