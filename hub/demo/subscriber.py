"""The Hangzhou city bureau's webhook receiver: checks every delivery, then keeps the ledger.

Each delivery must carry a valid `v1` (HMAC with the subscription's secret) and `v1a` (Ed25519
with the hub's key) signature, and a receipt, signed by the hub, naming exactly the event it
came with at its feed position. Deliveries arrive in feed order; `previous_position` shows a
gap, and a redelivery (at least once) is recognised by its position and counted once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from hub.demo.ledger import Ledger
from hub.sdk.client import HubClient, HubError
from hub.sdk.webhooks import WebhookVerificationError, verify_webhook

PATH = "/hooks/complaint-hub"


@dataclass
class Subscriber:
    client: HubClient  # signs as the subscribing bureau; checks receipts against the JWKS
    secret: str = ""
    ledger: Ledger = field(default_factory=Ledger)
    last_position: int = 0
    verified: int = 0
    signature_failures: int = 0
    gaps: int = 0
    redeliveries: int = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(PATH, self._receive)
        return app

    async def _receive(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            keys = await self.client.hub_keys()
            payload = verify_webhook(request.headers, body, secret=self.secret, jwks=keys)
            item = payload["data"]
            await self.client.verify_feed_item(item)
        except (WebhookVerificationError, HubError, KeyError, TypeError, ValueError):
            # Refused, so the hub retries it: a delivery that does not verify is never counted.
            self.signature_failures += 1
            return web.Response(status=400)
        position = int(item["position"])
        if position <= self.last_position:
            self.redeliveries += 1
            return web.Response(status=204)
        if int(item["previous_position"]) != self.last_position:
            self.gaps += 1
        self.last_position = position
        self.verified += 1
        self.ledger.apply(item["event"])
        return web.Response(status=204)
