"""The pool and supervised-task gauges, sampled from a real supervisor and a real pool."""

from __future__ import annotations

import asyncio

import asyncpg
from prometheus_client import REGISTRY

from hub.metrics.process import ProcessSampler
from hub.supervisor import FAILING_AFTER, Supervisor
from tests.waiting import eventually


def _gauge(name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


async def test_a_task_is_running_then_restarting_then_failing_then_gone(
    database_url: str,
) -> None:
    supervisor = Supervisor(backoff_first_s=0.01, backoff_max_s=0.01, stable_after_s=60)
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=3)
    # One failure per item: the test sees each count of failures, however fast the restarts.
    failures: asyncio.Queue[None] = asyncio.Queue()

    async def work() -> None:
        await failures.get()
        raise RuntimeError("the peer went away")

    try:
        sampler = ProcessSampler(supervisor, pool)
        supervisor.run("metrics-test-task", work)
        sampler.sample()
        states = {
            state: _gauge("hub_background_tasks", task="metrics-test-task", state=state)
            for state in ("running", "restarting", "failing")
        }
        assert states == {"running": 1, "restarting": 0, "failing": 0}
        assert _gauge("hub_db_pool_connections", state="max") == 3
        assert _gauge("hub_db_pool_connections", state="size") == 1

        failures.put_nowait(None)
        await eventually(lambda: supervisor.health()[0].consecutive_failures == 1)
        sampler.sample()
        assert _gauge("hub_background_tasks", task="metrics-test-task", state="restarting") == 1
        assert _gauge("hub_background_tasks", task="metrics-test-task", state="running") == 0

        for _ in range(FAILING_AFTER - 1):
            failures.put_nowait(None)
        await eventually(lambda: supervisor.health()[0].consecutive_failures == FAILING_AFTER)
        sampler.sample()
        assert _gauge("hub_background_tasks", task="metrics-test-task", state="failing") == 1
        assert sampler.failing() == 1
        restarts = _gauge("hub_background_task_restarts", task="metrics-test-task")
        assert restarts is not None
        assert restarts >= FAILING_AFTER - 1

        await supervisor.stop("metrics-test-task")
        sampler.sample()
        for state in ("running", "restarting", "failing"):
            assert _gauge("hub_background_tasks", task="metrics-test-task", state=state) == 0
    finally:
        await supervisor.close()
        await pool.close()
