"""Two hub processes, 25 concurrent signed writers each: one dense, commit-ordered feed."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from hub.crypto.keys import generate_private_key, public_key_raw
from hub.sdk.client import HubClient
from hub.store.feed import read_feed
from hub.store.participants import Participant, ParticipantStore
from tests.conftest import example
from tests.hubproc import hub_process

pytestmark = pytest.mark.slow

PROCESSES = 2
WRITERS_PER_PROCESS = 25
APPENDS_PER_WRITER = 200
TOTAL = PROCESSES * WRITERS_PER_PROCESS * APPENDS_PER_WRITER


def _note(complaint_id: str, version: int) -> dict[str, Any]:
    return example(
        "case.note_added", event_id=str(uuid.uuid4()), complaint_id=complaint_id, version=version
    )


async def _writer(client: HubClient, complaint_id: str) -> None:
    filed = example("complaint.filed", event_id=str(uuid.uuid4()), complaint_id=complaint_id)
    await client.post_event(filed, verify=False)
    for version in range(2, APPENDS_PER_WRITER + 1):
        await client.post_event(_note(complaint_id, version), verify=False)


async def _follow(pool: asyncpg.Pool, done: asyncio.Event) -> list[int]:
    """A reader asking for position > cursor again and again while the writers run."""
    seen: list[int] = []
    cursor = 0
    while True:
        items, cursor, _ = await read_feed(pool, after=cursor, limit=1000)
        for item in items:
            # Each read must continue exactly where the last one stopped: no gap filled later.
            assert item.position == (seen[-1] if seen else 0) + 1, (item.position, seen[-1:])
            seen.append(item.position)
        if done.is_set() and not items and len(seen) >= TOTAL:
            return seen
        if not items:
            await asyncio.sleep(0.005)


async def test_two_processes_25_writers_each_give_a_dense_feed_read_exactly_once(
    database_url: str, tmp_path: Path
) -> None:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    participants = ParticipantStore(pool)
    await participants.add(
        Participant("bureau.zj.hz", "Hangzhou AMR", "bureau", None, ("330100",), None, True)
    )
    key = generate_private_key()
    await participants.add_key("bureau.zj.hz", "bureau-k1", public_key_raw(key.public_key()))
    env = {
        "COMPLAINT_HUB_DATABASE_URL": database_url,
        "COMPLAINT_HUB_DATA_DIR": str(tmp_path),
        "COMPLAINT_HUB_LOG_LEVEL": "WARNING",
        # The examples are dated in the past: a sweep would append breaches to the writers'
        # cases mid-run (stale versions, extra positions) if a slow run outlived its interval.
        "COMPLAINT_HUB_SWEEP_INTERVAL_S": "86400",
        "COMPLAINT_HUB_POOL_SIZE": "8",
    }
    done = asyncio.Event()
    with (
        hub_process(env, tmp_path / "hub1.log") as first,
        hub_process(env, tmp_path / "hub2.log") as second,
    ):
        connector = aiohttp.TCPConnector(limit=200)
        async with aiohttp.ClientSession(connector=connector) as session:
            clients = [HubClient(url, "bureau-k1", key, session=session) for url in (first, second)]
            reader = asyncio.create_task(_follow(pool, done))
            async with asyncio.timeout(600):
                await asyncio.gather(
                    *(
                        _writer(clients[w % PROCESSES], f"bureau.zj.hz:MP-{w:03d}")
                        for w in range(PROCESSES * WRITERS_PER_PROCESS)
                    )
                )
                done.set()
                seen = await reader
    assert seen == list(range(1, TOTAL + 1))
    counts = await pool.fetch(
        "SELECT complaint_id, count(*) AS n, max(version) AS v FROM events GROUP BY complaint_id"
    )
    assert len(counts) == PROCESSES * WRITERS_PER_PROCESS
    assert all(r["n"] == r["v"] == APPENDS_PER_WRITER for r in counts)
    await pool.close()
