"""Taobao / Tmall: refund records and message-service pushes <-> canonical events."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from adapters.base.codes import CodeReader
from adapters.base.contract import AdapterInfo, NativeRef, PullPage, PullRequest, TimeWindow
from adapters.base.convert import (
    SHANGHAI,
    decode_json_object,
    int_code,
    local_time,
    native_id,
    optional_bool,
    require,
    to_local_text,
    yuan_to_fen,
)
from adapters.base.errors import AdapterError
from adapters.base.lifecycle import UNKNOWN, NativeRecord, RecordAdapter
from adapters.base.package_data import package_dir
from adapters.base.paging import Page, after_page, checked_size, count, flag, walk, window_query
from adapters.base.render import case_native_ids, case_order_id, native_content, topic_name
from adapters.taobao import const
from adapters.taobao.paging import is_page, read_page


class TaobaoAdapter(RecordAdapter):
    """Taobao and Tmall as one platform code; `shop_type` tells them apart where it is sent."""

    def __init__(self) -> None:
        self.info = AdapterInfo.from_manifest(package_dir("adapters.taobao"))

    def is_page(self, payload: Mapping[str, Any]) -> bool:
        return is_page(payload)

    def read_page(self, payload: Mapping[str, Any]) -> Page:
        return read_page(payload)

    def pull_request(self, cursor: str | None, window: TimeWindow) -> PullRequest:
        """The next taobao.refunds.receive.get query: a span of modification times, pages of 100.

        The cursor is `<start epoch seconds>:<page_no>`. Times go as Asia/Shanghai text, the
        call's own format; records on the boundary second may come twice, which changes nothing.

        Raises:
            ValueError: the cursor is malformed or already at the end of the window.
        """
        query = window_query(cursor, window, const.MAX_WINDOW_S)
        return PullRequest(
            method=const.PULL_METHOD,
            params={
                "method": const.PULL_METHOD,
                "fields": const.PULL_FIELDS,
                "start_modified": _local(query.window.start),
                "end_modified": _local(query.window.end),
                "page_no": str(query.page),
                "page_size": str(const.MAX_PAGE_SIZE),
                "use_has_next": "true",
            },
            window=query.window,
            page=query.page,
            page_size=const.MAX_PAGE_SIZE,
            until=window.end,
        )

    def parse_pull_page(self, payload: Mapping[str, Any], request: PullRequest) -> PullPage:
        """Records of one page and where to resume: next page, next span, or caught up.

        `has_next` decides when sent (asked for with use_has_next); otherwise `total_results`.
        """
        page = read_page(payload)
        body, at = walk(payload, (const.PULL_RESPONSE_KEY,))
        checked_size(page.records, request, f"{at}/refunds/refund")
        if body.get("has_next") is not None:
            more = flag(body["has_next"], f"{at}/has_next")
        else:
            total = count(body.get("total_results", 0), f"{at}/total_results")
            more = request.page * request.page_size < total
        return after_page(page.records, request, more)

    def normalise(self, payload: Mapping[str, Any]) -> NativeRecord:
        if not isinstance(payload, Mapping):
            raise AdapterError("/", "expected an object")
        codes = CodeReader()
        if "topic" in payload:
            topic = require(payload, "topic", "")
            content = decode_json_object(require(payload, "content", ""), "/content")
            return self._record(content, "/content", codes, topic=str(topic))
        return self._record(payload, "", codes, topic=None)

    def _record(
        self, body: Mapping[str, Any], at: str, codes: CodeReader, *, topic: str | None
    ) -> NativeRecord:
        refund_id = native_id(require(body, "refund_id", at), f"{at}/refund_id")
        tid = native_id(require(body, "tid", at), f"{at}/tid")
        oid = native_id(body["oid"], f"{at}/oid") if body.get("oid") is not None else None
        # List calls return only the fields asked for: the amount may be absent.
        amount_fen = (
            yuan_to_fen(body["refund_fee"], f"{at}/refund_fee")
            if body.get("refund_fee") is not None
            else None
        )
        updated_at = local_time(require(body, "modified", at), f"{at}/modified")
        for key in ("total_fee", "payment"):
            if body.get(key) is not None:
                yuan_to_fen(body[key], f"{at}/{key}")
        if body.get("created") is not None:
            local_time(body["created"], f"{at}/created")

        cs_status = self._optional_code(body, "cs_status", at, const.CS_STATUSES, codes)
        advance_status = self._optional_code(
            body, "advance_status", at, const.ADVANCE_STATUSES, codes
        )
        good_status = self._optional_member(body, "good_status", at, const.GOOD_STATUSES, codes)
        refund_phase = self._optional_member(body, "refund_phase", at, const.REFUND_PHASES, codes)
        shop_type = self._optional_member(
            body, "shop_type", at, frozenset(const.SHOP_PLATFORMS), codes
        )
        has_good_return = optional_bool(body, "has_good_return", at)

        phase: str | None
        if topic is not None:
            # In a push the topic, not a status field, carries the change.
            if topic in const.TOPIC_PHASES:
                phase = const.TOPIC_PHASES[topic]
            else:
                codes.note(topic, "/topic")
                phase = UNKNOWN
            status_text = topic
            returning = topic in const.RETURN_TOPICS
        elif body.get("status") is not None:
            status = body["status"]
            phase = codes.read(const.STATUS_PHASES, status, f"{at}/status") or UNKNOWN
            status_text = str(status)
            returning = status in const.RETURN_STATUSES
        else:
            # A list call asked without `status`: the record says nothing about its phase.
            phase, status_text, returning = None, "", False
        return NativeRecord(
            ref=NativeRef(const.CODE, "refund", refund_id),
            status=status_text,
            phase=phase,
            updated_at=updated_at,
            amount_fen=amount_fen,
            offer_kind="return_refund" if returning or has_good_return else "refund",
            resolution="refund",
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
            unmapped=tuple(codes.unmapped),
        )

    @staticmethod
    def _optional_code(
        body: Mapping[str, Any], key: str, at: str, allowed: frozenset[int], codes: CodeReader
    ) -> int | None:
        if body.get(key) is None:
            return None
        value = int_code(body[key], f"{at}/{key}")
        if value not in allowed:
            codes.note(value, f"{at}/{key}")
            return None
        return value

    @staticmethod
    def _optional_member(
        body: Mapping[str, Any], key: str, at: str, allowed: frozenset[str], codes: CodeReader
    ) -> str | None:
        value = body.get(key)
        if value is None:
            return None
        if value not in allowed:
            codes.note(value, f"{at}/{key}")
            return None
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


def _local(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
