"""The event store: group commit, per-item verdicts, dense positions, append-only history."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest

from hub.problems import EventIdReused, StaleVersion
from hub.store.events import Appended, EventStore, PendingEvent
from hub.store.pool import create_pool
from hub.supervisor import Supervisor
from hub.trust.signer import HubSigner

NOW = datetime(2026, 11, 11, 10, 0, tzinfo=UTC)


def pending(complaint_id: str, version: int, event_id: str | None = None) -> PendingEvent:
    event_id = event_id or str(uuid.uuid4())
    body = f'{{"complaint_id":"{complaint_id}","event_id":"{event_id}","version":{version}}}'
    return PendingEvent(
        event_id=event_id,
        complaint_id=complaint_id,
        version=version,
        type="case.note_added",
        actor="tester",
        occurred_at=NOW,
        body=body.encode(),
        event_sha256=hashlib.sha256(body.encode()).digest(),
    )


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[EventStore]:
    pool = await create_pool(database_url, size=4)
    # A long linger so every append of a test lands in one group.
    event_store = EventStore(pool, seal=HubSigner.ephemeral().seal, max_items=100, max_wait_s=0.2)
    supervisor = Supervisor()
    await event_store.start(supervisor)
    yield event_store
    await event_store.close()
    await supervisor.close()
    await pool.close()


async def test_group_of_25_with_one_conflict_fails_that_item_alone(
    store: EventStore, db: asyncpg.Connection
) -> None:
    await store.append(pending("C-taken", 1))
    items = [pending(f"C{i}", 1) for i in range(24)] + [pending("C-taken", 1)]
    results = await store.append_many(items)
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1
    assert isinstance(refused[0], StaleVersion)
    assert refused[0].extensions["current_version"] == 1
    positions = sorted(r.position for r in results if isinstance(r, Appended))
    assert positions == list(range(2, 26))
    assert await db.fetchval("SELECT count(*) FROM events") == 25


async def test_reused_event_id_in_a_group_returns_the_stored_event(store: EventStore) -> None:
    first = await store.append(pending("C1", 1))
    results = await store.append_many(
        [pending(f"D{i}", 1) for i in range(24)]
        + [pending("C1", 1, event_id=first.event_id), pending("C9", 1, event_id=first.event_id)]
    )
    duplicate, elsewhere = results[-2:]
    assert isinstance(duplicate, Appended)
    assert duplicate.duplicate
    assert duplicate.position == first.position
    assert duplicate.complaint_id == "C1"
    # the same id for another complaint is no retry: it is refused, never answered as stored
    assert isinstance(elsewhere, EventIdReused)


async def test_versions_of_one_case_chain_inside_a_group(store: EventStore) -> None:
    results = await store.append_many([pending("C1", 3), pending("C1", 1), pending("C1", 2)])
    assert all(isinstance(r, Appended) for r in results)
    by_version = {r.version: r.position for r in results if isinstance(r, Appended)}
    assert by_version[1] < by_version[2] < by_version[3]


async def test_events_are_append_only(store: EventStore, db: asyncpg.Connection) -> None:
    await store.append(pending("C1", 1))
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await db.execute("UPDATE events SET type = 'x'")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await db.execute("DELETE FROM events")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await db.execute("TRUNCATE events")
    assert await db.fetchval("SELECT count(*) FROM events") == 1


async def test_crossed_groups_from_two_stores_never_deadlock(database_url: str) -> None:
    """Two independent writers (as two processes would be) append to the same cases in opposite
    orders at once; both finish, every case chain is complete and positions are dense."""
    pools = [await create_pool(database_url, size=4) for _ in range(2)]
    stores = [
        EventStore(pool, seal=HubSigner.ephemeral().seal, max_items=50, max_wait_s=0.005)
        for pool in pools
    ]
    supervisor = Supervisor()
    for number, s in enumerate(stores):
        await s.start(supervisor, name=f"group-commit-{number}")
    cases = [f"X{i}" for i in range(20)]

    async def writer(s: EventStore, order: list[str], rounds: int) -> int:
        done = 0
        for _ in range(rounds):
            batch = []
            for complaint_id in order:
                case = await s.get_case(complaint_id)
                batch.append(pending(complaint_id, (case.version if case else 0) + 1))
            results = await s.append_many(batch)
            done += sum(isinstance(r, Appended) for r in results)
        return done

    try:
        async with asyncio.timeout(60):
            counts = await asyncio.gather(
                writer(stores[0], cases, 15),
                writer(stores[1], list(reversed(cases)), 15),
                writer(stores[0], cases[::2] + cases[1::2], 15),
                writer(stores[1], cases[1::2] + cases[::2], 15),
            )
        conn = await asyncpg.connect(database_url)
        try:
            positions = [
                r["position"]
                for r in await conn.fetch("SELECT position FROM events ORDER BY position")
            ]
            assert positions == list(range(1, sum(counts) + 1))
            for complaint_id in cases:
                versions = [
                    r["version"]
                    for r in await conn.fetch(
                        "SELECT version FROM events WHERE complaint_id = $1 ORDER BY position",
                        complaint_id,
                    )
                ]
                assert versions == list(range(1, len(versions) + 1))
        finally:
            await conn.close()
    finally:
        for s in stores:
            await s.close()
        await supervisor.close()
        for pool in pools:
            await pool.close()


async def test_a_pooled_connection_is_handed_back_without_a_reset_round_trip(
    database_url: str,
) -> None:
    # The pool skips asyncpg's default reset (RESET ALL and more, a round trip per release): a
    # session setting made on a connection is still there for its next user, which is why the
    # hub makes none (hub/store/pool.py). An open transaction is still rolled back.
    pool = await create_pool(database_url, size=1)
    try:
        async with pool.acquire() as conn:
            await conn.execute("SET application_name = 'left-behind'")
        async with pool.acquire() as conn:
            assert await conn.fetchval("SHOW application_name") == "left-behind"
            await conn.execute("BEGIN")
            await conn.execute("CREATE TABLE left_open (x int)")
        async with pool.acquire() as conn:
            assert not conn.is_in_transaction()
            assert await conn.fetchval("SELECT to_regclass('left_open')") is None
    finally:
        await pool.close()
