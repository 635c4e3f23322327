"""One LISTEN connection per process (hub/store/notifications.py): every channel registered on it
hears its notices, and hears them again once the connection, killed, is made again."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from hub.feeds.resources import FEEDS
from hub.sdk.client import HubClient, HubError
from hub.store.notifications import APPLICATION_NAME, Notifications
from hub.supervisor import Supervisor
from hub.trust.keys import CachedParticipants
from hub.trust.resources import PARTICIPANTS
from tests.feeds._cast import filed
from tests.waiting import eventually

COMPLAINTS = "/v1/complaints?limit=1"


def key_cache(app: web.Application) -> CachedParticipants:
    keys = app[PARTICIPANTS]
    assert isinstance(keys, CachedParticipants)
    return keys


async def listen_backends(db: asyncpg.Connection) -> list[int]:
    """The test database's sessions that LISTEN: the hub names its own; any other shows by the
    LISTEN it ran last."""
    rows = await db.fetch(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        " AND (application_name = $1 OR query LIKE 'LISTEN%') ORDER BY pid",
        APPLICATION_NAME,
    )
    return [row["pid"] for row in rows]


async def kill_listen_backend(db: asyncpg.Connection) -> int:
    (pid,) = await listen_backends(db)
    assert await db.fetchval("SELECT pg_terminate_backend($1)", pid)
    return pid


async def listening_again(db: asyncpg.Connection, killed: int) -> bool:
    return (await listen_backends(db)) not in ([], [killed])


@pytest.fixture
async def notifications(database_url: str) -> AsyncIterator[Notifications]:
    supervisor = Supervisor()
    notifications = Notifications(database_url)
    await notifications.start(supervisor)
    try:
        yield notifications
    finally:
        await notifications.close()
        await supervisor.close()


class Heard:
    """What one subscriber was told."""

    def __init__(self) -> None:
        self.notices: list[str] = []
        self.connected = 0
        self.lost = 0

    async def on_connected(self) -> None:
        self.connected += 1

    def on_lost(self) -> None:
        self.lost += 1


async def test_every_channel_hears_its_notices_on_one_connection_and_again_after_it_is_killed(
    notifications: Notifications, db: asyncpg.Connection
) -> None:
    first, second = Heard(), Heard()
    for channel, heard in (("test_first", first), ("test_second", second)):
        await notifications.listen(
            channel,
            heard.notices.append,
            on_connected=heard.on_connected,
            on_lost=heard.on_lost,
        )
    assert (first.connected, second.connected) == (1, 1)  # told at once: the LISTEN is in place
    assert len(await listen_backends(db)) == 1

    await db.execute("SELECT pg_notify('test_first', 'a'), pg_notify('test_second', 'b')")

    await eventually(lambda: (first.notices, second.notices) == (["a"], ["b"]))

    killed = await kill_listen_backend(db)
    await eventually(lambda: listening_again(db, killed))

    await eventually(lambda: all((h.lost, h.connected) == (1, 2) for h in (first, second)))
    assert len(await listen_backends(db)) == 1
    await db.execute("SELECT pg_notify('test_first', 'c'), pg_notify('test_second', 'd')")

    await eventually(lambda: (first.notices, second.notices) == (["a", "c"], ["b", "d"]))


async def test_a_channel_registered_before_the_connection_is_listened_once_it_is_up(
    database_url: str, db: asyncpg.Connection
) -> None:
    supervisor = Supervisor()
    notifications = Notifications(database_url)
    heard = Heard()
    await notifications.listen("test_early", heard.notices.append, on_connected=heard.on_connected)
    assert heard.connected == 0
    await notifications.start(supervisor)
    try:
        await eventually(lambda: heard.connected == 1)
        await db.execute("SELECT pg_notify('test_early', 'x')")

        await eventually(lambda: heard.notices == ["x"])
    finally:
        await notifications.close()
        await supervisor.close()


async def test_a_channel_no_longer_listened_hears_nothing_more(
    notifications: Notifications, db: asyncpg.Connection
) -> None:
    gone, marker = Heard(), Heard()
    subscription = await notifications.listen("test_gone", gone.notices.append)
    await notifications.listen("test_marker", marker.notices.append)
    await notifications.unlisten(subscription)
    # One session's notices arrive in the order they were sent: once the marker is heard, the
    # notice before it would have been too.
    await db.execute("SELECT pg_notify('test_gone', 'late')")
    await db.execute("SELECT pg_notify('test_marker', 'after')")

    await eventually(lambda: marker.notices == ["after"])
    assert gone.notices == []


# -- the hub: one connection for the feed, the stream registry and the key cache ---------------


async def test_a_hub_process_holds_one_listen_connection_and_lets_it_go_at_the_end(
    app: web.Application, db: asyncpg.Connection
) -> None:
    assert await listen_backends(db) == []
    async with TestClient(TestServer(app, host="127.0.0.1")):
        # The feed, the stream registry and the key cache all listen, on one connection.
        assert len(await listen_backends(db)) == 1
        assert key_cache(app).listening

    async def let_go() -> bool:
        return await listen_backends(db) == []

    await eventually(let_go)


async def _hears_the_feed_and_revocations(
    app: web.Application, enrol: Any, db: asyncpg.Connection
) -> None:
    feeds = app[FEEDS]
    keys = key_cache(app)
    bureau: HubClient = await enrol("bureau.hz", "bureau", regions=("330100",))
    operator: HubClient = await enrol("operator.hub", "operator")

    # A commit moves this process's head by its notice alone: nobody waits, so nothing rereads it.
    accepted = await bureau.post_event(filed(f"bureau.hz:HZ12315-{uuid.uuid4().hex[:12]}"))
    await eventually(lambda: feeds.listener.head == accepted["position"])

    # A waiting long-poll wakes on the next commit.
    waiting = asyncio.create_task(operator.get_feed(after=accepted["position"], wait=30))
    await eventually(lambda: feeds.registry.open_count() == 1)
    complaint_id = f"bureau.hz:HZ12315-{uuid.uuid4().hex[:12]}"
    await bureau.post_event(filed(complaint_id))
    page = await asyncio.wait_for(waiting, 10)
    assert [item["event"]["complaint_id"] for item in page["items"]] == [complaint_id]

    # A key revoked in plain SQL is dropped from memory by the keys' notice alone.
    assert (await bureau.request("GET", COMPLAINTS)).status == 200
    hits = keys.hits
    assert (await bureau.request("GET", COMPLAINTS)).status == 200
    assert keys.hits == hits + 1  # served from memory
    await db.execute("UPDATE participant_keys SET revoked_at = now() WHERE kid = $1", bureau.kid)

    async def refused() -> bool:
        return (await bureau.request("GET", COMPLAINTS)).status == 401

    await eventually(refused, timeout_s=5)

    # A revocation through the store closes the key's open stream by the trust notice.
    waiting = asyncio.create_task(operator.get_feed(after=page["next"], wait=30))
    await eventually(lambda: feeds.registry.open_count() == 1)
    started = time.monotonic()
    await app[PARTICIPANTS].revoke_key(operator.kid, "compromised")
    with pytest.raises(HubError) as closed:
        await asyncio.wait_for(waiting, 10)
    assert closed.value.slug == "key-revoked"
    assert time.monotonic() - started < 10  # by the notice, not the 30 s wait


async def test_the_feed_and_revocations_are_heard_before_and_after_the_connection_is_killed(
    app: web.Application, client: TestClient, enrol: Any, db: asyncpg.Connection
) -> None:
    await _hears_the_feed_and_revocations(app, enrol, db)

    killed = await kill_listen_backend(db)
    await eventually(lambda: listening_again(db, killed))
    await eventually(lambda: key_cache(app).listening)
    assert len(await listen_backends(db)) == 1
    # New participants' keys: the first ones were revoked above.
    await _hears_the_feed_and_revocations(app, enrol, db)
