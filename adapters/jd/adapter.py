"""JD: after-sales service records <-> canonical events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.base.codes import CodeReader
from adapters.base.contract import AdapterInfo, NativeRef
from adapters.base.convert import (
    fen,
    int_code,
    local_time,
    native_id,
    require,
    to_local_text,
    yuan_to_fen,
)
from adapters.base.errors import AdapterError
from adapters.base.lifecycle import UNKNOWN, NativeRecord, RecordAdapter
from adapters.base.package_data import package_dir
from adapters.base.paging import Page
from adapters.base.render import case_native_ids, case_order_id, native_content, topic_name
from adapters.jd import const
from adapters.jd.paging import is_page, read_page


class JdAdapter(RecordAdapter):
    """JD seller-side after-sales services (afsServiceId)."""

    def __init__(self, amount_unit: str = const.DEFAULT_AMOUNT_UNIT) -> None:
        if amount_unit not in const.AMOUNT_UNITS:
            raise ValueError(
                f"amount_unit must be one of {sorted(const.AMOUNT_UNITS)}, not {amount_unit!r}"
            )
        self.amount_unit = amount_unit
        self.info = AdapterInfo.from_manifest(package_dir("adapters.jd"))

    def is_page(self, payload: Mapping[str, Any]) -> bool:
        return is_page(payload)

    def read_page(self, payload: Mapping[str, Any]) -> Page:
        return read_page(payload)

    def normalise(self, payload: Mapping[str, Any]) -> NativeRecord:
        service_id = native_id(require(payload, "afsServiceId", ""), "/afsServiceId")
        # The service list page leaves the application id out; a record names it when sent.
        apply_id = (
            native_id(payload["afsApplyId"], "/afsApplyId")
            if payload.get("afsApplyId") is not None
            else None
        )
        order_id = native_id(require(payload, "orderId", ""), "/orderId")
        ware_id = (
            native_id(payload["wareId"], "/wareId") if payload.get("wareId") is not None else None
        )
        codes = CodeReader()
        step = int_code(require(payload, "afsServiceStep", ""), "/afsServiceStep")
        phase = codes.read(const.STEP_PHASES, step, "/afsServiceStep") or UNKNOWN
        expect = int_code(require(payload, "customerExpect", ""), "/customerExpect")
        expectation = codes.read(const.EXPECTATIONS, expect, "/customerExpect")
        if expectation is None:
            phase = UNKNOWN  # the kind of remedy cannot be stated
        offer_kind, resolution = expectation or ("return_refund", "refund")
        amount_fen = self._amount(payload.get("suggestAmount"))
        require(payload, "afsApplyTime", "")
        times = [
            local_time(payload[key], f"/{key}")
            for key in const.TIME_FIELDS
            if payload.get(key) is not None
        ]
        if payload.get("questionDesc") is not None and not isinstance(payload["questionDesc"], str):
            raise AdapterError("/questionDesc", "expected text")
        # questionDesc is the buyer's own words and may hold personal data: it is read nowhere and
        # kept nowhere, so it can never leak into an event or the kept state.
        return NativeRecord(
            ref=NativeRef(const.CODE, "afs_service", service_id),
            status=str(step),
            phase=phase,
            updated_at=max(times),
            amount_fen=amount_fen,
            offer_kind=offer_kind,
            resolution=resolution,
            intervened=False,
            amount_field="/suggestAmount",
            order_id=order_id,
            extra={
                "afs_apply_id": apply_id,
                "order_id": order_id,
                "ware_id": ware_id,
                "customer_expect": expect,
            },
            unmapped=tuple(codes.unmapped),
        )

    def _amount(self, value: Any) -> int | None:
        if value is None:
            return None
        if self.amount_unit == "fen":
            return fen(value, "/suggestAmount")
        return yuan_to_fen(value, "/suggestAmount")

    def render(self, event: Mapping[str, Any], case: Mapping[str, Any] | None) -> dict[str, Any]:
        """A JD-style message: camelCase keys, `yyyy-MM-dd HH:mm:ss` times, yuan strings."""
        body = native_content(event, money="yuan", write_time=to_local_text, keys="camel")
        refs = case_native_ids(case, const.CODE)
        if "afs_service" in refs:
            body["afsServiceId"] = refs["afs_service"]
        order_id = case_order_id(case)
        if order_id is not None:
            body["orderId"] = order_id
        return {"messageType": const.RENDER_TYPE_PREFIX + topic_name(event["type"]), "body": body}
