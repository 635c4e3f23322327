"""A flood of appends from one sender does not starve another: groups are filled round-robin."""

from __future__ import annotations

import asyncio
import bisect
import hashlib
import itertools
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from hub.store.events import Appended, EventStore, PendingEvent
from hub.store.pool import create_pool
from hub.supervisor import Supervisor
from hub.trust.signer import HubSigner

NOW = datetime(2026, 11, 11, 10, 0, tzinfo=UTC)
FLOOD = 4000  # 40 groups
OTHERS = 5
GROUP = 100


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
    # The store reads its clock once per group: a clock a microsecond later at each read names
    # every group by its items' accepted_at.
    ticks = (NOW + timedelta(microseconds=n) for n in itertools.count())
    event_store = EventStore(
        pool, seal=HubSigner.ephemeral().seal, max_items=GROUP, clock=lambda: next(ticks)
    )
    supervisor = Supervisor()
    await event_store.start(supervisor)
    yield event_store
    await event_store.close()
    await supervisor.close()
    await pool.close()


async def test_another_senders_item_waits_about_one_group_behind_a_flood(
    store: EventStore,
) -> None:
    # Counted in groups, not seconds: how many of the flood's groups were committed while each
    # of the other sender's items waited. A busy machine stretches the time every group takes,
    # never the order in which groups take their items.
    async with asyncio.TaskGroup() as tasks:
        flood = tasks.create_task(
            store.append_many([_pending("platform.taobao") for _ in range(FLOOD)])
        )
        # One turn of the loop: the flood's task queues all its items before it first waits.
        await asyncio.sleep(0)
        others = [await store.append(_pending("platform.jd")) for _ in range(OTHERS)]
    results = flood.result()
    assert all(isinstance(r, Appended) for r in results)

    flood_groups = sorted({r.accepted_at for r in results if isinstance(r, Appended)})
    their_groups = [appended.accepted_at for appended in others]
    # Each was sent once the one before it was committed: the flood's groups in between.
    behind = [
        bisect.bisect_left(flood_groups, group) - bisect.bisect_right(flood_groups, previous)
        for previous, group in itertools.pairwise([NOW - timedelta(seconds=1), *their_groups])
    ]
    # The flood was still being written after the last of them.
    assert flood_groups[-1] > their_groups[-1], (behind, len(flood_groups))
    # Round-robin: each rides in the next group, behind at most the one being written when it
    # came; never behind the 40 groups of the flood queued before it.
    assert max(behind) <= 1, behind
