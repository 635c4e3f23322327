"""A complaint's personal part and the request that sent it, sealed under one data key."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import orjson

from hub.crypto.jcs import canonical_json
from hub.privacy.commitment import SALT_BYTES, personal_commitment
from hub.privacy.envelope import (
    Ciphertext,
    WrappedKey,
    decrypt,
    encrypt,
    new_data_key,
    unwrap_data_key,
)
from hub.privacy.keyfile import MasterKeys

_PERSONAL = "personal"
_EVIDENCE = "evidence"


@dataclasses.dataclass(frozen=True)
class SealedPersonal:
    key: WrappedKey
    # The salt travels inside the ciphertext: a copy of the database alone can't test guesses
    # against the commitment that every reader of the case sees in the filing event.
    personal: Ciphertext  # of salt || JCS(personal)
    evidence: Ciphertext  # of the signed request, whose body is the personal part itself
    commitment: str


@dataclasses.dataclass(frozen=True)
class OpenedPersonal:
    salt: bytes
    personal: dict[str, Any]


def seal_personal(
    keys: MasterKeys,
    complaint_id: str,
    personal: Mapping[str, Any],
    *,
    salt: bytes,
    evidence: bytes,
) -> SealedPersonal:
    """Encrypt under a fresh data key; raises UnsignableValue outside the JCS profile."""
    canonical = canonical_json(dict(personal))
    commitment = personal_commitment(salt, personal)
    data_key, wrapped = new_data_key(keys, complaint_id)
    version = wrapped.key_version
    return SealedPersonal(
        key=wrapped,
        personal=encrypt(data_key, complaint_id, _PERSONAL, version, salt + canonical),
        evidence=encrypt(data_key, complaint_id, _EVIDENCE, version, evidence),
        commitment=commitment,
    )


def open_personal(
    keys: MasterKeys, complaint_id: str, key: WrappedKey, personal: Ciphertext
) -> OpenedPersonal:
    data_key = unwrap_data_key(keys, complaint_id, key)
    plain = decrypt(data_key, complaint_id, _PERSONAL, key.key_version, personal)
    return OpenedPersonal(plain[:SALT_BYTES], orjson.loads(plain[SALT_BYTES:]))


def open_evidence(
    keys: MasterKeys, complaint_id: str, key: WrappedKey, evidence: Ciphertext
) -> bytes:
    data_key = unwrap_data_key(keys, complaint_id, key)
    return decrypt(data_key, complaint_id, _EVIDENCE, key.key_version, evidence)


def reseal(keys: MasterKeys, complaint_id: str, sealed: SealedPersonal) -> SealedPersonal:
    """The same part and evidence under a fresh data key wrapped by the current master key.

    The associated data of every ciphertext names the master key version, so re-wrapping the old
    data key alone would leave the ciphertexts unreadable: both are sealed again. The salt travels
    inside the plaintext, so the commitment is unchanged.
    """
    data_key = unwrap_data_key(keys, complaint_id, sealed.key)
    old_version = sealed.key.key_version
    personal = decrypt(data_key, complaint_id, _PERSONAL, old_version, sealed.personal)
    evidence = decrypt(data_key, complaint_id, _EVIDENCE, old_version, sealed.evidence)
    new_key, wrapped = new_data_key(keys, complaint_id)
    version = wrapped.key_version
    return SealedPersonal(
        key=wrapped,
        personal=encrypt(new_key, complaint_id, _PERSONAL, version, personal),
        evidence=encrypt(new_key, complaint_id, _EVIDENCE, version, evidence),
        commitment=sealed.commitment,
    )
