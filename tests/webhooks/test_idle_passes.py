"""A commit wakes the delivery worker, but a burst of commits does not become a burst of
look-ups: with nothing to deliver, the worker looks at most once per `min_idle_pass_s`."""

from __future__ import annotations

import asyncio
import builtins
import time
from datetime import UTC, datetime

import asyncpg

from hub.feeds.webhooks.delivery import Guard, WebhookWorker
from hub.store.subscriptions import Leased, SubscriptionStore


class CountingStore(SubscriptionStore):
    """The real store, counting its look-ups for due work."""

    passes = 0

    async def lease_due(self, worker: str, now: datetime, limit: int) -> builtins.list[Leased]:
        self.passes += 1
        return await super().lease_due(worker, now, limit)


async def _passes_during_wakes(
    database_url: str, *, wakes_per_s: int, seconds: float, min_idle_pass_s: float
) -> tuple[int, float]:
    """The worker's look-ups during a burst of wake-ups, and how long the burst really took (a
    busy machine stretches it)."""
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    assert pool is not None
    store = CountingStore(pool)

    async def no_keys(version: int) -> object:
        raise AssertionError("nothing to deliver, so no secret to open")

    worker = WebhookWorker(
        pool,
        store,
        Guard(allow_private=True),
        signer=lambda: None,  # type: ignore[arg-type,return-value]
        master_keys=no_keys,  # type: ignore[arg-type]
        now=lambda: datetime.now(UTC),
    )
    running = asyncio.create_task(worker.run_forever(60.0, min_idle_pass_s=min_idle_pass_s))
    started = time.monotonic()
    try:
        for _ in range(int(wakes_per_s * seconds)):
            worker.wake()
            await asyncio.sleep(1 / wakes_per_s)  # the burst's pace is what is under test
        elapsed_s = time.monotonic() - started
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await worker.close()
        await pool.close()
    return store.passes, elapsed_s


async def test_a_burst_of_commits_is_looked_at_a_bounded_number_of_times(
    database_url: str,
) -> None:
    # 500 commits a second for a second, nothing subscribed: about 1 / 0.05 = 20 look-ups,
    # where one look-up per wake-up would be hundreds. At most one look-up per 0.05 s of the
    # burst as it really ran (half as many again for slack), however long a busy machine made it.
    passes, elapsed_s = await _passes_during_wakes(
        database_url, wakes_per_s=500, seconds=1.0, min_idle_pass_s=0.05
    )
    assert 2 <= passes <= 1.5 * elapsed_s / 0.05, (passes, elapsed_s)


async def test_without_the_spacing_every_wake_up_is_a_look_up(database_url: str) -> None:
    # The same burst with no spacing: the worker looks far more often (the failure mode above).
    passes, elapsed_s = await _passes_during_wakes(
        database_url, wakes_per_s=500, seconds=1.0, min_idle_pass_s=0.0
    )
    assert passes > 60, (passes, elapsed_s)
