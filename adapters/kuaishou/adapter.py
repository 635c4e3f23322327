"""Kuaishou: refund pushes and records <-> canonical events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.base.codes import CodeReader
from adapters.base.contract import AdapterInfo, NativeRef
from adapters.base.convert import (
    decode_json_object,
    epoch_millis,
    fen,
    int_code,
    native_id,
    require,
    to_epoch_millis,
)
from adapters.base.errors import AdapterError
from adapters.base.lifecycle import UNKNOWN, NativeRecord, RecordAdapter
from adapters.base.package_data import package_dir
from adapters.base.paging import Page
from adapters.base.render import case_native_ids, case_order_id, native_content, topic_name
from adapters.kuaishou import const
from adapters.kuaishou.paging import is_page, read_page


class KuaishouAdapter(RecordAdapter):
    """Kuaishou refunds: fen amounts, millisecond times, which are refused before 2000."""

    def __init__(self) -> None:
        self.info = AdapterInfo.from_manifest(package_dir("adapters.kuaishou"))

    def is_page(self, payload: Mapping[str, Any]) -> bool:
        return is_page(payload)

    def read_page(self, payload: Mapping[str, Any]) -> Page:
        return read_page(payload)

    def normalise(self, payload: Mapping[str, Any]) -> NativeRecord:
        if not isinstance(payload, Mapping):
            raise AdapterError("/", "expected an object")
        at = ""
        body: Mapping[str, Any] = payload
        codes = CodeReader()
        # Two envelopes: {event, data} and the open platform's {code, info}; data in either may
        # be an object or a JSON string.
        for name_key, data_key in (("event", "data"), ("code", "info")):
            if name_key in payload:
                if payload[name_key] not in const.EVENTS:
                    codes.note(payload[name_key], f"/{name_key}")
                body = decode_json_object(require(payload, data_key, ""), f"/{data_key}")
                at = f"/{data_key}"
                break
        refund_id = native_id(require(body, "refundId", at), f"{at}/refundId")
        order_key = "orderId" if body.get("orderId") is not None else "oid"
        order_id = native_id(require(body, order_key, at), f"{at}/{order_key}")
        status = int_code(require(body, "status", at), f"{at}/status")
        phase, intervened = codes.read(const.STATUSES, status, f"{at}/status") or (UNKNOWN, False)
        handling_way = int_code(require(body, "handlingWay", at), f"{at}/handlingWay")
        offer_kind, resolution = codes.read(
            const.HANDLING_WAYS, handling_way, f"{at}/handlingWay"
        ) or ("refund", "refund")
        if handling_way not in const.HANDLING_WAYS:
            phase = UNKNOWN  # the kind of remedy cannot be stated
        negotiate_status = None
        if body.get("negotiateStatus") is not None:
            negotiate_status = int_code(body["negotiateStatus"], f"{at}/negotiateStatus")
            if negotiate_status not in const.NEGOTIATE_STATUSES:
                codes.note(negotiate_status, f"{at}/negotiateStatus")
                negotiate_status = None
        amount_fen = (
            fen(body["refundFee"], f"{at}/refundFee") if body.get("refundFee") is not None else None
        )
        created_at = epoch_millis(require(body, "createTime", at), f"{at}/createTime")
        updated_at = (
            epoch_millis(body["updateTime"], f"{at}/updateTime")
            if body.get("updateTime")
            else created_at
        )
        return NativeRecord(
            ref=NativeRef(const.CODE, "refund", refund_id),
            status=str(status),
            phase=phase,
            updated_at=updated_at,
            amount_fen=amount_fen,
            offer_kind=offer_kind,
            resolution=resolution,
            intervened=intervened,
            amount_field=f"{at}/refundFee",
            order_id=order_id,
            extra={
                "oid": order_id,
                "handling_way": handling_way,
                "negotiate_status": negotiate_status,
            },
            unmapped=tuple(codes.unmapped),
        )

    def render(self, event: Mapping[str, Any], case: Mapping[str, Any] | None) -> dict[str, Any]:
        """A Kuaishou-style push: camelCase, millisecond times, fen integers."""
        body = native_content(event, money="fen", write_time=to_epoch_millis, keys="camel")
        refs = case_native_ids(case, const.CODE)
        if "refund" in refs:
            body["refundId"] = refs["refund"]
        order_id = case_order_id(case)
        if order_id is not None:
            body["oid"] = order_id
        return {"event": const.RENDER_EVENT_PREFIX + topic_name(event["type"]), "data": body}
