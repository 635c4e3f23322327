"""A consumer's personal data in a public field of an event is refused, never stored or served."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import orjson
import pytest

from hub.sdk.client import HubClient
from tests.conftest import example

BUREAU = "bureau.hz"


def _filing(path: str, value: str) -> dict[str, Any]:
    document = example(
        "complaint.filed",
        event_id=str(uuid.uuid4()),
        complaint_id=f"{BUREAU}:HZ12315-{uuid.uuid4().hex[:12]}",
    )
    data = orjson.loads(orjson.dumps(document["data"]))
    node = data
    *parents, leaf = path.split("/")
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[leaf] = value
    document["data"] = data
    return document


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("respondent/merchant/name", "数码专营店 店主13800138000"),
        ("respondent/merchant/name", "数码店 +86 138-0013-8000"),
        ("goods/0/name", "耳机 收件人身份证11010519491231002X"),
        ("goods/0/name", "耳机 联系 zhang.san@example.com"),
    ],
)
async def test_personal_data_in_a_public_field_is_refused_without_echo(
    enrol: Any, db: asyncpg.Connection, path: str, value: str
) -> None:
    bureau: HubClient = await enrol(BUREAU, "bureau", regions=("330100",))
    response = await bureau.request("POST", "/v1/events", json=_filing(path, value))

    assert response.status == 422, response.body[:300]
    assert response.headers["Content-Type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["pointer"] == "/data/" + path
    assert "/personal" in problem["detail"]
    for part in ("13800138000", "138-0013-8000", "11010519491231002X", "zhang.san"):
        assert part not in response.body.decode()
    assert await db.fetchval("SELECT count(*) FROM events") == 0


async def test_order_numbers_and_codes_in_public_fields_pass(enrol: Any) -> None:
    bureau: HubClient = await enrol(BUREAU, "bureau", regions=("330100",))
    document = _filing("goods/0/name", "无线降噪耳机 型号 WH-1000XM5 订单4012345678901234567")
    response = await bureau.request("POST", "/v1/events", json=document)
    assert response.status == 201, response.body[:300]
