"""A simulated JD back-end: reads the hub's JD feed in JD's shape and pushes service updates.

JD is a push platform: it pulls `GET /v1/platforms/jd/feed` (signed as the JD participant with the
SDK), opens an after-sales service (`afsServiceId`) for each complaint routed to it, and pushes
each change of that service to `POST /v1/platforms/jd/inbound`. The first push names the
complaint (from the feed message); later ones are linked by the hub through `afsServiceId`.

    jd = JdSimulator(hub_client, clock=clock)
    messages = await jd.pull_feed()              # JD-native messages, routed cases opened
    await jd.play(complaint_id, JD_PATHS["return"][1], suggest_amount_fen=59900)
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hub.demo.simulators.traffic import JD_PATHS, yuan
from hub.sdk.client import HubClient, Response

SHANGHAI = ZoneInfo("Asia/Shanghai")
ROUTED = "complaint_hub_ComplaintRouted"
# Steps that stamp approvedDate (a review decided) and processedDate (the goods or money moved).
_APPROVAL_STEPS = frozenset({20, 21, 22})
_PROCESSING_STEPS = frozenset({31, 32, 33, 34, 40, 50, 60})


class JdSimulator:
    def __init__(
        self,
        hub: HubClient,
        *,
        clock: Callable[[], datetime],
        rng: random.Random | None = None,
        customer_expect: int = 10,
    ) -> None:
        self.hub = hub
        self._clock = clock
        self._rng = rng or random.Random(10)
        self._customer_expect = customer_expect
        self.cursor = 0
        self.messages: list[dict[str, Any]] = []
        self.services: dict[str, dict[str, Any]] = {}  # complaint id -> afs service
        self._pushed: set[str] = set()

    async def pull_feed(self) -> list[dict[str, Any]]:
        """Read the JD feed to its end; open a service for every newly routed complaint."""
        fresh: list[dict[str, Any]] = []
        while True:
            page = await self.hub.call(
                "GET", "/v1/platforms/jd/feed", params={"after": self.cursor, "limit": 100}
            )
            for item in page["items"]:
                message = item["message"]
                if message is None:
                    continue
                fresh.append(message)
                if message["messageType"] == ROUTED:
                    self._open(message["body"])
            self.cursor = page["next"]
            if not page["more"]:
                break
        self.messages.extend(fresh)
        return fresh

    def _open(self, body: dict[str, Any]) -> None:
        complaint_id = body["complaintId"]
        if complaint_id in self.services:
            return
        self.services[complaint_id] = {
            "afsServiceId": self._rng.randrange(10**9, 10**10),
            "afsApplyId": self._rng.randrange(10**9, 10**10),
            "orderId": int(body["orderId"]) if body.get("orderId") else None,
            "wareId": self._rng.randrange(10**11, 10**12),
            "customerExpect": self._customer_expect,
            "afsServiceStep": 10,
            "afsApplyTime": self._now_text(),
            "questionDesc": "商品有质量问题",
        }

    async def advance(
        self, complaint_id: str, step: int, *, suggest_amount_fen: int | None = None
    ) -> Response:
        """The service moves to `step` now; push the whole record to the hub."""
        service = self.services[complaint_id]
        service["afsServiceStep"] = step
        if step in _APPROVAL_STEPS:
            service["approvedDate"] = self._now_text()
        if step in _PROCESSING_STEPS:
            service["processedDate"] = self._now_text()
        if suggest_amount_fen is not None:
            service["suggestAmount"] = yuan(suggest_amount_fen)
        # The first push tells the hub which complaint the new service answers.
        first = complaint_id not in self._pushed
        response = await self.hub.request(
            "POST",
            "/v1/platforms/jd/inbound",
            json=service,
            params={"complaint_id": complaint_id if first else None},
        )
        if response.status < 400:
            self._pushed.add(complaint_id)
        return response

    async def play(
        self,
        complaint_id: str,
        steps: Sequence[int],
        *,
        suggest_amount_fen: int,
        tick: Callable[[], None] = lambda: None,
    ) -> list[Response]:
        """Walk a service through `steps`, the amount known from the first offer on."""
        responses = []
        for step in steps:
            tick()
            amount = suggest_amount_fen if step >= 31 else None
            responses.append(await self.advance(complaint_id, step, suggest_amount_fen=amount))
        return responses

    async def run(self, interval_s: float, amount_fen: int = 59900) -> None:
        """For a demo: every interval, read the feed and move each open service one step."""
        _, steps = JD_PATHS["return"]
        progress: dict[str, int] = {}
        while True:
            await self.pull_feed()
            for complaint_id in list(self.services):
                index = progress.get(complaint_id, 0)
                if index < len(steps):
                    step = steps[index]
                    amount = amount_fen if step >= 31 else None
                    await self.advance(complaint_id, step, suggest_amount_fen=amount)
                    progress[complaint_id] = index + 1
            await asyncio.sleep(interval_s)

    def _now_text(self) -> str:
        return self._clock().astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
