"""The working-day calendar in force: the package's, extended by the operator's holiday table.

The State Council publishes next year's holidays each November or December; the operator drops
them into `data_dir/holidays.json` and every hub picks them up on its next sweep, no restart.
One `CalendarSource` lives for the life of the process and updates itself in place, so every
decision made after a reload uses the new table.
"""

from __future__ import annotations

from pathlib import Path

from hub.domain.calendar import WorkingCalendar, parse_holiday_table

HOLIDAYS_FILE = "holidays.json"


def read_calendar(path: Path) -> WorkingCalendar:
    """The package's calendar extended by the table at `path` (absent: the package alone)."""
    if not path.exists():
        return WorkingCalendar()
    return WorkingCalendar(table=parse_holiday_table(path.read_text(encoding="utf-8")))


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_mtime_ns, stat.st_size


class CalendarSource:
    """The calendar of `path`, re-read when the file changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen = _stamp(path)
        self._current = read_calendar(path)

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> CalendarSource:
        return cls(data_dir / HOLIDAYS_FILE)

    @property
    def current(self) -> WorkingCalendar:
        return self._current

    def reload(self) -> bool:
        """Re-read the table if the file changed since the last look; True when it did.

        An invalid table raises HolidayTableInvalid once per change: the previous calendar stays.
        """
        stamp = _stamp(self.path)
        if stamp == self._seen:
            return False
        self._seen = stamp
        self._current = read_calendar(self.path)
        return True
