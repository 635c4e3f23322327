"""Subscription secrets at rest: AES-256-GCM under a key derived from the privacy master key.

The master key file (hub/privacy/keyfile.py) is the one secret every replica shares; an HKDF with
its own label gives webhooks a key of their own, so a webhook secret and a personal part never
share a key. The associated data binds each sealed secret to its subscription and the master key
version, so a sealed secret copied onto another row does not open.
"""

from __future__ import annotations

import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hub.privacy.keyfile import MasterKeys

NONCE_BYTES = 12
_LABEL = b"complaint-hub/webhook-secret/v1"


class SecretUnavailable(ValueError):
    """A sealed secret does not open under the master key version it names."""


def _key(master_key: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_LABEL).derive(master_key)


def _associated_data(subscription_id: str, version: int) -> bytes:
    return _LABEL + f"|{version}|{subscription_id}".encode()


def seal_secret(keys: MasterKeys, subscription_id: str, secret: str) -> tuple[int, bytes]:
    """(master key version, nonce || ciphertext)."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(_key(keys.key(keys.current))).encrypt(
        nonce, secret.encode(), _associated_data(subscription_id, keys.current)
    )
    return keys.current, nonce + sealed


def open_secret(keys: MasterKeys, subscription_id: str, version: int, sealed: bytes) -> str:
    nonce, body = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    try:
        plain = AESGCM(_key(keys.key(version))).decrypt(
            nonce, body, _associated_data(subscription_id, version)
        )
    except InvalidTag:
        raise SecretUnavailable(
            f"the secret of subscription {subscription_id} does not open"
        ) from None
    return plain.decode()
