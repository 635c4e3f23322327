"""RFC 9530 `Content-Digest`: make the field and check it against a body."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

import http_sfv

from hub.crypto._b64 import b64_encode
from hub.crypto.errors import DigestMalformed, DigestMismatch

# RFC 9530 section 5: sha-256 and sha-512 are the active algorithms; the others are deprecated.
ALGORITHMS: dict[str, Callable[[bytes], hashlib._Hash]] = {
    "sha-256": hashlib.sha256,
    "sha-512": hashlib.sha512,
}


def content_digest_header(body: bytes, alg: str = "sha-256") -> str:
    """The `Content-Digest` value for `body`, e.g. `sha-256=:...:`."""
    if alg not in ALGORITHMS:
        raise ValueError(f"unsupported digest algorithm {alg!r}")
    return f"{alg}=:{b64_encode(ALGORITHMS[alg](body).digest())}:"


def verify_content_digest(header_value: str, body: bytes) -> None:
    """Raise unless every known digest in `header_value` matches `body`; one must be known."""
    field = http_sfv.Dictionary()
    try:
        field.parse(header_value.encode("ascii"))
    except (ValueError, IndexError) as err:
        raise DigestMalformed(
            "Content-Digest is not a structured-field dictionary; send e.g. sha-256=:<base64>:"
        ) from err
    known = [alg for alg in field if alg in ALGORITHMS]
    if not known:
        # RFC 9530 section 2: unknown algorithms are ignored, so nothing would be checked.
        raise DigestMalformed("Content-Digest carries neither sha-256 nor sha-512; add one of them")
    for alg in known:
        member = field[alg]
        if not isinstance(member, http_sfv.Item) or not isinstance(member.value, bytes):
            raise DigestMalformed(f"Content-Digest {alg} must be a byte sequence like :<base64>:")
        if not hmac.compare_digest(member.value, ALGORITHMS[alg](body).digest()):
            raise DigestMismatch(
                f"Content-Digest {alg} does not match the body; "
                "compute it over the exact bytes sent"
            )
