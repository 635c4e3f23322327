"""Deadlines in O(1): a calendar's working days as day ordinals, built once per year.

Counting a period day by day asks the calendar about every day on the way (about 65 questions
for 45 working days), at every event, and each question validates its date. The index asks once
per day of a year and keeps, per day, how many working days and how many provisional days came
up to and including it, and the ordinal of every working day in order. A period is then two
look-ups: the k-th working day after the start, and whether a provisional day lies between.

Periods with excluded days (a pause for testing or appraisal) are rare and counted day by day
(hub/domain/calendar.py); the test shows the index agrees with that count for every start day of
every supported year.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections import OrderedDict

from hub.domain.calendar import (
    DueDate,
    Excluded,
    WorkingCalendar,
    add_calendar_days,
    add_working_days,
)

# The index covers whole years, extended (and rebuilt) as a question needs a new one; beyond
# this span a question falls back to counting, so a date far off cannot make it grow unbounded.
_MAX_YEARS = 60
# Calendars kept indexed: the one in force, and the one it replaced, with room for tests.
_CACHED_CALENDARS = 8


class WorkdayIndex:
    """The working days of one calendar, from `first_year` to `last_year` inclusive."""

    def __init__(self, calendar: WorkingCalendar, first_year: int, last_year: int) -> None:
        self.calendar = calendar
        self.first_year, self.last_year = first_year, last_year
        self._base = dt.date(first_year, 1, 1).toordinal()
        days = dt.date(last_year, 12, 31).toordinal() - self._base + 1
        # through[d]: working days on days 0..d; unsure[d]: provisional days on days 0..d.
        self._through = array("l", bytes(8 * days))
        self._unsure = array("l", bytes(8 * days))
        self._workdays = array("l")
        working = unsure = 0
        for offset in range(days):
            workday, provisional = calendar.is_workday(dt.date.fromordinal(self._base + offset))
            if workday:
                working += 1
                self._workdays.append(offset)
            unsure += provisional
            self._through[offset] = working
            self._unsure[offset] = unsure

    def _offset(self, day: dt.date) -> int:
        return day.toordinal() - self._base

    def _unsure_between(self, after_offset: int, upto_offset: int) -> bool:
        """Whether a provisional day lies in (after, upto]."""
        before = self._unsure[after_offset] if after_offset >= 0 else 0
        return self._unsure[upto_offset] > before

    def working_days_after(self, start: dt.date, working_days: int) -> DueDate | None:
        """The `working_days`-th working day after `start`, or None beyond the index."""
        offset = self._offset(start)
        if offset < 0 or offset >= len(self._through):
            return None
        k = self._through[offset] + working_days  # 1-based rank of the working day sought
        if k > len(self._workdays):
            return None
        due = self._workdays[k - 1]
        return DueDate(
            due_on=dt.date.fromordinal(self._base + due),
            provisional=self._unsure_between(offset, due),
        )

    def first_working_day_from(self, day: dt.date) -> DueDate | None:
        """`day` if it is a working day, else the next one; None beyond the index."""
        offset = self._offset(day)
        if offset < 0 or offset >= len(self._through):
            return None
        k = self._through[offset - 1] if offset > 0 else 0  # working days before `day`
        if k >= len(self._workdays):
            return None
        due = self._workdays[k]
        return DueDate(
            due_on=dt.date.fromordinal(self._base + due),
            provisional=self._unsure_between(offset - 1, due),
        )


_INDEXES: OrderedDict[int, WorkdayIndex] = OrderedDict()


def _index_for(calendar: WorkingCalendar, first: dt.date, last: dt.date) -> WorkdayIndex | None:
    """The calendar's index covering first..last (a year's margin after), built as needed."""
    # Keyed by identity: a calendar is immutable and replaced whole when its table changes; the
    # index holds the calendar, so the id is not reused while the entry lives.
    index = _INDEXES.get(id(calendar))
    if index is not None and index.calendar is calendar:
        _INDEXES.move_to_end(id(calendar))
        if index.first_year <= first.year and last.year <= index.last_year:
            return index
        first_year = min(index.first_year, first.year)
        last_year = max(index.last_year, last.year + 1)
    else:
        first_year, last_year = first.year, last.year + 1
    if last_year - first_year + 1 > _MAX_YEARS:
        return None
    index = WorkdayIndex(calendar, first_year, last_year)
    _INDEXES[id(calendar)] = index
    _INDEXES.move_to_end(id(calendar))
    while len(_INDEXES) > _CACHED_CALENDARS:
        _INDEXES.popitem(last=False)
    return index


def _years_ahead(days: int) -> dt.timedelta:
    # Generous: working days are at least two in three calendar days, holidays included.
    return dt.timedelta(days=2 * days + 30)


def indexed_working_days(
    start: dt.date, working_days: int, calendar: WorkingCalendar, excluded: Excluded = ()
) -> DueDate:
    """add_working_days, from the index when no days are excluded."""
    if working_days >= 1 and not excluded:
        index = _index_for(calendar, start, start + _years_ahead(working_days))
        due = index.working_days_after(start, working_days) if index else None
        if due is not None:
            return due
    return add_working_days(start, working_days, calendar, excluded)


def indexed_calendar_days(
    start: dt.date, days: int, calendar: WorkingCalendar, excluded: Excluded = ()
) -> DueDate:
    """add_calendar_days, from the index when no days are excluded."""
    if days >= 1 and not excluded:
        last = start + dt.timedelta(days=days)
        index = _index_for(calendar, last, last + dt.timedelta(days=60))
        due = index.first_working_day_from(last) if index else None
        if due is not None:
            return due
    return add_calendar_days(start, days, calendar, excluded)
