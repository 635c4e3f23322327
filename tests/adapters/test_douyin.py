"""Douyin specifics: big bare-number ids, data as a JSON string, reason codes, filing."""

from __future__ import annotations

import json

import pytest

from adapters.base.contract import FilingContext
from adapters.base.errors import AdapterError
from adapters.douyin import create

ADAPTER = create()
RAW = (
    '{"tag": 200, "msgId": "m-1", "data": {"aftersale_id": 7000893114000949123, '
    '"s_id": 6932458127345678901, '
    '"p_id": 6932458127345678900, "aftersale_status": 6, "aftersale_type": 1, "reason_code": 12, '
    '"refund_amount": 8800, "apply_time": 1762790400}}'
)
FILING = FilingContext(
    region="310115",
    received_at="2025-11-11T00:10:00+08:00",
    personal_ref="personal-7f3a",
    personal_commitment="sha256:" + "cd" * 32,
    consents={"publication": False, "delegated_mediation": True},
    goods=({"name": "goods-ref-1", "quantity": 1, "amount_fen": 8800},),
)


def test_douyin_big_ids_stay_exact() -> None:
    result = ADAPTER.parse(json.loads(RAW), None)
    assert result.native_ref.native_id == "7000893114000949123"
    assert result.state["s_id"] == "6932458127345678901"
    assert result.state["p_id"] == "6932458127345678900"
    # The value a float relay would have produced must never appear.
    assert "7000893114000949000" not in json.dumps(result.to_dict())


def test_douyin_data_as_string_and_as_object_parse_the_same() -> None:
    as_object = json.loads(RAW)
    as_string = {**as_object, "data": json.dumps(as_object["data"])}
    assert ADAPTER.parse(as_object, None).to_dict() == ADAPTER.parse(as_string, None).to_dict()


@pytest.mark.parametrize(
    ("reason_code", "level1", "level2"),
    [
        (2, "contract", "late_or_no_delivery"),
        (5, "quality", "damaged_short_wrong_or_empty_parcel"),
        (9, "false_advertising", "listing_not_matching_item"),
        (11, "false_advertising", "listing_not_matching_item"),
        (12, "counterfeit", "counterfeit_or_pirated"),
        (30, "counterfeit", "counterfeit_or_pirated"),
        (1, "after_sales", None),
        (34, "safety", None),
        (7, "quality", "defect_or_malfunction"),
        (26, "quality", "spoiled_goods"),
    ],
)
def test_douyin_reason_codes_file_under_the_right_category(
    reason_code: int, level1: str, level2: str | None
) -> None:
    payload = json.loads(RAW)
    payload["data"]["reason_code"] = reason_code
    [filed] = ADAPTER.parse(payload, None, filing=FILING).events
    assert filed.type == "complaint.filed"
    category = dict(filed.data)["category"]
    assert category.get("level1") == level1
    assert category.get("level2") == level2
    assert dict(filed.data)["order"] == {"order_id": "6932458127345678900"}
    assert dict(filed.data)["channel"] == "platform_odr"


def test_douyin_without_a_reason_cannot_file() -> None:
    payload = json.loads(RAW)
    del payload["data"]["reason_code"]
    with pytest.raises(AdapterError) as caught:
        ADAPTER.parse(payload, None, filing=FILING)
    assert caught.value.field == "/data/reason_code"


def test_douyin_arbitration_is_platform_intervention() -> None:
    payload = json.loads(RAW)
    payload["data"]["arbitrate_status"] = 1
    notes = [
        dict(event.data)["note_kind"]
        for event in ADAPTER.parse(payload, None).events
        if event.type == "case.note_added"
    ]
    assert notes == ["platform_intervened"]


def test_douyin_render_sends_data_as_a_json_string_with_fen() -> None:
    event = {
        "event_id": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e",
        "complaint_id": "C-1",
        "version": 2,
        "type": "complaint.offer_made",
        "occurred_at": "2025-11-11T00:00:00+08:00",
        "data": {"offer_id": "o-1", "kind": "refund", "amount_fen": 12345678},
    }
    rendered = ADAPTER.render(event, None)
    assert rendered["tag"] == 9006
    assert rendered["msgId"] == event["event_id"]
    data = json.loads(rendered["data"])
    assert data["amount_fen"] == 12345678
    assert data["occurred_at"] == 1762790400
