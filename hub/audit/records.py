"""What the audit log is checked against: events as stored, their evidence, participants' keys.

Plain values, shared by the store (which reads them), the verifier (which re-checks them) and the
offline bundle (which carries them as JSON). Pure.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from hub.crypto._b64 import b64url_decode, b64url_encode
from hub.crypto.jcs import canonical_json
from hub.crypto.receipts import receipt_payload, rfc3339


@dataclasses.dataclass(frozen=True)
class LoggedEvidence:
    """A signed request (or pull response) as the hub received it."""

    sha256: bytes
    sender: str
    kid: str
    body: bytes
    signature_input: str
    signature: str
    covered: dict[str, str]
    received_at: datetime
    # A platform's native message, sealed (hub.vault.native_evidence): body and signature are
    # kept only under the complaint's key, and `sha256` is salted, so neither is re-checked here.
    sealed: bool = False

    def digest(self) -> bytes:
        """The digest a receipt commits to (hub.store.evidence.Evidence.sha256, recomputed)."""
        document = {
            "body_sha256": hashlib.sha256(self.body).hexdigest(),
            "covered": self.covered,
            "kid": self.kid,
            "sender": self.sender,
            "signature": self.signature,
            "signature_input": self.signature_input,
        }
        return hashlib.sha256(canonical_json(document)).digest()

    def to_json(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256.hex(),
            "sender": self.sender,
            "kid": self.kid,
            "body": b64url_encode(self.body),
            "signature_input": self.signature_input,
            "signature": self.signature,
            "covered": self.covered,
            "received_at": rfc3339(self.received_at),
            # Named only when sealed: bundles of unsealed evidence read as before.
            **({"sealed": True} if self.sealed else {}),
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> LoggedEvidence:
        return cls(
            bytes.fromhex(document["sha256"]),
            str(document["sender"]),
            str(document["kid"]),
            b64url_decode(document["body"]),
            str(document["signature_input"]),
            str(document["signature"]),
            {str(k): str(v) for k, v in document["covered"].items()},
            datetime.fromisoformat(document["received_at"]),
            document.get("sealed") is True,
        )


@dataclasses.dataclass(frozen=True)
class LoggedEvent:
    """An events row as stored: what a verifier re-derives the event's leaf from."""

    position: int
    event_id: str
    complaint_id: str
    version: int
    type: str
    actor: str
    accepted_at: datetime
    body: bytes  # the canonical JSON the sender's event digest covers
    event_sha256: bytes
    evidence_sha256: bytes | None
    receipt: str | None
    evidence: LoggedEvidence | None

    def leaf(self) -> bytes:
        """The audit log's leaf for this event: its receipt's canonical payload."""
        return canonical_json(
            receipt_payload(
                event_id=self.event_id,
                complaint_id=self.complaint_id,
                version=self.version,
                position=self.position,
                accepted_at=self.accepted_at,
                actor=self.actor,
                event_sha256=self.event_sha256,
                evidence_sha256=self.evidence_sha256,
            )
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "event_id": self.event_id,
            "complaint_id": self.complaint_id,
            "version": self.version,
            "type": self.type,
            "actor": self.actor,
            "accepted_at": rfc3339(self.accepted_at),
            "body": b64url_encode(self.body),
            "event_sha256": self.event_sha256.hex(),
            "evidence_sha256": self.evidence_sha256.hex() if self.evidence_sha256 else None,
            "receipt": self.receipt,
            "evidence": self.evidence.to_json() if self.evidence else None,
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> LoggedEvent:
        evidence_sha256 = document.get("evidence_sha256")
        evidence = document.get("evidence")
        return cls(
            int(document["position"]),
            str(document["event_id"]),
            str(document["complaint_id"]),
            int(document["version"]),
            str(document["type"]),
            str(document["actor"]),
            datetime.fromisoformat(document["accepted_at"]),
            b64url_decode(document["body"]),
            bytes.fromhex(document["event_sha256"]),
            bytes.fromhex(evidence_sha256) if evidence_sha256 else None,
            document.get("receipt"),
            LoggedEvidence.from_json(evidence) if evidence else None,
        )


@dataclasses.dataclass(frozen=True)
class KeyRecord:
    """A participant's key with its validity, to judge a signature by the key as it was then."""

    kid: str
    participant_id: str
    public_key: bytes  # raw Ed25519
    not_before: datetime
    not_after: datetime | None
    revoked_at: datetime | None

    def valid_at(self, moment: datetime) -> bool:
        return (
            self.not_before <= moment
            and (self.not_after is None or moment < self.not_after)
            and (self.revoked_at is None or moment < self.revoked_at)
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "kid": self.kid,
            "participant_id": self.participant_id,
            "public_key": b64url_encode(self.public_key),
            "not_before": rfc3339(self.not_before),
            "not_after": rfc3339(self.not_after) if self.not_after else None,
            "revoked_at": rfc3339(self.revoked_at) if self.revoked_at else None,
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> KeyRecord:
        def moment(name: str) -> datetime | None:
            value = document.get(name)
            return datetime.fromisoformat(value) if value else None

        not_before = moment("not_before")
        if not_before is None:
            raise ValueError(f"key {document.get('kid')!r} has no not_before")
        return cls(
            str(document["kid"]),
            str(document["participant_id"]),
            b64url_decode(document["public_key"]),
            not_before,
            moment("not_after"),
            moment("revoked_at"),
        )
