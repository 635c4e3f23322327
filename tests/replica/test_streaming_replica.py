"""A real primary and a real streaming replica: feeds, lists and statistics are read from the
replica, a cursor never goes back across replica lag, and the read path cannot write."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from hub.feeds import longpoll, sse
from hub.feeds.pages import read_page
from hub.settings import Settings
from hub.stats.resources import STATS_WORKER
from hub.store.resources import POOL, READ_POOL
from tests.feeds._cast import filed, note
from tests.feeds._sse import sse_frames
from tests.replica.cluster import Cluster, streaming_cluster
from tests.waiting import eventually

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    with streaming_cluster() as started:
        yield started


@pytest.fixture
async def database(cluster: Cluster) -> AsyncIterator[str]:
    """A fresh database on the primary; the replica receives it through the WAL."""
    name = "t_" + uuid.uuid4().hex[:12]
    admin = await asyncpg.connect(cluster.url("postgres"))
    try:
        await admin.execute(f"CREATE DATABASE {name}")
        await _replayed_database(cluster, name)
        yield name
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


@pytest.fixture
def settings(cluster: Cluster, database: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=cluster.url(database),
        read_database_url=cluster.url(database, replica=True),
        data_dir=tmp_path,
        log_format="console",
        pool_size=5,
    )


@pytest.fixture
async def replica(cluster: Cluster, database: str) -> AsyncIterator[asyncpg.Connection]:
    """A superuser connection to the replica, to pause and resume its replay."""
    conn = await asyncpg.connect(cluster.url(database, replica=True))
    try:
        yield conn
    finally:
        await conn.execute("SELECT pg_wal_replay_resume()")
        await conn.close()


async def _replayed_database(cluster: Cluster, name: str) -> None:
    """Until the replica has replayed the database's creation: the read pool connects at once."""
    standby = await asyncpg.connect(cluster.url("postgres", replica=True))
    try:
        await eventually(
            lambda: standby.fetchval(
                "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name
            ),
            interval_s=0.01,
        )
    finally:
        await standby.close()


async def _caught_up(primary: asyncpg.Pool, replica: asyncpg.Connection) -> None:
    """Until the replica has replayed everything the primary has written so far."""
    written = await primary.fetchval("SELECT pg_current_wal_lsn()")

    # Replay gives no notice a client can await (LISTEN is refused on a standby): poll.
    async def replayed() -> bool:
        return bool(await replica.fetchval("SELECT pg_last_wal_replay_lsn()") >= written)

    await eventually(replayed, interval_s=0.01)


async def _first_streamed(reader: Any, client: TestClient, *, last_event_id: int) -> int | None:
    """The position of the first event an SSE stream resumed at `last_event_id` sends."""
    async for frame in sse_frames(reader, client.session, last_event_id=last_event_id):
        if frame.id is not None:
            return frame.id
    return None


def _cid() -> str:
    return f"bureau.hz:HZ12315-{uuid.uuid4().hex[:12]}"


def _complaint_ids(page: dict[str, Any]) -> list[str]:
    return [item["event"]["complaint_id"] for item in page["items"]]


async def test_reads_lag_with_the_replica_and_a_cursor_never_goes_back(
    app: web.Application,
    client: TestClient,
    enrol: Any,
    replica: asyncpg.Connection,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    operator = await enrol("operator.hub", "operator")
    first, second = _cid(), _cid()
    one = (await bureau.post_event(filed(first)))["position"]
    await app[STATS_WORKER].catch_up()
    await _caught_up(app[POOL], replica)  # the event and the rollup's cursor alike

    await replica.execute("SELECT pg_wal_replay_pause()")
    two = (await bureau.post_event(filed(second)))["position"]
    three = (await bureau.post_event(note(second, 2)))["position"]
    await app[STATS_WORKER].catch_up()
    assert (one, two, three) == (1, 2, 3)
    # the primary's rollup has followed the new events
    assert await app[POOL].fetchval("SELECT position FROM stats_cursor") == three

    # Served by the replica: the primary has positions 2 and 3, the replica does not yet.
    page = await operator.get_feed(after=0)
    assert _complaint_ids(page) == [first]
    assert page["next"] == one
    listed = await operator.call("GET", "/v1/complaints")
    assert [c["complaint_id"] for c in listed["items"]] == [first]
    stats = await operator.call("GET", "/v1/stats")
    assert stats["followed_position"] == one
    ready = await client.get("/readyz")
    assert ready.status == 200
    shown = (await ready.json())["replica"]
    assert shown["reachable"]
    assert shown["replay_paused"]
    assert shown["lag_bytes"] > 0
    assert shown["lag_s"] > 0
    assert shown["position"] == one

    # A reader holding position 2 (its receipt came from the primary) is never handed anything
    # at or below it, nor a cursor below it, while the replica is behind.
    page = await bureau.get_feed(after=two)
    assert page == {"items": [], "next": two}
    # A waiting reader at the replica's end is not answered empty because the primary moved on
    # (nor does it spin): it waits for replay, then gets exactly what follows its cursor.
    page_reads = 0

    async def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal page_reads
        page_reads += 1
        return await read_page(*args, **kwargs)

    monkeypatch.setattr(longpoll, "read_page", counted)
    monkeypatch.setattr(sse, "read_page", counted)
    waiting = asyncio.create_task(bureau.get_feed(after=two, wait=20))
    behind = asyncio.create_task(operator.get_feed(after=one, wait=20))
    streamed = asyncio.create_task(_first_streamed(bureau, client, last_event_id=two))
    await eventually(lambda: page_reads >= 3)  # all three have arrived and read once
    # Time passes on purpose: none is answered, nor reads over and over, while replay is paused.
    await asyncio.sleep(0.5)
    assert not waiting.done()
    assert not behind.done()
    assert not streamed.done()
    assert page_reads <= 6, page_reads  # one read each on arrival, none while replay is paused
    await replica.execute("SELECT pg_wal_replay_resume()")
    page = await asyncio.wait_for(waiting, 10)
    assert [i["position"] for i in page["items"]] == [three]
    assert page["next"] == three
    page = await asyncio.wait_for(behind, 10)
    assert [i["position"] for i in page["items"]] == [two, three]
    assert await asyncio.wait_for(streamed, 10) == three  # SSE resumes after its Last-Event-ID

    await _caught_up(app[POOL], replica)
    listed = await operator.call("GET", "/v1/complaints")
    assert {c["complaint_id"] for c in listed["items"]} == {first, second}

    async def followed() -> bool:
        return bool((await operator.call("GET", "/v1/stats"))["followed_position"] == three)

    await eventually(followed)


async def test_a_write_sent_down_the_read_path_is_refused(
    app: web.Application, client: TestClient, replica: asyncpg.Connection
) -> None:
    await _caught_up(app[POOL], replica)  # the migrated tables, so only the write is refused
    async with app[READ_POOL].acquire() as conn:
        assert await conn.fetchval("SELECT pg_is_in_recovery()")
        with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
            await conn.execute("UPDATE feed_counter SET last = last + 1")
