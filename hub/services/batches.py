"""Batch intake: up to 1,000 events signed once, each item decided on its own, appended in one
commit and receipted by one hub signature over the Merkle root of the accepted items.

Every item goes through the single event's steps (hub.services.intake): schema, signable JSON,
the reserved hub ids, the transfer look-up, then the same per-item check inside the commit
(actor = signer, role and voice rules, chained versions, idempotency by event id). Items are
appended in the order sent, so a batch may file a complaint and extend it. An item refused is
answered with its own problem and changes nothing; the others go on.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from hub.audit.batch_receipts import BATCH_TYPE, seal_batch
from hub.crypto.jws import sign_compact
from hub.crypto.receipts import rfc3339
from hub.metrics.instruments import EVENTS_ACCEPTED
from hub.problems import InvalidRecord, Problem, ServiceUnavailable
from hub.services.decisions import CaseChecks
from hub.services.intake import FAST, Pipeline, build_pending
from hub.store.batches import BatchBusy, BatchSeal, BatchStore, BatchUnstorable
from hub.store.events import Appended, EventStore, PendingEvent
from hub.store.evidence import Evidence
from hub.store.participants import Participant
from hub.trust.signer import HubSigner

MAX_ITEMS = 1000
# Items checked between yields to the event loop: a batch's CPU work comes in slices of a few
# milliseconds, so the same process's other requests are not held up behind a whole batch.
SLICE_ITEMS = 100
# Seconds a batch refused for want of database locks is told to wait before it is sent again.
BUSY_RETRY_AFTER_S = 1

Outcome = Appended | Problem


@dataclasses.dataclass(frozen=True)
class BatchResult:
    """Per item, in the order sent, its verdict; the batch JWS when any item was new."""

    items: list[Outcome]
    batch_receipt: str | None


def batch_items(doc: Any) -> list[Any]:
    """The items of a batch document `{"events": [...]}`, 1 to MAX_ITEMS of them."""
    if not isinstance(doc, dict) or set(doc) != {"events"}:
        raise InvalidRecord(
            'a batch is {"events": [...]} and nothing else', pointer="", rule="batch"
        )
    items = doc["events"]
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS:
        raise InvalidRecord(
            f"/events: send an array of 1 to {MAX_ITEMS} events",
            pointer="/events",
            rule="batch-size",
            max_items=MAX_ITEMS,
        )
    return items


def batch_seal(signer: HubSigner) -> BatchSeal:
    """Signs a batch with the hub key active at its commit time."""

    def seal(
        leaves: Sequence[bytes], accepted_at: datetime, actor: str, evidence: Evidence | None
    ) -> tuple[str, list[str]]:
        key = signer.active(accepted_at)
        return seal_batch(
            leaves,
            lambda payload: sign_compact(payload, key.private_key, key.kid, typ=BATCH_TYPE),
            accepted_at=rfc3339(accepted_at),
            actor=actor,
            evidence_sha256=evidence.sha256.hex() if evidence else None,
        )

    return seal


@dataclasses.dataclass(frozen=True)
class BatchIntake:
    batches: BatchStore
    events: EventStore
    checks: CaseChecks
    signer: HubSigner

    async def accept(
        self,
        participant: Participant,
        doc: Any,
        evidence: Evidence,
        pipeline: Pipeline = FAST,
    ) -> BatchResult:
        items = batch_items(doc)
        outcomes: list[Outcome | None] = [None] * len(items)
        pending: list[tuple[int, PendingEvent]] = []
        for index, item in enumerate(items):
            if index and index % SLICE_ITEMS == 0:
                await asyncio.sleep(0)
            try:
                event = build_pending(item, participant.participant_id, evidence, pipeline=pipeline)
            except Problem as problem:
                outcomes[index] = problem
                continue
            pending.append((index, event))
        batch_receipt = None
        if pending:
            appended, batch_receipt = await self._append(participant, [e for _, e in pending])
            for (index, _), outcome in zip(pending, appended, strict=True):
                outcomes[index] = outcome
        return BatchResult(outcomes, batch_receipt)  # type: ignore[arg-type]

    async def _append(
        self, participant: Participant, events: list[PendingEvent]
    ) -> tuple[list[Outcome], str | None]:
        check = self.checks.for_actor(participant)
        try:
            appended = await self.batches.append_batch(events, check, batch_seal(self.signer))
        except BatchBusy as err:
            busy = ServiceUnavailable(
                "the database has no room for this batch's locks now; nothing was stored, "
                f"retry after the time in Retry-After, or send smaller batches ({err})"
            )
            busy.headers["Retry-After"] = str(BUSY_RETRY_AFTER_S)
            raise busy from err
        except BatchUnstorable:
            # Group commit finds the one item the database refuses and commits the others, each
            # under a single-event receipt; the order of the batch is kept within each case.
            results = await self.events.append_many(events, check)
            return [_outcome(r) for r in results], None
        _count_accepted(events, appended.results)
        return appended.results, appended.batch_receipt


def _count_accepted(events: Sequence[PendingEvent], results: Sequence[Outcome]) -> None:
    """One increment per type and sender for the whole batch. (Group commit, which takes over
    an unstorable batch, counts its own.)"""
    accepted = collections.Counter(
        (event.type, result.actor)
        for event, result in zip(events, results, strict=True)
        if isinstance(result, Appended) and not result.duplicate
    )
    for (event_type, actor), count in accepted.items():
        EVENTS_ACCEPTED.labels(event_type, actor).inc(count)


def _outcome(result: Appended | Exception) -> Outcome:
    if isinstance(result, Appended | Problem):
        return result
    return ServiceUnavailable("the item could not be stored; nothing was stored for it, retry")
