"""Reading complaints by the reader's rights: one snapshot, its chain, and lists.

A report (举报) is read through the same paths by its own readers (the bureau that received it,
enforcement staff of its region, operators); to anyone else it does not exist.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

import structlog

from hub.crypto._b64 import b64url_encode
from hub.domain.case_state import chain_from_state, from_state, is_report_state
from hub.domain.evidence_access import may_see_evidence
from hub.domain.personal import Access, personal_access
from hub.domain.roles import Actor
from hub.domain.visibility import may_read_chain, readable_by
from hub.privacy.envelope import DecryptionFailed
from hub.privacy.keyfile import MasterKeyFileError
from hub.problems import NotFound
from hub.store.complaints import ChainEvent, ComplaintFilters, ComplaintStore, StoredSnapshot
from hub.vault.native_evidence import open_evidence
from hub.vault.resources import MasterKeySource

log = structlog.get_logger("hub.complaints")


async def read_complaint(
    complaints: ComplaintStore, actor: Actor, complaint_id: str
) -> StoredSnapshot:
    snapshot = await complaints.get(complaint_id)
    # A case the reader may not see is reported exactly like one that does not exist.
    if snapshot is None or not may_read_chain(actor, chain_from_state(snapshot.state)):
        raise NotFound(f"no complaint {complaint_id} visible to {actor.participant_id}")
    return snapshot


def _as_seen_by(actor: Actor, event: ChainEvent) -> ChainEvent:
    evidence = event.evidence
    if evidence is None or may_see_evidence(
        actor,
        sender=evidence["sender"],
        covered=evidence["covered"],
        complaints_touched=event.evidence_complaints,
        path=evidence["covered"].get('"@path"'),
    ):
        return event
    return dataclasses.replace(event, evidence=None)


async def read_chain(
    complaints: ComplaintStore,
    actor: Actor,
    complaint_id: str,
    *,
    keys: MasterKeySource | None = None,
) -> tuple[StoredSnapshot, list[ChainEvent]]:
    """The case and its events, without the evidence the reader may not see.

    Sealed evidence (a native message naming the buyer) is opened with `keys` only for those
    who may read the personal part; everyone else sees that it is sealed, and its digest.
    """
    snapshot = await read_complaint(complaints, actor, complaint_id)
    chain = [_as_seen_by(actor, event) for event in await complaints.chain(snapshot.complaint_id)]
    if keys is None or not _reads_personal(actor, snapshot):
        return snapshot, chain
    return snapshot, [await _opened(keys, event) for event in chain]


def _reads_personal(actor: Actor, snapshot: StoredSnapshot) -> bool:
    if is_report_state(snapshot.state):
        return False
    return personal_access(actor, from_state(snapshot.state)) is Access.FULL


async def _opened(keys: MasterKeySource, event: ChainEvent) -> ChainEvent:
    if event.evidence is None or event.seal is None:
        return event
    held = await keys.with_version(event.seal.key.key_version)
    try:
        opened = open_evidence(held, event.seal)
    except (DecryptionFailed, MasterKeyFileError) as err:
        # Shown sealed, as to any other reader; the position and the error's type only.
        log.warning("sealed_evidence_unreadable", position=event.position, error=type(err).__name__)
        return event
    shown = opened.evidence
    evidence = {
        "sender": shown.sender,
        "kid": shown.kid,
        "body": shown.body.decode(),
        "signature_input": shown.signature_input,
        "signature": shown.signature,
        "covered": shown.covered,
        "received_at": shown.received_at,
        "sealed": True,
        # With the salt the reader recomputes the receipt's evidence_sha256 itself.
        "salt": b64url_encode(opened.salt),
    }
    return dataclasses.replace(event, evidence=evidence)


async def list_visible(
    complaints: ComplaintStore,
    actor: Actor,
    filters: ComplaintFilters,
    *,
    after: tuple[datetime, str] | None,
    limit: int,
) -> tuple[list[StoredSnapshot], bool]:
    # The store lists exactly what `may_read_chain` allows: both apply the values of
    # `readable_by` (tests/store/test_read_rights.py holds them together for every role).
    return await complaints.list(readable_by(actor), filters, after=after, limit=limit)
