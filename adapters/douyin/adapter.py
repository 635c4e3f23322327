"""Douyin shop: after-sales pushes and detail records <-> canonical events."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from adapters.base.contract import AdapterInfo, NativeRef
from adapters.base.convert import (
    decode_json_object,
    epoch_seconds,
    fen,
    int_code,
    is_int,
    local_time,
    lookup,
    native_id,
    require,
    to_epoch_seconds,
)
from adapters.base.errors import AdapterError
from adapters.base.lifecycle import NativeRecord, RecordAdapter
from adapters.base.render import case_native_ids, case_order_id, native_content
from adapters.douyin import const


class DouyinAdapter(RecordAdapter):
    """Douyin shop after-sales; ids above 2^53 arrive as bare numbers and become strings."""

    def __init__(self) -> None:
        self.info = AdapterInfo.from_manifest(Path(__file__).parent)

    def normalise(self, payload: Mapping[str, Any]) -> NativeRecord:
        if not isinstance(payload, Mapping):
            raise AdapterError("/", "expected an object")
        at = ""
        body: Mapping[str, Any] = payload
        if "tag" in payload:
            if int_code(require(payload, "tag", ""), "/tag") not in const.TAGS:
                raise AdapterError("/tag", f"unknown tag {payload['tag']!r}")
            require(payload, "msgId", "")
            # `data` travels as a JSON object encoded in a string; SDK fixtures show it decoded.
            body = decode_json_object(require(payload, "data", ""), "/data")
            at = "/data"
        aftersale_id = native_id(require(body, "aftersale_id", at), f"{at}/aftersale_id")
        s_id = native_id(require(body, "s_id", at), f"{at}/s_id")
        p_id = native_id(body["p_id"], f"{at}/p_id") if body.get("p_id") is not None else None
        status = int_code(require(body, "aftersale_status", at), f"{at}/aftersale_status")
        phase, intervened = lookup(const.STATUSES, status, f"{at}/aftersale_status")
        aftersale_type = int_code(require(body, "aftersale_type", at), f"{at}/aftersale_type")
        offer_kind = lookup(const.TYPES, aftersale_type, f"{at}/aftersale_type")
        category = self._category(body, at)
        amount_fen = None
        if body.get("refund_amount") is not None:
            amount_fen = fen(body["refund_amount"], f"{at}/refund_amount")
            if body.get("refund_post_amount") is not None:
                # The buyer gets the postage back with the goods' price: the refund is their sum.
                amount_fen += fen(body["refund_post_amount"], f"{at}/refund_post_amount")
        apply_time = douyin_time(require(body, "apply_time", at), f"{at}/apply_time")
        updated_at = (
            douyin_time(body["update_time"], f"{at}/update_time")
            if body.get("update_time")
            else apply_time
        )
        return NativeRecord(
            ref=NativeRef(const.CODE, "aftersale", aftersale_id),
            status=str(status),
            phase=phase,
            updated_at=updated_at,
            amount_fen=amount_fen,
            offer_kind=offer_kind,
            resolution="refund",
            intervened=intervened,
            amount_field=f"{at}/refund_amount",
            order_id=p_id or s_id,
            category=category,
            category_field=f"{at}/reason_code",
            extra={"s_id": s_id, "p_id": p_id, "aftersale_type": aftersale_type},
        )

    @staticmethod
    def _category(body: Mapping[str, Any], at: str) -> dict[str, str] | None:
        if body.get("reason_code") is None:
            return None
        reason = int_code(body["reason_code"], f"{at}/reason_code")
        if reason not in const.REASON_CODES:
            raise AdapterError(f"{at}/reason_code", f"unknown code {reason!r}")
        return dict(const.REASON_CATEGORIES.get(reason, const.DEFAULT_CATEGORY))

    def render(self, event: Mapping[str, Any], case: Mapping[str, Any] | None) -> dict[str, Any]:
        """A Douyin-style push: numeric `tag`, `msgId`, `data` a JSON string (fen, epoch s)."""
        body = native_content(event, money="fen", write_time=to_epoch_seconds)
        refs = case_native_ids(case, const.CODE)
        if "aftersale" in refs:
            body["aftersale_id"] = refs["aftersale"]
        order_id = case_order_id(case)
        if order_id is not None:
            body["p_id"] = order_id
        return {
            "tag": const.RENDER_TAGS[event["type"]],
            "msgId": event["event_id"],
            "data": json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True),
        }


def douyin_time(value: Any, at: str) -> str:
    """Epoch seconds in pushes, `yyyy-MM-dd HH:mm:ss` in the older list and detail calls."""
    if isinstance(value, str) and " " in value:
        return local_time(value, at)
    if is_int(value) or isinstance(value, str):
        return epoch_seconds(value, at)
    raise AdapterError(at, "expected epoch seconds or yyyy-MM-dd HH:mm:ss")
