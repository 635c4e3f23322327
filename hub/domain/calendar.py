"""Working days in mainland China: public holidays and adjusted (weekend) workdays included.

The `chinese_calendar` package knows the years the State Council has published (2004-2026 for
1.11) and raises NotImplementedError beyond. The State Council publishes next year's schedule each
November or December, before the package catches up, so an operator-editable holiday table extends
or overrides the package. Where neither knows a year, the fixed-date statutory holidays are known in
advance and are days off for certain; every other day counts Monday to Friday as working days and is
marked provisional, to be recomputed once a table arrives.

Two ways of counting a period: in working days (`add_working_days`) and in calendar days
(`add_calendar_days`), which ends on the next working day when its last day is a rest day.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import chinese_calendar  # type: ignore[import-untyped]

from hub.domain.errors import HolidayTableInvalid


@dataclass(frozen=True, slots=True)
class YearTable:
    """One year of the State Council's notice: days off on weekdays and weekend days worked."""

    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()


@dataclass(frozen=True, slots=True)
class DueDate:
    due_on: dt.date
    provisional: bool  # some day on the way fell in a year no calendar knows


def _package_is_workday(day: dt.date) -> bool:
    return bool(chinese_calendar.is_workday(day))


# Holidays fixed by date in the national holidays regulation (全国年节及纪念日放假办法, art. 2, as
# amended in 2024, in force 2025): New Year's Day 1 January; Labour Day 1-2 May; National Day 1-3
# October. The moving ones (Spring Festival, Qingming, Dragon Boat, Mid-Autumn) and every adjusted
# workday come only with the State Council's yearly notice.
FIXED_HOLIDAYS: frozenset[tuple[int, int]] = frozenset(
    {(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)}
)


def is_fixed_holiday(day: dt.date) -> bool:
    return (day.month, day.day) in FIXED_HOLIDAYS


@dataclass(frozen=True, slots=True)
class WorkingCalendar:
    table: Mapping[int, YearTable] = field(default_factory=lambda: MappingProxyType({}))
    # Injected so tests can model a package that does not know a year; raises NotImplementedError
    # for years it does not know, as chinese_calendar does.
    package: Callable[[dt.date], bool] = _package_is_workday

    def is_workday(self, day: dt.date) -> tuple[bool, bool]:
        """(is a working day, provisional)."""
        year = self.table.get(day.year)
        if year is not None:
            # The operator's table is the newer word: it overrides the package where both speak.
            if day in year.holidays:
                return False, False
            if day in year.workdays:
                return True, False
        try:
            return self.package(day), False
        except NotImplementedError:
            if is_fixed_holiday(day):
                # statutory by date: a day off whatever the notice adds around it
                return False, False
            weekday = day.weekday() < 5
            # A table for the year makes unlisted days ordinary days, known for certain.
            return weekday, year is None


# A stretch of days left out of a period: (paused on, resumed on); the days after the pause up to
# and including the resumption do not count (the day of pausing was still a day of the period).
Excluded = tuple[tuple[dt.date, dt.date], ...]


def _excluded(day: dt.date, excluded: Excluded) -> bool:
    return any(paused < day <= resumed for paused, resumed in excluded)


def add_working_days(
    start: dt.date, working_days: int, calendar: WorkingCalendar, excluded: Excluded = ()
) -> DueDate:
    """The `working_days`-th working day after `start`; the day of receipt itself never counts.

    Periods "within N working days of receipt" start the day after receipt (the usual reading of
    SAMR Order 20 and of the Civil Code art. 201: a period in days starts on the next day). Days in
    `excluded` (testing, inspection or appraisal) do not count.
    """
    if working_days < 1:
        raise ValueError("a period is at least one working day")
    day = start
    counted = 0
    provisional = False
    while counted < working_days:
        day += dt.timedelta(days=1)
        if _excluded(day, excluded):
            continue
        workday, unsure = calendar.is_workday(day)
        provisional = provisional or unsure
        if workday:
            counted += 1
    return DueDate(due_on=day, provisional=provisional)


def add_calendar_days(
    start: dt.date, days: int, calendar: WorkingCalendar, excluded: Excluded = ()
) -> DueDate:
    """The last day of a period of `days` calendar days (日) after `start`.

    The period starts the day after `start` (Civil Code art. 201). Where its last day is a statutory
    rest day, the period ends on the first day after the rest (Civil Code art. 203); weekends count
    as rest days and adjusted workdays as working days, the reading courts give art. 203. Only the
    days looked at for that roll-over can make the answer provisional.
    """
    if days < 1:
        raise ValueError("a period is at least one day")
    day = start
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if not _excluded(day, excluded):
            counted += 1
    provisional = False
    while True:
        workday, unsure = calendar.is_workday(day)
        provisional = provisional or unsure
        if workday:
            return DueDate(due_on=day, provisional=provisional)
        day += dt.timedelta(days=1)


def parse_holiday_table(text: str) -> dict[int, YearTable]:
    """Parse `{"2027": {"holidays": ["2027-01-01", ...], "workdays": [...]}, ...}`.

    Refuses what an operator most likely mistyped: a date filed under another year, a day listed as
    both holiday and workday, unknown keys.
    """
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        raise HolidayTableInvalid(f"holiday table is not JSON: {err}") from err
    if not isinstance(document, dict):
        raise HolidayTableInvalid("holiday table must be an object keyed by year")
    table: dict[int, YearTable] = {}
    for key, entry in document.items():
        if not (isinstance(key, str) and key.isdigit() and len(key) == 4):
            raise HolidayTableInvalid(f"year key must be four digits: {key!r}")
        year = int(key)
        if not isinstance(entry, dict) or not set(entry) <= {"holidays", "workdays"}:
            raise HolidayTableInvalid(f"{key}: expected an object with holidays and workdays")
        holidays = _dates(key, "holidays", entry.get("holidays", []), year)
        workdays = _dates(key, "workdays", entry.get("workdays", []), year)
        both = holidays & workdays
        if both:
            raise HolidayTableInvalid(f"{key}: listed as holiday and workday: {min(both)}")
        table[year] = YearTable(holidays=holidays, workdays=workdays)
    return table


def _dates(key: str, name: str, values: object, year: int) -> frozenset[dt.date]:
    if not isinstance(values, list):
        raise HolidayTableInvalid(f"{key}.{name} must be a list of dates")
    days: set[dt.date] = set()
    for value in values:
        try:
            day = dt.date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            day = None
        if day is None or len(value) != 10:
            raise HolidayTableInvalid(f"{key}.{name}: not a YYYY-MM-DD date: {value!r}")
        if day.year != year:
            raise HolidayTableInvalid(f"{key}.{name}: {value} is not in {year}")
        days.add(day)
    return frozenset(days)
