"""Old months of `events` out of the live table: which months could go, and detaching them.

`events` is partitioned by month (migration 0020). Once every complaint of a month is past the
retention period and erased, the month can leave the live table: it is detached into the `archive`
schema, read-only, where `complaint-hub audit verify --archived` can still re-check it
(docs/retention.md). The clock is passed in, so a test decides what "now" is.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from datetime import date

import asyncpg

from hub.clock import Clock
from hub.retention.policy import retention_cutoff
from hub.store import partitions as store
from hub.store.pool import Conn

# DDL on `events` waits a little for its lock, then gives way to appends and tries again.
LOCK_ATTEMPTS = 5
LOCK_PAUSE_S = 1.0

Progress = Callable[[int, int], None]


def _no_progress(done: int, total: int) -> None:
    pass


@dataclasses.dataclass(frozen=True)
class MonthStatus:
    month: str  # YYYY-MM, or "default" for the partition of months that had none
    table: str
    rows: int
    positions: str | None  # "first..last", None when empty
    state: str  # attached or detached
    detachable: bool | None = None  # None once detached
    why_not: str | None = None


@dataclasses.dataclass(frozen=True)
class DetachOutcome:
    months: list[MonthStatus]  # detached, or that would be in a dry run
    refused: list[str]  # why the rest cannot go; empty when everything asked for went


def _span(first: int | None, last: int | None) -> str | None:
    return None if first is None else f"{first}..{last}"


async def list_months(
    conn: Conn, clock: Clock, retention_years: int, progress: Progress = _no_progress
) -> list[MonthStatus]:
    """Every month of the event store, detached ones first, with whether it could go now."""
    cutoff = retention_cutoff(clock(), retention_years)
    listed = [
        MonthStatus(
            f"{gone.month:%Y-%m}",
            f"archive.{gone.table}",
            gone.rows,
            _span(gone.first_position, gone.last_position),
            "detached",
        )
        for gone in await store.detached(conn)
    ]
    months = await store.attached_months(conn)
    for done, size in enumerate(await store.month_sizes(conn, months), start=1):
        until = store.add_months(size.month, 1)
        refusals = (await store.check_month(conn, size.month, cutoff, until)).refusals(
            cutoff, until
        )
        listed.append(
            MonthStatus(
                f"{size.month:%Y-%m}",
                size.table,
                size.rows,
                _span(size.first_position, size.last_position),
                "attached",
                not refusals,
                "; ".join(refusals) or None,
            )
        )
        progress(done, len(months))
    in_default = await store.default_rows(conn)
    why = "events of months that had no partition; empty in a healthy hub" if in_default else None
    listed.append(
        MonthStatus("default", store.DEFAULT_PARTITION, in_default, None, "attached", False, why)
    )
    return listed


async def detach_before(
    conn: Conn,
    until: date,
    clock: Clock,
    retention_years: int,
    *,
    dry_run: bool = False,
    checking: Progress = _no_progress,
    detaching: Progress = _no_progress,
) -> DetachOutcome:
    """Detach every month before `until`, all or none of them checked first; each month in its
    own short transaction, so appends wait only for its last moments."""
    now = clock()
    cutoff = retention_cutoff(now, retention_years)
    months = [m for m in await store.attached_months(conn) if m < until]
    in_default = await store.default_rows_before(conn, until)
    if in_default:
        return DetachOutcome(
            [],
            [
                f"{in_default} event(s) accepted before {until:%Y-%m} are in the default"
                " partition (their month had no partition): they cannot be detached"
            ],
        )
    checked_head = await store.head(conn)
    refused: list[str] = []
    for done, month in enumerate(months, start=1):
        check = await store.check_month(conn, month, cutoff, until)
        refused.extend(f"{month:%Y-%m}: {r}" for r in check.refusals(cutoff, until))
        checking(done, len(months))
    if refused:
        return DetachOutcome([], refused)
    sizes = await store.month_sizes(conn, months)
    listed = [
        MonthStatus(
            f"{s.month:%Y-%m}",
            f"archive.{s.table}",
            s.rows,
            _span(s.first_position, s.last_position),
            "detached",
        )
        for s in sizes
    ]
    if dry_run:
        return DetachOutcome(listed, [])
    for done, size in enumerate(sizes, start=1):
        for attempt in range(1, LOCK_ATTEMPTS + 1):
            try:
                await store.detach_month(conn, size, until, checked_head=checked_head, now=now)
                break
            except asyncpg.LockNotAvailableError:
                if attempt == LOCK_ATTEMPTS:
                    busy = f"{size.month:%Y-%m}: events stayed busy; run again"
                    return DetachOutcome(listed[: done - 1], [busy])
                await asyncio.sleep(LOCK_PAUSE_S)
            except store.MonthChanged as err:
                return DetachOutcome(listed[: done - 1], [str(err)])
        detaching(done, len(sizes))
    return DetachOutcome(listed, [])
