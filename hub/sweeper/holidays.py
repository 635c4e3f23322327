"""The operator's holiday table, re-read when the file changes.

The State Council publishes next year's holidays each November or December; the operator drops
them into `data_dir/holidays.json` and every hub picks them up on its next sweep, no restart.
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


class HolidayTableWatcher:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen = _stamp(path)  # what the hub loaded at start-up

    def poll(self) -> WorkingCalendar | None:
        """A fresh calendar when the file changed since the last poll, else None.

        An invalid table raises HolidayTableInvalid once per change: the previous calendar stays.
        """
        stamp = _stamp(self.path)
        if stamp == self._seen:
            return None
        self._seen = stamp
        return read_calendar(self.path)
