"""GET /.well-known/jwks.json: the hub's public keys, old ones included."""

from __future__ import annotations

from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hub.crypto.jws import ALGORITHM
from hub.crypto.keys import public_jwk
from hub.trust.resources import HUB_KEYS
from hub.trust.signer import JWKS_MAX_AGE_S


async def get_jwks(request: web.Request) -> web.Response:
    keys = await request.app[HUB_KEYS].all()
    document = {
        # `alg` is the fully-specified name the hub signs with (RFC 9864).
        "keys": [
            {
                **public_jwk(Ed25519PublicKey.from_public_bytes(key.public_key), key.kid),
                "alg": ALGORITHM,
            }
            for key in keys
        ]
    }
    response = web.json_response(document)
    # A new key signs only after this lifetime has passed (hub.trust.signer): caches stay right.
    response.headers["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE_S}"
    return response
