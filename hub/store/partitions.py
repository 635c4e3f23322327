"""Monthly partitions of `events` (migration 0020): created ahead, listed, detached to `archive`.

A partition is named `events_YYYY_MM` and holds the events accepted in that calendar month (UTC).
Rows outside every created month land in `events_default`. Detaching moves a month's table into
the `archive` schema, read-only, and records it in `detached_months`; its events' keys stay in
`event_keys`, so their ids, positions and (complaint, version) pairs are never used again.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime

from hub.store.pool import Conn

DEFAULT_PARTITION = "events_default"
_NAME = re.compile(r"^events_(\d{4})_(\d{2})$")
# One key for every process that creates partitions: two at once would race on the same DDL.
_LOCK_KEY = 0x6576656E74706172  # "eventpar"
# DDL on `events` waits at most this long for its lock, then gives up until the next pass:
# queued behind a long read, it would hold every append back behind itself.
LOCK_TIMEOUT = "2s"


def month_start(moment: datetime | date) -> date:
    """The month of a moment, in UTC (partitions are calendar months in UTC)."""
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return date(moment.year, moment.month, 1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def partition_name(month: date) -> str:
    return f"events_{month:%Y_%m}"


def month_of_name(name: str) -> date | None:
    match = _NAME.match(name)
    return date(int(match[1]), int(match[2]), 1) if match else None


def bound(month: date) -> datetime:
    """The first moment of a month, UTC: a partition's lower bound, the previous one's upper."""
    return datetime(month.year, month.month, 1, tzinfo=UTC)


@dataclasses.dataclass(frozen=True)
class EnsureReport:
    created: list[date]
    existing: list[date]
    # Months that could not be created because rows of theirs are in the default partition.
    blocked: list[date]
    # Months already detached to the archive: never created again.
    detached: list[date]


@dataclasses.dataclass(frozen=True)
class Month:
    month: date
    table: str
    rows: int
    first_position: int | None
    last_position: int | None


@dataclasses.dataclass(frozen=True)
class MonthCheck:
    """Why a month may or may not be detached, counted over the complaints it holds."""

    month: date
    complaints: int
    within_retention: int  # changed since the cutoff
    not_erased: int  # a personal part or sealed native message still readable
    continuing: int  # with events at or after the month `until` (they would lose part of a chain)

    def refusals(self, cutoff: datetime, until: date) -> list[str]:
        reasons = []
        if bound(add_months(self.month, 1)) > cutoff:
            reasons.append(f"the month ends after the retention cutoff {cutoff:%Y-%m-%d}")
        if self.within_retention:
            reasons.append(f"{self.within_retention} complaint(s) changed since the cutoff")
        if self.not_erased:
            reasons.append(f"{self.not_erased} complaint(s) not erased yet (retention run)")
        if self.continuing:
            reasons.append(
                f"{self.continuing} complaint(s) have events from {until:%Y-%m} on, which stay"
            )
        return reasons


@dataclasses.dataclass(frozen=True)
class Detached:
    month: date
    table: str  # in schema archive
    rows: int
    first_position: int | None
    last_position: int | None
    detached_at: datetime


async def attached_months(conn: Conn) -> list[date]:
    """The months that have a partition attached to `events`, oldest first."""
    rows = await conn.fetch(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = 'events'::regclass"
    )
    return sorted(m for r in rows if (m := month_of_name(r["relname"])) is not None)


async def detached(conn: Conn) -> list[Detached]:
    rows = await conn.fetch(
        "SELECT month, table_name, rows, first_position, last_position, detached_at"
        " FROM detached_months ORDER BY month"
    )
    return [
        Detached(
            r["month"],
            r["table_name"],
            r["rows"],
            r["first_position"],
            r["last_position"],
            r["detached_at"],
        )
        for r in rows
    ]


async def default_rows(conn: Conn) -> int:
    """Rows in the default partition: events accepted in a month that had no partition."""
    return int(await conn.fetchval(f"SELECT count(*) FROM {DEFAULT_PARTITION}"))


async def ensure_months(conn: Conn, months: Sequence[date]) -> EnsureReport:
    """Create the partitions of `months` that do not exist yet; safe to run from many processes.

    A month whose rows already sit in the default partition is not created (PostgreSQL would
    refuse it): it is reported as blocked, for an operator to move those rows.
    """
    created: list[date] = []
    existing: list[date] = []
    blocked: list[date] = []
    gone: list[date] = []
    async with conn.transaction():
        await conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_KEY)
        attached = set(await attached_months(conn))
        archived = {d.month for d in await detached(conn)}
        for month in sorted(set(months)):
            if month in attached:
                existing.append(month)
                continue
            if month in archived:
                gone.append(month)
                continue
            lower, upper = bound(month), bound(add_months(month, 1))
            in_default = await conn.fetchval(
                f"SELECT EXISTS (SELECT 1 FROM {DEFAULT_PARTITION}"
                " WHERE accepted_at >= $1 AND accepted_at < $2)",
                lower,
                upper,
            )
            if in_default:
                blocked.append(month)
                continue
            name = partition_name(month)
            await conn.execute(
                f"CREATE TABLE {name} PARTITION OF events"
                f" FOR VALUES FROM ('{lower.isoformat()}') TO ('{upper.isoformat()}')"
            )
            # TRUNCATE triggers are not inherited: each partition refuses it itself.
            await conn.execute(
                f"CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON {name}"
                " FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change()"
            )
            created.append(month)
    return EnsureReport(created, existing, blocked, gone)


async def month_sizes(conn: Conn, months: Sequence[date]) -> list[Month]:
    """Row counts and position ranges of attached months (one scan of each)."""
    sizes = []
    for month in months:
        name = partition_name(month)
        row = await conn.fetchrow(
            f"SELECT count(*) AS n, min(position) AS lo, max(position) AS hi FROM {name}"
        )
        if row is None:
            raise RuntimeError(f"counting {name} returned no row")
        sizes.append(Month(month, name, row["n"], row["lo"], row["hi"]))
    return sizes


_CHECK_MONTH = """
WITH m AS (SELECT DISTINCT complaint_id FROM {table})
SELECT count(*) AS complaints,
       count(*) FILTER (WHERE c.updated_at IS NULL OR c.updated_at >= $1) AS within_retention,
       count(*) FILTER (
           WHERE EXISTS (SELECT 1 FROM personal_parts p
                         WHERE p.complaint_id = m.complaint_id AND p.erased_at IS NULL)
              OR EXISTS (SELECT 1 FROM native_evidence_seals s
                         WHERE s.complaint_id = m.complaint_id AND s.erased_at IS NULL)
       ) AS not_erased,
       count(*) FILTER (
           WHERE EXISTS (SELECT 1 FROM event_keys k
                         WHERE k.complaint_id = m.complaint_id AND k.accepted_at >= $2)
       ) AS continuing
