"""The sweeper as a background worker of every hub process (an aiohttp cleanup context).

Every hub sweeps; the event ids of breaches make that safe, and a replica that stops leaves the
others sweeping.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import structlog
from aiohttp import web

from hub.appkeys import CHECKS, EVENT_STORE, POOL, SETTINGS
from hub.domain.errors import HolidayTableInvalid
from hub.periodic import every
from hub.store.sweeps import SweepStore
from hub.sweeper.holidays import HOLIDAYS_FILE, HolidayTableWatcher
from hub.sweeper.sweep import DeadlineSweeper

log = structlog.get_logger("hub.sweeper")


class SweepLoop:
    """One pass after another: reload the holiday table, recompute, record breaches."""

    def __init__(self, app: web.Application, sweeper: DeadlineSweeper) -> None:
        self._app = app
        self._sweeper = sweeper
        self._watcher = HolidayTableWatcher(app[SETTINGS].data_dir / HOLIDAYS_FILE)
        # Once at start: a table may have arrived while the hub was down.
        self._recompute_passes = 1

    async def once(self) -> None:
        try:
            calendar = await asyncio.to_thread(self._watcher.poll)
        except (HolidayTableInvalid, OSError) as err:
            log.warning("holiday_table_invalid", path=str(self._watcher.path), error=str(err))
            calendar = None
        if calendar is not None:
            # Every write of this process decides with the new table from now on (the checks
            # object is shared by the whole app, which may not be re-keyed once started).
            self._app[CHECKS].calendar = calendar
            log.info("holiday_table_reloaded", years=sorted(calendar.table))
            # Twice: other replicas may write with the old table until their own next poll.
            self._recompute_passes = 2
        if self._recompute_passes:
            report = await self._sweeper.recompute_provisional(self._app[CHECKS].calendar)
            self._recompute_passes = max(self._recompute_passes - 1, int(report.raced > 0))
        report = await self._sweeper.record_breaches()
        if report.breaches_recorded:
            log.info("deadline_sweep_done", breaches=report.breaches_recorded)


async def sweeper_ctx(app: web.Application) -> AsyncIterator[None]:
    interval_s = app[SETTINGS].sweep_interval_s
    sweeper = DeadlineSweeper(SweepStore(app[POOL]), app[EVENT_STORE], app[CHECKS])
    loop = SweepLoop(app, sweeper)

    # The first sweep waits one interval: start-up stays fast, and replicas started together
    # drift apart.
    async with every(
        interval_s, loop.once, failure_event="deadline_sweep_failed", name="deadline-sweeper"
    ):
        yield
