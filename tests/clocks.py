"""The hub's clock in a test: it reads what `now` holds, and the test moves it."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from hub.app import create_app
from hub.clock import CLOCK, Clock
from hub.settings import Settings


class MovableClock:
    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def app_on_clock(settings: Settings, clock: Clock) -> web.Application:
    """A hub whose clock is `clock`, set before start-up so every part of it reads that clock
    (the partitions worker creates the month of its `now` as it starts)."""
    app = create_app(settings)
    app[CLOCK] = clock
    return app
