"""The hub's one clock, injected: the store, workers, sweeper and intake all read time from it.

Tests set `CLOCK` on the app before it starts, so no test depends on today's date.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from aiohttp import web

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Now, aware, in UTC."""
    return datetime.now(UTC)


CLOCK: web.AppKey[Clock] = web.AppKey("clock")


def clock_of(app: web.Application) -> Clock:
    """The clock set on the app before start-up, else the system's."""
    return app.get(CLOCK, system_clock)
