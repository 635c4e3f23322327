"""RFC 9421 HTTP Message Signatures with Ed25519: build the signature base, verify, sign.

A verifier splits the work so that the cheap checks come first and the base is built once:

    parsed = parse_signatures(sig_input, sig)        # malformed -> SignatureInputMalformed
    key = <look up parsed[i].params.keyid>           # caller: unknown / revoked keys
    check_request_profile(parsed[i], ...)            # pure: params, nonce, clock, coverage
    verified = verify_request(parsed[i], view, body, key, now=now)
    <refuse a replayed (keyid, nonce)>               # caller

`verify_request` re-runs the profile check, so it is also safe to call on its own.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import nacl.bindings
import nacl.exceptions
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from http_sf.innerlist import ser_innerlist
from http_sf.types import ItemType, ParamsType

from hub.crypto._b64 import b64_encode, b64url_encode
from hub.crypto.digest import content_digest_header, verify_content_digest
from hub.crypto.errors import (
    AlgorithmNotSupported,
    AuthorityMismatch,
    BadSignature,
    ClockSkew,
    ComponentMissing,
    ComponentNotCovered,
    ComponentUnsupported,
    DigestMalformed,
    DigestMismatch,
    NonceMissing,
    ParameterMissing,
    SignatureError,
    SignatureExpired,
    SignatureInputMalformed,
    SignatureMissing,
)
from hub.crypto.message import Component, MessageView, header_map
from hub.crypto.signature_input import ParsedSignature, SignatureParams, parse_signatures
from hub.crypto.signing_profile import (
    ALGORITHM,
    MAX_SKEW_S,
    check_authority,
    check_request_profile,
    check_response_profile,
)

__all__ = [
    "AlgorithmNotSupported",
    "AuthorityMismatch",
    "BadSignature",
    "ClockSkew",
    "Component",
    "ComponentMissing",
    "ComponentNotCovered",
    "ComponentUnsupported",
    "DigestMalformed",
    "DigestMismatch",
    "MessageView",
    "NonceMissing",
    "ParameterMissing",
    "ParsedSignature",
    "SignatureBase",
    "SignatureError",
    "SignatureExpired",
    "SignatureInputMalformed",
    "SignatureMissing",
    "SignatureParams",
    "VerifiedSignature",
    "build_signature_base",
    "check_authority",
    "check_request_profile",
    "check_response_profile",
    "parse_signatures",
    "sign_request",
    "sign_response",
    "signature_base",
    "verify_ed25519",
    "verify_request",
    "verify_response",
]

Resolver = Callable[[Component], str]
Headers = Mapping[str, str] | Iterable[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class SignatureBase:
    """The bytes that were signed and the covered values they were built from."""

    base: bytes
    covered_values: dict[str, str]


@dataclass(frozen=True, slots=True)
class VerifiedSignature:
    """Evidence of one verified signature: enough to re-verify it later with the public key."""

    label: str
    keyid: str
    created: int
    nonce: str | None
    components: tuple[Component, ...]
    covered_values: dict[str, str]
    signature_input: str
    signature: bytes
    signature_base: bytes


def build_signature_base(parsed: ParsedSignature, resolve: Resolver) -> SignatureBase:
    """RFC 9421 section 2.5: one `identifier: value` line per component, then @signature-params."""
    lines: list[str] = []
    covered: dict[str, str] = {}
    for component in parsed.components:
        identifier = component.identifier
        value = resolve(component)
        # A newline would let one component forge another's line (RFC 9421 section 7.2.4 ff.).
        if "\n" in value or "\r" in value or not value.isascii():
            raise ComponentUnsupported(
                f"{identifier} has a value with newlines or non-ASCII characters"
            )
        covered[identifier] = value
        lines.append(f"{identifier}: {value}")
    lines.append(f'"@signature-params": {parsed.signature_params_value}')
    return SignatureBase("\n".join(lines).encode("ascii"), covered)


def signature_base(parsed: ParsedSignature, resolve: Resolver) -> bytes:
    return build_signature_base(parsed, resolve).base


def verify_ed25519(public_key: Ed25519PublicKey, base: bytes, signature: bytes) -> None:
    # libsodium verifies in about half the time OpenSSL takes (bench/verify.py), and checks
    # more: it also refuses small-order keys and non-canonical points, which no honest signer
    # makes. Whatever it accepts, OpenSSL accepts too, so evidence re-verifies anywhere.
    if len(signature) != nacl.bindings.crypto_sign_BYTES:
        raise BadSignature("signature is not 64 bytes: an Ed25519 signature (RFC 8032) is")
    try:
        # libsodium's combined form: the signature, then the message it covers.
        nacl.bindings.crypto_sign_open(signature + base, public_key.public_bytes_raw())
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError):
        raise BadSignature(
            "signature does not verify: sign the exact signature base (RFC 9421 section 2.5) "
            "with the private key of keyid"
        ) from None


def _verify(
    parsed: ParsedSignature, view: MessageView, body: bytes, public_key: Ed25519PublicKey
) -> VerifiedSignature:
    built = build_signature_base(parsed, view.resolve)
    verify_ed25519(public_key, built.base, parsed.signature)
    digest = built.covered_values.get('"content-digest"')
    if digest is not None:
        # RFC 9530 section 6.3: the signature covers the digest, the digest covers the body.
        verify_content_digest(digest, body)
    params = parsed.params
    # The profile requires both before any signature is verified; checked again here because a
    # caller that skipped the profile must not get a VerifiedSignature without them.
    if params.keyid is None:
        raise ParameterMissing(f"signature {parsed.label!r} has no keyid parameter")
    if params.created is None:
        raise ParameterMissing(f"signature {parsed.label!r} has no created parameter")
    return VerifiedSignature(
        label=parsed.label,
        keyid=params.keyid,
        created=params.created,
        nonce=params.nonce,
        components=parsed.components,
        covered_values=built.covered_values,
        signature_input=parsed.signature_input,
        signature=parsed.signature,
        signature_base=built.base,
    )


def verify_request(
    parsed: ParsedSignature,
    view: MessageView,
    body: bytes,
    public_key: Ed25519PublicKey,
    *,
    now: int,
    max_skew_s: int = MAX_SKEW_S,
) -> VerifiedSignature:
    """Check the request profile, verify the signature, then the body digest."""
    check_request_profile(
        parsed, has_body=bool(body), has_query=view.has_query, now=now, max_skew_s=max_skew_s
    )
    return _verify(parsed, view, body, public_key)


def verify_response(
    parsed: ParsedSignature,
    view: MessageView,
    body: bytes,
    public_key: Ed25519PublicKey,
    *,
    now: int,
    max_skew_s: int = MAX_SKEW_S,
) -> VerifiedSignature:
    """Check the response profile, verify the signature, then the body digest.

    `view.request` must describe the request as the hub sent it, for the `;req` components.
    """
    check_response_profile(parsed, now, max_skew_s)
    return _verify(parsed, view, body, public_key)


def _sign(
    view: MessageView,
    components: list[Component],
    params: SignatureParams,
    *,
    label: str,
    private_key: Ed25519PrivateKey,
) -> dict[str, str]:
    items: list[ItemType] = [(component.name, dict(component.params)) for component in components]
    values: ParamsType = {
        name: getattr(params, name)
        for name in ("created", "expires", "keyid", "nonce", "alg", "tag")
        if getattr(params, name) is not None
    }
    unsigned = ParsedSignature(
        label, tuple(components), params, b"", ser_innerlist((items, values))
    )
    signature = private_key.sign(signature_base(unsigned, view.resolve))
    return {
        "Signature-Input": unsigned.signature_input,
        "Signature": f"{label}=:{b64_encode(signature)}:",
    }


def _header_pairs(headers: Headers) -> list[tuple[str, str]]:
    return [(name, value) for name, values in header_map(headers).items() for value in values]


def _without_digest(headers: Headers) -> list[tuple[str, str]]:
    # The digest is computed here from the body; a stale one from the caller must not survive.
    return [(name, value) for name, value in _header_pairs(headers) if name != "content-digest"]


def _with_extra(required: list[Component], extra: Iterable[str | Component]) -> list[Component]:
    components = list(required)
    for item in extra:
        component = Component(item.lower()) if isinstance(item, str) else item
        if component not in components:
            components.append(component)
    return components


def sign_request(
    method: str,
    url: str,
    headers: Headers,
    body: bytes | None,
    *,
    private_key: Ed25519PrivateKey,
    kid: str,
    label: str = "sig1",
    nonce: str | None = None,
    created: int | None = None,
    extra_components: Iterable[str | Component] = (),
) -> dict[str, str]:
    """The headers to add to a request so that it meets the hub's profile.

    `url` is the absolute, already percent-encoded URL that will be sent. The result holds
    `Content-Digest` (when there is a body), `Signature-Input` and `Signature`.
    """
    added: dict[str, str] = {}
    pairs = _without_digest(headers) if body else _header_pairs(headers)
    if body:
        added["Content-Digest"] = content_digest_header(body)
        pairs.append(("content-digest", added["Content-Digest"]))
    view = MessageView.for_request(method, url, pairs)
    required = [Component("@method"), Component("@authority"), Component("@path")]
    if view.has_query:
        required.append(Component("@query"))
    if body:
        required.append(Component("content-digest"))
    params = SignatureParams(
        created=int(time.time()) if created is None else created,
        keyid=kid,
        # 16 random bytes: the profile's 128 bits, as 22 base64url characters.
        nonce=b64url_encode(secrets.token_bytes(16)) if nonce is None else nonce,
        alg=ALGORITHM,
    )
    added.update(
        _sign(
            view,
            _with_extra(required, extra_components),
            params,
            label=label,
            private_key=private_key,
        )
    )
    return added


def sign_response(
    status: int,
    headers: Headers,
    body: bytes,
    *,
    request: MessageView,
    private_key: Ed25519PrivateKey,
    kid: str,
    created: int | None = None,
    label: str = "sig1",
) -> dict[str, str]:
    """The headers a platform adds to a pull-API response: `Content-Digest` and its signature.

    The signature covers @status, content-digest and the request's method, authority, path and
    query through `;req`, and the request's own `Signature` field when it has one, so that the
    response answers that signed request and no other.
    """
    digest = content_digest_header(body)
    pairs = _without_digest(headers)
    pairs.append(("content-digest", digest))
    view = MessageView.for_response(status, pairs, request)
    components = [Component("@status"), Component("content-digest")]
    components += [Component.of(name, req=True) for name in ("@method", "@authority", "@path")]
    if request.has_query:
        components.append(Component.of("@query", req=True))
    if "signature" in request.headers:
        components.append(Component.of("signature", req=True))
    params = SignatureParams(
        created=int(time.time()) if created is None else created, keyid=kid, alg=ALGORITHM
    )
    return {
        "Content-Digest": digest,
        **_sign(view, components, params, label=label, private_key=private_key),
    }
