"""From a platform's native record to canonical events on its complaint, through its adapter.

Usable from an HTTP handler (push) and from a background worker (pull) alike: it takes the
authenticated platform participant, the evidence of the signed request or response that carried
the record, and the native payload. It holds no SQL and knows no HTTP request.

One record is one state change: the adapter diffs it against the state kept for its native id and
returns the implied events (deterministic ids, no versions). The hub fills the versions from the
case's current version, then appends through the same group commit and domain rules as a
canonical event from the same participant, so a platform acts only on its own cases. The new
native state rides on the last new event and is kept in the same transaction, only if that event
is accepted; a refusal keeps the old state, so a re-push after the case moved on is diffed again.
The message's evidence is sealed under a key of the complaint's (it names the buyer).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import re
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import structlog

from adapters.base.contract import Adapter, FilingContext, NativeRef, ParseResult
from adapters.base.errors import AdapterError
from adapters.base.lifecycle import NativeRecord, RecordAdapter, parse_record
from hub.domain.complaint_ids import complaint_id_in, in_namespace_of
from hub.platforms.pointers import status_pointer
from hub.platforms.problems import (
    NativeFieldInvalid,
    NativeRefLinkedElsewhere,
    UnlinkedNativeRecord,
    refused_natively,
)
from hub.privacy.keyfile import MasterKeys
from hub.problems import Forbidden, IdConflict, Problem
from hub.problems import StaleVersion as StoreStaleVersion
from hub.services.decisions import CaseChecks, DomainRefusal
from hub.services.intake import build_pending
from hub.store.events import Appended, EventStore, PendingEvent
from hub.store.evidence import Evidence
from hub.store.native import NativeState, NativeStore, StoredNative
from hub.store.participants import Participant
from hub.vault.native_evidence import seal_evidence

log = structlog.get_logger("hub.platforms.ingest")

# A concurrent write moving the case on between reading its version and appending is retried
# with the new version; the domain rules then decide again from the new state.
_MAX_ATTEMPTS = 3
_COMPLAINT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
_FILED_NAMESPACE = uuid.UUID("6f1c0d52-6a55-5b8e-9f0e-7a4c1e2b9d31")
# A code is a short token; anything longer is cut so one odd value cannot flood logs or counts.
_MAX_CODE_CHARS = 64

Result = Appended | Problem


@dataclasses.dataclass(frozen=True)
class IngestOutcome:
    """What one native record did: one result per event it implied, in order."""

    native_ref: NativeRef
    complaint_id: str | None
    results: tuple[Result, ...]
    # An older record than the state kept for its native id (out-of-order delivery): ignored.
    superseded: bool = False

    @property
    def created(self) -> bool:
        return any(isinstance(r, Appended) and not r.duplicate for r in self.results)

    @property
    def refusal(self) -> Problem | None:
        """The first refusal; the events after it in the chain could not follow it."""
        return next((r for r in self.results if isinstance(r, Problem)), None)


class PlatformIngest:
    """Translate and append native records for authenticated platform participants."""

    def __init__(
        self,
        events: EventStore,
        native: NativeStore,
        checks: CaseChecks,
        *,
        keys: Callable[[], MasterKeys],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._events = events
        self._native = native
        self._checks = checks
        self._keys = keys
        self._clock = clock
        self._locks = _KeyedLocks()

    async def ingest(
        self,
        adapter: Adapter,
        participant: Participant,
        payload: Any,
        evidence: Evidence | None,
        *,
        complaint_id: str | None = None,
        filing: FilingContext | None = None,
    ) -> IngestOutcome:
        """Apply one native record sent (or answered) by `participant`.

        `complaint_id` links a native id the hub has not seen to an existing complaint (the
        platform read it from its feed); `filing` lets an adapter that can file do so when no
        complaint exists. Refusals of the implied events are returned in the outcome;
        untranslatable input and a missing link are raised.

        Raises:
            Forbidden: the participant is not the adapter's platform.
            NativeFieldInvalid: the adapter refused a field (422, naming it).
            UnlinkedNativeRecord: no complaint to apply the record to, and none filed (409).
            NativeRefLinkedElsewhere: the native id belongs to another complaint (409).
        """
        code = adapter.info.code
        if participant.role != "platform" or participant.platform != code:
            raise Forbidden(
                "not-platform-owner", f"only the platform {code} speaks its native format"
            )
        if not isinstance(payload, Mapping):
            raise NativeFieldInvalid("the native payload must be a JSON object", field="/")
        reader = _Reader(adapter, payload)
        ref = reader.ref
        async with self._locks.hold((ref.platform, ref.kind, ref.native_id)):
            stored = await self._native.get(ref.platform, ref.kind, ref.native_id)
            linked = _linked(ref, stored, complaint_id)
            previous = stored.state if stored else None
            files = linked is None and filing is not None
            parsed = reader.parse(previous, filing if files else None)
            _log_unmapped(parsed)
            target = _target(ref, parsed, linked, files, participant.participant_id)
            if _older(previous, parsed.state):
                log.info("native_record_superseded", platform=ref.platform, kind=ref.kind)
                return IngestOutcome(ref, target, (), superseded=True)
            if not parsed.events:
                return await self._without_events(ref, parsed, stored, target, participant)
            results = await self._append(participant, payload, evidence, parsed, target)
        outcome = IngestOutcome(ref, target, tuple(results))
        log.info(
            "native_record_ingested",
            platform=ref.platform,
            complaint_id=target,
            events=len(results),
            refused=outcome.refusal.slug if outcome.refusal else None,
        )
        return outcome

    async def _append(
        self,
        participant: Participant,
        payload: Mapping[str, Any],
        evidence: Evidence | None,
        parsed: ParseResult,
        complaint_id: str,
    ) -> list[Result]:
        actor = participant.participant_id
        check = self._checks.for_actor(participant)
        native = NativeState(
            parsed.native_ref.platform,
            parsed.native_ref.kind,
            parsed.native_ref.native_id,
            dict(parsed.state),
            tuple(e.event_id for e in parsed.events),
            _unmapped(parsed),
        )
        # A native message names its buyer: its evidence is kept sealed under a key that the
        # complaint's erasure destroys, never in the clear (hub.vault.native_evidence).
        sealed = seal_evidence(self._keys(), complaint_id, evidence) if evidence else None
        for attempt in range(1, _MAX_ATTEMPTS + 1):
            case = await self._events.get_case(complaint_id)
            version = case.version if case else 0
            results: list[Result | None] = []
            pending: list[PendingEvent] = []
            slots: list[int] = []
            for event in parsed.events:
                stored = await self._events.get_by_event_id(event.event_id)
                if stored is not None:
                    # Deterministic ids: this change was applied already (a re-push or an
                    # overlapping poll). Another sender's id is not revealed.
                    results.append(
                        stored
                        if stored.actor == actor
                        else IdConflict("this event id cannot be used; choose a new one")
                    )
                    continue
                version += 1
                document = {**event.to_dict(), "complaint_id": complaint_id, "version": version}
                slots.append(len(results))
                results.append(None)
                pending.append(build_pending(document, actor, sealed))
            if not pending:
                if dict(parsed.state) != (await self._stored_state(parsed.native_ref)):
                    await self._native.save_state(native, complaint_id, self._clock())
                return [r for r in results if r is not None]
            pending[-1] = dataclasses.replace(pending[-1], native_state=native)
            verdicts = await self._events.append_many(pending, check)
            if _stale(verdicts[0]) and attempt < _MAX_ATTEMPTS:
                continue
            field = status_pointer(payload, parsed.state)
            for slot, verdict in zip(slots, verdicts, strict=True):
                results[slot] = _result(verdict, field, parsed.native_ref)
            return [r for r in results if r is not None]
        raise AssertionError("unreachable: the last attempt returns")

    async def _without_events(
        self,
        ref: NativeRef,
        parsed: ParseResult,
        stored: StoredNative | None,
        complaint_id: str,
        participant: Participant,
    ) -> IngestOutcome:
        if stored is not None and dict(parsed.state) == stored.state:
            # The same record again: answer with what it produced the first time.
            found = [await self._events.get_by_event_id(e) for e in stored.event_ids]
            results = tuple(
                a for a in found if a is not None and a.actor == participant.participant_id
            )
            return IngestOutcome(ref, complaint_id, results)
        native = NativeState(
            ref.platform, ref.kind, ref.native_id, dict(parsed.state), unmapped=_unmapped(parsed)
        )
        if stored is not None:
            native = dataclasses.replace(native, event_ids=stored.event_ids)
        await self._native.save_state(native, complaint_id, self._clock())
        return IngestOutcome(ref, complaint_id, ())

    async def _stored_state(self, ref: NativeRef) -> dict[str, Any] | None:
        stored = await self._native.get(ref.platform, ref.kind, ref.native_id)
        return stored.state if stored else None


class _Reader:
    """One native payload, read once: its native id first, then its diff once the state is known.

    The native id must be known before the kept state can be loaded, and the state before the
    record can be diffed. A `RecordAdapter` whose `parse` is the shared one is normalised once and
    diffed with `parse_record`; any other adapter is parsed twice (first without a state).
    """

    def __init__(self, adapter: Adapter, payload: Mapping[str, Any]) -> None:
        self._adapter = adapter
        self._payload = payload
        self._record: NativeRecord | None = None
        with _translated():
            if isinstance(adapter, RecordAdapter) and type(adapter).parse is RecordAdapter.parse:
                # Normalising alone reads the id without diffing: no rule that needs the kept
                # state (an amount carried over from it) can refuse the record here.
                self._record = adapter.normalise(payload)
                self.ref = self._record.ref
            else:
                self.ref = adapter.parse(payload, None).native_ref

    def parse(
        self, previous: Mapping[str, Any] | None, filing: FilingContext | None
    ) -> ParseResult:
        with _translated():
            if self._record is not None:
                return parse_record(self._record, previous, filing)
            return self._adapter.parse(self._payload, previous, filing=filing)


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except AdapterError as err:
        raise NativeFieldInvalid(err.message, field=err.field) from err


def _linked(ref: NativeRef, stored: StoredNative | None, requested: str | None) -> str | None:
    if stored is not None:
        if requested is not None and requested != stored.complaint_id:
            raise NativeRefLinkedElsewhere(
                f"{ref.platform} {ref.kind} {ref.native_id} is linked to another complaint",
                native_ref=ref.to_dict(),
            )
        return stored.complaint_id
    return requested


def _target(
    ref: NativeRef, parsed: ParseResult, linked: str | None, files: bool, filer: str
) -> str:
    named = parsed.complaint_id
    if named is not None and linked is not None and named != linked:
        raise NativeRefLinkedElsewhere(
            f"the record names complaint {named}, but its native id is linked to another",
            native_ref=ref.to_dict(),
        )
    target = named or linked
    if target is not None:
        return target
    if files and any(e.type == "complaint.filed" for e in parsed.events):
        return filed_complaint_id(ref, filer)
    raise UnlinkedNativeRecord(
        f"{ref.platform} {ref.kind} {ref.native_id} is not linked to a complaint: name the"
        " complaint it answers (complaint_id), or file one",
        native_ref=ref.to_dict(),
    )


def filed_complaint_id(ref: NativeRef, filer: str) -> str:
    """The id of a complaint filed from a platform record: derived, so a retry files nothing new,
    and in the filer's own namespace (hub.domain.complaint_ids)."""
    readable = complaint_id_in(filer, f"{ref.kind}-{ref.native_id}")
    if _COMPLAINT_ID.match(readable) and in_namespace_of(readable, filer):
        return readable
    digest = uuid.uuid5(_FILED_NAMESPACE, f"{ref.platform}:{ref.kind}:{ref.native_id}").hex
    return complaint_id_in(filer, digest)


