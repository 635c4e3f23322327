"""Payloads copied from public SDKs and documents read as their sources show them.

Each fixture's source is named in the SOURCES.md beside it; ids stay exact, money is fen and
times carry +08:00.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from adapters.base.contract import Adapter
from adapters.base.errors import AdapterError
from adapters.base.inspect import records_in
from adapters.base.registry import load_adapters

ADAPTERS = load_adapters()
ROOT = Path(__file__).resolve().parents[2] / "adapters"


def load(code: str, relative: str) -> Any:
    return json.loads((ROOT / code / "fixtures" / relative).read_text(encoding="utf-8"))


# (platform, fixture, index, expected subset of the record's dict)
EXPECTED: list[tuple[str, str, int, dict[str, Any]]] = [
    (
        "douyin",
        "real_refund_created/native.json",
        0,
        {
            "native_id": "xxxxxx",
            "order_id": "4705288465508532862",
            "status": "13",
            "amount_fen": 0,
            "updated_at": "2021-04-21T15:36:27+08:00",
            "unmapped": [{"field": "reason_code", "pointer": "/data/reason_code", "code": "78"}],
        },
    ),
    (
        "douyin",
        "real_refund_created_data_as_string/native.json",
        0,
        {"native_id": "xxxxxx", "order_id": "4705288465508532862", "status": "13"},
    ),
    (
        "douyin",
        "real_refund_success/native.json",
        0,
        {"status": "6", "amount_fen": 13200, "updated_at": "2021-04-21T15:59:19+08:00"},
    ),
    (
        "douyin",
        "real_refund_modified/native.json",
        0,
        {"amount_fen": 13200, "updated_at": "2021-04-21T15:59:19+08:00", "phase": "requested"},
    ),
    (
        "douyin",
        "real_refund_arbitrate_applied/native.json",
        0,
        {"status": "27", "phase": "refused", "updated_at": "2021-04-21T15:36:27+08:00"},
    ),
    (
        "douyin",
        "_pages/older_list.json",
        0,
        {
            "native_id": "6898662840928862468",
            "order_id": "4733587476763186359",
            "status": "12",
            "phase": "resolved",
            "updated_at": "2020-11-24T20:16:07+08:00",
        },
    ),
    (
        "taobao",
        "real_tmc_refund_created/native.json",
        0,
        {
            "native_id": "3290848379609938",
            "order_id": "54973839805603899",
            "amount_fen": 5978,
            "updated_at": "2017-09-13T16:00:07+08:00",
            "phase": "requested",
        },
    ),
    (
        "taobao",
        "real_tmc_refund_big_ids/native.json",
        0,
        {
            "native_id": "181784773340365852",
            "order_id": "2918463734761365258",
            "amount_fen": 100,
            "updated_at": "2022-09-29T14:17:15+08:00",
        },
    ),
    (
        "taobao",
        "_pages/receive_get_invented.json",
        1,
        {"order_id": "2918463734761365259", "amount_fen": None, "phase": "offered"},
    ),
    (
        "pinduoduo",
        "real_pmc_refund_created/native.json",
        0,
        {
            "native_id": "7381745730",
            "order_id": "210707-339507978993455",
            "amount_fen": 1990,
            "updated_at": "2021-07-07T13:57:05+08:00",
            "phase": "requested",
        },
    ),
    (
        "pinduoduo",
        "_pages/increment_get_invented.json",
        1,
        {"native_id": "7381745731", "status": "33", "phase": "offered", "amount_fen": 500},
    ),
]


@pytest.mark.parametrize(("code", "fixture", "index", "expected"), EXPECTED)
def test_copied_payload_reads_as_its_source_shows(
    code: str, fixture: str, index: int, expected: dict[str, Any]
) -> None:
    record = records_in(ADAPTERS[code], load(code, fixture))[index]
    assert {key: record[key] for key in expected} == expected


def test_douyin_batch_of_messages_reads_every_message() -> None:
    batch = [
        load("douyin", "real_refund_created/native.json"),
        load("douyin", "real_refund_closed/native.json"),
    ]
    assert [r["updated_at"] for r in records_in(ADAPTERS["douyin"], batch)] == [
        "2021-04-21T15:36:27+08:00",
        "2021-04-21T15:36:27+08:00",
    ]


def test_an_error_in_a_page_names_its_place_in_the_page() -> None:
    page = load("pinduoduo", "_pages/increment_get_invented.json")
    page["refund_increment_get_response"]["refund_list"][1]["refund_amount"] = "5.001"
    with pytest.raises(AdapterError) as caught:
        records_in(ADAPTERS["pinduoduo"], page)
    assert caught.value.field == "/refund_increment_get_response/refund_list/1/refund_amount"


@pytest.mark.parametrize(
    ("code", "payload", "field"),
    [
        (
            "taobao",
            {
                "topic": "taobao_refund_RefundNew",
                "content": {"refund_id": 1, "tid": 2, "modified": "2026-11-11 10:00:00"},
            },
            "topic",
        ),
        (
            "douyin",
            {
                "tag": 299,
                "msgId": "m",
                "data": {"aftersale_id": 1, "aftersale_status": 99, "apply_time": 1762790400},
            },
            "aftersale_status",
        ),
        (
            "pinduoduo",
            {"id": 1, "order_sn": "261111-1", "after_sales_status": 34, "updated_time": 1762790400},
            "after_sales_status",
        ),
        (
            "kuaishou",
            {
                "refundId": 1,
                "orderId": 2,
                "status": 99,
                "handlingWay": 10,
                "createTime": 1762790400000,
            },
            "status",
        ),
        (
            "jd",
            {
                "afsServiceId": 1,
                "afsApplyId": 2,
                "orderId": 3,
                "afsServiceStep": 70,
                "customerExpect": 10,
                "afsApplyTime": "2026-11-11 10:00:00",
            },
            "afsServiceStep",
        ),
    ],
)
def test_unknown_code_is_kept_acknowledged_and_reported_as_unmapped(
    code: str, payload: dict[str, Any], field: str
) -> None:
    adapter: Adapter = ADAPTERS[code]
    result = adapter.parse(payload, None)
    assert [event.type for event in result.events] == ["complaint.acknowledged"]
    assert field in [item.field for item in result.unmapped]
    again = adapter.parse(payload, json.loads(json.dumps(result.state)))
    assert list(again.events) == []


@pytest.mark.parametrize(
    ("code", "fixture", "ids"),
    [
        ("douyin", "_pages/older_list.json", ("6898662840928862468", "4733587476763186359")),
        (
            "taobao",
            "real_tmc_refund_big_ids/native.json",
            ("181784773340365852", "2918463734761365258"),
        ),
        ("douyin", "real_refund_success/native.json", ("4705288465508532862",)),
    ],
)
def test_largest_real_ids_stay_exact_from_bytes_to_strings(
    code: str, fixture: str, ids: tuple[str, ...]
) -> None:
    adapter = ADAPTERS[code]
    payload = load(code, fixture)
    shown = json.dumps(records_in(adapter, payload))
    for native in ids:
        assert int(native) > 2**53
        assert f'"{native}"' in shown
    if "/" in fixture and not fixture.startswith("_"):
        parsed = json.dumps(adapter.parse(payload, None).to_dict())
        assert all(f'"{native}"' in parsed for native in ids)
