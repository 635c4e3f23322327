"""Shared rendering of canonical events into a platform's conventions for keys, money and times."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

from adapters.base import canonical
from adapters.base.convert import fen_to_yuan

KeyStyle = Literal["snake", "camel"]


def native_content(
    event: Mapping[str, Any],
    *,
    money: Literal["yuan", "fen"],
    write_time: Callable[[str, str], Any],
    keys: KeyStyle = "snake",
) -> dict[str, Any]:
    """Flatten a canonical event into the fields of a native message body.

    Money fields (`*_fen`) become yuan strings (`*_yuan`) or stay fen; times (`*_at`) are
    written with `write_time(value, pointer)`; dates (`*_on`) stay ISO dates, as every platform
    documents them.

    Raises:
        AdapterError: the event is not a well-formed canonical event.
    """
    canonical.check_event(event)
    body: dict[str, Any] = {
        "event_id": event["event_id"],
        "event_type": event["type"],
        "complaint_id": event.get("complaint_id"),
        "version": event.get("version"),
        "occurred_at": write_time(event["occurred_at"], "/occurred_at"),
        **_convert(event["data"], "/data", money, write_time),
    }
    rendered: dict[str, Any] = _keys(body, keys)
    return rendered


def _convert(
    data: Mapping[str, Any], at: str, money: str, write_time: Callable[[str, str], Any]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        new_key, new_value = _convert_value(key, value, f"{at}/{key}", money, write_time)
        out[new_key] = new_value
    return out


def _convert_value(
    key: str, value: Any, at: str, money: str, write_time: Callable[[str, str], Any]
) -> tuple[str, Any]:
    if isinstance(value, Mapping):
        return key, _convert(value, at, money, write_time)
    if isinstance(value, list):
        return key, [
            _convert_value(key, item, f"{at}/{index}", money, write_time)[1]
            for index, item in enumerate(value)
        ]
    if key.endswith("_fen") and isinstance(value, int) and money == "yuan":
        return key[: -len("_fen")] + "_yuan", fen_to_yuan(value)
    if key.endswith("_at") and isinstance(value, str):
        return key, write_time(value, at)
    return key, value


def _keys(value: Any, style: KeyStyle) -> Any:
    if style == "snake":
        return value
    if isinstance(value, Mapping):
        return {_camel(key): _keys(item, style) for key, item in value.items()}
    if isinstance(value, list):
        return [_keys(item, style) for item in value]
    return value


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def case_native_ids(case: Mapping[str, Any] | None, platform: str) -> dict[str, str]:
    """The case's native ids on `platform`, by kind, from the `native_refs` the hub keeps for it."""
    if not case:
        return {}
    found: dict[str, str] = {}
    for ref in case.get("native_refs") or ():
        if ref.get("platform") == platform and isinstance(ref.get("native_id"), str):
            found[str(ref.get("kind"))] = ref["native_id"]
    return found


def case_order_id(case: Mapping[str, Any] | None) -> str | None:
    """The case's order id, when the complaint named one."""
    order = (case or {}).get("order") or {}
    order_id = order.get("order_id")
    return order_id if isinstance(order_id, str) else None


def topic_name(event_type: str) -> str:
    """`complaint.offer_made` -> `ComplaintOfferMade`, for platforms that name messages by topic."""
    return "".join(part[:1].upper() + part[1:] for part in event_type.replace(".", "_").split("_"))
