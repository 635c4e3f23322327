"""Batches: the events of one signed request appended in one transaction of their own.

A batch does not go through group commit: its items must share one commit (one `accepted_at`,
one run of dense positions) so that one hub signature over their Merkle root can name them all,
and a group may take only part of a sender's items. It is decided and written by the group's own
code otherwise (`decide_txn` and `Appender` in hub.store.events): advisory locks on every case and
event id sorted by key, then the feed counter row, held until COMMIT, the same order as every
group takes them, so a batch and groups in other processes never deadlock, and positions stay
dense in commit order.

What is a batch's own: items are decided in the order sent, so a later item may extend a case an
earlier one filed or moved on; each is decided on its own, and one refused item fails alone. One
hub signature covers the accepted items, and their rows go in by COPY.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime

import asyncpg
import orjson

from hub.clock import Clock, system_clock
from hub.problems import EventIdReused, Problem
from hub.store.events import (
    EVENT_COLUMNS as EVENT_COLUMNS,  # the name the batch benchmark and the partition tests use
)
from hub.store.events import (
    Appended,
    Appender,
    Check,
    PendingEvent,
    append_transaction,
    decide_txn,
)
from hub.store.evidence import Evidence

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


class BatchStore:
    def __init__(self, pool: asyncpg.Pool, *, clock: Clock = system_clock) -> None:
        self._pool = pool
        self._clock = clock
        self._appender = Appender()
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
        results: list[Appended | Problem | None] = [None] * len(events)
        sealing = _SealBatch(seal)
        async with append_transaction(self._pool) as conn:
            # Items are decided in the order sent; a check's bug fails the whole batch.
            decided = await decide_txn(
                conn,
                events,
                [check] * len(events),
                range(len(events)),
                accepted_at,
                refusal=Problem,
                slice_items=_SLICE_ITEMS,
            )
            for index, answer in decided.answered.items():
                results[index] = _as_problem(answer)
            if decided.accepted:
                written = await self._appender.insert_txn(
                    conn, decided, accepted_at, sealing, copy=True
                )
                for item, appended in zip(decided.accepted, written, strict=True):
                    results[item.place] = appended
        for index, event in enumerate(events):
            if results[index] is None:
                results[index] = _repeated(results[decided.first_index[event.event_id]], event)
        return BatchAppended(results, sealing.batch_receipt)  # type: ignore[arg-type]


class _SealBatch:
    """Signs a batch's accepted items: one hub signature over their leaves' Merkle root, kept as
    the batch's receipt, and each item's receipt from it."""

    def __init__(self, seal: BatchSeal) -> None:
        self._seal = seal
        self.batch_receipt: str | None = None

    def __call__(
        self, events: Sequence[PendingEvent], first_position: int, accepted_at: datetime
    ) -> tuple[list[bytes], list[str]]:
        # The receipt payload's canonical JSON (RFC 8785): the hub's own strings and small
        # integers, for which orjson with sorted keys is the same bytes (hub.crypto.jcs). The
        # members the items share (accepted_at, actor, evidence_sha256: the batch's own) are
        # spelled once, by the first item's payload; the others are each item's.
        shared = events[0].receipt_payload(first_position, accepted_at)
        leaves = [
            orjson.dumps(
                {
                    **shared,
                    "event_id": event.event_id,
                    "complaint_id": event.complaint_id,
                    "version": event.version,
                    "position": first_position + offset,
                    "event_sha256": event.event_sha256.hex(),
                },
                option=orjson.OPT_SORT_KEYS,
            )
            for offset, event in enumerate(events)
        ]
        # One request, one evidence, shared by every item.
        self.batch_receipt, receipts = self._seal(
            leaves, accepted_at, events[0].actor, events[0].evidence
        )
        return leaves, receipts


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
