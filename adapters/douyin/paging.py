"""Douyin list pages: afterSale/List (`data.items[]`) and the older `data.aftersale_list[]`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.base.paging import Page, count, flag, record_list, walk

# The list calls wrap records in `data`; a push carries `tag` beside its `data`.
_LISTS = ("items", "aftersale_list")


def is_page(payload: Mapping[str, Any]) -> bool:
    data = payload.get("data")
    return "tag" not in payload and isinstance(data, Mapping) and any(k in data for k in _LISTS)


def read_page(payload: Mapping[str, Any]) -> Page:
    """Records of one list page and whether another follows.

    `has_more` is sent by afterSale/List; otherwise pages are numbered from 0 and the next one
    exists while (page + 1) * size < total.
    """
    data, at = walk(payload, ("data",))
    key = next((k for k in _LISTS if k in data), _LISTS[0])
    records, pointers = record_list(data.get(key), f"{at}/{key}")
    page = count(data.get("page", 0), f"{at}/page")
    if data.get("has_more") is not None:
        more = flag(data["has_more"], f"{at}/has_more")
    elif data.get("total") is not None and data.get("size") is not None:
        size = count(data["size"], f"{at}/size")
        more = (page + 1) * size < count(data["total"], f"{at}/total")
    else:
        more = False
    return Page(records, pointers, more, str(page + 1) if more else None)