def _unmapped(parsed: ParseResult) -> tuple[tuple[str, str], ...]:
    """(field, code) of each code the adapter could not map, counted when the state is kept."""
    return tuple((item.field, item.code[:_MAX_CODE_CHARS]) for item in parsed.unmapped)


def _log_unmapped(parsed: ParseResult) -> None:
    """A code no table knows: the record is accepted, and operators learn which code to map.

    Field names, codes and pointers are the platform's vocabulary, never personal data.
    """
    for item in parsed.unmapped:
        log.warning(
            "native_code_unmapped",
            platform=parsed.native_ref.platform,
            kind=parsed.native_ref.kind,
            field=item.field,
            pointer=item.pointer,
            code=item.code[:_MAX_CODE_CHARS],
        )


def _older(previous: Mapping[str, Any] | None, state: Mapping[str, Any]) -> bool:
    """Whether the record predates the kept state (both carry the native update time)."""
    if not previous:
        return False
    try:
        before = datetime.fromisoformat(str(previous["updated_at"]))
        now = datetime.fromisoformat(str(state["updated_at"]))
        return now < before
    except (KeyError, ValueError, TypeError):
        return False  # a format without update times is diffed as it comes


def _stale(verdict: Appended | Exception) -> bool:
    return isinstance(verdict, DomainRefusal | StoreStaleVersion) and (
        verdict.slug == "stale-version"
    )


def _result(verdict: Appended | Exception, field: str, ref: NativeRef) -> Result:
    if isinstance(verdict, Appended):
        return verdict
    if isinstance(verdict, DomainRefusal | StoreStaleVersion):
        return refused_natively(verdict, field=field, native_ref=ref.to_dict())
    if isinstance(verdict, Problem):
        return verdict
    raise verdict


class _KeyedLocks:
    """One lock per native id while in use: this process applies one record of an id at a time.

    Across replicas, concurrent records of one id are still safe for the chain (deterministic
    event ids, group commit); the kept state is then the last committed.
    """

    def __init__(self) -> None:
        self._locks: dict[tuple[str, str, str], tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: tuple[str, str, str]) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)
