"""The event store: append-only events, case snapshots, dense feed positions, group commit.

Concurrent `append` calls are gathered into one transaction (bounded by count and by a few
milliseconds) and each caller awaits its own verdict after COMMIT. A group takes its items round-
robin per sender, each bounded while others wait, so one sender's flood delays another's item by
about one group. Inside a group every item is decided on its own, so one conflicting item fails
alone, and a value the database refuses fails only the item that holds it. The order of locks is
the same in every process (case and event-id advisory locks sorted by key, then the feed counter
row), so two processes appending to crossed sets of cases never deadlock.

Batches (hub.store.batches) are decided and written by the same code in a transaction of their
own: `decide_txn` locks, reads and decides the items, and `Appender` writes the accepted ones.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import hashlib
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple, Protocol

import asyncpg
import orjson
import structlog

from hub.clock import Clock, system_clock
from hub.crypto.receipts import receipt_leaf, receipt_payload
from hub.domain.named import Registered
from hub.metrics.instruments import observe_group_commit
from hub.problems import (
    DatabaseUnavailable,
    EventIdReused,
    IdConflict,
    InvalidRecord,
    Problem,
    ServiceUnavailable,
    StaleVersion,
)
from hub.store.audit import LeafLog
from hub.store.evidence import Evidence, insert_evidence_txn
from hub.store.native import NativeState, upsert_native_txn
from hub.store.participants import registered_txn
from hub.store.pool import Conn, database_unavailable
from hub.supervisor import Supervisor

log = structlog.get_logger("hub.store.events")

FEED_CHANNEL = "complaint_hub_feed"

# Transient failures that are safe to retry as a whole group: nothing was committed.
_RETRYABLE = (asyncpg.DeadlockDetectedError, asyncpg.SerializationError)
_MAX_ATTEMPTS = 3


@dataclasses.dataclass(frozen=True)
class PendingEvent:
    """An event decided valid by the layers above, waiting to be appended."""

    event_id: str
    complaint_id: str
    version: int
    type: str
    actor: str
    occurred_at: datetime
    body: bytes  # canonical JSON of the envelope, computed once
    event_sha256: bytes
    evidence: Evidence | None = None
    # The native state this event's record moved to (platform adapters): kept in the same
    # transaction, and only if the event is accepted.
    native_state: NativeState | None = None
    # The participant ids its body names (hub.domain.named), looked up when it is decided.
    named: tuple[str, ...] = ()

    @property
    def evidence_sha256(self) -> bytes | None:
        return self.evidence.sha256 if self.evidence else None

    def receipt_payload(self, position: int, accepted_at: datetime) -> dict[str, Any]:
        """What the hub's receipt for this event says, once it has its position."""
        return receipt_payload(
            event_id=self.event_id,
            complaint_id=self.complaint_id,
            version=self.version,
            position=position,
            accepted_at=accepted_at,
            actor=self.actor,
            event_sha256=self.event_sha256,
            evidence_sha256=self.evidence_sha256,
        )


@dataclasses.dataclass(frozen=True)
class CaseState:
    complaint_id: str
    version: int
    status: str
    snapshot: Mapping[str, Any]


