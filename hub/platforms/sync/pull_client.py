"""One signed query to a platform's incremental API, and the verification of its signed answer.

The hub signs the query with its own key (RFC 9421) and accepts only an answer the platform signed
(RFC 9421 response signature over @status, content-digest and the query through `;req`) with a
current key of the participant configured for that platform. What it pulls is then as
attributable as what a platform pushes: the verified answer is kept as evidence.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import aiohttp
import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from yarl import URL

from adapters.base.contract import PullRequest
from hub.crypto import (
    MessageView,
    SignatureError,
    check_response_profile,
    parse_signatures,
    sign_request,
    verify_response,
)
from hub.platforms.sync.config import SyncTarget
from hub.store.evidence import Evidence
from hub.store.participants import KeyWithOwner, ParticipantStore
from hub.trust.signer import HubSigner

# Answers larger than this are refused unread: a page is at most a few hundred records.
MAX_ANSWER_BYTES = 8 * 1024 * 1024


class PullRefused(Exception):
    """The platform answered, but the answer cannot be trusted; counted by `reason`."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class PullFailed(Exception):
    """The query did not get an answer worth checking (network, timeout, HTTP error)."""


@dataclasses.dataclass(frozen=True)
class VerifiedAnswer:
    payload: Any
    evidence: Evidence


class PullClient:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        participants: ParticipantStore,
        signer: Callable[[], HubSigner],
        clock: Callable[[], datetime],
    ) -> None:
        self._session = session
        self._participants = participants
        # A callable: the signer is replaced when a rotated hub key is picked up.
        self._signer = signer
        self._clock = clock

    async def fetch(self, target: SyncTarget, request: PullRequest) -> VerifiedAnswer:
        """Send the query `request` describes; return its verified answer.

        Raises:
            PullFailed: no usable answer (retry later).
            PullRefused: an unsigned, badly signed or foreign-signed answer (counted, retried).
        """
        url = target.base_url + "?" + urlencode(dict(request.params))
        now = self._clock()
        key = self._signer().active()
        headers = {"Accept": "application/json"}
        headers.update(
            sign_request(
                "GET",
                url,
                headers,
                None,
                private_key=key.private_key,
                kid=key.kid,
                created=int(now.timestamp()),
            )
        )
        sent = MessageView.for_request("GET", url, headers)
        try:
            async with self._session.get(
                URL(url, encoded=True),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=target.timeout_s),
                allow_redirects=False,
            ) as response:
                status = response.status
                answer_headers = list(response.headers.items())
                body = await _read_capped(response, MAX_ANSWER_BYTES + 1)
        except (TimeoutError, aiohttp.ClientError) as err:
            raise PullFailed(f"no answer: {type(err).__name__}") from err
        if len(body) > MAX_ANSWER_BYTES:
            raise PullFailed(f"answer larger than {MAX_ANSWER_BYTES} bytes")
        if status != 200:
            raise PullFailed(f"answered with HTTP {status}")
        return await self._verified(target, sent, status, answer_headers, body, now)

    async def _verified(
        self,
        target: SyncTarget,
        sent: MessageView,
        status: int,
        headers: list[tuple[str, str]],
        body: bytes,
        now: datetime,
    ) -> VerifiedAnswer:
        view = MessageView.for_response(status, headers, request=sent)
        signature_input = _one(view, "signature-input")
        signature = _one(view, "signature")
        if signature_input is None or signature is None:
            raise PullRefused("response-unsigned", "the answer carries no RFC 9421 signature")
        now_s = int(now.timestamp())
        try:
            parsed = parse_signatures(signature_input, signature)[0]
            check_response_profile(parsed, now_s)
        except SignatureError as err:
            raise PullRefused(err.code, str(err)) from err
        kid = parsed.params.keyid
        if kid is None:  # the profile requires it; checked again for the type
            raise PullRefused("parameter-missing", "the answer's signature names no keyid")
        found = _check_key(await self._participants.key_with_owner(kid), kid, target, now)
        public_key = Ed25519PublicKey.from_public_bytes(found.key.public_key)
        try:
            verified = verify_response(parsed, view, body, public_key, now=now_s)
        except SignatureError as err:
            raise PullRefused(err.code, str(err)) from err
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError as err:
            raise PullRefused("response-not-json", "the signed answer is not JSON") from err
        evidence = Evidence(
            sender=found.owner.participant_id,
            kid=kid,
            body=body,
            signature_input=signature_input,
            signature=signature,
            covered=verified.covered_values,
            received_at=now,
        )
        return VerifiedAnswer(payload, evidence)


async def _read_capped(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """The body, or its first `limit` bytes when it is longer."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(chunks)[:limit]


def _one(view: MessageView, name: str) -> str | None:
    values = view.headers.get(name)
    return ", ".join(values) if values else None


def _check_key(
    found: KeyWithOwner | None, kid: str, target: SyncTarget, now: datetime
) -> KeyWithOwner:
    """The key and owner, when they may sign this platform's answers now."""
    if found is None:
        raise PullRefused("unknown-key", f"no key {kid!r} is registered at this hub")
    key, owner = found.key, found.owner
    if (
        owner.participant_id != target.participant
        or owner.role != "platform"
        or owner.platform != target.platform
    ):
        # Another participant's valid key still cannot speak for this platform.
        raise PullRefused("foreign-key", f"key {kid} does not belong to {target.participant}")
    if key.revoked_at is not None and key.revoked_at <= now:
        raise PullRefused("key-revoked", f"key {kid} was revoked")
    if key.not_before > now:
        raise PullRefused("key-not-yet-valid", f"key {kid} is not valid yet")
    if key.not_after is not None and key.not_after <= now:
        raise PullRefused("key-expired", f"key {kid} has expired")
    if not owner.enabled:
        raise PullRefused("participant-disabled", f"{owner.participant_id} is disabled")
    return found
