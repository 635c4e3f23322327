"""Acceptance: two hub processes, 20 concurrent writers, 5,000 events; a long-poll reader and an
SSE reader each receive every event exactly once in position order, and an SSE reader that drops
midway and resumes with Last-Event-ID misses nothing."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from hub.crypto.keys import generate_private_key, public_key_raw
from hub.sdk.client import HubClient
from hub.store.participants import Participant, ParticipantStore
from tests.conftest import example
from tests.feeds._sse import sse_frames
from tests.hubproc import hub_process

pytestmark = pytest.mark.slow

WRITERS = 20
EVENTS_PER_WRITER = 250
TOTAL = WRITERS * EVENTS_PER_WRITER


async def _writer(client: HubClient, complaint_id: str) -> None:
    filed = example("complaint.filed", event_id=str(uuid.uuid4()), complaint_id=complaint_id)
    await client.post_event(filed, verify=False)
    for version in range(2, EVENTS_PER_WRITER + 1):
        note = example(
            "case.note_added",
            event_id=str(uuid.uuid4()),
            complaint_id=complaint_id,
            version=version,
        )
        await client.post_event(note, verify=False)


async def _long_poll_reader(reader: HubClient) -> list[int]:
    seen: list[int] = []
    cursor = 0
    while len(seen) < TOTAL:
        page = await reader.get_feed(after=cursor, limit=1000, wait=10)
        seen.extend(item["position"] for item in page["items"])
        cursor = page["next"]
    return seen


async def _sse_reader(
    reader: HubClient, session: aiohttp.ClientSession, *, stop_at: int | None = None, **kw: int
) -> list[int]:
    seen: list[int] = []
    async for frame in sse_frames(reader, session, **kw):
        if frame.id is None:
            continue
        assert frame.data is not None
        assert frame.data["position"] == frame.id
        seen.append(frame.id)
        if frame.id == (stop_at or TOTAL):
            break
    return seen


async def test_two_processes_feed_every_event_exactly_once_to_long_poll_and_sse(
    database_url: str, tmp_path: Path
) -> None:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    participants = ParticipantStore(pool)
    keys = {}
    for participant_id, role, regions in (
        ("bureau.zj.hz", "bureau", ("330100",)),
        ("operator.hub", "operator", ()),
    ):
        await participants.add(
            Participant(participant_id, participant_id, role, None, regions, None, True)
        )
        key = keys[participant_id] = generate_private_key()
        await participants.add_key(
            participant_id, f"{participant_id}-k1", public_key_raw(key.public_key())
        )
    env = {
        "COMPLAINT_HUB_DATABASE_URL": database_url,
        "COMPLAINT_HUB_DATA_DIR": str(tmp_path),
        "COMPLAINT_HUB_LOG_LEVEL": "WARNING",
        # The examples are dated in the past: a sweep would append breaches to the writers'
        # cases mid-run (stale versions, extra positions) if a slow run outlived its interval.
        "COMPLAINT_HUB_SWEEP_INTERVAL_S": "86400",
        "COMPLAINT_HUB_POOL_SIZE": "8",
    }
    with (
        hub_process(env, tmp_path / "hub1.log") as first,
        hub_process(env, tmp_path / "hub2.log") as second,
    ):
        connector = aiohttp.TCPConnector(limit=200)
        async with aiohttp.ClientSession(connector=connector) as session:

            def as_(participant_id: str, url: str) -> HubClient:
                key = keys[participant_id]
                return HubClient(url, f"{participant_id}-k1", key, session=session)

            writers = [as_("bureau.zj.hz", url) for url in (first, second)]
            long_poll = asyncio.create_task(_long_poll_reader(as_("operator.hub", first)))
            sse = asyncio.create_task(_sse_reader(as_("operator.hub", second), session))
            interrupted = asyncio.create_task(
                _sse_reader(as_("operator.hub", first), session, stop_at=TOTAL // 2)
            )
            async with asyncio.timeout(600):
                await asyncio.sleep(0.5)  # the readers are waiting before the first commit
                writing = asyncio.gather(
                    *(_writer(writers[w % 2], f"bureau.zj.hz:FEED-{w:03d}") for w in range(WRITERS))
                )
                before_drop = await interrupted  # disconnects midway, while writers still run
                resumed = await _sse_reader(
                    as_("operator.hub", second), session, last_event_id=before_drop[-1]
                )
                await writing
                polled, streamed = await asyncio.gather(long_poll, sse)
    everything = list(range(1, TOTAL + 1))
    assert polled == everything
    assert streamed == everything
    assert before_drop + resumed == everything
    await pool.close()
