"""The consumer's personal part: written by the filer, read by those entitled, erased by operators.

Nothing here logs any part of the personal document: log lines carry the
complaint id and what happened, never what the consumer wrote.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

import orjson
import structlog

from hub.crypto._b64 import b64url_encode
from hub.crypto.receipts import rfc3339
from hub.domain.case import CaseView
from hub.domain.case_state import from_state, is_report_state
from hub.domain.complaint_ids import in_namespace_of
from hub.domain.personal import Access, WriteVerdict, belongs_to_case, may_write, personal_access
from hub.domain.roles import Actor, Role
from hub.privacy.commitment import new_salt
from hub.privacy.masking import mask_personal
from hub.privacy.sealed import OpenedPersonal, SealedPersonal, open_personal, seal_personal
from hub.problems import Conflict, Forbidden, NotFound, PersonalErased
from hub.records.validate import validate_personal
from hub.services.records import invalid_record_problems
from hub.store.complaints import ComplaintStore
from hub.store.evidence import Evidence
from hub.store.personal import PersonalStore, StoredPersonal
from hub.vault.resources import MasterKeySource

log = structlog.get_logger("hub.personal")


@dataclasses.dataclass(frozen=True)
class PersonalSources:
    """What the personal part is read from and written to."""

    parts: PersonalStore
    complaints: ComplaintStore
    keys: MasterKeySource


@dataclasses.dataclass(frozen=True)
class WrittenPersonal:
    complaint_id: str
    commitment: str
    # The filer's to keep: with it, the commitment can be recomputed outside the hub.
    salt: bytes
    created: bool  # False when an earlier write was replaced


@dataclasses.dataclass(frozen=True)
class ShownPersonal:
    """The personal part as one reader may see it: whole (with its salt), or masked."""

    complaint_id: str
    access: Access  # FULL or MASKED, never NONE
    personal: dict[str, Any]
    salt: bytes | None  # only with FULL access
    commitment: str
    commitment_matches_filing: bool
    updated_at: datetime


async def _case(complaints: ComplaintStore, complaint_id: str) -> CaseView | None:
    snapshot = await complaints.get(complaint_id)
    # a report's chain is no complaint: its personal part is not served here
    if snapshot is None or is_report_state(snapshot.state):
        return None
    return from_state(snapshot.state)


def _sealed(stored: StoredPersonal) -> SealedPersonal:
    if stored.sealed is None:
        erased_at = rfc3339(stored.erased_at) if stored.erased_at else None
        raise PersonalErased(
            f"the personal part of {stored.complaint_id} was erased at {erased_at}; the case's "
            "events and receipts remain",
            erased_at=erased_at,
        )
    return stored.sealed


async def _open(keys: MasterKeySource, complaint_id: str, sealed: SealedPersonal) -> OpenedPersonal:
    held = await keys.with_version(sealed.key.key_version)
    return open_personal(held, complaint_id, sealed.key, sealed.personal)


def _evidence_bytes(evidence: Evidence) -> bytes:
    return orjson.dumps(
        {
            "sender": evidence.sender,
            "kid": evidence.kid,
            "body": b64url_encode(evidence.body),
            "signature_input": evidence.signature_input,
            "signature": evidence.signature,
            "covered": evidence.covered,
            "received_at": rfc3339(evidence.received_at),
        }
    )


def _refuse(verdict: WriteVerdict, complaint_id: str, actor: Actor) -> None:
    if verdict is WriteVerdict.NOT_FOUND:
        raise NotFound(f"no complaint {complaint_id} visible to {actor.participant_id}")
    if verdict is WriteVerdict.NOT_FILER:
        raise Forbidden(
            "personal-filer-only", f"only the filer of {complaint_id} writes its personal part"
        )
    if verdict is WriteVerdict.MAY_NOT_FILE:
        raise Forbidden(
            "personal-filer-only", "only a participant that files complaints writes personal parts"
        )
    if verdict is WriteVerdict.RESERVED:
        raise Conflict(f"another participant wrote the personal part of {complaint_id} first")


async def write_personal(
    sources: PersonalSources, actor: Actor, complaint_id: str, document: Any, evidence: Evidence
) -> WrittenPersonal:
    """Validate, check the writer, seal and save (replacing the revision read)."""
    with invalid_record_problems():
        validate_personal(document)
    case = await _case(sources.complaints, complaint_id)
    stored = await sources.parts.get(complaint_id)
    stored_writer = stored.filer if stored is not None else None
    verdict = may_write(actor, case, stored_writer)
    if (
        case is None
        and verdict is not WriteVerdict.MAY_NOT_FILE
        and not in_namespace_of(complaint_id, actor.participant_id)
    ):
        # Ahead of its filing a part is written only under the writer's own ids; another's id
        # is answered as a complaint the writer may not see, filed or not.
        verdict = WriteVerdict.NOT_FOUND
    _refuse(verdict, complaint_id, actor)
    salt = new_salt()
    if stored is not None:
        # Erasure is final: writing again would undo what the retention period required.
        previous = _sealed(stored)
        # The writer's own earlier salt is kept, so a retry gets the commitment it already filed.
        if stored.filer == actor.participant_id:
            salt = (await _open(sources.keys, complaint_id, previous)).salt
    with invalid_record_problems():
        sealed = seal_personal(
            sources.keys.keys, complaint_id, document, salt=salt, evidence=_evidence_bytes(evidence)
        )
    saved = await sources.parts.save(complaint_id, actor.participant_id, sealed, replaces=stored)
    log.info("personal_part_written", complaint_id=complaint_id, revision=saved.revision)
    return WrittenPersonal(complaint_id, saved.commitment, salt, created=stored is None)


async def read_personal(sources: PersonalSources, actor: Actor, complaint_id: str) -> ShownPersonal:
    """The part as `actor` may see it; NotFound when it may see no case or no filer's part."""
    case = await _case(sources.complaints, complaint_id)
    access = Access.NONE if case is None else personal_access(actor, case)
    if case is None or access is Access.NONE:
        raise NotFound(f"no complaint {complaint_id} visible to {actor.participant_id}")
    stored = await sources.parts.get(complaint_id)
    if stored is None or not belongs_to_case(stored.filer, case):
        raise NotFound(f"complaint {complaint_id} has no personal part from its filer")
    opened = await _open(sources.keys, complaint_id, _sealed(stored))
    matches = stored.commitment == stored.filed_commitment
    if not matches:
        log.warning("personal_commitment_mismatch", complaint_id=complaint_id)
    full = access is Access.FULL
    return ShownPersonal(
        complaint_id=complaint_id,
        access=access,
        personal=opened.personal if full else mask_personal(opened.personal),
        # With the salt an entitled reader checks the commitment in the filing event itself.
        salt=opened.salt if full else None,
        commitment=stored.commitment,
        commitment_matches_filing=matches,
        updated_at=stored.updated_at,
    )


async def erase_personal(parts: PersonalStore, actor: Actor, complaint_id: str) -> datetime:
    """Erase the part for good; returns when it was (first) erased."""
    if actor.role is not Role.OPERATOR:
        raise Forbidden("operator-only", "only an operator erases a personal part")
    erased_at = await parts.erase(complaint_id)
    if erased_at is None:
        raise NotFound(f"complaint {complaint_id} has no personal part")
    log.info("personal_part_erased", complaint_id=complaint_id, by=actor.participant_id)
    return erased_at
