"""Leaves are appended with their events, in position order, and the stored subtrees give the
same roots and proofs as RFC 9162's definitions over the receipts' payloads."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import orjson
import pytest

from hub.audit.merkle import leaf_hash, verify_consistency, verify_inclusion
from hub.crypto.receipts import receipt_leaf
from hub.store.audit import AuditStore
from hub.store.events import EventStore, PendingEvent
from hub.store.migrate import migrate
from hub.store.pool import create_pool
from hub.supervisor import Supervisor
from hub.trust.signer import HubSigner
from tests.audit._reference import mth, path, proof

NOW = datetime(2026, 11, 11, 10, 0, tzinfo=UTC)


def pending(complaint_id: str, version: int) -> PendingEvent:
    event_id = str(uuid.uuid4())
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
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url, size=4)
    yield pool
    await pool.close()


@pytest.fixture
async def store(pool: asyncpg.Pool) -> AsyncIterator[EventStore]:
    event_store = EventStore(pool, seal=HubSigner.ephemeral().seal, max_items=7, max_wait_s=0.01)
    supervisor = Supervisor()
    await event_store.start(supervisor)
    yield event_store
    await event_store.close()
    await supervisor.close()


async def _leaves(db: asyncpg.Connection) -> list[bytes]:
    rows = await db.fetch("SELECT receipt FROM events ORDER BY position")
    return [receipt_leaf(r["receipt"]) for r in rows]


async def test_every_event_is_a_leaf_at_position_minus_one(
    store: EventStore, pool: asyncpg.Pool, db: asyncpg.Connection
) -> None:
    async def writer(n: int) -> None:
        for version in range(1, 6):
            await store.append(pending(f"C-{n}", version))

    await asyncio.gather(*(writer(n) for n in range(9)))
    audit = AuditStore(pool)
    leaves = await _leaves(db)
    assert await audit.tree_size() == len(leaves) == 45
    stored = await audit.leaf_hashes(0, 44)
    assert [stored[i] for i in range(45)] == [leaf_hash(leaf) for leaf in leaves]
    for size in (1, 2, 13, 32, 45):
        root = await audit.root(size)
        assert root == mth(leaves[:size])
        for index in (0, size // 2, size - 1):
            leaf, inclusion_path = await audit.inclusion_path(index, size)
            assert inclusion_path == path(index, leaves[:size])
            verify_inclusion(index, size, leaf, inclusion_path, root)
    for first in (1, 7, 16, 44):
        consistency_path = await audit.consistency_path(first, 45)
        assert consistency_path == proof(first, leaves)
        verify_consistency(first, 45, mth(leaves[:first]), mth(leaves), consistency_path)


async def test_leaf_is_the_receipt_payload_with_no_event_content(
    store: EventStore, db: asyncpg.Connection
) -> None:
    appended = await store.append(pending("C-1", 1))
    (leaf,) = await _leaves(db)
    assert leaf == receipt_leaf(appended.receipt or "")
    assert set(orjson.loads(leaf)) == {
        "event_id",
        "complaint_id",
        "version",
        "position",
        "accepted_at",
        "actor",
        "event_sha256",
        "evidence_sha256",
    }


async def test_nodes_are_append_only(store: EventStore, db: asyncpg.Connection) -> None:
    await store.append(pending("C-1", 1))
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await db.execute("DELETE FROM audit_nodes")


async def test_migration_backfills_leaves_of_earlier_events(
    store: EventStore, server_url: str, db: asyncpg.Connection
) -> None:
    for version in range(1, 12):
        await store.append(pending("C-old", version))
    expected = {
        (r["level"], r["node_index"]): bytes(r["hash"])
        for r in await db.fetch("SELECT level, node_index, hash FROM audit_nodes")
    }
    # Re-run the migration's backfill on a copy whose log is emptied.
    await db.execute("ALTER TABLE audit_nodes DISABLE TRIGGER USER")
    await db.execute("DELETE FROM audit_nodes")
    await db.execute("DELETE FROM schema_migrations WHERE name = 'audit_log'")
    await db.execute("DROP TABLE audit_cosignatures, audit_tree_heads, audit_nodes")
    await migrate(db)
    rebuilt = {
        (r["level"], r["node_index"]): bytes(r["hash"])
        for r in await db.fetch("SELECT level, node_index, hash FROM audit_nodes")
    }
    assert rebuilt == expected


async def test_two_stores_appending_in_turn_keep_one_tree(
    pool: asyncpg.Pool, db: asyncpg.Connection
) -> None:
    # Each store remembers the tree's right edge from its own last append; the other's appends
    # make that memory stale, and the stored frontier must win.
    stores = [
        EventStore(pool, seal=HubSigner.ephemeral().seal, max_items=5, max_wait_s=0.001)
        for _ in range(2)
    ]
    supervisor = Supervisor()
    for number, event_store in enumerate(stores):
        await event_store.start(supervisor, name=f"group-commit-{number}")
    for version in range(1, 12):
        await stores[version % 2].append(pending("C-turns", version))
        if version % 3 == 0:
            await stores[0].append(pending(f"C-side-{version}", 1))
    for event_store in stores:
        await event_store.close()
    await supervisor.close()
    leaves = await _leaves(db)
    audit = AuditStore(pool)
    assert await audit.tree_size() == len(leaves) == 14
    assert await audit.root(len(leaves)) == mth(leaves)
    stored = await audit.leaf_hashes(0, len(leaves) - 1)
    assert [stored[i] for i in range(len(leaves))] == [leaf_hash(leaf) for leaf in leaves]
