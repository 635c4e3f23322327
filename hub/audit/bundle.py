"""The offline proof bundle of one case: what a court receives, and how it is checked with no
database and no hub: its events, their evidence and receipts, the keys, each event's inclusion
proof and the signed tree head (with witnesses' cosignatures) they are proven against.

Pure: `check_bundle` imports nothing of the hub but hub.audit and hub.crypto.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hub.audit.checks import Failure, check_event
from hub.audit.heads import (
    HeadInvalid,
    b64,
    signed_head_matches,
    unb64,
    unb64_hash,
    verify_cosignature,
)
from hub.audit.merkle import ProofError, leaf_hash, verify_inclusion
from hub.audit.records import KeyRecord, LoggedEvent
from hub.crypto.keys import KeyFormatError, load_public_key

FORMAT = "complaint-hub-audit-bundle/v1"


class BundleInvalid(Exception):
    """The bundle does not prove what it claims; `failures` says where."""

    def __init__(self, failures: Sequence[Failure]) -> None:
        super().__init__("; ".join(str(f) for f in failures))
        self.failures = list(failures)


@dataclasses.dataclass(frozen=True)
class BundleReport:
    complaint_id: str
    events: int
    tree_size: int
    timestamp: int
    cosigned_by: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class ProvenEvent:
    event: LoggedEvent
    leaf_hash: bytes
    inclusion_path: Sequence[bytes]


def build_bundle(
    complaint_id: str,
    events: Sequence[ProvenEvent],
    tree_head: Mapping[str, Any],
    hub_jwks: Mapping[str, Any],
    participant_keys: Sequence[KeyRecord],
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "complaint_id": complaint_id,
        "tree_head": dict(tree_head),
        "hub_keys": dict(hub_jwks),
        "participant_keys": [key.to_json() for key in participant_keys],
        "events": [
            {
                **proven.event.to_json(),
                "leaf_index": proven.event.position - 1,
                "leaf_hash": b64(proven.leaf_hash),
                "inclusion_path": [b64(h) for h in proven.inclusion_path],
            }
            for proven in events
        ],
    }


def _hub_keys(document: Any) -> dict[str, Ed25519PublicKey]:
    keys = {}
    for jwk in document["keys"]:
        keys[str(jwk["kid"])] = load_public_key(orjson.dumps(jwk))
    return keys


def check_bundle(document: Mapping[str, Any]) -> BundleReport:
    """Verify everything the bundle says, offline; raise BundleInvalid naming what fails."""
    try:
        return _check(document)
    except (KeyError, TypeError, ValueError, KeyFormatError) as err:
        raise BundleInvalid([Failure(None, f"the bundle is malformed: {err!r}")]) from err


def _check(document: Mapping[str, Any]) -> BundleReport:
    if document.get("format") != FORMAT:
        raise BundleInvalid([Failure(None, f"not a {FORMAT} document")])
    complaint_id = str(document["complaint_id"])
    hub_keys = _hub_keys(document["hub_keys"])
    participant_keys = {
        key.kid: key for key in (KeyRecord.from_json(k) for k in document["participant_keys"])
    }
    served_head = document["tree_head"]
    try:
        head = signed_head_matches(served_head, hub_keys)
    except HeadInvalid as err:
        raise BundleInvalid([Failure(None, f"the tree head: {err}")]) from err
    failures: list[Failure] = []
    cosigned_by = []
    for cosignature in served_head.get("cosignatures", []):
        key = participant_keys.get(cosignature["kid"])
        try:
            if key is None or key.participant_id != cosignature["witness"]:
                raise HeadInvalid(f"no key {cosignature['kid']} of {cosignature['witness']}")
            verify_cosignature(
                head,
                int(cosignature["cosigned_at"]),
                unb64(cosignature["signature"], "signature"),
                Ed25519PublicKey.from_public_bytes(key.public_key),
            )
        except HeadInvalid as err:
            failures.append(Failure(None, f"the cosignature of {cosignature['witness']}: {err}"))
            continue
        cosigned_by.append(str(cosignature["witness"]))
    events = document["events"]
    for expected_version, item in enumerate(events, start=1):
        event = LoggedEvent.from_json(item)
        stored_leaf = unb64_hash(item["leaf_hash"], "leaf_hash")
        reasons = check_event(event, stored_leaf, hub_keys, participant_keys)
        if event.complaint_id != complaint_id:
            reasons.append(f"the event belongs to {event.complaint_id}, not {complaint_id}")
        if event.version != expected_version:
            reasons.append(f"version {event.version} where {expected_version} was due: a gap")
        try:
            verify_inclusion(
                event.position - 1,
                head.tree_size,
                leaf_hash(event.leaf()),
                [unb64_hash(h, "inclusion_path") for h in item["inclusion_path"]],
                head.root_hash,
            )
        except ProofError as err:
            reasons.append(f"not included in the signed tree head: {err}")
        failures.extend(Failure(event.position, reason) for reason in reasons)
    if failures:
        failures.sort(key=lambda f: (f.position is not None, f.position or 0))
        raise BundleInvalid(failures)
    return BundleReport(
        complaint_id, len(events), head.tree_size, head.timestamp, tuple(cosigned_by)
    )
