"""A flood of appends from one sender does not starve another: groups are filled round-robin."""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import orjson
import pytest

from hub.store.events import Appended, EventStore, PendingEvent
from hub.store.pool import create_pool
from hub.supervisor import Supervisor
from hub.trust.signer import HubSigner

NOW = datetime(2026, 11, 11, 10, 0, tzinfo=UTC)
FLOOD = 4000


def _pending(actor: str) -> PendingEvent:
    event_id = str(uuid.uuid4())
    complaint_id = f"{actor}:C-{uuid.uuid4().hex[:12]}"
    body = orjson.dumps({"complaint_id": complaint_id, "event_id": event_id, "version": 1})
    return PendingEvent(
        event_id=event_id,
        complaint_id=complaint_id,
        version=1,
        type="case.note_added",
        actor=actor,
        occurred_at=NOW,
        body=body,
        event_sha256=hashlib.sha256(body).digest(),
    )


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[EventStore]:
    pool = await create_pool(database_url, size=4)
    event_store = EventStore(pool, seal=HubSigner.ephemeral().seal, max_items=100)
    supervisor = Supervisor()
    await event_store.start(supervisor)
    yield event_store
    await event_store.close()
    await supervisor.close()
    await pool.close()


async def _latencies(store: EventStore, count: int) -> list[float]:
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        appended = await store.append(_pending("platform.jd"))
        latencies.append(time.perf_counter() - started)
        assert isinstance(appended, Appended)
    return latencies


async def test_another_senders_item_waits_about_one_group_behind_a_flood(
    store: EventStore,
) -> None:
    await _latencies(store, 3)  # warm the pool and the leaf log
    unloaded = max(await _latencies(store, 5))

    started = time.perf_counter()
    async with asyncio.TaskGroup() as tasks:
        flood = tasks.create_task(
            store.append_many([_pending("platform.taobao") for _ in range(FLOOD)])
        )
        await asyncio.sleep(0.05)  # the flood is queued and its groups are committing
        loaded = await _latencies(store, 5)
        assert not flood.done(), "the flood ended before the other sender was measured"
    results = flood.result()
    flood_s = time.perf_counter() - started

    assert all(isinstance(r, Appended) for r in results)
    # Round-robin: the other sender's item rides in the next group, not behind 40 of them.
    assert max(loaded) < max(30 * unloaded, 0.05), (loaded, unloaded, flood_s)
    assert max(loaded) < flood_s / 4, (loaded, flood_s)
