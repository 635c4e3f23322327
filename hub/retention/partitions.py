"""The partitions worker: every hub process makes sure `events` has the current month and the
next three ahead (hub/store/partitions.py), at start-up before serving, then hourly.

Several processes may run it at once: the store serialises them on an advisory lock, and each
creates only what is still missing. A month whose rows already fell into the default partition
is not created (PostgreSQL would refuse it): it is logged and counted, for an operator to act on.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import structlog
from aiohttp import web
from prometheus_client import Gauge

from hub.clock import Clock, clock_of
from hub.store.partitions import EnsureReport, add_months, default_rows, ensure_months, month_start
from hub.store.resources import POOL
from hub.supervisor import SUPERVISOR

log = structlog.get_logger("hub.partitions")

MONTHS_AHEAD = 3
INTERVAL_S = 3600.0

DEFAULT_PARTITION_ROWS = Gauge(
    "hub_events_default_partition_rows",
    "Events in the default partition of `events` (accepted in a month that had no partition of "
    "its own); zero in a healthy hub.",
    multiprocess_mode="livemax",
)
BLOCKED_MONTHS = Gauge(
    "hub_event_partitions_blocked",
    "Months whose partition cannot be created because rows of theirs are in the default partition.",
    multiprocess_mode="livemax",
)


class PartitionKeeper:
    def __init__(
        self, pool: asyncpg.Pool, *, clock: Clock, months_ahead: int = MONTHS_AHEAD
    ) -> None:
        self._pool = pool
        self._clock = clock
        self._months_ahead = months_ahead

    async def once(self) -> EnsureReport:
        """Create the current month and the months ahead that are missing; report the rest."""
        current = month_start(self._clock())
        months = [add_months(current, n) for n in range(self._months_ahead + 1)]
        async with self._pool.acquire() as conn:
            report = await ensure_months(conn, months)
            in_default = await default_rows(conn)
        DEFAULT_PARTITION_ROWS.set(in_default)
        BLOCKED_MONTHS.set(len(report.blocked))
        if report.created:
            log.info("event_partitions_created", months=[f"{m:%Y-%m}" for m in report.created])
        if report.blocked:
            log.error(
                "event_partitions_blocked",
                months=[f"{m:%Y-%m}" for m in report.blocked],
                default_rows=in_default,
                hint="rows of these months are in events_default; see docs/scaling.md",
            )
        elif in_default:
            log.warning("events_in_default_partition", rows=in_default)
        return report

    async def run(self, *, interval_s: float = INTERVAL_S) -> None:
        """Every `interval_s`; an error ends the loop for the supervisor to restart it (with
        backoff) and report it."""
        while True:
            await asyncio.sleep(interval_s)
            await self.once()

    async def run_after_first(self, *, interval_s: float = INTERVAL_S) -> None:
        """Once now, then as `run`."""
        await self.once()
        await self.run(interval_s=interval_s)


PARTITION_KEEPER: web.AppKey[PartitionKeeper] = web.AppKey("partition_keeper", PartitionKeeper)


async def partitions_ctx(app: web.Application) -> AsyncIterator[None]:
    keeper = PartitionKeeper(app[POOL], clock=clock_of(app))
    app[PARTITION_KEEPER] = keeper
    # The first pass before serving, so no event of this month lands in the default partition;
    # if it fails, the supervised loop tries again at once, with backoff, and reports it.
    try:
        await keeper.once()
    except (asyncpg.PostgresError, OSError) as err:
        log.error("event_partitions_failed", error=repr(err))
        work = keeper.run_after_first
    else:
        work = keeper.run
    async with app[SUPERVISOR].running("event-partitions", work):
        yield
