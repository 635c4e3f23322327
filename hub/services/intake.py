"""From a signed document to a pending event, and the per-item decision inside group commit."""

from __future__ import annotations

import enum
import hashlib
from datetime import datetime
from typing import Any

from hub.crypto.jcs import UnsignableValue, canonical_json, check_signable
from hub.problems import InvalidRecord
from hub.records.validate import RecordInvalid, validate_event
from hub.store.events import Appended, PendingEvent
from hub.store.evidence import Evidence


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
    try:
        check_signable(doc)
    except UnsignableValue as err:
        raise InvalidRecord(
            f"{err.pointer or '/'}: {err.reason}", pointer=err.pointer, rule="signable-json"
        ) from err
    return canonical_json(doc)


def build_pending(doc: Any, actor: str, evidence: Evidence | None) -> PendingEvent:
    body = canonical_event(doc)
    try:
        validate_event(doc)
    except RecordInvalid as err:
        raise InvalidRecord(str(err), pointer=err.pointer, rule=err.rule) from err
    return PendingEvent(
        event_id=doc["event_id"],
        complaint_id=doc["complaint_id"],
        version=doc["version"],
        type=doc["type"],
        actor=actor,
        occurred_at=datetime.fromisoformat(doc["occurred_at"]),
        body=body,
        event_sha256=hashlib.sha256(body).digest(),
        evidence=evidence,
    )
