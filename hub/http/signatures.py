"""Every /v1 request is signed (RFC 9421): verify it, name its actor, keep its evidence.

The actor of whatever a request produces is the participant whose key verified it, never a
field of the body.
"""

from __future__ import annotations

import asyncio
import math
import time
from datetime import UTC, datetime

import structlog
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hub.clock import clock_of
from hub.crypto import (
    AuthorityMismatch,
    BadSignature,
    MessageView,
    ParsedSignature,
    SignatureError,
    SignatureMissing,
    VerifiedSignature,
    check_request_profile,
    parse_signatures,
    verify_request,
)
from hub.http.body import read_body
from hub.http.keys import ACTOR, EVIDENCE, RATE_LIMITER, RAW_BODY
from hub.http.problems import Handler
from hub.problems import Forbidden, TooManyRequests, Unauthorized
from hub.settings import SETTINGS
from hub.store.evidence import Evidence
from hub.store.participants import Participant, ParticipantKey
from hub.trust.resources import NONCES, PARTICIPANTS

log = structlog.get_logger("hub.auth")

# Replays are refused while a nonce is remembered: longer than the +-300 s window of `created`.
NONCE_TTL_S = 600
# Digesting and parsing a large body (a batch of 1,000 events) is moved off the event loop.
_THREAD_THRESHOLD_BYTES = 64 * 1024
_PUBLIC_PREFIXES = ("/v1/audit/tree-head", "/v1/audit/inclusion", "/v1/audit/consistency")
ACCEPT_SIGNATURE = (
    'sig1=("@method" "@authority" "@path" "@query" "content-digest");'
    'keyid="<your kid>";created;nonce;alg="ed25519"'
)


def requires_signature(path: str) -> bool:
    return path.startswith("/v1/") and not path.startswith(_PUBLIC_PREFIXES)


def _views(request: web.Request, public_urls: tuple[str, ...]) -> list[MessageView]:
    """The request as each of the hub's public URLs would have received it.

    Behind a proxy the Host header is never trusted; without a configured URL (development) the
    Host header and the connection's scheme stand.
    """
    raw_path, _, raw_query = request.raw_path.partition("?")
    headers = list(request.headers.items())
    origins = public_urls or (f"{request.scheme}://{request.host}",)
    views = []
    for origin in origins:
        url = origin + raw_path + (f"?{raw_query}" if raw_query else "")
        views.append(MessageView.for_request(request.method, url, headers))
    return views


def _key_state_problem(key: ParticipantKey, owner: Participant, now: datetime) -> None:
    if key.revoked_at is not None and key.revoked_at <= now:
        raise Unauthorized(
            "key-revoked",
            f"key {key.kid} was revoked at {key.revoked_at.isoformat()}; sign with a current key",
        )
    if key.not_before > now:
        raise Unauthorized(
            "key-not-yet-valid", f"key {key.kid} is valid from {key.not_before.isoformat()}"
        )
    if key.not_after is not None and key.not_after <= now:
        raise Unauthorized(
            "key-expired",
            f"key {key.kid} expired at {key.not_after.isoformat()}; register a new key",
        )
    if not owner.enabled:
        raise Forbidden(
            "participant-disabled",
            f"participant {owner.participant_id} is disabled; its requests are refused",
        )


def _verify(
    request: web.Request,
    body: bytes,
    parsed: ParsedSignature,
    public_key: Ed25519PublicKey,
    now_s: int,
) -> VerifiedSignature:
    settings = request.app[SETTINGS]
    views = _views(request, settings.public_urls)
    last_error: SignatureError | None = None
    for view in views:
        try:
            return verify_request(parsed, view, body, public_key, now=now_s)
        except BadSignature as err:
            last_error = err
    if settings.public_urls:
        # Signed for the authority in the Host header rather than ours: another hub's request.
        try:
            own = _views(request, ())[0]
            verify_request(parsed, own, body, public_key, now=now_s)
        except SignatureError:
            pass
        else:
            raise AuthorityMismatch(
                f"signed for {own.scheme}://{own.authority}, but this hub is "
                f"{', '.join(settings.public_urls)}; sign @authority with the hub's public host"
            )
    if last_error is None:  # there is always at least one view, so one error
        raise BadSignature("the signature could not be checked against any of the hub's URLs")
    raise last_error


