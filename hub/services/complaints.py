"""Reading complaints by the reader's rights: one snapshot, its chain, and lists.

A report (举报) is read through the same paths by its own readers (the bureau that received it,
enforcement staff of its region, operators); to anyone else it does not exist.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from hub.domain.case_state import chain_from_state
from hub.domain.evidence_access import may_see_evidence
from hub.domain.roles import Actor
from hub.domain.scope import reader_scope
from hub.domain.visibility import may_read_chain
from hub.problems import NotFound
from hub.store.complaints import ChainEvent, ComplaintFilters, ComplaintStore, StoredSnapshot


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
    complaints: ComplaintStore, actor: Actor, complaint_id: str
) -> tuple[StoredSnapshot, list[ChainEvent]]:
    """The case and its events, without the evidence the reader may not see."""
    snapshot = await read_complaint(complaints, actor, complaint_id)
    chain = await complaints.chain(snapshot.complaint_id)
    return snapshot, [_as_seen_by(actor, event) for event in chain]


async def list_visible(
    complaints: ComplaintStore,
    actor: Actor,
    filters: ComplaintFilters,
    *,
    after: tuple[datetime, str] | None,
    limit: int,
) -> tuple[list[StoredSnapshot], bool]:
    found, more = await complaints.list(reader_scope(actor), filters, after=after, limit=limit)
    # The store filters by the same rights; the domain has the last word on each row.
    return [s for s in found if may_read_chain(actor, chain_from_state(s.state))], more
