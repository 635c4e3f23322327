"""The working-day index (hub/domain/deadlines_index.py) agrees with counting day by day, for
every start day of every year the calendar package knows, for every period the rule tables use,
and beyond: an operator's table for a year, and years nobody knows (provisional answers)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import MappingProxyType

import pytest

from hub.domain.calendar import (
    WorkingCalendar,
    YearTable,
    add_calendar_days,
    add_working_days,
)
from hub.domain.deadlines import RULES, DayCount, Period
from hub.domain.deadlines_index import indexed_calendar_days, indexed_working_days
from hub.domain.report import REPORT_RULES

# chinese_calendar 1.x knows 2004-2026; 2027 and 2028 are unknown years (provisional).
YEARS = range(2004, 2029)


@dataclasses.dataclass(frozen=True, slots=True)
class _Remembered(WorkingCalendar):
    """The same answers, each asked of the calendar once: the comparison is of the counting,
    and asking the package about a day thousands of times would only make the test slow."""

    answers: dict[dt.date, tuple[bool, bool]] = dataclasses.field(
        default_factory=dict, compare=False
    )

    def is_workday(self, day: dt.date) -> tuple[bool, bool]:
        answer = self.answers.get(day)
        if answer is None:
            answer = self.answers[day] = WorkingCalendar.is_workday(self, day)
        return answer


def _periods() -> list[Period]:
    found: set[tuple[int, DayCount]] = {(1, DayCount.WORKING), (1, DayCount.CALENDAR)}
    for rules in (*RULES, *REPORT_RULES):
        for field in dataclasses.fields(rules):
            value = getattr(rules, field.name)
            if isinstance(value, Period):
                found.add((value.days, value.count))
    return [Period(days, count, "test") for days, count in sorted(found)]


PERIODS = _periods()


def _every_day(years: range = YEARS) -> list[dt.date]:
    first, last = dt.date(years[0], 1, 1), dt.date(years[-1], 12, 31)
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def _agree(calendar: WorkingCalendar, years: range = YEARS) -> None:
    mismatches = []
    for start in _every_day(years):
        for period in PERIODS:
            if period.count is DayCount.WORKING:
                looped = add_working_days(start, period.days, calendar)
                indexed = indexed_working_days(start, period.days, calendar)
            else:
                looped = add_calendar_days(start, period.days, calendar)
                indexed = indexed_calendar_days(start, period.days, calendar)
            if looped != indexed:
                mismatches.append((start, period.days, period.count, looped, indexed))
    assert mismatches[:5] == []


def test_the_rule_tables_give_working_and_calendar_periods() -> None:
    counts = {period.count for period in PERIODS}
    assert counts == {DayCount.WORKING, DayCount.CALENDAR}
    assert any(period.days >= 45 for period in PERIODS)


def test_index_agrees_with_counting_for_every_start_day_of_the_package_years() -> None:
    _agree(_Remembered())


def test_index_agrees_where_an_operator_table_overrides_and_extends_the_package() -> None:
    table = {
        2026: YearTable(
            holidays=frozenset({dt.date(2026, 3, 3), dt.date(2026, 12, 31)}),
            workdays=frozenset({dt.date(2026, 3, 7)}),
        ),
        2027: YearTable(
            holidays=frozenset(dt.date(2027, 2, day) for day in range(5, 13)),
            workdays=frozenset({dt.date(2027, 2, 14)}),
        ),
    }
    _agree(_Remembered(table=MappingProxyType(table)), range(2025, 2029))


def test_index_falls_back_to_counting_when_days_are_excluded() -> None:
    calendar = _Remembered()
    start, pause = dt.date(2026, 9, 20), ((dt.date(2026, 9, 25), dt.date(2026, 10, 9)),)
    assert indexed_working_days(start, 45, calendar, pause) == add_working_days(
        start, 45, calendar, pause
    )
    assert indexed_calendar_days(start, 60, calendar, pause) == add_calendar_days(
        start, 60, calendar, pause
    )


@pytest.mark.parametrize("days", [0, -1])
def test_index_refuses_an_empty_period_like_counting(days: int) -> None:
    calendar = WorkingCalendar()
    with pytest.raises(ValueError, match="at least one working day"):
        indexed_working_days(dt.date(2026, 1, 1), days, calendar)
    with pytest.raises(ValueError, match="at least one day"):
        indexed_calendar_days(dt.date(2026, 1, 1), days, calendar)
