"""Gauges of this process alone (its pool, its supervised tasks), sampled rather than kept.

A scrape samples the process that answers it; with several workers each also samples itself
every few seconds (hub/ops/metrics/resources.py), so the shared files hold the others' recent state.
"""

from __future__ import annotations

import asyncpg

from hub.metrics.instruments import (
    BACKGROUND_TASK_RESTARTS,
    BACKGROUND_TASKS,
    DB_POOL_CONNECTIONS,
    TASK_STATES,
)
from hub.supervisor import FAILING_AFTER, Supervisor, TaskHealth


def task_state(health: TaskHealth) -> str:
    if health.consecutive_failures >= FAILING_AFTER:
        return "failing"
    if health.consecutive_failures:
        return "restarting"
    return "running"


class ProcessSampler:
    def __init__(self, supervisor: Supervisor, pool: asyncpg.Pool) -> None:
        self._supervisor = supervisor
        self._pool = pool
        self._seen: set[str] = set()

    def sample(self) -> None:
        DB_POOL_CONNECTIONS.labels("size").set(self._pool.get_size())
        DB_POOL_CONNECTIONS.labels("idle").set(self._pool.get_idle_size())
        DB_POOL_CONNECTIONS.labels("max").set(self._pool.get_max_size())
        current = {h.name: h for h in self._supervisor.health()}
        # A task stopped since the last sample is in no state now, rather than stuck in its last.
        for name in self._seen | set(current):
            health = current.get(name)
            state = task_state(health) if health else None
            for candidate in TASK_STATES:
                BACKGROUND_TASKS.labels(name, candidate).set(1 if candidate == state else 0)
            BACKGROUND_TASK_RESTARTS.labels(name).set(health.restarts if health else 0)
        self._seen |= set(current)

    def failing(self) -> int:
        return len(self._supervisor.failing())
