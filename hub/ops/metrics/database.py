"""Gauges that are facts of the database, computed at scrape time and cached for a few seconds.

Sync lag, webhook endpoints and their backlog, deadlines open and breached: the same whichever
process answers the scrape and however many there are, so they are read, not kept. A scrape
within `ttl_s` of the last read reuses it, and concurrent scrapes share one read, so scraping
often (or by several Prometheus servers) costs the database one round of queries per `ttl_s`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable

import asyncpg
import structlog
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from hub.store.gauges import GaugeFacts, read_gauge_facts

log = structlog.get_logger("hub.metrics")

CACHE_TTL_S = 10.0
# A scrape must answer even when the database does not: it then says so (hub_database_up 0).
READ_TIMEOUT_S = 2.0


class DatabaseGauges:
    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        ttl_s: float = CACHE_TTL_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._pool = pool
        self._ttl_s = ttl_s
        self._monotonic = monotonic
        self._lock = asyncio.Lock()
        self._read_at: float | None = None
        self.facts: GaugeFacts | None = None  # None: the last read failed
        self.reads = 0  # rounds of queries run, for the tests of the cache

    async def refresh(self) -> GaugeFacts | None:
        async with self._lock:
            now = self._monotonic()
            if self._read_at is not None and now - self._read_at < self._ttl_s:
                return self.facts
            self.reads += 1
            try:
                async with asyncio.timeout(READ_TIMEOUT_S), self._pool.acquire() as conn:
                    self.facts = await read_gauge_facts(conn)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as err:
                log.warning("metrics_database_read_failed", error_type=type(err).__name__)
                self.facts = None
            # A failure is cached too: a database in trouble is not asked again at every scrape.
            self._read_at = self._monotonic()
            return self.facts


class FactsCollector(Collector):
    """The families of one read of the database facts (None: the database did not answer), and
    readiness as /readyz decides it: the database answers, is migrated, and no task of the
    answering process keeps failing."""

    def __init__(self, facts: GaugeFacts | None, *, failing_tasks: int) -> None:
        self._facts = facts
        self._failing_tasks = failing_tasks

    def collect(self) -> Iterable[Metric]:
        facts = self._facts
        ready = GaugeMetricFamily(
            "hub_ready", "1 when the process answering the scrape would answer /readyz 200."
        )
        ready.add_metric(
            [],
            int(facts is not None and facts.pending_migrations == 0 and not self._failing_tasks),
        )
        yield ready
        up = GaugeMetricFamily(
            "hub_database_up", "1 when the last scrape-time read of the database succeeded."
        )
        up.add_metric([], 0 if facts is None else 1)
        yield up
        if facts is None:
            return
        yield from _sync(facts)
        yield from _webhooks(facts)
        for name, doc, counts in (
            (
                "hub_deadlines_open",
                "Cases with a running deadline (neither breached nor provisional), by platform.",
                facts.deadlines_open,
            ),
            (
                "hub_deadlines_breached",
                "Open cases with at least one breached deadline, by respondent platform.",
                facts.deadlines_breached,
            ),
        ):
            family = GaugeMetricFamily(name, doc, labels=["platform"])
            for platform, count in sorted(counts.items()):
                family.add_metric([platform], count)
            yield family
        position = GaugeMetricFamily("hub_feed_position", "The feed's last committed position.")
        position.add_metric([], facts.feed_position)
        yield position
        pending = GaugeMetricFamily(
            "hub_migrations_pending", "Database migrations this hub knows but the database lacks."
        )
        pending.add_metric([], facts.pending_migrations)
        yield pending


def _sync(facts: GaugeFacts) -> Iterable[Metric]:
    lag = GaugeMetricFamily(
        "hub_sync_lag_seconds",
        "How far behind the clock a pulled platform's covered span ended, at its last page.",
        labels=["platform"],
    )
    success = GaugeMetricFamily(
        "hub_sync_last_success_timestamp_seconds",
        "When a pulled platform's sync last caught up (Unix time).",
        labels=["platform"],
    )
    failures = GaugeMetricFamily(
        "hub_sync_consecutive_failures",
        "Failed polls of a pulled platform in a row.",
        labels=["platform"],
    )
    for state in facts.sync:
        if state.lag_s is not None:
            lag.add_metric([state.platform], state.lag_s)
        if state.last_success_at is not None:
            success.add_metric([state.platform], state.last_success_at.timestamp())
        failures.add_metric([state.platform], state.consecutive_failures)
    yield from (lag, success, failures)


def _webhooks(facts: GaugeFacts) -> Iterable[Metric]:
    endpoints = GaugeMetricFamily(
        "hub_webhook_endpoints",
        "Webhook subscriptions by owner and state (active, retrying, disabled, paused).",
        labels=["owner", "state"],
    )
    backlog = GaugeMetricFamily(
        "hub_webhook_backlog_events",
        "Feed positions beyond the delivery cursors (an upper bound: not all are the owner's).",
        labels=["owner", "state"],
    )
    for group in facts.endpoints:
        endpoints.add_metric([group.owner, group.state], group.count)
        backlog.add_metric([group.owner, group.state], group.backlog_events)
    yield from (endpoints, backlog)
