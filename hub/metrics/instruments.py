"""The process's instruments, and the one-line hooks other layers call to move them.

Labels carry bounded values only: route templates, event types, participant ids, problem slugs,
outcome and state names. Never a complaint id, an event id, a URL or anything a consumer wrote.
Gauges of this process name their multiprocess mode, which says how the values of several
worker processes combine (hub/metrics/multiprocess.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from prometheus_client import Counter, Gauge, Histogram

from hub.problems import Problem

_SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_COMMIT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
_BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)

HTTP_REQUESTS = Counter(
    "hub_http_requests",
    "HTTP requests answered, by route template (never the raw path) and status.",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "hub_http_request_duration_seconds",
    "Time to answer a request, by route template; streams count until they close.",
    ["method", "route"],
    buckets=_SECONDS_BUCKETS,
)
REJECTS = Counter(
    "hub_rejects",
    "Problems (RFC 9457) answered, by problem type slug and status.",
    ["problem", "status"],
)
EVENTS_ACCEPTED = Counter(
    "hub_events_accepted",
    "Events committed, by event type and the participant that sent them (duplicates not counted).",
    ["type", "participant"],
)
GROUP_COMMIT_BATCH = Histogram(
    "hub_group_commit_batch_size",
    "Items decided in one group-commit transaction.",
    buckets=_BATCH_BUCKETS,
)
GROUP_COMMIT_DURATION = Histogram(
    "hub_group_commit_duration_seconds",
    "Time to decide and commit one group, retries included.",
    buckets=_COMMIT_BUCKETS,
)
FEED_CLIENTS = Gauge(
    "hub_feed_clients",
    "Feed clients connected now: SSE streams and waiting long-polls.",
    ["kind"],
    multiprocess_mode="livesum",
)
WEBHOOK_DELIVERIES = Counter(
    "hub_webhook_deliveries",
    "Webhook delivery attempts, by outcome and the endpoint's state after the attempt.",
    ["outcome", "state"],
)
DB_POOL_CONNECTIONS = Gauge(
    "hub_db_pool_connections",
    "Database pool connections of the hub's processes: open (size), idle, and the maximum.",
    ["state"],
    multiprocess_mode="livesum",
)
BACKGROUND_TASKS = Gauge(
    "hub_background_tasks",
    "Supervised background tasks by state (1 in the task's state, 0 in the others); with "
    "several processes, 1 where any live process has the task in that state.",
    ["task", "state"],
    multiprocess_mode="livemax",
)
BACKGROUND_TASK_RESTARTS = Gauge(
    "hub_background_task_restarts",
    "Restarts of each supervised task since its process started.",
    ["task"],
    multiprocess_mode="livesum",
)

TASK_STATES = ("running", "restarting", "failing")


def count_problem(problem: Problem) -> None:
    REJECTS.labels(problem.slug, str(problem.status)).inc()


class _Pending(Protocol):
    @property
    def type(self) -> str: ...
    @property
    def actor(self) -> str: ...


class _Queued(Protocol):
    """An item of the event store's group: its pending event and the future of its verdict."""

    @property
    def event(self) -> _Pending: ...
    @property
    def future(self) -> asyncio.Future[Any]: ...


Item = TypeVar("Item", bound=_Queued)


async def observe_group_commit(
    commit: Callable[[list[Item]], Awaitable[None]], group: list[Item]
) -> None:
    """Commit `group` through `commit`, timing it, then count the events it accepted."""
    started = time.perf_counter()
    try:
        await commit(group)
    finally:
        GROUP_COMMIT_DURATION.observe(time.perf_counter() - started)
        GROUP_COMMIT_BATCH.observe(len(group))
    for item in group:
        if _accepted(item.future):
            EVENTS_ACCEPTED.labels(item.event.type, item.event.actor).inc()


def _accepted(future: asyncio.Future[Any]) -> bool:
    """True for a new event's verdict; a refusal, or a retry's stored receipt, is not counted."""
    if not future.done() or future.cancelled() or future.exception() is not None:
        return False
    return getattr(future.result(), "duplicate", True) is False


def webhook_delivered() -> None:
    # A success leaves (or puts) the endpoint active.
    WEBHOOK_DELIVERIES.labels("delivered", "active").inc()


def webhook_failed(status: int | None, error: str | None, state: str | None) -> None:
    """A failed attempt by its class (never the receiver's answer) and the endpoint's new state
    (None: the lease was lost to another worker meanwhile)."""
    WEBHOOK_DELIVERIES.labels(failure_outcome(status, error), state or "lease_lost").inc()


def failure_outcome(status: int | None, error: str | None) -> str:
    if status is not None:
        return f"http_{status // 100}xx"
    if error == "timeout":
        return "timeout"
    if error is not None and error.startswith("connection failed"):
        return "connection_failed"
    return "refused"  # the target guard or the sealed secret refused before anything was sent
