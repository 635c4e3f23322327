"""The statistics context: the store, the query service and the supervised rollup follower."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from hub.settings import SETTINGS
from hub.stats.service import StatsService
from hub.stats.worker import StatsWorker
from hub.store.resources import POOL, READ_POOL
from hub.store.stats import StatsStore
from hub.supervisor import SUPERVISOR

STATS: web.AppKey[StatsService] = web.AppKey("stats", StatsService)
STATS_WORKER: web.AppKey[StatsWorker] = web.AppKey("stats_worker", StatsWorker)


async def stats_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    store = StatsStore(app[POOL])
    # Queries read the rollup from the replica when one is configured; the rollup writes.
    app[STATS] = StatsService(
        StatsStore(app[READ_POOL]), threshold=settings.stats_suppression_threshold
    )
    worker = StatsWorker(store, village_stations=settings.stats_village_stations)
    app[STATS_WORKER] = worker
    async with app[SUPERVISOR].running("stats-rollup", worker.run):
        yield
