"""Receipts: the hub's compact JWS over digests of what it accepted, never over the event itself.

Payload (RFC 8785 canonical JSON): {event_id, complaint_id, version, position, accepted_at,
actor, event_sha256, evidence_sha256}; digests are lowercase hex, `accepted_at` RFC 3339 UTC.
Signed with JOSE `alg` `Ed25519` (RFC 9864); receipts issued as `EdDSA` keep verifying. The same
canonical payload is the event's leaf in the audit log (hub.audit).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hub.crypto.jcs import canonical_json
from hub.crypto.jws import sign_compact, unverified_payload, verify_compact

RECEIPT_TYPE = "complaint-hub-receipt+jws"


def rfc3339(moment: datetime) -> str:
    """UTC with microseconds and `Z`: one spelling, so the same instant signs the same bytes."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def receipt_payload(
    *,
    event_id: str,
    complaint_id: str,
    version: int,
    position: int,
    accepted_at: datetime,
    actor: str,
    event_sha256: bytes,
    evidence_sha256: bytes | None,
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "complaint_id": complaint_id,
        "version": version,
        "position": position,
        "accepted_at": rfc3339(accepted_at),
        "actor": actor,
        "event_sha256": event_sha256.hex(),
        "evidence_sha256": evidence_sha256.hex() if evidence_sha256 else None,
    }


def sign_receipt(payload: Mapping[str, Any], private_key: Ed25519PrivateKey, kid: str) -> str:
    return sign_compact(canonical_json(dict(payload)), private_key, kid, typ=RECEIPT_TYPE)


def receipt_leaf(token: str) -> bytes:
    """The canonical payload a receipt signs: the audit log's leaf for its event. Taken from the
    token the hub just signed, so the canonical JSON is computed once per event."""
    return unverified_payload(token)


def verify_receipt(
    token: str, public_keys_by_kid: Mapping[str, Ed25519PublicKey]
) -> dict[str, Any]:
    """The receipt's payload, after its signature verified against the hub's keys."""
    payload: dict[str, Any] = orjson.loads(verify_compact(token, public_keys_by_kid))
    return payload
