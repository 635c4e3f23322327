"""For receivers of the hub's webhooks: check a delivery before trusting it.

    payload = verify_webhook(request.headers, await request.read(), secret="whsec_...")
    payload = verify_webhook(headers, body, jwks=await hub.hub_keys())   # the hub key alone

`v1` is checked with the subscription's secret, `v1a` with the hub's public keys (a JWKS document
or a mapping kid -> public key); with both given, both must verify. A receiver deduplicates by
the `webhook-id` header: delivery is at least once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hub.crypto.keys import load_public_key
from hub.crypto.webhook_signing import secret_key, signed_content


class WebhookVerificationError(ValueError):
    """The delivery is not (or no longer) what the hub sent."""


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    raise WebhookVerificationError(f"missing {name} header")


def _public_keys(
    jwks: Mapping[str, Any] | Mapping[str, Ed25519PublicKey],
) -> list[Ed25519PublicKey]:
    if "keys" in jwks and isinstance(jwks["keys"], list):
        return [load_public_key(orjson.dumps(jwk)) for jwk in jwks["keys"]]
    return [key for key in jwks.values() if isinstance(key, Ed25519PublicKey)]


def _signatures(header: str, version: str) -> list[bytes]:
    found = []
    for part in header.split():
        label, _, value = part.partition(",")
        if label != version:
            continue
        try:
            found.append(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            continue
    return found


def _any_ed25519(keys: Iterable[Ed25519PublicKey], signatures: list[bytes], content: bytes) -> bool:
    for key in keys:
        for signature in signatures:
            try:
                key.verify(signature, content)
            except InvalidSignature:
                continue
            return True
    return False


def verify_webhook(
    headers: Mapping[str, str],
    body: bytes,
    *,
    secret: str | None = None,
    jwks: Mapping[str, Any] | None = None,
    tolerance_s: int = 300,
    now: float | None = None,
) -> Any:
    """The delivery's JSON payload once its signature(s) and timestamp check out."""
    if secret is None and jwks is None:
        raise ValueError("give the subscription's secret, the hub's JWKS, or both")
    webhook_id = _header(headers, "webhook-id")
    timestamp_text = _header(headers, "webhook-timestamp")
    signature_header = _header(headers, "webhook-signature")
    try:
        timestamp = int(timestamp_text)
    except ValueError:
        raise WebhookVerificationError("webhook-timestamp is not an integer") from None
    # An old delivery replayed by someone who captured it is refused by its age.
    if abs((time.time() if now is None else now) - timestamp) > tolerance_s:
        raise WebhookVerificationError("webhook-timestamp is outside the tolerance")
    content = signed_content(webhook_id, timestamp, body)
    if secret is not None:
        expected = hmac.new(secret_key(secret), content, hashlib.sha256).digest()
        if not any(hmac.compare_digest(expected, s) for s in _signatures(signature_header, "v1")):
            raise WebhookVerificationError("no v1 signature matches the secret")
    if jwks is not None:
        signatures = _signatures(signature_header, "v1a")
        if not _any_ed25519(_public_keys(jwks), signatures, content):
            raise WebhookVerificationError("no v1a signature verifies with the hub's keys")
    return orjson.loads(body)
