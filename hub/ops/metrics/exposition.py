"""One scrape: this process's instruments (or every worker's), then the database facts."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import Metric
from prometheus_client.registry import Collector

from hub.metrics.multiprocess import collect_into, directory
from hub.metrics.process import ProcessSampler
from hub.ops.metrics.database import DatabaseGauges, FactsCollector


class _ThisProcess(Collector):
    """The default registry's metrics (the hub's instruments, the process and GC collectors)."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


async def scrape(sampler: ProcessSampler, database: DatabaseGauges) -> bytes:
    sampler.sample()
    facts = await database.refresh()
    registry = CollectorRegistry()
    shared = directory()
    if shared is None:
        registry.register(_ThisProcess())
    else:
        collect_into(registry, shared)
    registry.register(FactsCollector(facts, failing_tasks=sampler.failing()))
    return generate_latest(registry)
