"""Compact JWS (RFC 7515) over Ed25519: what the hub says, signed.

The hub signs with the fully-specified `alg` `Ed25519` (RFC 9864); statements it signed earlier
with the polymorphic `EdDSA` (RFC 8037, deprecated by RFC 9864 in favour of `Ed25519`) keep
verifying: over an Ed25519 key the two name the same signature.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, ClassVar

import nacl.bindings
import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hub.crypto._b64 import b64url_decode, b64url_encode

ALGORITHM = "Ed25519"
# What a verifier accepts: both names of Ed25519, never anything the header might choose.
ACCEPTED_ALGORITHMS = frozenset({"Ed25519", "EdDSA"})


class JwsError(Exception):
    code: ClassVar[str] = "jws-invalid"


class JwsMalformed(JwsError):
    code = "jws-malformed"


class JwsAlgorithmNotSupported(JwsError):
    code = "jws-algorithm-not-supported"


class JwsUnknownKey(JwsError):
    code = "jws-unknown-key"


class JwsBadSignature(JwsError):
    code = "jws-signature-invalid"


def sign_compact(
    payload: bytes, private_key: Ed25519PrivateKey, kid: str, *, typ: str | None = None
) -> str:
    """`header.payload.signature`, the header being `{"alg":"Ed25519","kid":...}` (plus `typ`)."""
    header: dict[str, str] = {"alg": ALGORITHM, "kid": kid}
    if typ is not None:
        header["typ"] = typ
    signing_input = f"{b64url_encode(orjson.dumps(header))}.{b64url_encode(payload)}"
    # RFC 8037 section 3.1 (and RFC 9864): Ed25519 signs the ASCII signing input, no prehash.
    signature = sign_ed25519(private_key, signing_input.encode("ascii"))
    return f"{signing_input}.{b64url_encode(signature)}"


def sign_ed25519(private_key: Ed25519PrivateKey, message: bytes) -> bytes:
    """The Ed25519 signature of `message`, by libsodium: the same 64 bytes OpenSSL makes (the
    scheme is deterministic, RFC 8032 section 5.1.6) in about two thirds of the time, which
    counts at one receipt per accepted event."""
    secret = _sodium_secret_key(private_key.private_bytes_raw())
    return nacl.bindings.crypto_sign(message, secret)[: nacl.bindings.crypto_sign_BYTES]


@functools.lru_cache(maxsize=16)
def _sodium_secret_key(seed: bytes) -> bytes:
    # libsodium's secret key is the seed followed by the public key; deriving it costs a scalar
    # multiplication, so it is done once per hub key, not once per signature.
    return bytes(nacl.bindings.crypto_sign_seed_keypair(seed)[1])


def _split(token: str) -> tuple[str, str, str]:
    parts = token.split(".")
    if len(parts) != 3:
        raise JwsMalformed("a compact JWS has exactly three dot-separated parts")
    return parts[0], parts[1], parts[2]


def _decode(part: str, what: str) -> bytes:
    try:
        return b64url_decode(part)
    except ValueError as err:
        raise JwsMalformed(f"the JWS {what} is not unpadded base64url") from err


def decode_unverified_header(token: str) -> dict[str, Any]:
    """The protected header, parsed but not yet trusted: use it only to pick a key."""
    encoded_header, _, _ = _split(token)
    try:
        header = orjson.loads(_decode(encoded_header, "header"))
    except orjson.JSONDecodeError as err:
        raise JwsMalformed("the JWS header is not JSON") from err
    if not isinstance(header, dict):
        raise JwsMalformed("the JWS header is not a JSON object")
    return header


def unverified_payload(token: str) -> bytes:
    """The payload bytes of `token`, not verified: for a statement the caller itself just signed
    (the audit log's leaf is the very payload a receipt signs)."""
    return _decode(_split(token)[1], "payload")


def verify_compact(token: str, public_keys_by_kid: Mapping[str, Ed25519PublicKey]) -> bytes:
    """The payload of `token` once its Ed25519 signature verifies under the key its `kid` names."""
    header = decode_unverified_header(token)
    if header.get("alg") not in ACCEPTED_ALGORITHMS:
        # Fixed algs, not the header's choice, avoid algorithm confusion (RFC 8725 section 3.1).
        raise JwsAlgorithmNotSupported(
            f"alg must be {ALGORITHM!r} (or 'EdDSA' before RFC 9864), not {header.get('alg')!r}"
        )
    if "crit" in header:
        # RFC 7515 section 4.1.11: extensions we do not understand make the JWS invalid.
        raise JwsMalformed("crit header extensions are not supported")
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise JwsMalformed("the JWS header has no kid")
    key = public_keys_by_kid.get(kid)
    if key is None:
        raise JwsUnknownKey(f"no public key with kid {kid!r}; refresh the JWKS")
    encoded_header, encoded_payload, encoded_signature = _split(token)
    payload = _decode(encoded_payload, "payload")
    signature = _decode(encoded_signature, "signature")
    try:
        key.verify(signature, f"{encoded_header}.{encoded_payload}".encode("ascii"))
    except InvalidSignature:
        raise JwsBadSignature(f"the JWS signature does not verify under kid {kid!r}") from None
    return payload