FROM m LEFT JOIN complaints c USING (complaint_id)
"""


async def check_month(conn: Conn, month: date, cutoff: datetime, until: date) -> MonthCheck:
    """Whether every complaint of `month` is past `cutoff`, erased, and has no event from `until`
    on: only then may the month go to the archive with every month before `until`."""
    row = await conn.fetchrow(
        _CHECK_MONTH.format(table=partition_name(month)), cutoff, bound(until)
    )
    if row is None:
        raise RuntimeError(f"checking {partition_name(month)} returned no row")
    return MonthCheck(
        month, row["complaints"], row["within_retention"], row["not_erased"], row["continuing"]
    )


async def default_rows_before(conn: Conn, until: date) -> int:
    return int(
        await conn.fetchval(
            f"SELECT count(*) FROM {DEFAULT_PARTITION} WHERE accepted_at < $1", bound(until)
        )
    )


class MonthChanged(Exception):
    """A complaint of the month got a new event between the check and the detach."""


async def detach_month(
    conn: Conn,
    month: Month,
    until: date,
    *,
    checked_head: int,
    now: datetime,
) -> Detached:
    """Detach one month into `archive`, read-only, and record it; in one transaction.

    A complaint of the month that got an event after `checked_head` refuses the detach. That is
    checked once more after `events` is locked (DETACH needs it exclusively), which keeps appends
    out until COMMIT, so no event can slip in between the last check and the detach.
    """
    async with conn.transaction():
        # Most of the re-check runs before the lock, so appends wait only for its last moments.
        head_now = await head(conn)
        if await _changed_since(conn, month.table, checked_head):
            raise MonthChanged(f"a complaint of {month.month:%Y-%m} got a new event; run again")
        await conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        await conn.execute("LOCK TABLE events IN ACCESS EXCLUSIVE MODE")
        if await _changed_since(conn, month.table, head_now):
            raise MonthChanged(f"a complaint of {month.month:%Y-%m} got a new event; run again")
        # Without CONCURRENTLY: PostgreSQL refuses it while a default partition exists.
        await conn.execute(f"ALTER TABLE events DETACH PARTITION {month.table}")
        await conn.execute(f"ALTER TABLE {month.table} SET SCHEMA archive")
        archived = f"archive.{month.table}"
        await conn.execute(
            f"CREATE TRIGGER archive_read_only BEFORE INSERT OR UPDATE OR DELETE ON {archived}"
            " FOR EACH ROW EXECUTE FUNCTION events_refuse_change()"
        )
        await conn.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {archived} FROM PUBLIC")
        await conn.execute(
            "INSERT INTO detached_months (month, until, table_name, rows, first_position,"
            " last_position, detached_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            month.month,
            until,
            month.table,
            month.rows,
            month.first_position,
            month.last_position,
            now,
        )
    return Detached(
        month.month, month.table, month.rows, month.first_position, month.last_position, now
    )


async def _changed_since(conn: Conn, table: str, position: int) -> bool:
    """Whether an event after `position` belongs to a complaint with events in `table`."""
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM event_keys k WHERE k.position > $1"
            f" AND EXISTS (SELECT 1 FROM {table} e WHERE e.complaint_id = k.complaint_id))",
            position,
        )
    )


async def head(conn: Conn) -> int:
    """The highest position ever handed out (detached months included)."""
    return int(await conn.fetchval("SELECT coalesce(max(position), 0) FROM event_keys"))
