"""The hub's RFC 9421 profile: which parameters and components a signature must carry.

These checks are pure and cheap, so they run before any key lookup or signature verification.
Key state (unknown or revoked keys) and replay of (keyid, nonce) are the caller's concern.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from hub.crypto._b64 import b64_decode_any
from hub.crypto.errors import (
    AlgorithmNotSupported,
    AuthorityMismatch,
    ClockSkew,
    ComponentNotCovered,
    NonceMissing,
    ParameterMissing,
    SignatureExpired,
    SignatureInputMalformed,
)
from hub.crypto.message import normalise_authority
from hub.crypto.signature_input import ParsedSignature

ALGORITHM = "ed25519"
MAX_SKEW_S = 300
# 128 random bits: enough that (keyid, nonce) never collides by chance inside the replay window.
MIN_NONCE_BYTES = 16
MIN_NONCE_CHARS = 22
# Nonces are stored for replay detection; a bound keeps that table small.
MAX_NONCE_CHARS = 256

_HEX = re.compile(r"[0-9a-fA-F]+")
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")


def nonce_bytes(nonce: str) -> int | None:
    """How many random bytes `nonce` carries if it is hex or base64, else None."""
    if _HEX.fullmatch(nonce):
        # Hex first: a hex string is also valid base64 but carries only 4 bits a character.
        return len(nonce) // 2
    if _BASE64.fullmatch(nonce):
        try:
            return len(b64_decode_any(nonce))
        except ValueError:
            return None
    return None


def check_nonce(nonce: str | None) -> None:
    if not nonce:
        raise NonceMissing(
            'add a nonce parameter with at least 128 random bits, e.g. nonce="<22 base64url chars>"'
        )
    if len(nonce) > MAX_NONCE_CHARS:
        raise SignatureInputMalformed(f"nonce is longer than {MAX_NONCE_CHARS} characters")
    decoded = nonce_bytes(nonce)
    strong = decoded >= MIN_NONCE_BYTES if decoded is not None else len(nonce) >= MIN_NONCE_CHARS
    if not strong:
        raise NonceMissing("nonce is too short: it must carry at least 128 random bits (16 bytes)")


def _check_common(parsed: ParsedSignature, now: int, max_skew_s: int) -> None:
    params = parsed.params
    if params.alg is not None and params.alg != ALGORITHM:
        raise AlgorithmNotSupported(
            f'alg {params.alg!r} is not accepted; sign with Ed25519 (alg="ed25519")'
        )
    if params.created is None:
        raise ParameterMissing("add the created parameter (Unix time of signing)")
    if not params.keyid:
        raise ParameterMissing("add the keyid parameter naming your registered key")
    if abs(now - params.created) > max_skew_s:
        raise ClockSkew(
            f"created={params.created} is {now - params.created:+d} s off the hub's clock "
            f"({now}); sync your clock (allowed skew {max_skew_s} s)"
        )
    # RFC 9421 section 2.3: a signature is not valid after `expires`.
    if params.expires is not None and params.expires < now:
        raise SignatureExpired(f"expires={params.expires} has passed (hub time {now}); sign again")


def _require(parsed: ParsedSignature, names: Sequence[str], *, req: bool = False) -> None:
    covered = {c.name for c in parsed.components if c.req == req}
    missing = [name for name in names if name not in covered]
    if missing:
        suffix = ";req" if req else ""
        listed = " ".join(f'"{name}"{suffix}' for name in missing)
        raise ComponentNotCovered(f"signature {parsed.label!r} must also cover {listed}")


def check_request_profile(
    parsed: ParsedSignature,
    *,
    has_body: bool,
    has_query: bool,
    now: int,
    max_skew_s: int = MAX_SKEW_S,
) -> None:
    """Raise unless a request signature meets the hub's profile."""
    _check_common(parsed, now, max_skew_s)
    check_nonce(parsed.params.nonce)
    required = ["@method", "@authority", "@path"]
    if has_query:
        required.append("@query")
    if has_body:
        # RFC 9530 section 6.3: the digest binds the body only if the signature covers it.
        required.append("content-digest")
    _require(parsed, required)


REQUEST_BINDINGS = ("@method", "@authority", "@path", "@query", "@target-uri")


def check_response_profile(parsed: ParsedSignature, now: int, max_skew_s: int = MAX_SKEW_S) -> None:
    """Raise unless a response signature covers @status, content-digest and the request (`;req`)."""
    _check_common(parsed, now, max_skew_s)
    _require(parsed, ["@status", "content-digest"])
    # RFC 9421 section 2.4: without ;req a response could be replayed for another request.
    if not any(c.req and c.name in REQUEST_BINDINGS for c in parsed.components):
        raise ComponentNotCovered(
            f"signature {parsed.label!r} must bind the request, "
            'e.g. cover "@method";req and "@path";req'
        )


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, normalise_authority(parts.netloc.rpartition("@")[2], scheme)


def check_authority(authority: str, scheme: str, allowed: Sequence[str]) -> None:
    """Raise unless scheme and `@authority` name one of the hub's public base URLs.

    An empty `allowed` means no public URL is configured (development): the caller then derives
    the authority from the Host header, and there is nothing to compare against.
    """
    if not allowed:
        return
    scheme = scheme.lower()
    actual = (scheme, normalise_authority(authority, scheme))
    if actual not in {_origin(url) for url in allowed}:
        raise AuthorityMismatch(
            f"signed for {scheme}://{actual[1]}, but this hub is "
            + ", ".join(allowed)
            + "; sign @authority with the hub's public host"
        )
