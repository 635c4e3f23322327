"""A platform's native message as evidence, sealed: it names the buyer, so nobody reads it in the
clear, yet while its key exists the sender's signature can be re-verified (DESIGN.md, Privacy).

    sealed  = AES-GCM(data key, salt || JSON of the message as received)
    sha256  = SHA-256(salt || JCS(digest document))    what receipts and audit leaves commit to

The digest document is the one unsealed evidence is digested over (hub.store.evidence): the body's
digest, the covered values, key id, sender, signature and its input. The salt (32 random bytes)
exists only inside the seal, so the digest in a receipt or a leaf cannot test guesses of a buyer's
nick or phone number; destroying the wrapped data key (retention) leaves it an opaque value under
which every receipt and the audit log still verify.
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import datetime
from typing import Any, Protocol

import orjson
import structlog

from hub.crypto._b64 import b64url_decode, b64url_encode
from hub.crypto.jcs import canonical_json
from hub.crypto.receipts import rfc3339
from hub.privacy.commitment import SALT_BYTES, new_salt
from hub.privacy.envelope import decrypt, encrypt, new_data_key, unwrap_data_key
from hub.privacy.keyfile import MasterKeys
from hub.store.evidence import Evidence, EvidenceSeal, EvidenceSeals

log = structlog.get_logger("hub.privacy")

_PURPOSE = "native-evidence"


@dataclasses.dataclass(frozen=True)
class OpenedEvidence:
    salt: bytes
    evidence: Evidence  # as received, without its seal


def sealed_digest(salt: bytes, evidence: Evidence) -> bytes:
    """SHA-256(salt || JCS(digest document)): recomputable by whoever opens the seal."""
    return hashlib.sha256(salt + canonical_json(evidence.digest_document())).digest()


def _message(evidence: Evidence) -> bytes:
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


def seal_evidence(keys: MasterKeys, complaint_id: str, evidence: Evidence) -> Evidence:
    """The same evidence, sealed under a fresh data key that `complaint_id`'s erasure destroys."""
    plain = dataclasses.replace(evidence, seal=None)
    salt = new_salt()
    data_key, wrapped = new_data_key(keys, complaint_id)
    message = encrypt(data_key, complaint_id, _PURPOSE, wrapped.key_version, salt + _message(plain))
    seal = EvidenceSeal(complaint_id, wrapped, message, sealed_digest(salt, plain))
    return dataclasses.replace(plain, seal=seal)


def open_evidence(keys: MasterKeys, seal: EvidenceSeal) -> OpenedEvidence:
    """The message as received; raises DecryptionFailed when the seal is not this complaint's."""
    data_key = unwrap_data_key(keys, seal.complaint_id, seal.key)
    plain = decrypt(data_key, seal.complaint_id, _PURPOSE, seal.key.key_version, seal.message)
    document: dict[str, Any] = orjson.loads(plain[SALT_BYTES:])
    evidence = Evidence(
        sender=str(document["sender"]),
        kid=str(document["kid"]),
        body=b64url_decode(document["body"]),
        signature_input=str(document["signature_input"]),
        signature=str(document["signature"]),
        covered={str(k): str(v) for k, v in document["covered"].items()},
        received_at=datetime.fromisoformat(document["received_at"]),
    )
    return OpenedEvidence(plain[:SALT_BYTES], evidence)


def reseal_evidence(keys: MasterKeys, seal: EvidenceSeal) -> EvidenceSeal:
    """The same message under a fresh data key wrapped by the current master key.

    The associated data names the master key version, so the message is encrypted again too;
    the salt travels inside it, so the digest receipts commit to is unchanged.
    """
    data_key = unwrap_data_key(keys, seal.complaint_id, seal.key)
    plain = decrypt(data_key, seal.complaint_id, _PURPOSE, seal.key.key_version, seal.message)
    new_key, wrapped = new_data_key(keys, seal.complaint_id)
    message = encrypt(new_key, seal.complaint_id, _PURPOSE, wrapped.key_version, plain)
    return EvidenceSeal(seal.complaint_id, wrapped, message, seal.sha256)


class KeySource(Protocol):
    @property
    def keys(self) -> MasterKeys: ...


class EvidenceRewrap:
    """After a master-key rotation, re-seal native evidence still under older versions.

    Like the personal parts' re-sealer (hub.vault.rewrap): every hub runs it, batches skip rows
    another hub holds, and whatever is left is found again on the next pass.
    """

    def __init__(self, seals: EvidenceSeals, source: KeySource, *, batch: int = 100) -> None:
        self._seals = seals
        self._source = source
        self._batch = batch

    async def reseal_batch(self, limit: int | None = None) -> int:
        keys = self._source.keys
        return await self._seals.reseal_below(
            keys.current, limit or self._batch, lambda seal: reseal_evidence(keys, seal)
        )

    async def run_once(self) -> int:
        """Re-seal until nothing is left under an older version; returns how many were."""
        total = 0
        while done := await self.reseal_batch():
            total += done
            # Counts and versions only, never a message or a complaint id.
            log.info("native_evidence_resealed", count=done, key_version=self._source.keys.current)
        return total
