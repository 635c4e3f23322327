"""The supervisor: a task that raises is restarted with backoff and reported until it recovers."""

from __future__ import annotations

import asyncio

import pytest

from hub.supervisor import FAILING_AFTER, Supervisor
from tests.waiting import eventually


async def test_a_task_that_raises_is_restarted_reported_and_then_counted_recovered() -> None:
    supervisor = Supervisor(backoff_first_s=0.01, backoff_max_s=0.02, stable_after_s=0.2)
    starts = 0
    healthy = asyncio.Event()

    async def flaky() -> None:
        nonlocal starts
        starts += 1
        if starts <= FAILING_AFTER:
            raise RuntimeError(f"crash {starts}")
        healthy.set()
        await asyncio.Event().wait()  # runs until cancelled

    supervisor.run("flaky", flaky)
    try:
        await asyncio.wait_for(healthy.wait(), 5)
        (health,) = supervisor.health()
        assert health.restarts == FAILING_AFTER
        assert health.failing
        assert health.last_error == f"RuntimeError('crash {FAILING_AFTER}')"
        await eventually(lambda: not supervisor.failing())
    finally:
        await supervisor.close()
    assert supervisor.health() == []


async def test_a_loop_that_returns_is_restarted_too() -> None:
    supervisor = Supervisor(backoff_first_s=0.01, backoff_max_s=0.01)
    runs = 0

    async def returns_at_once() -> None:
        nonlocal runs
        runs += 1

    supervisor.run("returns", returns_at_once)
    try:
        await eventually(lambda: runs >= 3)
        assert "returned" in (supervisor.health()[0].last_error or "")
    finally:
        await supervisor.close()


async def test_a_periodic_job_that_fails_keeps_its_schedule_and_recovers() -> None:
    supervisor = Supervisor()
    calls = 0

    async def fails_four_times() -> None:
        nonlocal calls
        calls += 1
        if calls <= 4:
            raise OSError("the file is gone")

    supervisor.every("job", 0.01, fails_four_times, describe=lambda err: type(err).__name__)
    try:
        await eventually(lambda: calls >= FAILING_AFTER and bool(supervisor.failing()))
        assert supervisor.failing()[0].last_error == "OSError"
        await eventually(lambda: calls > 5)
        assert supervisor.failing() == []
    finally:
        await supervisor.close()


async def test_two_tasks_may_not_share_a_name() -> None:
    supervisor = Supervisor()
    supervisor.every("job", 60, asyncio.sleep)
    try:
        with pytest.raises(ValueError, match="job"):
            supervisor.every("job", 60, asyncio.sleep)
    finally:
        await supervisor.close()
