"""Batches: the events of one signed request appended in one transaction of their own.

A batch does not go through group commit: its items must share one commit (one `accepted_at`,
one run of dense positions) so that one hub signature over their Merkle root can name them all,
and a group may take only part of a sender's items. It follows the group's rules otherwise:
advisory locks on every case and event id sorted by key, then the feed counter row, held until
COMMIT, the same order as every group takes them, so a batch and groups in other processes
never deadlock, and positions stay dense in commit order.

Items are decided in the order sent: a later item may extend a case an earlier one filed or
moved on. Each item is decided on its own; one refused item fails alone. The rows go in by COPY.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import NamedTuple

import asyncpg
import orjson

from hub.clock import Clock, system_clock
from hub.problems import EventIdReused, Problem
from hub.store.audit import LeafLog
from hub.store.events import (
    FEED_CHANNEL,
    Appended,
    CaseState,
    Check,
    Decision,
    PendingEvent,
    cases_txn,
    lock_key,
    same_event_or_conflict,
    stored_txn,
    upsert_cases_txn,
)
from hub.store.evidence import Evidence, insert_evidence_txn
from hub.store.pool import Conn

# Signs the batch: from the accepted items' leaves (in order) and what they share, the batch JWS
# and each item's receipt.
BatchSeal = Callable[[Sequence[bytes], datetime, str, Evidence | None], tuple[str, list[str]]]

# Items decided between yields to the event loop, so the process's other requests go on.
_SLICE_ITEMS = 100
# Transient failures that are safe to retry as a whole: nothing was committed.
_RETRYABLE = (asyncpg.DeadlockDetectedError, asyncpg.SerializationError)
_MAX_ATTEMPTS = 3
# A batch takes two advisory locks per item, and PostgreSQL's shared lock table holds only
# max_locks_per_transaction x max_connections locks for every session together: full, it
# refuses the next lock with "out of shared memory" and the batch stores nothing. Retried
# after a pause, while other transactions end and give theirs back.
_LOCK_TABLE_FULL = asyncpg.OutOfMemoryError
_LOCK_TABLE_PAUSES_S = (0.05, 0.2, 0.5)


class BatchUnstorable(Exception):
    """The database refused a value of some item (the layers above should have refused it);
    nothing was stored. Group commit, which finds the item that holds it, can take over."""


class BatchBusy(Exception):
    """The database had no room for the batch's locks, even after a few pauses; nothing was
    stored, and the whole batch may be sent again."""


@dataclasses.dataclass(frozen=True)
class BatchAppended:
    """Per item, in the order sent: its verdict; and the batch JWS if any item was new."""

    results: list[Appended | Problem]
    batch_receipt: str | None


class _Accepted(NamedTuple):
    sent_index: int  # its place in the batch as sent
    event: PendingEvent
    decision: Decision


class BatchStore:
    def __init__(self, pool: asyncpg.Pool, *, clock: Clock = system_clock) -> None:
        self._pool = pool
        self._clock = clock
        self._leaf_log = LeafLog()
        # One batch transaction at a time in this process: its items are decided on this
        # process's one event loop anyway, so a second would add no speed, only its locks to
        # the shared table and a second connection held for the whole decision.
        self._one_at_a_time = asyncio.Lock()

    async def append_batch(
        self, events: Sequence[PendingEvent], check: Check, seal: BatchSeal
    ) -> BatchAppended:
        """Append the events of one request, each decided on its own, in one transaction."""
        pauses = iter(_LOCK_TABLE_PAUSES_S)
        attempt = 0
        while True:
            attempt += 1
            try:
                async with self._one_at_a_time:
                    return await self._try_batch(events, check, seal)
            except _RETRYABLE:
                if attempt >= _MAX_ATTEMPTS:
                    raise
            except _LOCK_TABLE_FULL as err:
                pause = next(pauses, None)
                if pause is None:
                    raise BatchBusy(str(err)) from err
                await asyncio.sleep(pause)
            except asyncpg.DataError as err:
                raise BatchUnstorable(type(err).__name__) from err

    async def _try_batch(
        self, events: Sequence[PendingEvent], check: Check, seal: BatchSeal
    ) -> BatchAppended:
        accepted_at = self._clock()
        complaint_ids = sorted({e.complaint_id for e in events})
        event_ids = sorted({e.event_id for e in events})
        keys = sorted(
            {lock_key("case", c) for c in complaint_ids} | {lock_key("event", e) for e in event_ids}
        )
        results: list[Appended | Problem | None] = [None] * len(events)
        first_index: dict[str, int] = {}
        batch_receipt = None
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS k", keys
            )
            cases = await cases_txn(conn, complaint_ids)
            stored = await stored_txn(conn, event_ids)
            accepted: list[_Accepted] = []
            for index, event in enumerate(events):
                if index and index % _SLICE_ITEMS == 0:
                    await asyncio.sleep(0)
                if event.event_id in stored:
                    results[index] = _as_problem(
                        same_event_or_conflict(stored[event.event_id], event)
                    )
                    continue
                if event.event_id in first_index:
                    continue  # answered below, from the first item with this id
                first_index[event.event_id] = index
                try:
                    decision = check(cases.get(event.complaint_id), event, accepted_at)
                except Problem as refusal:
                    results[index] = refusal
                    continue
                cases[event.complaint_id] = decision.case
                accepted.append(_Accepted(index, event, decision))
            if accepted:
                batch_receipt = await self._insert_txn(
                    conn, accepted, cases, accepted_at, seal, results
                )
        for index, event in enumerate(events):
            if results[index] is None:
                results[index] = _repeated(results[first_index[event.event_id]], event)
        return BatchAppended(results, batch_receipt)  # type: ignore[arg-type]

    async def _insert_txn(
        self,
        conn: Conn,
        accepted: list[_Accepted],
        cases: dict[str, CaseState],
        accepted_at: datetime,
        seal: BatchSeal,
        results: list[Appended | Problem | None],
    ) -> str:
        # Positions last, just before the inserts; the counter row stays locked until COMMIT.
        last = await conn.fetchval(
            "UPDATE feed_counter SET last = last + $1 RETURNING last", len(accepted)
        )
        first_position = last - len(accepted) + 1
        # One request, one evidence row, shared by every item.
        evidence = accepted[0].event.evidence
        evidence_id = (await insert_evidence_txn(conn, [evidence]))[0] if evidence else None
        actor = accepted[0].event.actor
        # The receipt payload's canonical JSON (RFC 8785): the hub's own strings and small
        # integers, for which orjson with sorted keys is the same bytes (hub.crypto.jcs). The
        # members the items share (accepted_at, actor, evidence_sha256: the batch's own) are
        # spelled once, by the first item's payload; the others are each item's.
        shared = accepted[0].event.receipt_payload(first_position, accepted_at)
        leaves = [
            orjson.dumps(
                {
                    **shared,
                    "event_id": item.event.event_id,
                    "complaint_id": item.event.complaint_id,
                    "version": item.event.version,
                    "position": first_position + offset,
                    "event_sha256": item.event.event_sha256.hex(),
                },
                option=orjson.OPT_SORT_KEYS,
            )
            for offset, item in enumerate(accepted)
        ]
        batch_receipt, receipts = seal(leaves, accepted_at, actor, evidence)
        rows = []
        last_position: dict[str, int] = {}
        for offset, (item, receipt) in enumerate(zip(accepted, receipts, strict=True)):
            event, position = item.event, first_position + offset
            rows.append(
                (
                    position,
                    event.event_id,
                    event.complaint_id,
                    event.version,
                    event.type,
                    event.actor,
                    event.occurred_at,
                    accepted_at,
                    event.body,
                    event.event_sha256,
                    evidence_id,
                    event.evidence_sha256,
                    orjson.dumps(dict(item.decision.flags)).decode(),
                    receipt,
                )
            )
            last_position[event.complaint_id] = position
            results[item.sent_index] = Appended(
                event.event_id,
                event.complaint_id,
                event.version,
                position,
                accepted_at,
                event.actor,
                event.event_sha256,
                receipt,
            )
        # The advisory locks and the look-up above rule out every conflict, so COPY (which has
        # no ON CONFLICT) is safe; a violation would roll the whole batch back.
        await conn.copy_records_to_table("events", records=rows, columns=EVENT_COLUMNS)
        # The audit log's leaves (leaf_index = position - 1): the very leaves the batch signs.
        await self._leaf_log.append_txn(conn, first_position - 1, leaves)
        await upsert_cases_txn(conn, cases, last_position, accepted_at)
        # Delivered at COMMIT, carrying the highest position now visible.
        await conn.execute("SELECT pg_notify($1, $2)", FEED_CHANNEL, str(last))
        return batch_receipt


def _as_problem(outcome: Appended | Exception) -> Appended | Problem:
    if isinstance(outcome, Appended | Problem):
        return outcome
    raise outcome


def _repeated(first: Appended | Problem | None, event: PendingEvent) -> Appended | Problem:
    """An event id sent twice in one batch: the second is the first again, or refused as reused."""
    if isinstance(first, Appended) and first.event_sha256 == event.event_sha256:
        return dataclasses.replace(first, duplicate=True)
    if isinstance(first, Problem):
        return first
    return EventIdReused(
        f"event_id {event.event_id} is used twice in this batch for different events; "
        "a new event needs a new event_id",
    )


# The columns of an events row, in the order a batch COPYs them (benchmarks and tests copy rows
# in this order too).
EVENT_COLUMNS = [
    "position",
    "event_id",
    "complaint_id",
    "version",
    "type",
    "actor",
    "occurred_at",
    "accepted_at",
    "body",
    "event_sha256",
    "evidence_id",
    "evidence_sha256",
    "flags",
    "receipt",
]
