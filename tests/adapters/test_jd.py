"""JD specifics: a configurable suggestAmount unit, and questionDesc never leaks."""

from __future__ import annotations

import json

import pytest

from adapters.base.errors import AdapterError
from adapters.jd import JdAdapter, create, create_fen

RECORD = {
    "afsServiceId": 1234567890,
    "afsApplyId": 987654321,
    "orderId": 6932458127345678901,
    "wareId": 1,
    "customerExpect": 10,
    "afsServiceStep": 50,
    "suggestAmount": "299.00",
    "afsApplyTime": "2026-11-11 09:00:00",
    "approvedDate": "2026-11-11 12:00:00",
    "processedDate": "2026-11-12 00:00:00",
    "questionDesc": "屏幕坏点 张三 13800000000",
}


def test_jd_question_text_never_reaches_events_or_state() -> None:
    dumped = json.dumps(create().parse(RECORD, None).to_dict(), ensure_ascii=False)
    for leaked in ("13800000000", "张三", "questionDesc"):
        assert leaked not in dumped


def test_jd_amount_is_yuan_by_default_and_fen_when_configured() -> None:
    [_, resolved] = create().parse(RECORD, None).events
    assert dict(resolved.data)["amount_fen"] == 29900
    [_, resolved] = create_fen().parse({**RECORD, "suggestAmount": 29900}, None).events
    assert dict(resolved.data)["amount_fen"] == 29900


def test_jd_yuan_mode_refuses_an_integer_amount_whose_unit_is_unknown() -> None:
    with pytest.raises(AdapterError) as caught:
        create().parse({**RECORD, "suggestAmount": 29900}, None)
    assert caught.value.field == "/suggestAmount"


def test_jd_unknown_unit_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="amount_unit"):
        JdAdapter(amount_unit="jiao")


def test_jd_update_time_is_the_latest_record_time() -> None:
    result = create().parse(RECORD, None)
    assert result.state["updated_at"] == "2026-11-12T00:00:00+08:00"
    assert result.state["order_id"] == "6932458127345678901"


def test_jd_cancelled_service_is_a_note_not_a_withdrawal() -> None:
    types = [
        (event.type, dict(event.data).get("note_kind"))
        for event in create().parse({**RECORD, "afsServiceStep": 60}, None).events
    ]
    assert ("case.note_added", "buyer_cancelled_on_platform") in types
    assert all(event_type != "complaint.withdrawn" for event_type, _ in types)
