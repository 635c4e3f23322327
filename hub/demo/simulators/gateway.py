"""What every simulated pull gateway shares: the signed JSON answer and the log of queries.

A subclass keeps the platform's records and says how one query is answered (`answer`); this
base signs the answer with the platform's key (RFC 9421 response signature bound to the hub's
request), or leaves it unsigned or signs it with a wrong key when `signing` says so.

With `stamp_as_request`, the answer's `created` is the hub's request's own: the demo's clock runs
days per real second, so any later reading of it would fall outside the hub's skew window.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

import orjson
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.crypto import MessageView, sign_response
from hub.crypto.errors import SignatureError
from hub.crypto.keys import generate_private_key
from hub.crypto.signature_input import parse_signatures

Signing = Literal["valid", "unsigned", "wrong_key"]


@dataclasses.dataclass(frozen=True)
class ServedQuery:
    """One query the gateway answered, with the ids and statuses it returned."""

    params: dict[str, str]
    headers: dict[str, str]
    url: str
    served: tuple[tuple[str, Any], ...]


class SignedGateway:
    path = "/api/router"

    def __init__(
        self, private_key: Ed25519PrivateKey, kid: str, *, clock: Callable[[], datetime]
    ) -> None:
        # Public: a test may make the gateway sign with another key.
        self.signing_key = private_key
        self.kid = kid
        self._clock = clock
        self.signing: Signing = "valid"
        self.stamp_as_request = False
        # Closed: every query gets a 503, as from a gateway taken down for the night.
        self.closed = False
        self.queries: list[ServedQuery] = []

    def answer(self, params: dict[str, str]) -> tuple[dict[str, Any], tuple[tuple[str, Any], ...]]:
        """The platform's JSON answer to one query, and the (id, status) of each record in it."""
        raise NotImplementedError

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get(self.path, self._answer)
        return app

    def epoch(self) -> int:
        return int(self._clock().timestamp())

    async def _answer(self, request: web.Request) -> web.Response:
        if self.closed:
            return web.Response(status=503, text="closed")
        params = dict(request.query)
        document, served = self.answer(params)
        url = f"{request.scheme}://{request.host}{request.raw_path}"
        self.queries.append(ServedQuery(params, dict(request.headers), url, served))
        body = orjson.dumps(document)
        headers = {"Content-Type": "application/json"}
        if self.signing != "unsigned":
            key = self.signing_key if self.signing == "valid" else generate_private_key()
            headers.update(
                sign_response(
                    200,
                    headers,
                    body,
                    request=MessageView.for_request(
                        request.method, url, list(request.headers.items())
                    ),
                    private_key=key,
                    kid=self.kid,
                    created=self._created(request),
                )
            )
        return web.Response(body=body, headers=headers)

    def _created(self, request: web.Request) -> int:
        if self.stamp_as_request:
            try:
                signed = parse_signatures(
                    request.headers.get("Signature-Input"), request.headers.get("Signature")
                )[0].params.created
            except SignatureError:
                signed = None
            if signed is not None:
                return signed
        return self.epoch()
