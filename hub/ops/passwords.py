"""Operator passwords: scrypt (RFC 7914) from the standard library, a random salt per operator.

The stored form names its parameters, so they can be raised later without breaking old hashes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import cache

# n=2^15, r=8: about 32 MiB and a few tens of milliseconds per guess (the RFC's interactive
# login setting, scaled to today's machines).
_N, _R, _P = 2**15, 8, 1
_SALT_BYTES = 16
_HASH_BYTES = 32


class MalformedHash(ValueError):
    """A stored hash this module did not write."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * n * r, dklen=length
    )


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = _scrypt(password, salt, _N, _R, _P, _HASH_BYTES)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            raise ValueError(scheme)
        expected = base64.b64decode(digest, validate=True)
        computed = _scrypt(
            password, base64.b64decode(salt, validate=True), int(n), int(r), int(p), len(expected)
        )
    except ValueError as err:
        raise MalformedHash("the stored password hash is not an scrypt hash") from err
    return hmac.compare_digest(computed, expected)


@cache
def decoy_hash() -> str:
    """Checked against when the operator does not exist, so a wrong name costs as long as a
    wrong password and the answer's timing does not tell which names exist."""
    return hash_password(secrets.token_urlsafe(16))