def _parse_headers(request: web.Request, now_s: int) -> tuple[ParsedSignature, str, str, str]:
    """The signature, its key id and its two headers, checked as far as they can be without the
    body or the database: present, parsed, the profile (created window, nonce, covered
    components) met. A malformed request costs no round trip and no upload."""
    signature_input = request.headers.get("Signature-Input")
    signature = request.headers.get("Signature")
    try:
        if not signature_input or not signature:
            raise SignatureMissing(
                "sign the request with HTTP Message Signatures (RFC 9421): send Signature-Input "
                "and Signature headers"
            )
        parsed = parse_signatures(signature_input, signature)[0]
        has_query = bool(request.raw_path.partition("?")[2])
        check_request_profile(parsed, has_body=request.body_exists, has_query=has_query, now=now_s)
    except SignatureError as err:
        raise Unauthorized(err.code, str(err)) from err
    kid = parsed.params.keyid
    if kid is None:  # check_request_profile requires it; kept explicit for the type
        raise Unauthorized("parameter-missing", "the signature names no keyid")
    return parsed, kid, signature_input, signature


async def authenticate(request: web.Request) -> None:
    now_s = int(time.time())
    parsed, kid, signature_input, signature = _parse_headers(request, now_s)
    found = await request.app[PARTICIPANTS].key_with_owner(kid)
    if found is None:
        raise Unauthorized("unknown-key", f"no key {kid!r} is registered at this hub")
    now = datetime.now(UTC)
    _key_state_problem(found.key, found.owner, now)
    # Only a request from a known, valid key gets its body read (within the read timeout).
    body = await read_body(request)
    request[RAW_BODY] = body
    public_key = Ed25519PublicKey.from_public_bytes(found.key.public_key)
    try:
        if len(body) > _THREAD_THRESHOLD_BYTES:
            verified = await asyncio.to_thread(_verify, request, body, parsed, public_key, now_s)
        else:
            verified = _verify(request, body, parsed, public_key, now_s)
    except SignatureError as err:
        raise Unauthorized(err.code, str(err)) from err
    if verified.nonce is None:  # the profile requires a nonce; kept explicit for the type
        raise Unauthorized("nonce-missing", "the signature carries no nonce")
    if not await request.app[NONCES].claim(kid, verified.nonce, NONCE_TTL_S):
        raise Unauthorized(
            "signature-replayed",
            f"nonce {verified.nonce!r} was already used with key {kid}; sign every request "
            "afresh with a new nonce",
        )
    request[ACTOR] = found.owner
    request[EVIDENCE] = Evidence(
        sender=found.owner.participant_id,
        kid=kid,
        body=body,
        signature_input=signature_input,
        signature=signature,
        covered=verified.covered_values,
        received_at=now,
    )
    structlog.contextvars.bind_contextvars(participant=found.owner.participant_id)


async def _limit_rate(request: web.Request) -> None:
    """After authentication, so a participant's bucket is spent only by its own requests."""
    actor = request[ACTOR]
    now_s = clock_of(request.app)().timestamp()
    wait_s = await request.app[RATE_LIMITER].take(actor.participant_id, actor.role, now_s)
    if wait_s > 0:
        retry_after_s = max(1, math.ceil(wait_s))
        refused = TooManyRequests(
            f"participant {actor.participant_id} sends requests faster than its role's rate "
            f"allows; retry after {retry_after_s} s",
            retry_after_s=retry_after_s,
        )
        refused.headers["Retry-After"] = str(retry_after_s)
        raise refused


@web.middleware
async def signature_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if requires_signature(request.path):
        try:
            await authenticate(request)
        except Unauthorized as problem:
            problem.headers["Accept-Signature"] = ACCEPT_SIGNATURE
            raise
        await _limit_rate(request)
    return await handler(request)
