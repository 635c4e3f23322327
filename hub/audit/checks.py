"""Re-checking the record: each event against its digest, its leaf, its receipt and the sender's
signature; the tree against the signed heads. Pure: the callers read the values.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hub.audit.batch_receipts import verified_receipt_leaf
from hub.audit.heads import HeadInvalid, TreeHead, verify_head
from hub.audit.merkle import (
    ProofError,
    append_leaves,
    frontier_nodes,
    leaf_hash,
    root_from_frontier,
    verify_consistency,
)
from hub.audit.records import KeyRecord, LoggedEvent, LoggedEvidence
from hub.crypto.errors import SignatureError
from hub.crypto.httpsig import verify_request, verify_response
from hub.crypto.jws import JwsError
from hub.crypto.message import Component, MessageView
from hub.crypto.signature_input import parse_signatures


@dataclasses.dataclass(frozen=True)
class Failure:
    """What failed, and where: the first position it concerns (None: the log as a whole)."""

    position: int | None
    reason: str

    def __str__(self) -> str:
        where = f"position {self.position}" if self.position is not None else "the log"
        return f"{where}: {self.reason}"


@dataclasses.dataclass(frozen=True)
class _CoveredView(MessageView):
    """A message known only by the values its signature covered, as evidence keeps them."""

    covered: Mapping[str, str] = dataclasses.field(default_factory=dict)

    @property
    def has_query(self) -> bool:
        return '"@query"' in self.covered

    def resolve(self, component: Component) -> str:
        try:
            return self.covered[component.identifier]
        except KeyError:
            raise SignatureError(
                f"the evidence keeps no value for {component.identifier}"
            ) from None


def check_evidence_signature(evidence: LoggedEvidence, public_key: Ed25519PublicKey) -> None:
    """Re-verify the sender's RFC 9421 signature on its stored components, as of when it was
    made (its `created` time: a signature years old is judged by the hour it was sent)."""
    parsed = parse_signatures(evidence.signature_input, evidence.signature)[0]
    created = parsed.params.created or 0
    view = _CoveredView(covered=evidence.covered)
    if any(c.name == "@status" for c in parsed.components):
        verify_response(parsed, view, evidence.body, public_key, now=created)
    else:
        verify_request(parsed, view, evidence.body, public_key, now=created)


def _check_evidence(event: LoggedEvent, keys: Mapping[str, KeyRecord]) -> Iterable[str]:
    evidence = event.evidence
    if evidence is None:
        if event.evidence_sha256 is not None:
            yield "the evidence its receipt names is missing"
        return
    if evidence.sha256 != event.evidence_sha256 or (
        not evidence.sealed and evidence.digest() != evidence.sha256
    ):
        yield "the evidence does not match the digest its receipt names"
    if evidence.sender != event.actor:
        yield f"the evidence was sent by {evidence.sender}, not by the actor {event.actor}"
    key = keys.get(evidence.kid)
    if key is None or key.participant_id != evidence.sender:
        yield f"the sender's key {evidence.kid} is not registered to {evidence.sender}"
        return
    if not key.valid_at(evidence.received_at):
        yield f"the sender's key {evidence.kid} was not valid when the request was received"
    if evidence.sealed:
        return  # only those holding its key re-verify it (docs/retention.md)
    try:
        check_evidence_signature(evidence, Ed25519PublicKey.from_public_bytes(key.public_key))
    except (SignatureError, ValueError, IndexError) as err:
        yield f"the sender's signature does not verify: {err}"


def check_event(
    event: LoggedEvent,
    stored_leaf_hash: bytes | None,
    hub_keys: Mapping[str, Ed25519PublicKey],
    participant_keys: Mapping[str, KeyRecord],
) -> list[str]:
    """Every reason `event` is not what was accepted (empty when it is)."""
    reasons: list[str] = []
    if hashlib.sha256(event.body).digest() != event.event_sha256:
        reasons.append("the event's body does not match its digest")
    else:
        try:
            body: Any = orjson.loads(event.body)
        except orjson.JSONDecodeError:
            body = None
        stated = (event.event_id, event.complaint_id, event.version, event.type)
        if not isinstance(body, dict) or stated != tuple(
            body.get(k) for k in ("event_id", "complaint_id", "version", "type")
        ):
            reasons.append("the event's body does not name its event_id, complaint, version, type")
    leaf = event.leaf()
    if stored_leaf_hash is None:
        reasons.append("the event has no leaf in the log")
    elif leaf_hash(leaf) != stored_leaf_hash:
        reasons.append("the log's leaf differs from the event")
    if event.receipt is None:
        reasons.append("the event has no receipt")
    else:
        try:
            if verified_receipt_leaf(event.receipt, hub_keys) != leaf:
                reasons.append("the receipt signs other values than the event's")
        except JwsError as err:
            reasons.append(f"the receipt does not verify under the hub's keys: {err}")
    reasons.extend(_check_evidence(event, participant_keys))
    return reasons


class TreeWalk:
    """The tree rebuilt leaf by leaf from the events, its root compared with each head."""

    def __init__(self) -> None:
        self.size = 0
        self._frontier: list[bytes] = []

    def append(self, leaf_hashes: Sequence[bytes]) -> None:
        ids = frontier_nodes(self.size)
        hashes = dict(zip(ids, self._frontier, strict=True))
        for level, index, hash_ in append_leaves(self.size, self._frontier, leaf_hashes):
            hashes[(level, index)] = hash_
        self.size += len(leaf_hashes)
        self._frontier = [hashes[node] for node in frontier_nodes(self.size)]

    def root(self) -> bytes:
        return root_from_frontier(self._frontier)


def check_heads(
    heads: Sequence[tuple[str, Mapping[str, Any]]],
    roots_by_size: Mapping[int, bytes],
    hub_keys: Mapping[str, Ed25519PublicKey],
) -> list[Failure]:
    """Each head (its JWS and its served fields) verifies and states the rebuilt root."""
    failures = []
    for signature, fields in heads:
        try:
            head = verify_head(signature, hub_keys)
            if TreeHead.from_json(fields) != head:
                raise HeadInvalid("its stored fields differ from what it signed")
        except HeadInvalid as err:
            failures.append(
                Failure(None, f"the tree head of size {fields.get('tree_size')}: {err}")
            )
            continue
        rebuilt = roots_by_size.get(head.tree_size)
        if rebuilt is None:
            failures.append(
                Failure(None, f"the tree head of size {head.tree_size} is beyond the log")
            )
        elif rebuilt != head.root_hash:
            failures.append(
                Failure(
                    head.tree_size,
                    f"the signed head of size {head.tree_size} states another root than the"
                    " events give: an event up to this position was changed or removed",
                )
            )
    return failures


def check_consistency(
    earlier: TreeHead, later: TreeHead, consistency_path: Sequence[bytes]
) -> Failure | None:
    try:
        verify_consistency(
            earlier.tree_size,
            later.tree_size,
            earlier.root_hash,
            later.root_hash,
            consistency_path,
        )
    except ProofError as err:
        return Failure(
            None,
            f"the head of size {earlier.tree_size} is not consistent with the head of size"
            f" {later.tree_size}: {err}",
        )
    return None
