"""JD list pages: `result.serviceInfoList[]`, bare or inside the open platform's response wrapper.

The service list page (查询服务单概要) answers `{"success", "resultCode", "resultMessage",
"result": {"serviceInfoList": [...], "totalNum", "pageSize", "pageNum", "pageIndex"}}`; through
the JD open platform the same `result` sits in one `<method>_responce` (JD's own spelling) or
`_response` object.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.base.paging import Page, count, record_list, walk

LIST_KEY = "serviceInfoList"
_WRAPPER_SUFFIXES = ("_responce", "_response")


def _wrapper(payload: Mapping[str, Any]) -> str | None:
    """The key of the open platform's response wrapper holding a service list, if any."""
    for key, value in payload.items():
        if key.endswith(_WRAPPER_SUFFIXES) and isinstance(value, Mapping):
            result = value.get("result")
            if isinstance(result, Mapping) and LIST_KEY in result:
                return key
    return None


def is_page(payload: Mapping[str, Any]) -> bool:
    result = payload.get("result")
    if isinstance(result, Mapping) and LIST_KEY in result:
        return True
    return _wrapper(payload) is not None


def read_page(payload: Mapping[str, Any]) -> Page:
    """Records of one page and whether another follows (pageIndex counts from 1)."""
    wrapper = _wrapper(payload)
    result, at = walk(payload, (wrapper, "result") if wrapper else ("result",))
    records, pointers = record_list(result.get(LIST_KEY), f"{at}/{LIST_KEY}")
    more = False
    if result.get("totalNum") is not None and result.get("pageSize") is not None:
        total = count(result["totalNum"], f"{at}/totalNum")
        size = count(result["pageSize"], f"{at}/pageSize")
        index = count(result.get("pageIndex", 1), f"{at}/pageIndex")
        more = index * size < total
        return Page(records, pointers, more, str(index + 1) if more else None)
    return Page(records, pointers, more, None)
