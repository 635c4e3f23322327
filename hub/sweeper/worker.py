"""The sweeper as a background worker of every hub process (an aiohttp cleanup context).

Every hub sweeps; the event ids of breaches make that safe, and a replica that stops leaves the
others sweeping.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import structlog
from aiohttp import web

from hub.clock import clock_of
from hub.domain.errors import HolidayTableInvalid
from hub.services.calendar import CalendarSource
from hub.services.resources import CALENDARS, CHECKS
from hub.settings import SETTINGS
from hub.store.resources import EVENT_STORE, POOL
from hub.store.sweeps import SweepStore
from hub.supervisor import SUPERVISOR
from hub.sweeper.sweep import DeadlineSweeper

log = structlog.get_logger("hub.sweeper")


class SweepLoop:
    """One pass after another: reload the holiday table, recompute, record breaches."""

    def __init__(self, sweeper: DeadlineSweeper, calendars: CalendarSource) -> None:
        self._sweeper = sweeper
        self._calendars = calendars
        # Once at start: a table may have arrived while the hub was down.
        self._recompute_passes = 1

    async def once(self) -> None:
        try:
            reloaded = await asyncio.to_thread(self._calendars.reload)
        except (HolidayTableInvalid, OSError) as err:
            log.warning("holiday_table_invalid", path=str(self._calendars.path), error=str(err))
            reloaded = False
        if reloaded:
            # Every write of this process decides with the new table from now on.
            log.info("holiday_table_reloaded", years=sorted(self._calendars.current.table))
            # Twice: other replicas may write with the old table until their own next poll.
            self._recompute_passes = 2
        if self._recompute_passes:
            report = await self._sweeper.recompute_provisional(self._calendars.current)
            self._recompute_passes = max(self._recompute_passes - 1, int(report.raced > 0))
        report = await self._sweeper.record_breaches()
        if report.breaches_recorded:
            log.info("deadline_sweep_done", breaches=report.breaches_recorded)


async def sweeper_ctx(app: web.Application) -> AsyncIterator[None]:
    sweeper = DeadlineSweeper(
        SweepStore(app[POOL]), app[EVENT_STORE], app[CHECKS], clock=clock_of(app)
    )
    loop = SweepLoop(sweeper, app[CALENDARS])
    # The first sweep waits one interval: start-up stays fast, and replicas started together
    # drift apart.
    async with app[SUPERVISOR].repeating(
        "deadline-sweeper", app[SETTINGS].sweep_interval_s, loop.once
    ):
        yield
