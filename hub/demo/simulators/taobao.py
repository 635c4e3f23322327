"""A simulated Taobao open-platform gateway serving `taobao.refunds.receive.get`.

It keeps refunds as states (the latest of each refund id, as the list call returns them) and
answers the hub's queries by modification time (`start_modified`, `end_modified`, Asia/Shanghai
text), `page_no` from 1 and `page_size` up to 100, with `has_next` when asked `use_has_next`.
Records carry only the `fields` asked for, shaped like the copied message in
adapters/taobao/fixtures/real_tmc_refund_big_ids: ids as bare JSON numbers above 2^53, money as
yuan strings, times as local text. Answers are signed with the platform's key.

    sim = TaobaoSimulator(private_key, kid, clock=clock)
    refund_id = sim.open(tid, amount_fen=59900)
    sim.update(refund_id, "SUCCESS")
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.demo.simulators.gateway import SignedGateway
from hub.demo.simulators.traffic import yuan

METHOD = "taobao.refunds.receive.get"
RESPONSE_KEY = "refunds_receive_get_response"
MAX_PAGE_SIZE = 100
PATH = SignedGateway.path
SHANGHAI = ZoneInfo("Asia/Shanghai")
_LOCAL = "%Y-%m-%d %H:%M:%S"


class TaobaoSimulator(SignedGateway):
    def __init__(
        self,
        private_key: Ed25519PrivateKey,
        kid: str,
        *,
        clock: Callable[[], datetime],
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(private_key, kid, clock=clock)
        self._rng = rng or random.Random(11)
        self.records: dict[int, dict[str, Any]] = {}

    def open(self, tid: int, *, amount_fen: int, status: str = "WAIT_SELLER_AGREE") -> int:
        """A buyer asks for a refund on an order; returns the refund id (above 2^53)."""
        refund_id = self._rng.randrange(10**17, 10**18)
        now = self._now_text()
        self.records[refund_id] = {
            "refund_id": refund_id,
            "tid": tid,
            "oid": tid,
            "status": status,
            "refund_fee": yuan(amount_fen),
            "total_fee": yuan(amount_fen),
            "created": now,
            "modified": now,
            "refund_phase": "aftersale",
            "good_status": "BUYER_RECEIVED",
            "has_good_return": False,
            "cs_status": 1,
            "advance_status": 0,
            "bill_type": "refund_bill",
        }
        return refund_id

    def update(self, refund_id: int, status: str, *, cs_status: int | None = None) -> None:
        """The refund moves to `status` now."""
        record = self.records[refund_id]
        record["status"] = status
        record["modified"] = self._now_text()
        if status in ("WAIT_BUYER_RETURN_GOODS", "WAIT_SELLER_CONFIRM_GOODS"):
            record["has_good_return"] = True
        if cs_status is not None:
            record["cs_status"] = cs_status

    def _now_text(self) -> str:
        return self._clock().astimezone(SHANGHAI).strftime(_LOCAL)

    def answer(self, params: dict[str, str]) -> tuple[dict[str, Any], tuple[tuple[str, Any], ...]]:
        problem = _invalid(params)
        if problem is not None:
            return {"error_response": problem}, ()
        start, end = params["start_modified"], params["end_modified"]
        page, size = int(params.get("page_no", "1")), int(params.get("page_size", "40"))
        fields = params["fields"].split(",")
        # Same-format local text compares in time order.
        matched = sorted(
            (r for r in self.records.values() if start <= r["modified"] <= end),
            key=lambda r: (r["modified"], r["refund_id"]),
        )
        chosen = matched[(page - 1) * size : page * size]
        body: dict[str, Any] = {
            "refunds": {"refund": [{k: r[k] for k in fields if k in r} for r in chosen]},
            "request_id": f"{self._rng.getrandbits(48):x}",
        }
        if params.get("use_has_next") == "true":
            body["has_next"] = page * size < len(matched)
        else:
            body["total_results"] = len(matched)
        served = tuple((str(r["refund_id"]), r["status"]) for r in chosen)
        return {RESPONSE_KEY: body}, served


def _invalid(params: dict[str, str]) -> dict[str, Any] | None:
    """Taobao's error answer for a query outside the documented limits, else None."""
    if params.get("method") != METHOD:
        return {"code": 22, "msg": "Invalid method"}
    try:
        start = datetime.strptime(params["start_modified"], _LOCAL)
        end = datetime.strptime(params["end_modified"], _LOCAL)
        page, size = int(params.get("page_no", "1")), int(params.get("page_size", "40"))
        params["fields"]
    except (KeyError, ValueError):
        return {"code": 41, "msg": "Invalid arguments"}
    if end < start or page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        return {"code": 41, "msg": "Invalid arguments", "sub_code": "isv.invalid-parameter"}
    return None
