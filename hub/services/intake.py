"""Intake: from a signed document to a pending event, appended once (a retry gets its receipt)."""

from __future__ import annotations

import dataclasses
import enum
import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from hub.crypto.jcs import canonical_json, check_signable
from hub.domain.breaches import is_hub_event_id
from hub.domain.named import named_ids
from hub.problems import EventIdReused, IdConflict, InvalidRecord
from hub.records.strict_json import loads_stdlib, loads_unique
from hub.records.validate import validate_event, validate_event_reference
from hub.services.decisions import CaseChecks
from hub.services.records import invalid_record_problems
from hub.store.events import Appended, EventStore, PendingEvent
from hub.store.evidence import Evidence
from hub.store.participants import Participant


class Idempotency(enum.Enum):
    RETRY = "retry"  # same actor, same canonical digest: answer with the stored receipt
    OTHER_DIGEST = "other-digest"  # same actor, another body: the id was reused
    OTHER_ACTOR = "other-actor"  # somebody else's event id: reveal nothing about it


def idempotency_verdict(stored: Appended, *, actor: str, event_sha256: bytes) -> Idempotency:
    if stored.actor != actor:
        return Idempotency.OTHER_ACTOR
    if stored.event_sha256 != event_sha256:
        return Idempotency.OTHER_DIGEST
    return Idempotency.RETRY


def canonical_event(doc: Any) -> bytes:
    """The canonical bytes a receipt's event digest covers; refuses floats and big integers."""
    with invalid_record_problems():
        return canonical_json(doc)  # checks the profile first


def _canonical_rfc8785(doc: Any) -> bytes:
    import rfc8785  # the benchmark's baseline only; a bench/test dependency

    with invalid_record_problems():
        check_signable(doc)
    return bytes(rfc8785.dumps(doc))


@dataclasses.dataclass(frozen=True)
class Pipeline:
    """The steps from a body to a pending event, each callable on its own (a batch reuses them):
    parse, then (after the signature) validate and canonicalise, then append."""

    parse: Callable[[bytes], Any]
    validate: Callable[[Any], None]
    canonical: Callable[[Any], bytes]
    # Recompute the canonical bytes for the digest rather than reuse those stored (baseline).
    recompute: bool = False


# The hub's pipeline: one orjson parse that also refuses repeated names, the compiled validator,
# canonical bytes computed once per event and reused for the receipt, leaf and idempotency.
FAST = Pipeline(parse=loads_unique, validate=validate_event, canonical=canonical_event)
# The benchmark's baseline (COMPLAINT_HUB_BASELINE_MODE): the standard json module, the reference
# `jsonschema`, canonical JSON recomputed with the `rfc8785` package at each use.
BASELINE = Pipeline(
    parse=loads_stdlib,
    validate=validate_event_reference,
    canonical=_canonical_rfc8785,
    recompute=True,
)


def pipeline_for(baseline_mode: bool) -> Pipeline:
    return BASELINE if baseline_mode else FAST


def build_pending(
    doc: Any,
    actor: str,
    evidence: Evidence | None,
    *,
    by_hub: bool = False,
    pipeline: Pipeline = FAST,
) -> PendingEvent:
    """The pending event of a schema-valid document; `by_hub` for the hub's own events only."""
    body = pipeline.canonical(doc)
    with invalid_record_problems():
        pipeline.validate(doc)
    if not by_hub and is_hub_event_id(doc["event_id"]):
        raise InvalidRecord(
            "/event_id: UUID version 8 is reserved for the events the hub records itself; "
            "send a random (version 4) or your own name-based (version 5) id",
            pointer="/event_id",
            rule="hub-event-id",
        )
    return PendingEvent(
        event_id=doc["event_id"],
        complaint_id=doc["complaint_id"],
        version=doc["version"],
        type=doc["type"],
        actor=actor,
        occurred_at=datetime.fromisoformat(doc["occurred_at"]),
        body=body,
        event_sha256=hashlib.sha256(
            pipeline.canonical(doc) if pipeline.recompute else body
        ).digest(),
        evidence=evidence,
        named=named_ids(doc["type"], doc["data"]),
    )


def _answer(stored: Appended, pending: PendingEvent) -> Appended:
    verdict = idempotency_verdict(stored, actor=pending.actor, event_sha256=pending.event_sha256)
    if verdict is Idempotency.OTHER_ACTOR:
        raise IdConflict("this event_id cannot be used; choose a new one")
    if verdict is Idempotency.OTHER_DIGEST:
        raise EventIdReused(
            f"event_id {stored.event_id} was already accepted with a different body; "
            "a retry must resend the same event, a new event needs a new event_id",
            position=stored.position,
        )
    return stored


async def accept_event(
    store: EventStore,
    checks: CaseChecks,
    participant: Participant,
    doc: Any,
    evidence: Evidence,
    pipeline: Pipeline = FAST,
) -> Appended:
    """Append one signed event, or answer a retry with what was appended the first time."""
    pending = build_pending(doc, participant.participant_id, evidence, pipeline=pipeline)
    # Idempotency before any decision: a retry after a lost response gets its receipt even when
    # later events have moved the case on since. The group transaction looks the event id up
    # before it checks the case (or the participants the event names).
    return _answer(await store.append(pending, checks.for_actor(participant)), pending)
