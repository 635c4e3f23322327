"""RFC 9530 `Content-Digest`: make the field and check it against a body."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Callable
from typing import cast

import http_sf

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


# One digest in canonical form, as senders send it: checked without the full parser.
_SINGLE_DIGEST = re.compile(r"(sha-256|sha-512)=:([A-Za-z0-9+/]*={0,2}):")


def verify_content_digest(header_value: str, body: bytes) -> None:
    """Raise unless every known digest in `header_value` matches `body`; one must be known."""
    single = _SINGLE_DIGEST.fullmatch(header_value)
    if single is not None:
        try:
            expected = base64.b64decode(single[2], validate=True)
        except binascii.Error:
            expected = None
        if expected is not None:
            if not hmac.compare_digest(expected, ALGORITHMS[single[1]](body).digest()):
                raise DigestMismatch(
                    f"Content-Digest {single[1]} does not match the body; "
                    "compute it over the exact bytes sent"
                )
            return
    try:
        # `tltype="dictionary"` always yields a dictionary; the declared return is the union.
        field = cast(
            "http_sf.DictionaryType",
            http_sf.parse(header_value.encode("ascii"), tltype="dictionary"),
        )
    except (http_sf.StructuredFieldError, ValueError, IndexError, UnicodeEncodeError) as err:
        raise DigestMalformed(
            "Content-Digest is not a structured-field dictionary; send e.g. sha-256=:<base64>:"
        ) from err
    known = [alg for alg in field if alg in ALGORITHMS]
    if not known:
        # RFC 9530 section 2: unknown algorithms are ignored, so nothing would be checked.
        raise DigestMalformed("Content-Digest carries neither sha-256 nor sha-512; add one of them")
    for alg in known:
        entry = field[alg]
        # Parsed dictionary members are always (value, parameters) pairs.
        member = entry[0] if isinstance(entry, tuple) else entry
        if not isinstance(member, bytes):
            raise DigestMalformed(f"Content-Digest {alg} must be a byte sequence like :<base64>:")
        if not hmac.compare_digest(member, ALGORITHMS[alg](body).digest()):
            raise DigestMismatch(
                f"Content-Digest {alg} does not match the body; "
                "compute it over the exact bytes sent"
            )
