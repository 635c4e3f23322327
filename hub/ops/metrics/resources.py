"""Cleanup context for metrics: the scrape's sources, and the sampler of a worker process."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

from aiohttp import web

from hub.metrics.multiprocess import directory, mark_dead
from hub.metrics.process import ProcessSampler
from hub.ops.metrics.database import DatabaseGauges
from hub.store.resources import POOL
from hub.supervisor import SUPERVISOR

# How often each of several workers writes its pool and task gauges to the shared files.
SAMPLE_INTERVAL_S = 5.0


@dataclasses.dataclass(frozen=True)
class Metrics:
    sampler: ProcessSampler
    database: DatabaseGauges


METRICS: web.AppKey[Metrics] = web.AppKey("metrics")


async def metrics_ctx(app: web.Application) -> AsyncIterator[None]:
    sampler = ProcessSampler(app[SUPERVISOR], app[POOL])
    app[METRICS] = Metrics(sampler, DatabaseGauges(app[POOL]))
    shared = directory()
    if shared is None:
        yield  # one process: the scrape samples it
        return

    async def sample() -> None:
        sampler.sample()

    try:
        async with app[SUPERVISOR].repeating("metrics-sampler", SAMPLE_INTERVAL_S, sample):
            yield
    finally:
        mark_dead(shared)
