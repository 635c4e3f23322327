"""A simulated Douyin shop gateway serving `afterSale/List`.

It keeps after-sales records as states and answers the hub's queries by update time
(`update_start_time`, `update_end_time`, epoch seconds), `page` from 0 and `size` up to 100, with
`has_more` and `total` beside `items[]`. Each item holds `aftersale_info` (fields as the copied
samples in adapters/douyin/fixtures carry them: ids as bare JSON numbers above 2^53, fen
integers, epoch-second times) and `order_info.shop_order_id`. Answers are signed with the
platform's key.

    sim = DouyinSimulator(private_key, kid, clock=clock)
    aftersale_id = sim.open(order_id, amount_fen=59900)
    sim.update(aftersale_id, 12)       # after-sales succeeded
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.demo.simulators.gateway import SignedGateway

METHOD = "afterSale/List"
MAX_PAGE_SIZE = 100
PATH = SignedGateway.path
_SUCCESS = 10000


class DouyinSimulator(SignedGateway):
    def __init__(
        self,
        private_key: Ed25519PrivateKey,
        kid: str,
        *,
        clock: Callable[[], datetime],
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(private_key, kid, clock=clock)
        self._rng = rng or random.Random(12)
        self.records: dict[int, dict[str, Any]] = {}

    def open(
        self, order_id: int, *, amount_fen: int, aftersale_type: int = 1, status: int = 6
    ) -> int:
        """A buyer applies for after-sales on an order; returns its id (above 2^53)."""
        aftersale_id = self._rng.randrange(7 * 10**18, 8 * 10**18)
        now = self.epoch()
        self.records[aftersale_id] = {
            "aftersale_info": {
                "aftersale_id": aftersale_id,
                "aftersale_order_type": 1,
                "aftersale_type": aftersale_type,
                "aftersale_status": status,
                "related_id": order_id,
                "apply_time": now,
                "update_time": now,
                "refund_amount": amount_fen,
                "refund_post_amount": 0,
                "reason_code": 15,
                "arbitrate_status": 0,
                "refund_status": 1,
            },
            "order_info": {"shop_order_id": order_id, "related_order_info": []},
        }
        return aftersale_id

    def update(self, aftersale_id: int, status: int, *, arbitrate_status: int = 0) -> None:
        """The record moves to `status` now."""
        info = self.records[aftersale_id]["aftersale_info"]
        info["aftersale_status"] = status
        info["update_time"] = self.epoch()
        info["arbitrate_status"] = arbitrate_status
        if status in (12, 14):
            info["refund_status"] = 3

    def answer(self, params: dict[str, str]) -> tuple[dict[str, Any], tuple[tuple[str, Any], ...]]:
        problem = _invalid(params)
        if problem is not None:
            return {**problem, "data": None}, ()
        start, end = int(params["update_start_time"]), int(params["update_end_time"])
        page, size = int(params.get("page", "0")), int(params.get("size", "10"))
        matched = sorted(
            (r for r in self.records.values() if start <= r["aftersale_info"]["update_time"] < end),
            key=lambda r: (r["aftersale_info"]["update_time"], r["aftersale_info"]["aftersale_id"]),
        )
        chosen = matched[page * size : (page + 1) * size]
        document = {
            "code": _SUCCESS,
            "msg": "success",
            "sub_code": "",
            "sub_msg": "",
            "log_id": f"{self._rng.getrandbits(64):016X}",
            "data": {
                "items": [
                    {"aftersale_info": dict(r["aftersale_info"]), "order_info": r["order_info"]}
                    for r in chosen
                ],
                "has_more": (page + 1) * size < len(matched),
                "total": len(matched),
                "page": page,
                "size": size,
            },
        }
        served = tuple(
            (str(r["aftersale_info"]["aftersale_id"]), r["aftersale_info"]["aftersale_status"])
            for r in chosen
        )
        return document, served


def _invalid(params: dict[str, str]) -> dict[str, Any] | None:
    """Douyin's error envelope for a query outside the documented limits, else None."""
    if params.get("method") != METHOD:
        return {"code": 40004, "msg": "method not found"}
    try:
        start, end = int(params["update_start_time"]), int(params["update_end_time"])
        page, size = int(params.get("page", "0")), int(params.get("size", "10"))
    except (KeyError, ValueError):
        return {"code": 40004, "msg": "invalid parameters"}
    if end <= start or page < 0 or not 1 <= size <= MAX_PAGE_SIZE:
        return {"code": 40004, "msg": "invalid parameters", "sub_code": "isv.parameter-invalid"}
    return None
