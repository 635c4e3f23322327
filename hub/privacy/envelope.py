"""Envelope encryption: a random data key per complaint, wrapped by a versioned master key.

AES-256-GCM throughout, each encryption with a fresh random 96-bit nonce. The associated data binds
every ciphertext to its complaint, its purpose and the master key version, so a ciphertext or a
wrapped key copied onto another complaint's row fails to decrypt instead of decrypting wrongly.
Destroying the wrapped key destroys every ciphertext under it (erasure).
"""

from __future__ import annotations

import dataclasses
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hub.privacy.keyfile import MasterKeys

DATA_KEY_BYTES = 32
NONCE_BYTES = 12
_CONTEXT = "complaint-hub/personal/v1"


class DecryptionFailed(ValueError):
    """A ciphertext or wrapped key does not authenticate under the key and context given."""


@dataclasses.dataclass(frozen=True)
class WrappedKey:
    wrapped: bytes  # nonce || AES-GCM(master key, data key)
    key_version: int  # the master key version that wrapped it


@dataclasses.dataclass(frozen=True)
class Ciphertext:
    nonce: bytes
    ciphertext: bytes  # includes the 16-byte GCM tag


def _associated_data(complaint_id: str, purpose: str, key_version: int) -> bytes:
    return f"{_CONTEXT}|{purpose}|{key_version}|{complaint_id}".encode()


def new_data_key(keys: MasterKeys, complaint_id: str) -> tuple[bytes, WrappedKey]:
    """A fresh data key and its wrapping under the current master key."""
    data_key = AESGCM.generate_key(bit_length=DATA_KEY_BYTES * 8)
    nonce = secrets.token_bytes(NONCE_BYTES)
    ad = _associated_data(complaint_id, "data-key", keys.current)
    wrapped = nonce + AESGCM(keys.key(keys.current)).encrypt(nonce, data_key, ad)
    return data_key, WrappedKey(wrapped, keys.current)


def unwrap_data_key(keys: MasterKeys, complaint_id: str, wrapped: WrappedKey) -> bytes:
    nonce, body = wrapped.wrapped[:NONCE_BYTES], wrapped.wrapped[NONCE_BYTES:]
    ad = _associated_data(complaint_id, "data-key", wrapped.key_version)
    try:
        return AESGCM(keys.key(wrapped.key_version)).decrypt(nonce, body, ad)
    except InvalidTag:
        raise DecryptionFailed(f"data key of {complaint_id} does not unwrap") from None


def encrypt(
    data_key: bytes, complaint_id: str, purpose: str, key_version: int, plaintext: bytes
) -> Ciphertext:
    nonce = secrets.token_bytes(NONCE_BYTES)
    ad = _associated_data(complaint_id, purpose, key_version)
    return Ciphertext(nonce, AESGCM(data_key).encrypt(nonce, plaintext, ad))


def decrypt(
    data_key: bytes, complaint_id: str, purpose: str, key_version: int, sealed: Ciphertext
) -> bytes:
    ad = _associated_data(complaint_id, purpose, key_version)
    try:
        return AESGCM(data_key).decrypt(sealed.nonce, sealed.ciphertext, ad)
    except InvalidTag:
        raise DecryptionFailed(f"{purpose} of {complaint_id} does not decrypt") from None
