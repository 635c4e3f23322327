"""Taobao pull responses: taobao.refunds.receive.get pages and taobao.refund.get records."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.base.paging import Page, flag, record_list, walk

LIST_RESPONSE = "refunds_receive_get_response"
DETAIL_RESPONSE = "refund_get_response"


def is_page(payload: Mapping[str, Any]) -> bool:
    return LIST_RESPONSE in payload or DETAIL_RESPONSE in payload


def read_page(payload: Mapping[str, Any]) -> Page:
    """Records of one response and whether another page follows.

    The list wraps records as `refunds.refund[]` and, asked with use_has_next=true, says
    `has_next`; without it only `total_results` is sent, and the page number needed to compare
    with it is the caller's, so such a page reports no more.
    """
    if DETAIL_RESPONSE in payload:
        refund, at = walk(payload, (DETAIL_RESPONSE, "refund"))
        records, pointers = record_list([refund], at)
        return Page(records, [at], False, None)
    body, at = walk(payload, (LIST_RESPONSE,))
    refunds = body.get("refunds")
    found = refunds.get("refund") if isinstance(refunds, Mapping) else refunds
    records, pointers = record_list(found, f"{at}/refunds/refund")
    more = flag(body["has_next"], f"{at}/has_next") if body.get("has_next") is not None else False
    return Page(records, pointers, more, None)
