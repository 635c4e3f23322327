"""The salted commitment to a personal part, computed the same way by hub and filer.

    personal_commitment = "sha256:" + hex(SHA-256(salt || JCS(personal)))

The event carries only the commitment; the salt (32 random bytes per complaint) keeps the
commitment from being tested against guesses of a name or phone number. With the salt and the
document, anyone can check the hub returned what the filer committed to; once the salt is
destroyed (erasure) the commitment reveals nothing, and every signature over it stays valid.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from typing import Any

from hub.crypto.jcs import canonical_json

SALT_BYTES = 32
_REF_PREFIX = "personal-"
_MAX_REF_CHARS = 64  # common-v1.json local_id


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_BYTES)


def personal_commitment(salt: bytes, personal: Mapping[str, Any]) -> str:
    """Raises hub.crypto.jcs.UnsignableValue for a document outside the signing profile."""
    if len(salt) != SALT_BYTES:
        raise ValueError(f"salt must be {SALT_BYTES} bytes")
    return "sha256:" + hashlib.sha256(salt + canonical_json(dict(personal))).hexdigest()


def personal_ref(complaint_id: str) -> str:
    """The salt-free name of a complaint's personal part, for `data.personal_ref`."""
    ref = _REF_PREFIX + complaint_id
    if len(ref) <= _MAX_REF_CHARS:
        return ref
    # A long complaint id would overflow local_id: name it by digest instead.
    return _REF_PREFIX + hashlib.sha256(complaint_id.encode()).hexdigest()[:40]
