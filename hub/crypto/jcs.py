"""RFC 8785 (JCS) canonical JSON for the hub's signing profile.

The profile is JSON made of objects with ASCII string keys, arrays, strings, booleans, null and
integers within +-(2^53-1). Inside it, `orjson` with sorted keys emits exactly the JCS bytes (the
corpus test against the `rfc8785` package proves it), at a fraction of the cost. Outside it the
two differ: JCS serialises numbers as ECMAScript doubles (RFC 8785 section 3.2.2.3) and sorts keys
by UTF-16 code units (section 3.2.3), so such values are refused rather than signed ambiguously.
Identifiers that can exceed 2^53 (order ids) travel as strings.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from hub.crypto._b64 import b64url_encode

# RFC 8785 section 3.2.2.3 / I-JSON (RFC 7493 section 2.2): integers beyond this lose precision.
MAX_SAFE_INTEGER = 2**53 - 1


class UnsignableValue(ValueError):
    """A value outside the signing profile; `pointer` (RFC 6901) says where."""

    def __init__(self, pointer: str, reason: str) -> None:
        super().__init__(f"{pointer or '/'}: {reason}")
        self.pointer = pointer
        self.reason = reason


def _escape_token(key: str) -> str:
    # RFC 6901 section 3: "~" becomes "~0" and "/" becomes "~1".
    return key.replace("~", "~0").replace("/", "~1")


def check_signable(value: Any) -> None:
    """Raise `UnsignableValue` at the first part of `value` outside the profile."""
    # Nearly every event passes; only a refusal needs the pointer, so the walk that builds one
    # runs only when the quick walk (exact types only) has doubts.
    if not _signable(value):
        _locate_unsignable(value, "")


def _signable(value: Any) -> bool:
    # Exact types first: the parser only makes these, and `type() is` is the cheapest test.
    kind = type(value)
    if kind is str:
        return value.isascii() or _encodable(value)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or not key.isascii() or not _signable(item):
                return False
        return True
    if kind is int:
        return bool(-MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER)
    if value is None or kind is bool:
        return True
    if kind is list or kind is tuple:
        return all(_signable(item) for item in value)
    return False  # subclasses and anything else: the slow walk decides and names it


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _locate_unsignable(value: Any, pointer: str) -> None:
    """Raise at the first part of `value` outside the profile, with its JSON pointer."""
    # bool before int: bool is an int subclass and is always fine.
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, str):
        if not _encodable(value):
            raise UnsignableValue(pointer, "string holds a lone surrogate")
        return
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise UnsignableValue(pointer, "integer beyond +-(2^53-1); send it as a string")
        return
    if isinstance(value, float):
        raise UnsignableValue(pointer, "floats are not signable; use an integer in minor units")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise UnsignableValue(pointer, f"object key {key!r} is not a string")
            if not key.isascii():
                # Not repeated: a key in words may be personal data (a consumer's name).
                raise UnsignableValue(pointer, "an object key is not ASCII")
            _locate_unsignable(item, f"{pointer}/{_escape_token(key)}")
        return
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _locate_unsignable(item, f"{pointer}/{index}")
        return
    raise UnsignableValue(pointer, f"{type(value).__name__} is not a JSON value")


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 bytes of `value`, which must be inside the signing profile."""
    check_signable(value)
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_b64url(data: bytes) -> str:
    return b64url_encode(hashlib.sha256(data).digest())
