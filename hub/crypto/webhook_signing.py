"""Standard Webhooks signatures (https://www.standardwebhooks.com), made afresh per attempt.

The signed content is `{webhook-id}.{webhook-timestamp}.{body}`. `v1` is HMAC-SHA256 with the
subscription's secret, so any stock receiver verifies it; `v1a` is Ed25519 with the hub key, so a
receiver holding only the hub's JWKS verifies it too. During a key rotation both hub keys sign.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets as random_bytes
from collections.abc import Iterable, Mapping

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(random_bytes.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key inside a `whsec_` secret."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signed_content(webhook_id: str, timestamp: int, body: bytes) -> bytes:
    return f"{webhook_id}.{timestamp}.".encode() + body


def sign(
    webhook_id: str,
    timestamp: int,
    body: bytes,
    *,
    secret: str,
    hub_keys: Iterable[Ed25519PrivateKey] = (),
) -> str:
    """The `webhook-signature` header value: `v1,<hmac>` then one `v1a,<ed25519>` per hub key."""
    content = signed_content(webhook_id, timestamp, body)
    mac = hmac.new(secret_key(secret), content, hashlib.sha256).digest()
    parts = ["v1," + base64.b64encode(mac).decode()]
    parts.extend("v1a," + base64.b64encode(key.sign(content)).decode() for key in hub_keys)
    return " ".join(parts)


def headers(
    webhook_id: str,
    timestamp: int,
    body: bytes,
    *,
    secret: str,
    hub_keys: Iterable[Ed25519PrivateKey] = (),
) -> Mapping[str, str]:
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(webhook_id, timestamp, body, secret=secret, hub_keys=hub_keys),
    }
