"""Douyin shop: after-sales pushes, list pages and records <-> canonical events."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from adapters.base.codes import CodeReader
from adapters.base.contract import AdapterInfo, NativeRef, PullPage, PullRequest, TimeWindow
from adapters.base.convert import (
    decode_json_object,
    epoch_seconds,
    fen,
    int_code,
    is_int,
    local_time,
    native_id,
    require,
    to_epoch_seconds,
)
from adapters.base.errors import AdapterError
from adapters.base.lifecycle import UNKNOWN, NativeRecord, RecordAdapter
from adapters.base.package_data import package_dir
from adapters.base.paging import Page, after_page, checked_size, window_query
from adapters.base.render import case_native_ids, case_order_id, native_content
from adapters.douyin import const
from adapters.douyin.paging import is_page, read_page


class DouyinAdapter(RecordAdapter):
    """Douyin shop after-sales; ids above 2^53 arrive as bare numbers and become strings."""

    def __init__(self) -> None:
        self.info = AdapterInfo.from_manifest(package_dir("adapters.douyin"))

    def is_page(self, payload: Mapping[str, Any]) -> bool:
        return is_page(payload)

    def read_page(self, payload: Mapping[str, Any]) -> Page:
        return read_page(payload)

    def pull_request(self, cursor: str | None, window: TimeWindow) -> PullRequest:
        """The next afterSale/List query: a span of update times, pages of 100 from page 0.

        The cursor is `<start epoch seconds>:<page>`.

        Raises:
            ValueError: the cursor is malformed or already at the end of the window.
        """
        query = window_query(cursor, window, const.MAX_WINDOW_S, const.FIRST_PAGE)
        return PullRequest(
            method=const.PULL_METHOD,
            params={
                "method": const.PULL_METHOD,
                "update_start_time": str(query.start_s),
                "update_end_time": str(query.end_s),
                "order_by": "update_time asc",
                "page": str(query.page),
                "size": str(const.MAX_PAGE_SIZE),
            },
            window=query.window,
            page=query.page,
            page_size=const.MAX_PAGE_SIZE,
            until=window.end,
        )

    def parse_pull_page(self, payload: Mapping[str, Any], request: PullRequest) -> PullPage:
        """Records of one page and where to resume: next page, next span, or caught up."""
        page = read_page(payload)
        checked_size(page.records, request, "/data/items")
        return after_page(page.records, request, page.has_more, const.FIRST_PAGE)

    def normalise(self, payload: Mapping[str, Any]) -> NativeRecord:
        if not isinstance(payload, Mapping):
            raise AdapterError("/", "expected an object")
        codes = CodeReader()
        if "tag" in payload:
            return self._push(payload, codes)
        if isinstance(payload.get("aftersale_info"), Mapping):
            # An afterSale/List item: the record sits in aftersale_info, its order beside it.
            return self._record(payload["aftersale_info"], "/aftersale_info", codes, None, payload)
        return self._record(payload, "", codes, None, None)

    def _push(self, payload: Mapping[str, Any], codes: CodeReader) -> NativeRecord:
        tag = int_code(require(payload, "tag", ""), "/tag")
        if tag not in const.TAG_TIME_FIELDS:
            codes.note(tag, "/tag")
        # `data` travels as a JSON object encoded in a string; SDK fixtures show it decoded.
        body = decode_json_object(require(payload, "data", ""), "/data")
        msg_id = payload.get("msgId", payload.get("msg_id"))
        return self._record(body, "/data", codes, tag, None, msg_id=msg_id)

    def _record(
        self,
        body: Mapping[str, Any],
        at: str,
        codes: CodeReader,
        tag: int | None,
        item: Mapping[str, Any] | None,
        *,
        msg_id: Any = None,
    ) -> NativeRecord:
        aftersale_id = native_id(require(body, "aftersale_id", at), f"{at}/aftersale_id")
        s_id = _optional_id(body, "s_id", at)
        p_id = _optional_id(body, "p_id", at) or _optional_id(body, "pid", at)
        order_id = p_id or _list_order_id(item) or _optional_id(body, "order_id", at) or s_id
        status: int | None = None
        phase: str | None = None
        if body.get("aftersale_status") is not None:
            status = int_code(body["aftersale_status"], f"{at}/aftersale_status")
            phase = codes.read(const.STATUSES, status, f"{at}/aftersale_status") or UNKNOWN
        offer_kind = "refund"
        aftersale_type = None
        if body.get("aftersale_type") is not None:
            aftersale_type = int_code(body["aftersale_type"], f"{at}/aftersale_type")
            kind = codes.read(const.TYPES, aftersale_type, f"{at}/aftersale_type")
            if kind is None:
                # Without the kind no offer or resolution can be stated faithfully.
                phase = UNKNOWN if phase is not None else None
            else:
                offer_kind = kind
        intervened = self._arbitration(body, at, codes)
        category = self._category(body, at, codes)
        amount_fen = None
        if body.get("refund_amount") is not None:
            # refund_amount already includes the postage (含运费); refund_post_amount is the
            # postage part of it, not an addition.
            amount_fen = fen(body["refund_amount"], f"{at}/refund_amount")
        if body.get("refund_post_amount") is not None:
            fen(body["refund_post_amount"], f"{at}/refund_post_amount")
        updated_at = self._time(body, at, tag, msg_id)
        return NativeRecord(
            ref=NativeRef(const.CODE, "aftersale", aftersale_id),
            status=str(status) if status is not None else f"tag:{tag}" if tag else "none",
            phase=phase,
            updated_at=updated_at,
            amount_fen=amount_fen,
            offer_kind=offer_kind,
            resolution=const.RESOLUTIONS[offer_kind],
            intervened=intervened,
            amount_field=f"{at}/refund_amount",
            order_id=order_id,
            category=category,
            category_field=f"{at}/reason_code",
            extra={"s_id": s_id, "p_id": p_id, "aftersale_type": aftersale_type},
            unmapped=tuple(codes.unmapped),
        )

    @staticmethod
    def _arbitration(body: Mapping[str, Any], at: str, codes: CodeReader) -> bool:
        if body.get("arbitrate_status") is None:
            return False
        value = int_code(body["arbitrate_status"], f"{at}/arbitrate_status")
        if value not in const.ARBITRATE_STATUSES:
            codes.note(value, f"{at}/arbitrate_status")
            return False
        return value != const.NO_ARBITRATION

    @staticmethod
    def _category(body: Mapping[str, Any], at: str, codes: CodeReader) -> dict[str, str] | None:
        if body.get("reason_code") is None:
            return None
        reason = int_code(body["reason_code"], f"{at}/reason_code")
        category = codes.read(const.REASON_CATEGORIES, reason, f"{at}/reason_code")
        return dict(category) if category is not None else None

    @staticmethod
    def _time(body: Mapping[str, Any], at: str, tag: int | None, msg_id: Any) -> str:
        """Each push tag stamps its own time field; list records carry update_time."""
        own = const.TAG_TIME_FIELDS.get(tag) if tag is not None else None
        names: tuple[str, ...] = (own,) if own else ()
        names += const.RECORD_TIME_FIELDS if tag is None else const.STEP_TIME_FIELDS
        for name in names:
            if body.get(name):
                return douyin_time(body[name], f"{at}/{name}")
        if tag is not None and isinstance(msg_id, str):
            stamped = msg_id_time(msg_id)
            if stamped is not None:
                return epoch_seconds(stamped, "/msgId")
        raise AdapterError(f"{at}/{own or names[0]}", "required field is missing")

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


def msg_id_time(msg_id: str) -> str | None:
    """The push time in a msgId such as `0428...74::100:1618990587:6837...28`.

    Arbitration messages carry no time field; every public sample's msgId holds the push's epoch
    seconds as its second-to-last `:` part (the same value as the samples' own time fields).
    """
    parts = msg_id.split(":")
    if len(parts) >= 3 and parts[-2].isdigit() and len(parts[-2]) == 10:
        return parts[-2]
    return None


def _optional_id(body: Mapping[str, Any], key: str, at: str) -> str | None:
    value = body.get(key)
    if value is None or value == "" or value == 0:
        return None
    return native_id(value, f"{at}/{key}")


def _list_order_id(item: Mapping[str, Any] | None) -> str | None:
    """afterSale/List names the shop order in order_info.shop_order_id."""
    if item is None or not isinstance(item.get("order_info"), Mapping):
        return None
    return _optional_id(item["order_info"], "shop_order_id", "/order_info")
