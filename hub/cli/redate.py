"""Move an example event to today: every date in it shifted by the same number of days.

The examples in schemas/examples are dated in the past, and tests rely on those fixed dates. Sent
as they are to a live hub, their statutory clocks have long run out and the sweeper records a
breach at once; shifted by whole days, weekdays and intervals stay as the example meant them.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9]{2}:[0-9]{2})")


def days_to_today(occurred_at: str, now: datetime) -> int:
    """Whole days that bring `occurred_at` to the latest same time of day not after `now`."""
    occurred = datetime.fromisoformat(occurred_at)
    local_now = now.astimezone(occurred.tzinfo)
    days = (local_now.date() - occurred.date()).days
    if occurred + timedelta(days=days) > now:
        days -= 1
    return days


def shift_dates(value: Any, days: int) -> Any:
    """`value` with every RFC 3339 date and date-time string moved by `days` days."""
    if isinstance(value, dict):
        return {key: shift_dates(item, days) for key, item in value.items()}
    if isinstance(value, list):
        return [shift_dates(item, days) for item in value]
    if isinstance(value, str):
        if _DATE_TIME.fullmatch(value):
            moved = datetime.fromisoformat(value) + timedelta(days=days)
            return moved.isoformat()
        if _DATE.fullmatch(value):
            return (date.fromisoformat(value) + timedelta(days=days)).isoformat()
    return value


def dated_today(event: dict[str, Any], now: datetime) -> dict[str, Any]:
    """`event` as if it had happened today (or yesterday, when today's time is still to come)."""
    days = days_to_today(str(event["occurred_at"]), now)
    shifted: dict[str, Any] = shift_dates(event, days)
    return shifted
