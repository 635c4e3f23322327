"""When a personal part may go: pure date arithmetic, no I/O.

E-Commerce Law art. 31 keeps transaction records for at least three years; PIPL art. 19 keeps
personal data no longer than the purpose needs. So a complaint's personal part is erased once the
complaint has not changed for the retention period, counted from its last change (its closing, for a
closed case).
"""

from __future__ import annotations

from datetime import datetime


def retention_cutoff(now: datetime, years: int) -> datetime:
    """The moment `years` calendar years before `now`: parts last changed before it have expired.

    29 February maps to 28 February in a year without it, so the period is never shortened.
    """
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def expires_at(last_changed_at: datetime, years: int) -> datetime:
    """When a part last changed at `last_changed_at` may be erased."""
    try:
        return last_changed_at.replace(year=last_changed_at.year + years)
    except ValueError:
        # 29 February + years lands on 1 March: a day late rather than a day early.
        return last_changed_at.replace(year=last_changed_at.year + years, month=3, day=1)
