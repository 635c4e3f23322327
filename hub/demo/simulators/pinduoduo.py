"""A simulated Pinduoduo open-platform gateway serving `pdd.refund.list.increment.get`.

It keeps after-sales records as states (the latest state of each id, as the real list call
returns them) and answers the hub's incremental queries: update-time windows of at most 30
minutes, pages of at most 100, yuan strings and epoch-second strings as the list call documents.
Every answer is signed with the platform's key (RFC 9421 response signature bound to the hub's
request); `signing` switches to an unsigned answer or one signed with a wrong key, to show that
the hub refuses them.

    sim = PinduoduoSimulator(private_key, kid, clock=clock)
    record_id = sim.open(order_sn, amount_fen=1990)
    sim.update(record_id, 4)           # merchant agreed, refunding
    server = TestServer(sim.app())     # or web.run_app(sim.app()) for a demo
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.demo.simulators.gateway import SignedGateway
from hub.demo.simulators.traffic import GOODS, PDD_PATHS, pdd_order_sn, yuan

METHOD = "pdd.refund.list.increment.get"
RESPONSE_KEY = "refund_increment_get_response"
MAX_WINDOW_S = 30 * 60
MAX_PAGE_SIZE = 100
PATH = SignedGateway.path


class PinduoduoSimulator(SignedGateway):
    def __init__(
        self,
        private_key: Ed25519PrivateKey,
        kid: str,
        *,
        clock: Callable[[], datetime],
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(private_key, kid, clock=clock)
        self._rng = rng or random.Random(6)
        self.records: dict[str, dict[str, Any]] = {}

    # -- the platform's own activity ---------------------------------------------------------

    def open(
        self,
        order_sn: str,
        *,
        amount_fen: int,
        after_sales_type: int = 1,
        status: int = 2,
        goods_name: str = "无线降噪耳机 黑色",
    ) -> str:
        """A buyer opens an after-sales request on an order; returns its id."""
        record_id = str(self._rng.randrange(10**12, 10**13))
        now = self.epoch()
        self.records[record_id] = {
            # A bare JSON number, as the real list call sends it (above 2^31, below 2^53).
            "id": int(record_id),
            "order_sn": order_sn,
            "after_sales_type": after_sales_type,
            "after_sales_status": status,
            "after_sales_reason": "质量问题",
            "refund_amount": yuan(amount_fen),
            "goods_id": str(self._rng.randrange(10**9, 10**11)),
            "goods_name": goods_name,
            "goods_number": 1,
            "goods_price": yuan(amount_fen),
            "created_time": str(now),
            "updated_time": str(now),
            "confirm_time": "0",
            "tracking_number": "",
            "shipping_name": "",
        }
        return record_id

    def update(self, record_id: str, status: int, *, amount_fen: int | None = None) -> None:
        """The record moves to `status` now (the update time is the clock's)."""
        record = self.records[record_id]
        record["after_sales_status"] = status
        record["updated_time"] = str(self.epoch())
        if amount_fen is not None:
            record["refund_amount"] = yuan(amount_fen)
        if status in (7, 22):
            record["tracking_number"] = f"YT{self._rng.randrange(10**12, 10**13)}"
            record["shipping_name"] = "圆通速递"
        if status in (10, 16, 25):
            record["confirm_time"] = str(self.epoch())

    def background(self, count: int, *, day: str = "261111") -> list[str]:
        """After-sales records on orders no complaint is about: everyday traffic."""
        ids = []
        for _ in range(count):
            name, amount_fen = self._rng.choice(GOODS)
            kind = self._rng.choice(sorted(PDD_PATHS))
            after_sales_type, statuses = PDD_PATHS[kind]
            ids.append(
                self.open(
                    pdd_order_sn(self._rng, day),
                    amount_fen=amount_fen,
                    after_sales_type=after_sales_type,
                    status=statuses[0],
                    goods_name=name,
                )
            )
        return ids

    # -- the gateway --------------------------------------------------------------------------

    def answer(self, params: dict[str, str]) -> tuple[dict[str, Any], tuple[tuple[str, Any], ...]]:
        problem = _invalid(params)
        if problem is not None:
            return {"error_response": problem}, ()
        start, end = int(params["start_updated_at"]), int(params["end_updated_at"])
        page, size = int(params.get("page", "1")), int(params.get("page_size", "100"))
        matched = sorted(
            (r for r in self.records.values() if start <= int(r["updated_time"]) < end),
            key=lambda r: (int(r["updated_time"]), int(r["id"])),
        )
        chosen = matched[(page - 1) * size : page * size]
        document = {
            RESPONSE_KEY: {
                "total_count": len(matched),
                "refund_list": [dict(r) for r in chosen],
                "request_id": f"{self._rng.getrandbits(64):016x}",
            }
        }
        return document, tuple((str(r["id"]), int(r["after_sales_status"])) for r in chosen)


def _invalid(params: dict[str, str]) -> dict[str, Any] | None:
    """Pinduoduo's error answer for a query outside the documented limits, else None."""
    if params.get("type") != METHOD:
        return {"error_code": 10001, "error_msg": "unknown type"}
    try:
        start, end = int(params["start_updated_at"]), int(params["end_updated_at"])
        page, size = int(params.get("page", "1")), int(params.get("page_size", "100"))
    except (KeyError, ValueError):
        return {"error_code": 10000, "error_msg": "invalid parameters"}
    if not 0 < end - start <= MAX_WINDOW_S:
        return {"error_code": 70031, "error_msg": "time window must be 1 s to 30 min"}
    if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        return {"error_code": 10000, "error_msg": "page_size must be 1..100"}
    return None
