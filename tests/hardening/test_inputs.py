"""Inputs that would reach PostgreSQL or the serializer unchecked are refused at the edge.

Each is a 4xx problem naming what is wrong, never a 500, and a path parameter that does not
match its documented pattern is refused without echoing it.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest

from hub.http import query
from hub.sdk.client import HubClient, Response
from tests.conftest import example

PROBLEM = "application/problem+json"


async def _bureau(enrol: Any) -> HubClient:
    client: HubClient = await enrol("bureau.hz", "bureau", regions=("330100",))
    return client


def _refused(response: Response, status: int | None = None) -> dict[str, Any]:
    assert 400 <= response.status < 500, (response.status, response.body[:300])
    if status is not None:
        assert response.status == status, response.body[:300]
    assert response.headers["Content-Type"].startswith(PROBLEM)
    problem: dict[str, Any] = response.json()
    return problem


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/complaints/%00"),
        ("GET", "/v1/complaints/%00/events"),
        ("GET", "/v1/complaints/%00/personal"),
        ("DELETE", "/v1/complaints/%00/personal"),
        ("GET", "/v1/subscriptions/%00"),
        ("DELETE", "/v1/subscriptions/%00"),
        ("POST", "/v1/subscriptions/%00/replay"),
        ("GET", "/v1/complaints/" + "A" * 65),
        ("GET", "/v1/subscriptions/sub_xyz"),
        ("GET", "/v1/platforms/%00/feed"),
    ],
)
async def test_path_parameter_off_its_pattern_is_refused(
    enrol: Any, method: str, path: str
) -> None:
    bureau = await _bureau(enrol)
    problem = _refused(await bureau.request(method, path), 404)
    assert "\x00" not in problem["detail"]


async def test_personal_part_for_a_malformed_id_is_refused_and_not_echoed(enrol: Any) -> None:
    bureau = await _bureau(enrol)
    body = {"name": "张三"}
    response = await bureau.request("PUT", "/v1/complaints/%19/personal", json=body)
    problem = _refused(response, 404)
    assert "\x19" not in orjson.dumps(problem).decode()
    assert "\\u0019" not in response.body.decode()
    assert problem["parameter"] == "complaint_id"


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/complaints", {"status": "\x00"}),
        ("/v1/complaints", {"status": "nonsense"}),
        ("/v1/complaints", {"respondent_platform": "\x00"}),
        ("/v1/complaints", {"category": "\x00"}),
        ("/v1/complaints", {"cursor": "\x00"}),
        ("/v1/complaints", {"cursor": "MjAyNi0wMS0wMVQwMDowMDowMCswMDowMHwA"}),  # "...|\x00"
        ("/v1/complaints", {"updated_after": "0001-01-01T00:00:00+14:00"}),
        ("/v1/complaints", {"updated_after": "9999-12-31T23:59:59-14:00"}),
        ("/v1/complaints", {"updated_after": "2026-01-01T00:00:00\x00"}),
        ("/v1/feed", {"complaint": "\x00"}),
        ("/v1/feed", {"types": "\x00"}),
        ("/v1/feed", {"after": str(2**63)}),
        ("/v1/feed", {"after": str(2**64)}),
    ],
)
async def test_query_parameter_that_postgresql_cannot_take_is_refused(
    enrol: Any, path: str, params: dict[str, str]
) -> None:
    bureau = await _bureau(enrol)
    problem = _refused(await bureau.request("GET", path, params=params))
    assert problem["parameter"] == next(iter(params))


@pytest.mark.parametrize("last_event_id", [str(2**63), str(2**70), "1e3", "9" * 40])
async def test_last_event_id_beyond_a_bigint_is_refused(enrol: Any, last_event_id: str) -> None:
    bureau = await _bureau(enrol)
    response = await bureau.request(
        "GET", "/v1/feed/stream", headers={"Last-Event-ID": last_event_id}
    )
    _refused(response, 400)


async def test_native_feed_position_beyond_a_bigint_is_refused(enrol: Any) -> None:
    taobao: HubClient = await enrol("taobao", "platform", platform="taobao")
    response = await taobao.request(
        "GET", "/v1/platforms/taobao/feed", params={"after": str(2**63)}
    )
    assert _refused(response, 400)["parameter"] == "after"


async def test_inbound_complaint_link_with_nul_is_refused(enrol: Any) -> None:
    taobao: HubClient = await enrol("taobao", "platform", platform="taobao")
    response = await taobao.request(
        "POST", "/v1/platforms/taobao/inbound", params={"complaint_id": "\x00"}, json={}
    )
    _refused(response)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/hooks\x00", "http://127.0.0.1:9/\x00/x", "http://\x00/"]
)
async def test_webhook_url_with_nul_is_refused(enrol: Any, url: str, db: Any) -> None:
    bureau = await _bureau(enrol)
    response = await bureau.request("POST", "/v1/subscriptions", json={"url": url})
    _refused(response)
    assert await db.fetchval("SELECT count(*) FROM subscriptions") == 0


async def test_a_valid_complaint_id_still_reads(enrol: Any) -> None:
    bureau = await _bureau(enrol)
    complaint_id = f"bureau.hz:HZ12315-{uuid.uuid4().hex[:16]}"
    await bureau.post_event(example("complaint.filed", complaint_id=complaint_id))
    shown = await bureau.get_complaint(complaint_id)
    assert shown["complaint_id"] == complaint_id


def test_edge_patterns_are_the_documented_ones() -> None:
    root = Path(__file__).resolve().parents[2]
    common = json.loads((root / "schemas" / "common-v1.json").read_text())["$defs"]
    openapi = json.loads((root / "hub" / "api" / "openapi.json").read_text())
    parameters = openapi["components"]["parameters"]
    assert query.COMPLAINT_ID.pattern == common["complaint_id"]["pattern"]
    assert query.PLATFORM.pattern == common["platform"]["pattern"]
    assert query.RFC3339.pattern == common["datetime"]["pattern"]
    assert query.SUBSCRIPTION_ID.pattern == parameters["subscription_id"]["schema"]["pattern"]