@dataclasses.dataclass(frozen=True)
class Decision:
    """What a check decided for one item: the case after it, and flags kept with the event."""

    case: CaseState
    flags: Mapping[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Appended:
    """The verdict for an accepted item, or for an event id that was already stored."""

    event_id: str
    complaint_id: str
    version: int
    position: int
    accepted_at: datetime
    actor: str
    event_sha256: bytes
    receipt: str | None
    duplicate: bool = False
    # Its month was detached into the archive (complaint-hub retention detach): the id stays taken
    # (event_keys), but who sent it, its digest and its receipt are no longer read here.
    archived: bool = False


class Check(Protocol):
    """A pure decision on one item given the current case (None: no such complaint yet).

    It returns the case after the item, or raises the problem that refuses the item.
    """

    def __call__(
        self,
        case: CaseState | None,
        event: PendingEvent,
        accepted_at: datetime,
        named: Mapping[str, Registered],
    ) -> Decision: ...


class Seal(Protocol):
    """Signs the receipt of an accepted item once its position is known."""

    def __call__(self, event: PendingEvent, position: int, accepted_at: datetime) -> str: ...


def chain_check(
    case: CaseState | None,
    event: PendingEvent,
    accepted_at: datetime,
    named: Mapping[str, Registered],
) -> Decision:
    """The minimal rule: versions of one case form a chain 1, 2, 3, ..."""
    current = case.version if case else 0
    if event.version != current + 1:
        raise StaleVersion(
            f"version {event.version} does not extend complaint {event.complaint_id}, "
            f"which is at version {current}; send version {current + 1}",
            current_version=current,
        )
    return Decision(CaseState(event.complaint_id, event.version, event.type, {}))


def _fail(item: _Item, error: Exception) -> None:
    if not item.future.done():
        item.future.set_exception(error)


def same_event_or_conflict(stored: Appended, event: PendingEvent) -> Appended | Problem:
    """The stored event again (a retry), or the conflict of an id already taken.

    A duplicate is only the same actor sending the same complaint's event with the same canonical
    digest; anything else under a stored id is refused, so nobody takes an id that is another's.
    """
    if stored.archived:
        # Nothing to compare with: the id is refused, and nothing about that event revealed.
        return IdConflict("this event_id cannot be used; choose a new one")
    if (stored.actor, stored.complaint_id, stored.event_sha256) == (
        event.actor,
        event.complaint_id,
        event.event_sha256,
    ):
        return stored
    return _reused(stored, event, position=stored.position)


def _same_event(first: PendingEvent, event: PendingEvent) -> bool:
    return (first.actor, first.complaint_id, first.event_sha256) == (
        event.actor,
        event.complaint_id,
        event.event_sha256,
    )


def _reused(
    taken: Appended | PendingEvent, event: PendingEvent, *, position: int | None
) -> Problem:
    if taken.actor != event.actor:
        # Somebody else's id: nothing about that event is revealed.
        return IdConflict("this event_id cannot be used; choose a new one")
    extensions = {} if position is None else {"position": position}
    return EventIdReused(
        f"event_id {event.event_id} was already used with a different body; a retry must "
        "resend the same event, a new event needs a new event_id",
        **extensions,
    )


def _commit_order(group: Sequence[_Item]) -> list[int]:
    """Indexes of `group` by complaint, then version, then arrival: the order items are decided."""
    return sorted(
        range(len(group)),
        key=lambda i: (group[i].event.complaint_id, group[i].event.version, i),
    )


def lock_key(kind: str, value: str) -> int:
    """A signed 64-bit advisory-lock key; the same in every process."""
    digest = hashlib.blake2b(f"{kind}:{value}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@dataclasses.dataclass
class _Item:
    event: PendingEvent
    check: Check
    future: asyncio.Future[Appended]


class EventStore:
    """Appends events through group commit and reads them back."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        seal: Seal,
        max_items: int = 500,
        max_wait_s: float = 0.002,
        max_per_actor: int | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self._pool = pool
        self._max_items = max_items
        # While others wait, one sender fills at most this much of a group (a flood from one
        # platform never holds another's item back by more than about one group).
        self._max_per_actor = max_per_actor or max(1, max_items // 4)
        # Items taken off the queue, waiting for a group: per sender, in round-robin order.
        self._waiting: dict[str, collections.deque[_Item]] = {}
        self._waiting_count = 0
        self._max_wait_s = max_wait_s
        self._seal = seal
        self._clock = clock
        self._queue: asyncio.Queue[_Item] = asyncio.Queue()
        self._supervisor: Supervisor | None = None
        self._writer_name = "group-commit"
        self._closing = False
        self._appender = Appender()

    async def start(self, supervisor: Supervisor, *, name: str = "group-commit") -> None:
        """Run the writer under `supervisor`: a crash restarts it and is reported."""
        self._supervisor, self._writer_name = supervisor, name
        supervisor.run(name, self._run)

    async def close(self, *, drain_timeout_s: float = 30) -> None:
        """Stop taking items, commit what is queued, then stop the writer."""
        self._closing = True
        try:
            async with asyncio.timeout(drain_timeout_s):
                await self._queue.join()
        except TimeoutError:
            log.error("group_commit_drain_timed_out", queued=self._queue.qsize())
        if self._supervisor is not None:
            await self._supervisor.stop(self._writer_name)
        # Whatever is still queued will never be written: tell its callers so.
        while not self._queue.empty():
            self._hold(self._queue.get_nowait())
        for waiting in self._waiting.values():
            for item in waiting:
                _fail(
                    item, ServiceUnavailable("the hub is shutting down; nothing was stored, retry")
                )
                self._queue.task_done()
        self._waiting.clear()
        self._waiting_count = 0

    async def append(self, event: PendingEvent, check: Check = chain_check) -> Appended:
        """Append one event; returns after its group has committed (or raises its refusal)."""
        (result,) = await self.append_many([event], check)
        if isinstance(result, BaseException):
            raise result
        return result

    async def append_many(
        self, events: Sequence[PendingEvent], check: Check = chain_check
    ) -> list[Appended | Exception]:
        """Append several events, each decided on its own; verdicts in the order given."""
        if self._closing or self._supervisor is None:
            raise ServiceUnavailable("the hub is shutting down; retry against another replica")
        loop = asyncio.get_running_loop()
        futures = []
        for event in events:
            future: asyncio.Future[Appended] = loop.create_future()
            self._queue.put_nowait(_Item(event, check, future))
            futures.append(future)
        # shield: a client that goes away must not cancel a commit others share.
        results = await asyncio.gather(
            *(asyncio.shield(f) for f in futures), return_exceptions=True
        )
        return [
            r if isinstance(r, Appended | Exception) else ServiceUnavailable("append interrupted")
            for r in results
        ]

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self._waiting:
                self._hold(await self._queue.get())
            group: list[_Item] = []
            try:
                deadline = loop.time() + self._max_wait_s
                while True:
                    self._hold_queued()
                    remaining = deadline - loop.time()
                    if self._waiting_count >= self._max_items or remaining <= 0:
                        break
                    try:
                        self._hold(await asyncio.wait_for(self._queue.get(), remaining))
                    except TimeoutError:
                        break
                group = self._take_group()
                await observe_group_commit(self._commit_group, group)
            except BaseException:
                # The writer is going down (a bug, or cancellation): no caller may wait forever.
                for item in group:
                    _fail(item, ServiceUnavailable("append interrupted; nothing was stored, retry"))
                raise
            finally:
                for _ in group:
                    self._queue.task_done()

    def _hold(self, item: _Item) -> None:
        self._waiting.setdefault(item.event.actor, collections.deque()).append(item)
        self._waiting_count += 1

    def _hold_queued(self) -> None:
        while not self._queue.empty():
            self._hold(self._queue.get_nowait())

    def _take_group(self) -> list[_Item]:
        """The next group: one item per sender in turn, each sender's in the order it sent them,
        none taking more than its share while others wait; whoever was served goes last."""
        group: list[_Item] = []
        taken: dict[str, int] = {}
        while len(group) < self._max_items and self._waiting:
            progressed = False
            for actor in list(self._waiting):
                if len(group) >= self._max_items:
                    break
                others_wait = len(self._waiting) > 1
                if others_wait and taken.get(actor, 0) >= self._max_per_actor:
                    continue
                waiting = self._waiting[actor]
                group.append(waiting.popleft())
                taken[actor] = taken.get(actor, 0) + 1
                progressed = True
                if not waiting:
                    del self._waiting[actor]
            if not progressed:
                break
        for actor in taken:
            if actor in self._waiting:
                self._waiting[actor] = self._waiting.pop(actor)  # to the back of the round
        self._waiting_count -= len(group)
        return group

    async def _commit_group(self, group: list[_Item]) -> None:
        outcomes = await self._decide_group(group)
        for item, outcome in zip(group, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                _fail(item, outcome)
            elif not item.future.done():
                item.future.set_result(outcome)

    async def _decide_group(self, group: list[_Item]) -> list[Appended | Exception]:
        for attempt in range(1, _MAX_ATTEMPTS + 1):
            try:
                return await self._try_group(group)
            except _RETRYABLE:
                if attempt == _MAX_ATTEMPTS:
                    return [ServiceUnavailable("the database is busy; retry") for _ in group]
            except asyncpg.DataError as err:
                # A value the database refuses (the layers above should have refused it first):
                # nothing was committed; find the item that holds it, and commit all the others.
                return await self._without_bad_data(group, err)
            except DatabaseUnavailable as lost:
                log.warning(
                    "group_commit_database_unavailable",
                    error=repr(lost.__cause__),
                    items=len(group),
                )
                return [DatabaseUnavailable(lost.detail) for _ in group]  # one for each caller
            except Exception as err:
                # Whatever went wrong fails this group alone; the writer goes on with the next.
                log.error(
                    "group_commit_failed",
                    error=repr(err),
                    error_type=type(err).__name__,
                    items=len(group),
                    exc_info=not isinstance(err, asyncpg.PostgresError | OSError),
                )
                return [
                    ServiceUnavailable("the event store is unavailable; nothing was stored, retry")
                    for _ in group
                ]
        raise AssertionError("unreachable")  # pragma: no cover

    async def _without_bad_data(
        self, group: list[_Item], err: asyncpg.DataError
    ) -> list[Appended | Exception]:
        """Bisect a group the database refused: each half is committed on its own, down to the
        single item whose value cannot be stored, which alone is refused (422)."""
        if len(group) == 1:
            log.warning(
                "group_commit_item_unstorable",
                error_type=type(err).__name__,
                complaint_id=group[0].event.complaint_id,
                event_id=group[0].event.event_id,
            )
            return [
                InvalidRecord(
                    "a value of this event cannot be stored (the database refused it: "
                    f"{type(err).__name__}); nothing was stored",
                    rule="storable",
                )
            ]
        # Halves of the commit order, the first committed first: the versions of one case stay
        # in order, so a later version still extends an earlier one of the same group.
        order = _commit_order(group)
        middle = len(order) // 2
        outcomes: list[Appended | Exception | None] = [None] * len(group)
        for half in (order[:middle], order[middle:]):
            for index, outcome in zip(
                half, await self._decide_group([group[i] for i in half]), strict=True
            ):
                outcomes[index] = outcome
        return outcomes  # type: ignore[return-value]

    async def _try_group(self, group: list[_Item]) -> list[Appended | Exception]:
        accepted_at = self._clock()
        events = [item.event for item in group]
        outcomes: list[Appended | Exception | None] = [None] * len(group)
        async with append_transaction(self._pool) as conn:
            decided = await decide_txn(
                conn, events, [item.check for item in group], _commit_order(group), accepted_at
            )
            for index, answer in decided.answered.items():
                outcomes[index] = answer
            if decided.accepted:
                written = await self._appender.insert_txn(
                    conn, decided, accepted_at, self._seal_each
                )
                for item, appended in zip(decided.accepted, written, strict=True):
                    outcomes[item.place] = appended
        for index, event in enumerate(events):
            if outcomes[index] is None:
                first_index = decided.first_index[event.event_id]
                first, sent_first = outcomes[first_index], events[first_index]
                if not _same_event(sent_first, event):
                    outcomes[index] = _reused(sent_first, event, position=None)
                elif isinstance(first, Appended):
                    outcomes[index] = dataclasses.replace(first, duplicate=True)
                else:
                    outcomes[index] = first
        return outcomes  # type: ignore[return-value]

    def _seal_each(
        self, events: Sequence[PendingEvent], first_position: int, accepted_at: datetime
    ) -> tuple[list[bytes], list[str]]:
        """One receipt per event, each its own JWS; its leaf is the payload that JWS signs."""
        receipts = [
            self._seal(event, first_position + offset, accepted_at)
            for offset, event in enumerate(events)
        ]
        return [receipt_leaf(receipt) for receipt in receipts], receipts

    async def get_by_event_id(self, event_id: str) -> Appended | None:
        """The stored event under this id, None when there is none (or its month is archived)."""
        row = await self._pool.fetchrow(_STORED_BY_ID + " AND e.position IS NOT NULL", [event_id])
        return _appended_from_row(row, duplicate=True) if row else None

    async def get_case(self, complaint_id: str) -> CaseState | None:
        row = await self._pool.fetchrow(
            "SELECT complaint_id, version, status, snapshot::text AS snapshot"
            " FROM complaints WHERE complaint_id = $1",
            complaint_id,
        )
        if row is None:
            return None
        return CaseState(
            row["complaint_id"], row["version"], row["status"], orjson.loads(row["snapshot"])
        )


# What an append is told when the database is lost under it (append_transaction).
_LOST_BEFORE_COMMIT = (
    "the database cannot be reached; nothing was stored: send it again, with the same event_id, "
    "after the time in Retry-After"
)
_LOST_AT_COMMIT = (
    "the connection to the database was lost during COMMIT, so what was sent may or may not have "
    "been stored: sending it again with the same event_id is safe (an event already stored is "
    "answered with its first receipt, never stored twice), after the time in Retry-After"
)


@contextlib.asynccontextmanager
async def append_transaction(pool: asyncpg.Pool) -> AsyncIterator[Conn]:
    """A pooled connection in a transaction, for an append. A database lost under it is raised
    as DatabaseUnavailable, which says whether the connection went before COMMIT (nothing was
    stored) or during it (the outcome is unknown)."""
    committing = connection_lost = False
    try:
        async with pool.acquire() as conn:
            try:
                async with conn.transaction():
                    yield conn
                    committing = True
            finally:
                # A connection lost between two statements is no error of its own: the next
                # statement finds it closed (InterfaceError, as for a misuse); its state tells.
                connection_lost = conn.is_closed()
    except Exception as err:
        if not (connection_lost or database_unavailable(err)):
            raise
        raise DatabaseUnavailable(_LOST_AT_COMMIT if committing else _LOST_BEFORE_COMMIT) from err


class Accepted(NamedTuple):
    """An item its check accepted, and what was decided."""

    place: int  # its index among the caller's items
    event: PendingEvent
    decision: Decision


@dataclasses.dataclass(frozen=True)
class Decided:
    """What one transaction decided of its items, before anything is written."""

    cases: dict[str, CaseState]  # each case the items name, as the accepted ones left it
    accepted: list[Accepted]  # in the order decided, which is the order of their positions
    answered: dict[int, Appended | Exception]  # by index: stored ids again, and refusals
    first_index: dict[str, int]  # each event id decided, and the index of its first item


async def decide_txn(
    conn: Conn,
    events: Sequence[PendingEvent],
    checks: Sequence[Check],
    order: Iterable[int],
    accepted_at: datetime,
    *,
    refusal: type[Exception] = Exception,
    slice_items: int = 0,
) -> Decided:
    """Lock, read and decide `events` inside the caller's transaction, each item on its own.

    Advisory locks on every case and event id are taken sorted by key (and, in
    `Appender.insert_txn`, the feed counter row after them): the same order in every process,
    so two transactions appending to crossed sets of cases never deadlock. Items are decided in
    `order`, each against its case as the items before it left it, by its own check: an id
    already stored is answered from the store, an item whose check raises `refusal` is refused
    alone, and an id met a second time is left to the caller, whose rule says what a repeat is.
    Every `slice_items` items (0: never) the loop yields, so the process's other requests go on.
    """
    complaint_ids = sorted({event.complaint_id for event in events})
    event_ids = sorted({event.event_id for event in events})
    keys = sorted(
        {lock_key("case", c) for c in complaint_ids} | {lock_key("event", e) for e in event_ids}
    )
    # Rows are locked in array order, the same sorted order in every process.
    await conn.execute("SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS k", keys)
    cases = await cases_txn(conn, complaint_ids)
    stored = await stored_txn(conn, event_ids)
    # The participants the events name, as the registry holds them in this transaction.
    named = await registered_txn(conn, sorted({i for event in events for i in event.named}))
    accepted: list[Accepted] = []
    answered: dict[int, Appended | Exception] = {}
    first_index: dict[str, int] = {}
    for count, index in enumerate(order):
        if slice_items and count and count % slice_items == 0:
            await asyncio.sleep(0)
        event = events[index]
        if event.event_id in stored:
            answered[index] = same_event_or_conflict(stored[event.event_id], event)
            continue
        if event.event_id in first_index:
            continue  # a repeat: the caller answers it from the first item with this id
        first_index[event.event_id] = index
        try:
            decision = checks[index](cases.get(event.complaint_id), event, accepted_at, named)
        except refusal as refused:
            answered[index] = refused
            continue
        cases[event.complaint_id] = decision.case
        accepted.append(Accepted(index, event, decision))
    return Decided(cases, accepted, answered, first_index)


class SealItems(Protocol):
    """Signs the accepted items once their positions are known: each one's audit leaf and
    receipt, in order (one JWS per event in group commit, one over a batch's Merkle root)."""

    def __call__(
        self, events: Sequence[PendingEvent], first_position: int, accepted_at: datetime
    ) -> tuple[list[bytes], list[str]]: ...


class Appender:
    """The one write path of accepted items, for group commit and batches alike.

    Inside the caller's transaction, after `decide_txn`: dense positions from the feed counter
    row, each evidence once, the receipts, the events' rows, their audit leaves, the cases'
    snapshots and native states, and a notification delivered at COMMIT.
    """

    def __init__(self) -> None:
        self._leaf_log = LeafLog()

    async def insert_txn(
        self,
        conn: Conn,
        decided: Decided,
        accepted_at: datetime,
        seal: SealItems,
        *,
        copy: bool = False,
    ) -> list[Appended]:
        """Write `decided.accepted`; returns each one's verdict, in the same order.

        `copy`: the rows go in by COPY, which is faster for many rows but costs a round trip more
        than the one INSERT (a batch's choice; group commit's groups are mostly small).
        """
        accepted = decided.accepted
        # Positions are taken last, just before the inserts; the counter row stays locked until
        # COMMIT, so positions are dense and a reader never sees a later one commit first.
        last = await conn.fetchval(
            "UPDATE feed_counter SET last = last + $1 RETURNING last", len(accepted)
        )
        first_position = last - len(accepted) + 1
        events = [item.event for item in accepted]
        evidence_ids = await _evidence_ids_txn(conn, events)
        leaves, receipts = seal(events, first_position, accepted_at)
        rows = [
            (
                first_position + offset,
                event.event_id,
                event.complaint_id,
                event.version,
                event.type,
                event.actor,
                event.occurred_at,
                accepted_at,
                event.body,
                event.event_sha256,
                evidence_ids.get(id(event.evidence)),
                event.evidence_sha256,
                orjson.dumps(dict(decision.flags)).decode(),
                receipt,
            )
            for offset, ((_, event, decision), receipt) in enumerate(
                zip(accepted, receipts, strict=True)
            )
        ]
        if copy:
            # The advisory locks and the look-up of stored ids rule out every conflict, so COPY
            # (which has no ON CONFLICT) is safe; a violation would roll everything back.
            await conn.copy_records_to_table("events", records=rows, columns=EVENT_COLUMNS)
        else:
            columns: list[object] = list(zip(*rows, strict=True))
            columns[_ACCEPTED_AT] = accepted_at  # one value for every row
            inserted = await conn.fetchval(_INSERT_EVENTS, *columns)
            if inserted != len(rows):
                # The advisory locks make this impossible; if it happens, store nothing.
                raise asyncpg.SerializationError("event insert conflicted despite locks")
        # The audit log's leaves (leaf_index = position - 1), in order under the counter lock.
        await self._leaf_log.append_txn(conn, first_position - 1, leaves)
        last_position = {event.complaint_id: first_position + i for i, event in enumerate(events)}
        await upsert_cases_txn(conn, decided.cases, last_position, accepted_at)
        native_states = [
            (event.native_state, event.complaint_id)
            for event in events
            if event.native_state is not None
        ]
        if native_states:
            await upsert_native_txn(conn, native_states, accepted_at)
        # Delivered at COMMIT, carrying the highest position now visible.
        await conn.execute("SELECT pg_notify($1, $2)", FEED_CHANNEL, str(last))
        return [
            Appended(
                event.event_id,
                event.complaint_id,
                event.version,
                first_position + offset,
                accepted_at,
                event.actor,
                event.event_sha256,
                receipt,
            )
            for offset, (event, receipt) in enumerate(zip(events, receipts, strict=True))
        ]


async def _evidence_ids_txn(conn: Conn, events: Sequence[PendingEvent]) -> dict[int, int]:
    """Each evidence the events hold inserted once (a batch's items share their request's), its
    row id by the evidence object's id()."""
    evidences = list({id(e): e for e in (event.evidence for event in events) if e}.values())
    if not evidences:
        return {}
    return dict(
        zip((id(e) for e in evidences), await insert_evidence_txn(conn, evidences), strict=True)
    )


# The columns of an events row, in the order the write path builds them (the batch benchmark and
# the partition tests copy rows in this order too).
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
_ACCEPTED_AT = EVENT_COLUMNS.index("accepted_at")

# One array per column, but accepted_at one value ($8) for the whole group.
_INSERT_EVENTS = f"""
WITH inserted AS (
    INSERT INTO events ({", ".join(EVENT_COLUMNS)})
    SELECT p, e, c, v, t, a, o, $8::timestamptz, b, s, ei, es, f::jsonb, r
    FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[],
                $7::timestamptz[], $9::bytea[], $10::bytea[], $11::bigint[], $12::bytea[],
                $13::text[], $14::text[]) AS u(p, e, c, v, t, a, o, b, s, ei, es, f, r)
    ON CONFLICT DO NOTHING
    RETURNING 1
)
SELECT count(*) FROM inserted
"""

UPSERT_COMPLAINTS = """
INSERT INTO complaints (complaint_id, version, status, snapshot, created_at, updated_at,
                        last_position)
SELECT c, v, s, j::jsonb, $5, $5, p
FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $6::bigint[]) AS u(c, v, s, j, p)
ON CONFLICT (complaint_id) DO UPDATE
SET version = EXCLUDED.version, status = EXCLUDED.status, snapshot = EXCLUDED.snapshot,
    updated_at = EXCLUDED.updated_at, last_position = EXCLUDED.last_position
"""


async def upsert_cases_txn(
    conn: Conn,
    cases: Mapping[str, CaseState],
    last_position: Mapping[str, int],
    accepted_at: datetime,
) -> None:
    """Each complaint an append touched, at its new state and its last position."""
    touched = sorted(last_position)
    await conn.execute(
        UPSERT_COMPLAINTS,
        touched,
        [cases[c].version for c in touched],
        [cases[c].status for c in touched],
        [orjson.dumps(dict(cases[c].snapshot)).decode() for c in touched],
        accepted_at,
        [last_position[c] for c in touched],
    )


async def cases_txn(conn: Conn, complaint_ids: Sequence[str]) -> dict[str, CaseState]:
    """The cases named, as the transaction sees them (absent: not filed yet)."""
    rows = await conn.fetch(
        "SELECT complaint_id, version, status, snapshot::text AS snapshot"
        " FROM complaints WHERE complaint_id = ANY($1::text[])",
        complaint_ids,
    )
    return {
        r["complaint_id"]: CaseState(
            r["complaint_id"], r["version"], r["status"], orjson.loads(r["snapshot"])
        )
        for r in rows
    }


# Event ids are unique hub-wide in event_keys, which also names the month (partition) of each
# event's row: reading the keys first lets each row be fetched from its own partition rather than
# probed for in every month. A key without a row is an event of a detached month.
_STORED_BY_ID = f"""
SELECT k.event_id, k.complaint_id, k.version, k.position AS key_position, k.accepted_at,
       {", ".join("e." + c for c in ("position", "actor", "event_sha256", "receipt"))}
FROM event_keys k
LEFT JOIN events e ON e.position = k.position AND e.accepted_at = k.accepted_at
WHERE k.event_id = ANY($1::text[])
"""


async def stored_txn(conn: Conn, event_ids: Sequence[str]) -> dict[str, Appended]:
    """The events already stored under these ids, each as the answer to a retry (an archived one
    as such: see Appended.archived)."""
    rows = await conn.fetch(_STORED_BY_ID, event_ids)
    return {r["event_id"]: _appended_from_row(r, duplicate=True) for r in rows}


def _appended_from_row(row: asyncpg.Record, *, duplicate: bool) -> Appended:
    if row["position"] is None:  # a key whose month is archived
        return Appended(
            row["event_id"],
            row["complaint_id"],
            row["version"],
            row["key_position"],
            row["accepted_at"],
            "",
            b"",
            None,
            duplicate=duplicate,
            archived=True,
        )
    return Appended(
        row["event_id"],
        row["complaint_id"],
        row["version"],
        row["position"],
        row["accepted_at"],
        row["actor"],
        bytes(row["event_sha256"]),
        row["receipt"],
        duplicate=duplicate,
    )
