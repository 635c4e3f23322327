"""Kuaishou list pages: open.seller.order.refund.pcursor.list (`data.refundOrderInfoList[]`).

The call pages by an opaque `pcursor`; the string "nomore" says the list is done.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.base.paging import Page, record_list, walk

LIST_KEY = "refundOrderInfoList"
NO_MORE = "nomore"


def is_page(payload: Mapping[str, Any]) -> bool:
    data = payload.get("data")
    return "event" not in payload and isinstance(data, Mapping) and LIST_KEY in data


def read_page(payload: Mapping[str, Any]) -> Page:
    data, at = walk(payload, ("data",))
    records, pointers = record_list(data.get(LIST_KEY), f"{at}/{LIST_KEY}")
    cursor = data.get("pcursor")
    more = isinstance(cursor, str) and cursor not in ("", NO_MORE)
    return Page(records, pointers, more, cursor if more else None)
