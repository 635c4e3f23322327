"""Canonical adapter specifics: one instance per mall code, events checked and passed through."""

from __future__ import annotations

import pytest

from adapters import canonical
from adapters.base.errors import AdapterError

EVENT = {
    "event_id": "4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a",
    "complaint_id": "C-1",
    "version": 7,
    "type": "complaint.resolved",
    "occurred_at": "2026-11-12T00:00:00+08:00",
    "data": {"resolution": "refund", "amount_fen": 12345678, "platform_intervened": False},
}


@pytest.mark.parametrize(
    "factory",
    [canonical.vipshop, canonical.suning, canonical.meituan, canonical.dangdang, canonical.xianyu],
)
def test_each_mall_gets_its_own_code(factory: object) -> None:
    adapter = factory()  # type: ignore[operator]
    assert adapter.info.code == factory.__name__  # type: ignore[attr-defined]
    result = adapter.parse(EVENT, None)
    assert result.native_ref.platform == adapter.info.code
    assert [event.to_dict()["version"] for event in result.events] == [None]


def test_canonical_repush_is_nothing_new() -> None:
    adapter = canonical.vipshop()
    first = adapter.parse(EVENT, None)
    assert adapter.parse(EVENT, first.state).events == []


def test_canonical_refuses_floats_and_unknown_data_keys() -> None:
    adapter = canonical.suning()
    with pytest.raises(AdapterError) as caught:
        adapter.parse({**EVENT, "data": {**EVENT["data"], "amount_fen": 1.5}}, None)
    assert caught.value.field == "/data/amount_fen"
    with pytest.raises(AdapterError) as caught:
        adapter.parse({**EVENT, "data": {**EVENT["data"], "note": "free text"}}, None)
    assert caught.value.field == "/data/note"


def test_unknown_mall_code_is_refused() -> None:
    with pytest.raises(ValueError, match="no canonical platform"):
        canonical.CanonicalAdapter("taobao")
