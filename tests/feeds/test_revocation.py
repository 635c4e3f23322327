"""Revoking a key or disabling a participant closes its open SSE and long-poll streams at once."""

from __future__ import annotations

import asyncio
import time

import pytest

from hub.feeds.resources import FEEDS
from hub.sdk.client import HubError
from hub.trust.resources import PARTICIPANTS
from tests.feeds._sse import sse_frames


async def test_revoking_a_key_ends_a_waiting_long_poll_with_401(enrol, app) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    waiting = asyncio.create_task(bureau.get_feed(after=0, wait=30))
    await asyncio.sleep(0.3)
    assert not waiting.done()

    started = time.perf_counter()
    await app[PARTICIPANTS].revoke_key(bureau.kid, "compromised")
    with pytest.raises(HubError) as refused:
        await asyncio.wait_for(waiting, 5)
    # Ended by the revocation, not by its 30 s wait (a loose bound: slow machines).
    assert time.perf_counter() - started < 10.0
    assert refused.value.status == 401
    assert refused.value.slug == "key-revoked"
    assert app[FEEDS].registry.open_count() == 0


async def test_disabling_a_participant_ends_a_waiting_long_poll_with_403(enrol, app) -> None:
    platform = await enrol("platform.taobao", "platform", platform="taobao")
    waiting = asyncio.create_task(platform.get_feed(after=0, wait=30))
    await asyncio.sleep(0.3)
    await app[PARTICIPANTS].disable("platform.taobao")
    with pytest.raises(HubError) as refused:
        await asyncio.wait_for(waiting, 5)
    assert refused.value.status == 403
    assert refused.value.slug == "participant-disabled"


async def test_revoking_a_key_closes_its_open_sse_stream(enrol, app, client) -> None:
    operator = await enrol("operator.hub", "operator")
    other_key = await enrol("operator.hub", "operator")  # a second key of the same participant
    comments: list[str] = []

    async def read(reader, into: list[str]) -> None:  # type: ignore[no-untyped-def]
        async for frame in sse_frames(reader, client.session):
            if frame.comment:
                into.append(frame.comment)

    revoked = asyncio.create_task(read(operator, comments))
    survivor_comments: list[str] = []
    survivor = asyncio.create_task(read(other_key, survivor_comments))
    await asyncio.sleep(0.3)
    assert app[FEEDS].registry.open_count() == 2

    started = time.perf_counter()
    await app[PARTICIPANTS].revoke_key(operator.kid, "rotated")
    await asyncio.wait_for(revoked, 5)  # the stream ended: the server closed it
    assert time.perf_counter() - started < 5.0  # well before any heartbeat or timeout
    assert comments[-1] == "closed, key revoked"
    assert not survivor.done()  # only the revoked key's streams end

    await app[PARTICIPANTS].disable("operator.hub")
    await asyncio.wait_for(survivor, 5)
    assert survivor_comments[-1] == "closed, participant disabled"
    assert app[FEEDS].registry.open_count() == 0
