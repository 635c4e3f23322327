"""`events` partitioned by month (migration 0020): the months ahead exist, the keeper creates the
missing ones once, however many processes run it, and the database still refuses a duplicate
event id or version, across months, and any change to a stored event."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import asyncpg
import pytest

from hub.retention.partitions import BLOCKED_MONTHS, DEFAULT_PARTITION_ROWS, PartitionKeeper
from hub.store.batches import EVENT_COLUMNS
from hub.store.partitions import (
    MonthChanged,
    add_months,
    attached_months,
    detach_month,
    month_sizes,
    month_start,
)
from hub.store.pool import create_pool


def _row(
    position: int,
    accepted_at: datetime,
    *,
    event_id: str | None = None,
    version: int = 1,
    complaint_id: str | None = None,
) -> tuple[object, ...]:
    body = b'{"note":"partition test"}'
    return (
        position,
        event_id or str(uuid.uuid4()),
        complaint_id or (f"bureau.hz:P-{position}" if version == 1 else "bureau.hz:P-shared"),
        version,
        "case.note_added",
        "bureau.hz",
        accepted_at,
        accepted_at,
        body,
        hashlib.sha256(body).digest(),
        None,
        None,
        "{}",
        None,
    )


_PLACES = ", ".join(f"${i}" for i in range(1, len(EVENT_COLUMNS) + 1))
_INSERT = f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES ({_PLACES})"


async def _partitioned_at(db: asyncpg.Connection) -> datetime:
    """When migration 0020 partitioned `events`: the months it created count from then (the
    database's time in its transaction), not from whatever today is when the test runs."""
    migrated: datetime = await db.fetchval(
        "SELECT applied_at FROM schema_migrations WHERE number = 20"
    )
    return migrated


async def test_a_fresh_database_has_events_partitioned_with_the_months_ahead(
    db: asyncpg.Connection,
) -> None:
    strategy = await db.fetchval(
        "SELECT partstrat::text FROM pg_partitioned_table WHERE partrelid = 'events'::regclass"
    )
    assert strategy == "r"
    this_month = month_start(await _partitioned_at(db))
    months = await attached_months(db)
    assert [add_months(this_month, n) for n in range(4)] == [m for m in months if m >= this_month]
    assert await db.fetchval("SELECT to_regclass('events_default') IS NOT NULL")
    assert await db.fetchval("SELECT count(*) FROM event_keys") == 0


async def test_the_keeper_creates_missing_months_once_and_two_at_once_do_not_fail(
    database_url: str, db: asyncpg.Connection
) -> None:
    later = await _partitioned_at(db) + timedelta(days=400)
    wanted = [add_months(month_start(later), n) for n in range(4)]
    assert not set(wanted) & set(await attached_months(db))
    pools = [await create_pool(database_url, size=2) for _ in range(2)]
    try:
        keepers = [PartitionKeeper(pool, clock=lambda: later) for pool in pools]
        first, second = await asyncio.gather(*(k.once() for k in keepers))
        # One created them all; the other, serialised behind it, found them there.
        assert sorted(first.created + second.created) == wanted
        assert not (set(first.created) & set(second.created))
        again = await keepers[0].once()
        assert (again.created, again.existing, again.blocked) == ([], wanted, [])
    finally:
        for pool in pools:
            await pool.close()
    assert set(wanted) <= set(await attached_months(db))
    # An event of one of those months lands in it, not in the default partition.
    await db.execute(_INSERT, *_row(1, later))
    assert await db.fetchval("SELECT tableoid::regclass::text FROM events") == (
        f"events_{later:%Y_%m}"
    )


async def test_a_month_whose_rows_are_in_the_default_partition_is_reported_not_created(
    database_url: str, db: asyncpg.Connection
) -> None:
    stray = await _partitioned_at(db) + timedelta(days=800)
    await db.execute(_INSERT, *_row(1, stray))
    assert await db.fetchval("SELECT count(*) FROM events_default") == 1
    pool = await create_pool(database_url, size=2)
    try:
        report = await PartitionKeeper(pool, clock=lambda: stray).once()
    finally:
        await pool.close()
    assert report.blocked == [month_start(stray)]
    assert month_start(stray) not in await attached_months(db)
    assert add_months(month_start(stray), 1) in report.created
    assert DEFAULT_PARTITION_ROWS._value.get() == 1
    assert BLOCKED_MONTHS._value.get() == 1


async def test_duplicates_are_refused_across_months_and_stored_events_never_change(
    db: asyncpg.Connection,
) -> None:
    now = await _partitioned_at(db)
    next_month = datetime.combine(add_months(month_start(now), 1), datetime.min.time(), UTC)
    await db.execute(_INSERT, *_row(1, now, event_id="evt-1"))
    await db.execute(_INSERT, *_row(2, now, version=1, event_id="evt-2"))
    # The same event id in another month (another partition) is refused.
    with pytest.raises(asyncpg.UniqueViolationError, match="event_keys_pkey"):
        await db.execute(_INSERT, *_row(3, next_month, event_id="evt-1"))
    # The same (complaint, version) in another month is refused.
    await db.execute(_INSERT, *_row(4, now, version=2))
    with pytest.raises(asyncpg.UniqueViolationError, match="complaint_id_version"):
        await db.execute(_INSERT, *_row(5, next_month, version=2))
    # The same position in another month is refused.
    with pytest.raises(asyncpg.UniqueViolationError, match="position"):
        await db.execute(_INSERT, *_row(4, next_month))
    # COPY (the batch path) fills the keys too, and is refused the same way.
    await db.copy_records_to_table("events", records=[_row(6, next_month)], columns=EVENT_COLUMNS)
    assert await db.fetchval("SELECT count(*) FROM event_keys") == 4
    with pytest.raises(asyncpg.UniqueViolationError):
        await db.copy_records_to_table(
            "events", records=[_row(7, next_month, event_id="evt-2")], columns=EVENT_COLUMNS
        )
    assert await db.fetchval("SELECT count(*) FROM events") == 4
    # Append-only, on the table, on each partition and on the keys.
    partition = await db.fetchval("SELECT tableoid::regclass::text FROM events WHERE position = 1")
    for statement in (
        "UPDATE events SET type = 'x' WHERE position = 1",
        "DELETE FROM events WHERE position = 1",
        f"DELETE FROM {partition} WHERE position = 1",
        f"TRUNCATE {partition}",
        "TRUNCATE events_default",
        "DELETE FROM event_keys WHERE position = 1",
        "TRUNCATE event_keys",
    ):
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await db.execute(statement)


def test_months_are_counted_in_utc() -> None:
    assert add_months(date(2026, 11, 1), 3) == date(2027, 2, 1)
    assert add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
    # 07:30 on 1 February in Beijing is still 31 January in UTC: January's partition.
    beijing = datetime(2026, 2, 1, 7, 30, tzinfo=timezone(timedelta(hours=8)))
    assert month_start(beijing) == date(2026, 1, 1)


async def test_a_month_whose_complaint_moved_on_after_the_check_is_not_detached(
    database_url: str, db: asyncpg.Connection
) -> None:
    later = await _partitioned_at(db) + timedelta(days=500)
    month = month_start(later)
    pool = await create_pool(database_url, size=2)
    try:
        await PartitionKeeper(pool, clock=lambda: later).once()
        await db.execute(_INSERT, *_row(1, later, complaint_id="bureau.hz:P-moves"))
        # The case goes on in the next month after the month was checked.
        following = datetime.combine(add_months(month, 1), datetime.min.time(), UTC)
        await db.execute(_INSERT, *_row(2, following, version=2, complaint_id="bureau.hz:P-moves"))
        async with pool.acquire() as conn:
            (size,) = await month_sizes(conn, [month])
            with pytest.raises(MonthChanged):
                await detach_month(conn, size, add_months(month, 1), checked_head=1, now=later)
            assert month in await attached_months(conn)
            # Checked after that event, it goes: to the archive, read-only, recorded.
            await detach_month(conn, size, add_months(month, 1), checked_head=2, now=later)
    finally:
        await pool.close()
    assert month not in await attached_months(db)
    table = f"archive.events_{month:%Y_%m}"
    assert await db.fetchval(f"SELECT count(*) FROM {table}") == 1
    for statement in (
        f"DELETE FROM {table}",
        f"TRUNCATE {table}",
        f"UPDATE {table} SET flags = '{{}}'",
    ):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await db.execute(statement)
    recorded = await db.fetchrow("SELECT * FROM detached_months")
    assert (recorded["month"], recorded["rows"], recorded["first_position"]) == (month, 1, 1)
