"""Base64 helpers shared by the crypto modules."""

from __future__ import annotations

import base64
import binascii
import re

# RFC 7515 section 2: base64url without padding; anything else is not a JWS/JWK value.
_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url strictly; raise ValueError on anything else."""
    # Python's decoder skips stray characters, so the alphabet is checked first.
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64_encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64_decode_any(text: str) -> bytes:
    """Decode base64 or base64url, padded or not; raise ValueError otherwise."""
    stripped = text.rstrip("=")
    if not re.fullmatch(r"[A-Za-z0-9+/_-]*", stripped) or len(stripped) % 4 == 1:
        raise ValueError("not base64")
    normalised = stripped.replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(normalised + "=" * (-len(normalised) % 4), validate=True)
    except binascii.Error as err:
        raise ValueError("not base64") from err
