"""Pinduoduo: after-sales records, pushed or polled incrementally <-> canonical events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.base.codes import CodeReader
from adapters.base.contract import AdapterInfo, NativeRef, PullPage, PullRequest, TimeWindow
from adapters.base.convert import (
    decode_json_object,
    epoch_millis,
    epoch_seconds,
    fen,
    int_code,
    is_int,
    local_time,
    native_id,
    require,
    to_epoch_seconds,
    yuan_to_fen,
)
from adapters.base.errors import AdapterError
from adapters.base.lifecycle import UNKNOWN, NativeRecord, RecordAdapter
from adapters.base.package_data import package_dir
from adapters.base.paging import (
    Page,
    after_page,
    checked_size,
    count,
    record_list,
    walk,
    window_query,
)
from adapters.base.render import case_native_ids, case_order_id, native_content, topic_name
from adapters.pinduoduo import const


class PinduoduoAdapter(RecordAdapter):
    """Pinduoduo after-sales; the list and detail calls disagree on units, so shape decides."""

    def __init__(self) -> None:
        self.info = AdapterInfo.from_manifest(package_dir("adapters.pinduoduo"))

    def is_page(self, payload: Mapping[str, Any]) -> bool:
        return const.PULL_RESPONSE_KEY in payload or const.DETAIL_RESPONSE_KEY in payload

    def read_page(self, payload: Mapping[str, Any]) -> Page:
        """Records of a list page or a detail answer.

        The list sends `total_count`, not the page number: `has_more` is read as from the first
        page; `parse_pull_page`, which knows the page asked for, decides the cursor.
        """
        if const.DETAIL_RESPONSE_KEY in payload:
            record, at = walk(payload, (const.DETAIL_RESPONSE_KEY,))
            records, _ = record_list([record], at)
            return Page(records, [at], False, None)
        body, at = walk(payload, (const.PULL_RESPONSE_KEY,))
        records, pointers = record_list(body.get("refund_list"), f"{at}/refund_list")
        total = count(require(body, "total_count", at), f"{at}/total_count")
        return Page(records, pointers, len(records) < total, None)

    def normalise(self, payload: Mapping[str, Any]) -> NativeRecord:
        if not isinstance(payload, Mapping):
            raise AdapterError("/", "expected an object")
        codes = CodeReader()
        if isinstance(payload.get("message"), Mapping):
            # A message-service frame: {"commandType": "Common", "message": {type, content}}.
            return self._push(payload["message"], "/message", codes)
        if "content" in payload and isinstance(payload.get("type"), str):
            return self._push(payload, "", codes)
        return self._record(payload, codes)

    def _record(self, payload: Mapping[str, Any], codes: CodeReader) -> NativeRecord:
        after_sales_id = native_id(require(payload, "id", ""), "/id")
        order_sn = native_id(require(payload, "order_sn", ""), "/order_sn")
        status = int_code(require(payload, "after_sales_status", ""), "/after_sales_status")
        meaning = codes.read(const.STATUSES, status, "/after_sales_status")
        phase, intervened, status_kind = meaning or (UNKNOWN, False, None)
        type_kind = None
        if payload.get("after_sales_type") is not None:
            after_sales_type = int_code(payload["after_sales_type"], "/after_sales_type")
            type_kind = codes.read(const.TYPES, after_sales_type, "/after_sales_type")
            if type_kind is None and status_kind is None and phase is not None:
                phase = UNKNOWN  # the kind of remedy cannot be stated
        offer_kind = status_kind or type_kind or "refund"
        amount_fen = (
            amount(payload["refund_amount"], "/refund_amount")
            if payload.get("refund_amount") is not None
            else None
        )
        updated_at = pdd_time(require(payload, "updated_time", ""), "/updated_time")
        if payload.get("created_time") is not None:
            pdd_time(payload["created_time"], "/created_time")
        return NativeRecord(
            ref=NativeRef(const.CODE, "after_sales", after_sales_id),
            status=str(status),
            phase=phase,
            updated_at=updated_at,
            amount_fen=amount_fen,
            offer_kind=offer_kind,
            resolution=const.RESOLUTIONS[offer_kind],
            intervened=intervened,
            amount_field="/refund_amount",
            order_id=order_sn,
            extra={"order_sn": order_sn},
            unmapped=tuple(codes.unmapped),
        )

    def _push(self, message: Mapping[str, Any], at: str, codes: CodeReader) -> NativeRecord:
        """A pushed change: the type names it, content carries refund_id, tid and the time."""
        push_type = str(require(message, "type", at))
        phase: str | None = const.PUSH_PHASES.get(push_type)
        if phase is None:
            codes.note(push_type, f"{at}/type")
            phase = UNKNOWN
        content_at = f"{at}/content"
        content = decode_json_object(require(message, "content", at), content_at)
        refund_id = native_id(require(content, "refund_id", content_at), f"{content_at}/refund_id")
        order_sn = native_id(require(content, "tid", content_at), f"{content_at}/tid")
        amount_fen = (
            amount(content["refund_fee"], f"{content_at}/refund_fee")
            if content.get("refund_fee") is not None
            else None
        )
        updated_at = pdd_time(require(content, "modified", content_at), f"{content_at}/modified")
        return NativeRecord(
            ref=NativeRef(const.CODE, "after_sales", refund_id),
            status=push_type,
            phase=phase,
            updated_at=updated_at,
            amount_fen=amount_fen,
            offer_kind="refund",
            resolution="refund",
            intervened=False,
            amount_field=f"{content_at}/refund_fee",
            order_id=order_sn,
            extra={"order_sn": order_sn},
            unmapped=tuple(codes.unmapped),
        )

    def render(self, event: Mapping[str, Any], case: Mapping[str, Any] | None) -> dict[str, Any]:
        """A Pinduoduo-style message: snake_case, epoch seconds, yuan strings."""
        body = native_content(event, money="yuan", write_time=to_epoch_seconds)
        refs = case_native_ids(case, const.CODE)
        if "after_sales" in refs:
            body["id"] = refs["after_sales"]
        order_id = case_order_id(case)
        if order_id is not None:
            body["order_sn"] = order_id
        return {"type": const.RENDER_TYPE_PREFIX + topic_name(event["type"]), "data": body}

    def pull_request(self, cursor: str | None, window: TimeWindow) -> PullRequest:
        """The next incremental query: at most 30 minutes of update times, pages of 100.

        The cursor is `<start epoch seconds>:<page>`; without one the query starts at
        `window.start`.

        Raises:
            ValueError: the cursor is malformed or already at the end of the window.
        """
        query = window_query(cursor, window, const.MAX_WINDOW_S)
        return PullRequest(
            method=const.PULL_METHOD,
            params={
                "type": const.PULL_METHOD,
                "after_sales_status": const.PULL_ALL,
                "after_sales_type": const.PULL_ALL,
                "start_updated_at": str(query.start_s),
                "end_updated_at": str(query.end_s),
                "page": str(query.page),
                "page_size": str(const.MAX_PAGE_SIZE),
            },
            window=query.window,
            page=query.page,
            page_size=const.MAX_PAGE_SIZE,
            until=window.end,
        )

    def parse_pull_page(self, payload: Mapping[str, Any], request: PullRequest) -> PullPage:
        """Records of one page and where to resume: next page, next window, or caught up."""
        at = f"/{const.PULL_RESPONSE_KEY}"
        body = require(payload, const.PULL_RESPONSE_KEY, "")
        total = require(body, "total_count", at)
        if not is_int(total) or total < 0:
            raise AdapterError(f"{at}/total_count", "expected a count")
        records = body.get("refund_list") or []
        if not isinstance(records, list) or not all(isinstance(item, Mapping) for item in records):
            raise AdapterError(f"{at}/refund_list", "expected a list of records")
        checked_size(records, request, f"{at}/refund_list")
        return after_page(records, request, request.page * request.page_size < total)


def amount(value: Any, at: str) -> int:
    """A yuan string (list call) or integer fen (detail call); anything else fits neither."""
    if isinstance(value, str):
        return yuan_to_fen(value, at)
    if is_int(value):
        return fen(value, at)
    raise AdapterError(at, "expected a yuan string or integer fen")


def pdd_time(value: Any, at: str) -> str:
    """Epoch seconds or milliseconds (by digits) or local text, kept to whole seconds.

    Whole seconds, because the list call (seconds) and the detail call (milliseconds) describe
    the same update and must yield the same event ids.
    """
    if isinstance(value, str) and " " in value:
        return local_time(value, at)
    digits = str(value) if is_int(value) or isinstance(value, str) else ""
    if is_int(value) or digits.isdigit():
        if len(digits) == const.EPOCH_SECONDS_DIGITS:
            return epoch_seconds(value, at)
        if len(digits) == const.EPOCH_MILLIS_DIGITS:
            return epoch_millis(int(digits) // 1000 * 1000, at)
    raise AdapterError(at, "expected epoch seconds, epoch milliseconds or yyyy-MM-dd HH:mm:ss")
