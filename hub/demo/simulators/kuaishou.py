"""A simulated Kuaishou shop back-end: pushes its refund records to the hub in Kuaishou's shape.

Kuaishou is a push platform here (adapters/kuaishou has no pull mode): for a complaint routed to
it, the shop opens a refund (`refundId`, `oid` above 2^53 as bare JSON numbers, `refundFee` in
fen, `createTime`/`updateTime` in epoch milliseconds) and pushes `{event, data}` to
`POST /v1/platforms/kuaishou/inbound` at each change, signed as the Kuaishou participant. The
first push names the complaint; later ones are linked by the hub through `refundId`.

    ks = KuaishouSimulator(hub_client, clock=clock)
    ks.open(complaint_id, order_id, amount_fen=4990, handling_way=10)
    await ks.push(complaint_id, 50)     # executing: the refund is offered
    await ks.push(complaint_id, 60)     # refund succeeded
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from hub.sdk.client import HubClient, Response

PATH = "/v1/platforms/kuaishou/inbound"
# status paths by handlingWay: applied, (return shipping,) executing, succeeded
PATHS: dict[int, Sequence[int]] = {
    10: (10, 50, 60),  # refund only
    1: (10, 30, 40, 50, 60),  # return and refund
}
_MESSAGES = {10: "RefundCreated", 60: "RefundSuccess", 70: "RefundClosed"}


class KuaishouSimulator:
    def __init__(
        self,
        hub: HubClient,
        *,
        clock: Callable[[], datetime],
        rng: random.Random | None = None,
    ) -> None:
        self.hub = hub
        self._clock = clock
        self._rng = rng or random.Random(5)
        self.refunds: dict[str, dict[str, Any]] = {}  # complaint id -> refund record
        self._pushed: set[str] = set()

    def open(
        self, complaint_id: str, order_id: int, *, amount_fen: int, handling_way: int = 10
    ) -> int:
        """The buyer applies for a refund on the order; returns its refundId."""
        refund_id = self._rng.randrange(2 * 10**15, 3 * 10**15)
        now = self._ms()
        self.refunds[complaint_id] = {
            "refundId": refund_id,
            "oid": order_id,
            "status": 10,
            "handlingWay": handling_way,
            "negotiateStatus": 0,
            "refundFee": amount_fen,
            "createTime": now,
            "updateTime": now,
        }
        return refund_id

    async def push(self, complaint_id: str, status: int) -> Response:
        """The refund moves to `status` now; push the whole record."""
        record = self.refunds[complaint_id]
        record["status"] = status
        record["updateTime"] = self._ms()
        message = {"event": _MESSAGES.get(status, "RefundModified"), "data": dict(record)}
        first = complaint_id not in self._pushed
        response = await self.hub.request(
            "POST",
            PATH,
            json=message,
            params={"complaint_id": complaint_id if first else None},
        )
        if response.status < 400:
            self._pushed.add(complaint_id)
        return response

    def _ms(self) -> int:
        return int(self._clock().timestamp() * 1000)
