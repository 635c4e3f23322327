"""Taobao / Tmall specifics: topics carry the change, yuan strings, advance compensation."""

from __future__ import annotations

import json

import pytest

from adapters.base.errors import AdapterError
from adapters.taobao import create

ADAPTER = create()


def message(topic: str, **content: object) -> dict[str, object]:
    body = {
        "refund_id": "100234567890123456",
        "tid": 6932458127345678901,
        "oid": 1,
        "refund_fee": "59.90",
        "modified": "2026-11-11 10:00:00",
    }
    body.update(content)
    return {"topic": f"taobao_refund_{topic}", "content": body}


def test_taobao_big_tid_from_bare_json_number_stays_exact() -> None:
    payload = json.loads(
        '{"topic": "taobao_refund_RefundCreated", "content": {"refund_id": 100234567890123456, '
        '"tid": 6932458127345678901, "oid": 6932458127345678902, "refund_fee": "1.00", '
        '"modified": "2026-11-11 10:00:00"}}'
    )
    result = ADAPTER.parse(payload, None)
    assert result.native_ref.native_id == "100234567890123456"
    assert result.state["tid"] == "6932458127345678901"
    assert result.state["oid"] == "6932458127345678902"


def test_taobao_topic_carries_the_change_from_created_to_agreed() -> None:
    created = ADAPTER.parse(message("RefundCreated"), None)
    assert [event.type for event in created.events] == ["complaint.acknowledged"]
    agreed = ADAPTER.parse(
        message("RefundSellerAgreeAgreement", modified="2026-11-11 12:00:00"), created.state
    )
    assert [(event.type, dict(event.data)["amount_fen"]) for event in agreed.events] == [
        ("complaint.offer_made", 5990)
    ]
    succeeded = ADAPTER.parse(
        message("RefundSuccess", modified="2026-11-12 00:00:00"), agreed.state
    )
    [resolved] = succeeded.events
    assert resolved.type == "complaint.resolved"
    assert dict(resolved.data) == {
        "resolution": "refund",
        "amount_fen": 5990,
        "platform_intervened": False,
    }
    assert resolved.occurred_at == "2026-11-12T00:00:00+08:00"


def test_taobao_reminder_topics_keep_the_phase_and_emit_nothing() -> None:
    agreed = ADAPTER.parse(message("RefundSellerAgreeAgreement"), None)
    reminder = ADAPTER.parse(
        message("RefundTimeoutRemind", modified="2026-11-12 10:00:00"), agreed.state
    )
    assert reminder.events == []
    assert reminder.state["phase"] == "offered"


def test_taobao_repush_yields_the_same_event_ids() -> None:
    first = ADAPTER.parse(message("RefundSuccess"), None)
    again = ADAPTER.parse(message("RefundSuccess"), None)
    assert [event.event_id for event in first.events] == [event.event_id for event in again.events]


def test_taobao_advanced_refund_is_not_advance_compensation() -> None:
    record = {
        "refund_id": "1",
        "tid": 2,
        "status": "WAIT_SELLER_AGREE",
        "refund_fee": "123456.78",
        "modified": "2026-11-11 10:00:00",
        "advance_status": 2,
    }
    result = ADAPTER.parse(record, None)
    assert [event.type for event in result.events] == ["complaint.acknowledged"]
    assert result.state["advance_status"] == 2


@pytest.mark.parametrize(
    ("cs_status", "intervened"), [(1, False), (2, False), (3, True), (6, True)]
)
def test_taobao_customer_service_requested_is_not_yet_intervention(
    cs_status: int, intervened: bool
) -> None:
    record = {
        "refund_id": "1",
        "tid": 2,
        "status": "WAIT_SELLER_AGREE",
        "modified": "2026-11-11 10:00:00",
        "cs_status": cs_status,
    }
    assert ADAPTER.parse(record, None).state["intervened"] is intervened


def test_taobao_intervention_is_remembered_for_a_later_resolution() -> None:
    base = {"refund_id": "1", "tid": 2, "refund_fee": "0.01", "modified": "2026-11-11 10:00:00"}
    intervened = ADAPTER.parse({**base, "status": "WAIT_SELLER_AGREE", "cs_status": 3}, None)
    success = ADAPTER.parse(
        {**base, "status": "SUCCESS", "cs_status": 6, "modified": "2026-11-12 10:00:00"},
        intervened.state,
    )
    [resolved] = success.events
    assert dict(resolved.data) == {
        "resolution": "refund",
        "amount_fen": 1,
        "platform_intervened": True,
    }


def test_taobao_midnight_stays_on_the_shanghai_date() -> None:
    result = ADAPTER.parse(message("RefundCreated", modified="2026-11-11 00:00:00"), None)
    assert result.events[0].occurred_at == "2026-11-11T00:00:00+08:00"


def test_taobao_shop_type_tells_tmall_from_taobao() -> None:
    record = {
        "refund_id": "1",
        "tid": 2,
        "status": "WAIT_SELLER_AGREE",
        "refund_fee": "1.00",
        "modified": "2026-11-11 10:00:00",
        "shop_type": "B",
    }
    assert ADAPTER.parse(record, None).state["shop_type"] == "B"


def test_taobao_three_decimal_fee_is_refused_naming_the_field() -> None:
    with pytest.raises(AdapterError) as caught:
        ADAPTER.parse(message("RefundCreated", refund_fee="59.901"), None)
    assert caught.value.field == "/content/refund_fee"


def test_taobao_render_uses_yuan_strings_and_local_times() -> None:
    event = {
        "event_id": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e",
        "complaint_id": "C-1",
        "version": 3,
        "type": "mediation.concluded",
        "occurred_at": "2026-11-11T00:00:00+08:00",
        "data": {"agreement": True, "amount_fen": 12345678},
    }
    rendered = ADAPTER.render(event, {"order": {"order_id": "6932458127345678901"}})
    assert rendered["topic"] == "complaint_hub_MediationConcluded"
    assert rendered["content"]["amount_yuan"] == "123456.78"
    assert rendered["content"]["occurred_at"] == "2026-11-11 00:00:00"
    assert rendered["content"]["tid"] == "6932458127345678901"
