"""Write examples/signing/vectors.json: requests signed as the hub expects, to check a signer by.

Each vector is a fixed request, signed with a fixed Ed25519 test key (RFC 8032 section 7.1,
TEST 1; public, never to be registered at a real hub), a fixed `created` and a fixed nonce, by
the hub's own signer. A signer in another language that produces the same Content-Digest,
signature base and signature for these inputs produces requests the hub accepts.

    .venv/bin/python examples/signing/make_vectors.py       # rewrites vectors.json

tests/docs/test_signing_vectors.py recomputes every value, so the file cannot go stale.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from hub.crypto.httpsig import sign_request, signature_base  # noqa: E402
from hub.crypto.keys import public_jwk  # noqa: E402
from hub.crypto.message import MessageView  # noqa: E402
from hub.crypto.signature_input import parse_signatures  # noqa: E402

OUT = Path(__file__).resolve().parent / "vectors.json"
# RFC 8032 section 7.1, TEST 1: a published test key, so nobody mistakes it for a real one.
TEST_KEY_HEX = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
KID = "rfc8032-test-1"
CREATED = 1795000000  # 2026-11-18T05:46:40Z
BODY = (
    '{"event_id":"0f8fad5b-d9cb-469f-a165-70867728950e",'
    '"complaint_id":"bureau.hz:HZ12315-20261111-000123","version":2,'
    '"type":"case.note_added","occurred_at":"2026-11-18T13:46:40+08:00",'
    '"data":{"note":"材料已补齐"}}'
)
REQUESTS: tuple[dict[str, Any], ...] = (
    {
        "name": "post-event",
        "method": "POST",
        "url": "https://hub.example/v1/events",
        "headers": {"Content-Type": "application/json"},
        "body": BODY,
        "nonce": "AAECAwQFBgcICQoLDA0ODw",
    },
    {
        "name": "get-feed-with-query",
        "method": "GET",
        "url": "https://hub.example/v1/feed?after=41&wait=30",
        "headers": {},
        "body": None,
        "nonce": "EBESExQVFhcYGRobHB0eHw",
    },
)


def test_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(TEST_KEY_HEX))


def vector(request: dict[str, Any]) -> dict[str, Any]:
    key = test_key()
    body = request["body"].encode("utf-8") if request["body"] is not None else None
    added = sign_request(
        request["method"],
        request["url"],
        request["headers"],
        body,
        private_key=key,
        kid=KID,
        nonce=request["nonce"],
        created=CREATED,
    )
    pairs = [(k.lower(), v) for k, v in {**request["headers"], **added}.items()]
    view = MessageView.for_request(request["method"], request["url"], pairs)
    parsed = parse_signatures(added["Signature-Input"], added["Signature"])[0]
    return {
        **request,
        "created": CREATED,
        "expected": {
            "content_digest": added.get("Content-Digest"),
            "signature_base": signature_base(parsed, view.resolve).decode("ascii"),
            "signature_input": added["Signature-Input"],
            "signature": added["Signature"],
        },
    }


def vectors() -> dict[str, Any]:
    key = test_key()
    seed = key.private_bytes_raw()
    return {
        "key": {
            "kid": KID,
            "private_seed_base64url": base64.urlsafe_b64encode(seed).rstrip(b"=").decode(),
            "private_seed_hex": seed.hex(),
            "public_jwk": public_jwk(key.public_key(), KID),
        },
        "vectors": [vector(r) for r in REQUESTS],
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    OUT.write_text(render(vectors()), encoding="utf-8")
    print(f"wrote {OUT.relative_to(REPO)}")
