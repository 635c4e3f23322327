"""One entry point for integrators: what records a platform payload holds, whatever its kind.

`records_in(adapter, payload)` reads a push message, a batch of push messages (a JSON array, as
Douyin sends them) or a pull page (detected by the adapter's `is_page`), and returns one plain dict
per record with its exact ids, money in fen and times with their +08:00 offset. It diffs nothing
and keeps no state: it shows what the adapter reads, for a CLI, a test or an operator.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from adapters.base.contract import Adapter
from adapters.base.convert import pointer
from adapters.base.errors import AdapterError
from adapters.base.lifecycle import NativeRecord, RecordAdapter


def records_in(adapter: Adapter, payload: Any) -> list[dict[str, Any]]:
    """One dict per record in `payload`: platform, kind, native_id, status, phase, amount_fen,
    updated_at, order_id and the unmapped codes.

    Raises:
        AdapterError: something in the payload cannot be a record (the pointer names it).
    """
    found = []
    for at, record in _records(adapter, payload):
        try:
            described = _describe(adapter, record)
        except AdapterError as err:
            field = at + err.field if err.field != "/" else (at or "/")
            raise AdapterError(field, err.message) from err
        # Pointers name the place in the whole payload, as error fields do.
        for item in described["unmapped"]:
            item["pointer"] = at + item["pointer"]
        found.append(described)
    return found


def _records(adapter: Adapter, payload: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if isinstance(payload, list):
        for index, item in enumerate(payload):
            if not isinstance(item, Mapping):
                raise AdapterError(pointer(index), "expected a message object")
            for at, record in _records(adapter, item):
                yield pointer(index) + at, record
        return
    if not isinstance(payload, Mapping):
        raise AdapterError("/", "expected an object or a list of messages")
    is_page = getattr(adapter, "is_page", None)
    if callable(is_page) and is_page(payload):
        page = adapter.read_page(payload)  # type: ignore[attr-defined]
        yield from zip(page.pointers, page.records, strict=True)
        return
    yield "", payload


def _describe(adapter: Adapter, record: Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(adapter, RecordAdapter):
        native: NativeRecord = adapter.normalise(record)
        return {
            "platform": native.ref.platform,
            "kind": native.ref.kind,
            "native_id": native.ref.native_id,
            "status": native.status,
            "phase": native.phase,
            "amount_fen": native.amount_fen,
            "updated_at": native.updated_at,
            "order_id": native.order_id,
            "unmapped": [item.to_dict() for item in native.unmapped],
        }
    parsed = adapter.parse(record, None)
    state = parsed.state
    return {
        "platform": parsed.native_ref.platform,
        "kind": parsed.native_ref.kind,
        "native_id": parsed.native_ref.native_id,
        "status": state.get("status", state.get("type")),
        "phase": state.get("phase"),
        "amount_fen": state.get("amount_fen"),
        "updated_at": state.get("updated_at"),
        "order_id": state.get("order_id"),
        "unmapped": [item.to_dict() for item in parsed.unmapped],
    }
