"""Upgrading a database with events in it to the partitioned table (migration 0020) keeps every
event, position and receipt; the hub then goes on appending after them and answers retries of
the old events with their receipts."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

import asyncpg

from hub.crypto.jws import verify_compact
from hub.store.events import EventStore, PendingEvent
from hub.store.migrate import available_migrations, migrate
from hub.store.pool import create_pool
from hub.supervisor import Supervisor
from hub.trust.signer import HubSigner

# Events accepted in three months, one of them years ago.
MOMENTS = (
    datetime(2022, 3, 14, 9, 0, tzinfo=UTC),
    datetime(2026, 1, 31, 23, 59, 59, tzinfo=UTC),
    datetime(2026, 2, 1, 0, 0, 1, tzinfo=UTC),
)


def _event(complaint_id: str, version: int, event_id: str | None = None) -> PendingEvent:
    event_id = event_id or str(uuid.uuid4())
    body = (
        f'{{"complaint_id":"{complaint_id}","event_id":"{event_id}",'
        f'"type":"case.note_added","version":{version}}}'
    ).encode()
    return PendingEvent(
        event_id,
        complaint_id,
        version,
        "case.note_added",
        "bureau.hz",
        datetime(2022, 3, 14, tzinfo=UTC),
        body,
        hashlib.sha256(body).digest(),
    )


async def _migrate_to(conn: asyncpg.Connection, last: int) -> None:
    """Apply the migrations numbered up to `last`, as a hub of that release did."""
    await conn.execute(
        "CREATE TABLE schema_migrations (number integer PRIMARY KEY, name text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())"
    )
    for migration in available_migrations():
        if migration.number <= last:
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (number, name) VALUES ($1, $2)",
                    migration.number,
                    migration.name,
                )


async def _append(
    pool: asyncpg.Pool, signer: HubSigner, moment: datetime, events: list[PendingEvent]
) -> list[object]:
    store = EventStore(pool, seal=signer.seal, clock=lambda: moment)
    supervisor = Supervisor()
    await store.start(supervisor)
    try:
        return list(await store.append_many(events))
    finally:
        await store.close()
        await supervisor.close()


_ROWS = "SELECT * FROM events ORDER BY position"


async def test_an_upgrade_keeps_every_event_position_and_receipt(empty_database: str) -> None:
    conn = await asyncpg.connect(empty_database)
    pool = await create_pool(empty_database, size=3)
    signer = HubSigner.ephemeral()
    try:
        await _migrate_to(conn, 19)
        assert (
            await conn.fetchval("SELECT relkind::text FROM pg_class WHERE relname = 'events'")
            == "r"
        )
        # Today's store looks stored ids up through event_keys (0020). These ids are all new, and
        # an empty stand-in answers for them as the lookup of a 0019 hub did; it goes before the
        # upgrade, which creates the real one.
        await conn.execute(
            "CREATE TABLE event_keys (event_id text, complaint_id text, version integer,"
            " position bigint, accepted_at timestamptz)"
        )
        sent: list[PendingEvent] = []
        for number, moment in enumerate(MOMENTS):
            batch = [_event(f"bureau.hz:U-{number}-{i}", 1) for i in range(4)]
            batch += [_event(f"bureau.hz:U-{number}-0", 2)]
            results = await _append(pool, signer, moment, batch)
            assert all(not isinstance(r, Exception) for r in results), results
            sent += batch
        before = [dict(r) for r in await conn.fetch(_ROWS)]
        assert [r["position"] for r in before] == list(range(1, 16))

        await conn.execute("DROP TABLE event_keys")
        applied = await migrate(conn)
        assert 20 in [m.number for m in applied]

        assert (
            await conn.fetchval("SELECT relkind::text FROM pg_class WHERE relname = 'events'")
            == "p"
        )
        after = [dict(r) for r in await conn.fetch(_ROWS)]
        assert after == before
        placed = await conn.fetch(
            "SELECT tableoid::regclass::text AS month, count(*) AS n FROM events"
            " GROUP BY 1 ORDER BY 1"
        )
        assert [(r["month"], r["n"]) for r in placed] == [
            ("events_2022_03", 5),
            ("events_2026_01", 5),
            ("events_2026_02", 5),
        ]
        keys = await conn.fetch(
            "SELECT event_id, complaint_id, version, position, accepted_at FROM event_keys"
            " ORDER BY position"
        )
        assert [tuple(k) for k in keys] == [
            (r["event_id"], r["complaint_id"], r["version"], r["position"], r["accepted_at"])
            for r in before
        ]
        active = signer.active()
        hub_keys = {active.kid: active.private_key.public_key()}
        for row in after:
            verify_compact(row["receipt"], hub_keys)

        # The hub goes on: the next position follows, and a retry of an old event gets its
        # receipt as it was.
        later = datetime(2026, 2, 2, tzinfo=UTC)
        new, retried = await _append(pool, signer, later, [_event("bureau.hz:U-new", 1), sent[0]])
        assert new.position == 16  # type: ignore[attr-defined]
        assert retried.duplicate  # type: ignore[attr-defined]
        assert retried.receipt == before[0]["receipt"]  # type: ignore[attr-defined]
        assert await conn.fetchval("SELECT count(*) FROM events_default") == 0
    finally:
        await pool.close()
        await conn.close()
