"""Bodies: only UTF-8 JSON is read, and a problem never repeats a member name that may be
personal data."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import pytest

from hub.sdk.client import HubClient
from tests.conftest import example


def _filing(**data: Any) -> dict[str, Any]:
    document = example(
        "complaint.filed",
        event_id=str(uuid.uuid4()),
        complaint_id=f"bureau.hz:HZ12315-{uuid.uuid4().hex[:16]}",
    )
    document["data"] = {**document["data"], **data}  # type: ignore[dict-item]
    return document


@pytest.mark.parametrize("charset", ["latin-1", "iso-8859-1", "utf-16", "gbk"])
async def test_json_in_another_charset_is_refused_with_415(
    enrol: Any, db: Any, charset: str
) -> None:
    bureau: HubClient = await enrol("bureau.hz", "bureau", regions=("330100",))
    body = orjson.dumps(_filing())
    response = await bureau.request(
        "POST",
        "/v1/events",
        body=body,
        headers={"Content-Type": f"application/json; charset={charset}"},
    )
    assert response.status == 415, response.body[:300]
    assert response.json()["type"].endswith("/unsupported-media-type")
    assert await db.fetchval("SELECT count(*) FROM events") == 0


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", "utf8"])
async def test_json_declared_utf8_is_read(enrol: Any, charset: str) -> None:
    bureau: HubClient = await enrol("bureau.hz", "bureau", regions=("330100",))
    response = await bureau.request(
        "POST",
        "/v1/events",
        body=orjson.dumps(_filing()),
        headers={"Content-Type": f"application/json; charset={charset}"},
    )
    assert response.status == 201, response.body[:300]


@pytest.mark.parametrize(
    "name", ["13812345678", "zhang.san@example.cn", "330106199001011234", "张三"]
)
async def test_an_unknown_member_named_like_personal_data_is_not_repeated(
    enrol: Any, name: str
) -> None:
    bureau: HubClient = await enrol("bureau.hz", "bureau", regions=("330100",))
    response = await bureau.request("POST", "/v1/events", json=_filing(**{name: "x"}))
    assert response.status == 422, response.body[:300]
    shown = response.body.decode()
    assert name not in shown
    assert orjson.dumps(name).decode()[1:-1] not in shown  # nor escaped
    detail = response.json()["detail"]
    assert "an unknown member" in detail or "an object key is not ASCII" in detail

    hooks = await bureau.request(
        "POST", "/v1/subscriptions", json={"url": "http://127.0.0.1:9/hooks", name: "x"}
    )
    assert hooks.status == 422
    assert name not in hooks.body.decode()
    assert "an unknown member" in hooks.json()["detail"]


async def test_an_unknown_member_with_a_plain_name_is_still_named(enrol: Any) -> None:
    bureau: HubClient = await enrol("bureau.hz", "bureau", regions=("330100",))
    response = await bureau.request("POST", "/v1/events", json=_filing(colour="x"))
    assert response.status == 422
    problem = response.json()
    assert "'colour'" in problem["detail"]
    assert problem.get("pointer", "/data/colour").endswith("/colour")
