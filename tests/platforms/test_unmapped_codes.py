"""A native code no adapter table knows is accepted, and counted for operators per platform,
field and code, in the transaction that keeps the record's state."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.hubproc import REPO
from tests.platforms._sync import routed_case

Record = dict[str, Any]


def taobao(moment: str, status: str) -> Record:
    return {
        "refund_id": "200456789012345678",
        "tid": 4012345678901234567,
        "status": status,
        "refund_fee": "599.00",
        "modified": moment,
    }


def jd(moment: str, step: int) -> Record:
    return {
        "afsServiceId": 9123456789,
        "afsApplyId": 8123456789,
        "orderId": 312345678901,
        "afsServiceStep": step,
        "customerExpect": 10,
        "afsApplyTime": "2026-11-14 09:00:00",
        "processedDate": moment,
    }


def pinduoduo(moment: str, status: int) -> Record:
    return {
        "id": 7381745730,
        "order_sn": "261111-434073824910838",
        "after_sales_status": status,
        "after_sales_type": 1,
        "refund_amount": "599.00",
        "updated_time": moment,
    }


def douyin(moment: str, status: int) -> Record:
    return {
        "aftersale_id": 7123456789012345679,
        "order_id": 4733587476763186359,
        "aftersale_status": status,
        "aftersale_type": 1,
        "refund_amount": 59900,
        "update_time": moment,
    }


def kuaishou(moment: str, status: int) -> Record:
    return {
        "refundId": 2123456789012345,
        "orderId": 2123456789012346,
        "status": status,
        "handlingWay": 10,
        "refundFee": 59900,
        "createTime": 1794538800000,
        "updateTime": moment,
    }


# platform, order id, builder, (first time, second time), (first code, second code), field
CASES = [
    (
        "taobao",
        "4012345678901234567",
        taobao,
        ("2026-11-14 10:00:00", "2026-11-14 11:00:00"),
        ("WAIT_PLATFORM_REVIEW", "WAIT_PLATFORM_REVIEW"),
        "status",
    ),
    (
        "jd",
        "312345678901",
        jd,
        ("2026-11-14 10:00:00", "2026-11-14 11:00:00"),
        (70, 70),
        "afsServiceStep",
    ),
    (
        "pinduoduo",
        "261111-434073824910838",
        pinduoduo,
        ("1794542400", "1794546000"),
        (34, 34),
        "after_sales_status",
    ),
    (
        "douyin",
        "4733587476763186359",
        douyin,
        ("2026-11-14 10:00:00", "2026-11-14 11:00:00"),
        (99, 99),
        "aftersale_status",
    ),
    ("kuaishou", "2123456789012346", kuaishou, (1794542400000, 1794546000000), (99, 99), "status"),
]


async def push(client: Any, platform: str, payload: Record, complaint_id: str | None) -> Any:
    return await client.request(
        "POST",
        f"/v1/platforms/{platform}/inbound",
        json=payload,
        params={"complaint_id": complaint_id},
    )


@pytest.mark.parametrize(
    ("platform", "order_id", "build", "moments", "codes", "field"),
    CASES,
    ids=[case[0] for case in CASES],
)
async def test_a_record_with_an_unknown_status_is_accepted_and_counted(
    enrol: Any,
    db: asyncpg.Connection,
    platform: str,
    order_id: str,
    build: Any,
    moments: tuple[Any, Any],
    codes: tuple[Any, Any],
    field: str,
) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    client = await enrol(f"platform.{platform}", "platform", platform=platform)
    complaint_id = await routed_case(bureau, platform, order_id, 59900)

    first = await push(client, platform, build(moments[0], codes[0]), complaint_id)
    # The same record moves on, still in a status nobody mapped: kept, counted again.
    second = await push(client, platform, build(moments[1], codes[1]), None)
    # The same record again: nothing new kept, nothing counted.
    again = await push(client, platform, build(moments[1], codes[1]), None)

    assert first.status == 201, first.body
    assert [r["version"] for r in first.json()["results"]] == [4]  # acknowledged, nothing more
    assert second.status == 200, second.body
    assert again.status == 200, again.body
    rows = await db.fetch(
        "SELECT field, code, count, first_seen_at <= last_seen_at AS ordered"
        " FROM unmapped_codes WHERE platform = $1",
        platform,
    )
    assert [dict(r) for r in rows] == [
        {"field": field, "code": str(codes[0]), "count": 2, "ordered": True}
    ]
    snapshot = await bureau.get_complaint(complaint_id)
    assert snapshot["status"] == "acknowledged"  # an unknown status moves nothing further


def run_cli(*args: str, database_url: str, data_dir: Path) -> Any:
    env = {
        **os.environ,
        "COMPLAINT_HUB_DATABASE_URL": database_url,
        "COMPLAINT_HUB_DATA_DIR": str(data_dir),
        "PYTHONPATH": str(REPO),
    }
    result = subprocess.run(
        [sys.executable, "-m", "hub.cli", *args], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


async def test_operators_see_unmapped_codes_in_the_console(
    enrol: Any, database_url: str, tmp_path: Path
) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    client = await enrol("platform.pinduoduo", "platform", platform="pinduoduo")
    complaint_id = await routed_case(bureau, "pinduoduo", "261111-434073824910838", 59900)
    record = pinduoduo("1794542400", 34)
    record["after_sales_type"] = 9
    assert (await push(client, "pinduoduo", record, complaint_id)).status == 201

    shown = json.loads(
        run_cli("adapters", "unmapped", "--json", database_url=database_url, data_dir=tmp_path)
    )
    table = run_cli("sync", "status", database_url=database_url, data_dir=tmp_path)
    status = json.loads(
        run_cli("sync", "status", "--json", database_url=database_url, data_dir=tmp_path)
    )

    assert sorted((r["platform"], r["field"], r["code"], r["count"]) for r in shown) == [
        ("pinduoduo", "after_sales_status", "34", 1),
        ("pinduoduo", "after_sales_type", "9", 1),
    ]
    assert "after_sales_status:34=1" in table
    [row] = status
    assert row["platform"] == "pinduoduo"
    assert row["configured"] is False
    assert {(c["field"], c["code"]) for c in row["unmapped"]} == {
        ("after_sales_status", "34"),
        ("after_sales_type", "9"),
    }
