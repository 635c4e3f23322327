"""Taobao / Tmall: refund records and message-service pushes <-> canonical events."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from adapters.base.contract import AdapterInfo, NativeRef
from adapters.base.convert import (
    decode_json_object,
    int_code,
    local_time,
    lookup,
    native_id,
    optional_bool,
    require,
    to_local_text,
    yuan_to_fen,
)
from adapters.base.errors import AdapterError
from adapters.base.lifecycle import NativeRecord, RecordAdapter
from adapters.base.render import case_native_ids, case_order_id, native_content, topic_name
from adapters.taobao import const


class TaobaoAdapter(RecordAdapter):
    """Taobao and Tmall as one platform code; `shop_type` tells them apart where it is sent."""

    def __init__(self) -> None:
        self.info = AdapterInfo.from_manifest(Path(__file__).parent)

    def normalise(self, payload: Mapping[str, Any]) -> NativeRecord:
        if not isinstance(payload, Mapping):
            raise AdapterError("/", "expected an object")
        if "topic" in payload:
            return self._message(payload)
        return self._record(payload, "", require(payload, "status", ""), topic=None)

    def _message(self, payload: Mapping[str, Any]) -> NativeRecord:
        topic = payload["topic"]
        lookup(const.TOPIC_PHASES, topic, "/topic")
        content = decode_json_object(require(payload, "content", ""), "/content")
        return self._record(content, "/content", None, topic=topic)

    def _record(
        self, body: Mapping[str, Any], at: str, status: Any, *, topic: str | None
    ) -> NativeRecord:
        refund_id = native_id(require(body, "refund_id", at), f"{at}/refund_id")
        tid = native_id(require(body, "tid", at), f"{at}/tid")
        oid = native_id(body["oid"], f"{at}/oid") if body.get("oid") is not None else None
        amount_fen = yuan_to_fen(require(body, "refund_fee", at), f"{at}/refund_fee")
        updated_at = local_time(require(body, "modified", at), f"{at}/modified")
        for key in ("total_fee", "payment"):
            if body.get(key) is not None:
                yuan_to_fen(body[key], f"{at}/{key}")
        if body.get("created") is not None:
            local_time(body["created"], f"{at}/created")

        cs_status = self._optional_code(body, "cs_status", at, const.CS_STATUSES)
        advance_status = self._optional_code(body, "advance_status", at, const.ADVANCE_STATUSES)
        good_status = self._optional_member(body, "good_status", at, const.GOOD_STATUSES)
        refund_phase = self._optional_member(body, "refund_phase", at, const.REFUND_PHASES)
        shop_type = self._optional_member(body, "shop_type", at, frozenset(const.SHOP_PLATFORMS))
        has_good_return = optional_bool(body, "has_good_return", at)

        if topic is not None:
            phase = const.TOPIC_PHASES[topic]
            status_text = topic
            returning = topic in const.RETURN_TOPICS
        else:
            phase = lookup(const.STATUS_PHASES, status, f"{at}/status")
            status_text = str(status)
            returning = status in const.RETURN_STATUSES
        advance_paid = advance_status in const.ADVANCE_PAID
        if advance_paid:
            # The platform paying in advance settles the consumer's claim even while the seller's
            # side of the refund is still open.
            phase = "resolved"
        return NativeRecord(
            ref=NativeRef(const.CODE, "refund", refund_id),
            status=status_text,
            phase=phase,
            updated_at=updated_at,
            amount_fen=amount_fen,
            offer_kind="return_refund" if returning or has_good_return else "refund",
            resolution="advance_compensation" if advance_paid else "refund",
            intervened=cs_status is not None and cs_status >= const.CS_INTERVENED_FROM,
            amount_field=f"{at}/refund_fee",
            order_id=tid,
            respondent_platform=const.SHOP_PLATFORMS[shop_type] if shop_type else None,
            extra={
                "tid": tid,
                "oid": oid,
                "shop_type": shop_type,
                "good_status": good_status,
                "refund_phase": refund_phase,
                "cs_status": cs_status,
                "advance_status": advance_status,
            },
        )

    @staticmethod
    def _optional_code(
        body: Mapping[str, Any], key: str, at: str, allowed: frozenset[int]
    ) -> int | None:
        if body.get(key) is None:
            return None
        value = int_code(body[key], f"{at}/{key}")
        if value not in allowed:
            raise AdapterError(f"{at}/{key}", f"unknown code {value!r}")
        return value

    @staticmethod
    def _optional_member(
        body: Mapping[str, Any], key: str, at: str, allowed: frozenset[str]
    ) -> str | None:
        value = body.get(key)
        if value is None:
            return None
        if value not in allowed:
            raise AdapterError(f"{at}/{key}", f"unknown code {value!r}")
        return str(value)

    def render(self, event: Mapping[str, Any], case: Mapping[str, Any] | None) -> dict[str, Any]:
        """A message-service-style push: `topic` names the change, `content` has yuan strings."""
        content = native_content(event, money="yuan", write_time=to_local_text)
        refs = case_native_ids(case, const.CODE)
        if "refund" in refs:
            content["refund_id"] = refs["refund"]
        order_id = case_order_id(case)
        if order_id is not None:
            content["tid"] = order_id
        return {"topic": const.RENDER_TOPIC_PREFIX + topic_name(event["type"]), "content": content}
