"""Deeply nested JSON is refused before validation: a 4xx problem, never a 500."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import pytest

from hub.http.body import parse_json
from hub.problems import MalformedJson
from hub.records.strict_json import MAX_DEPTH
from hub.sdk.client import HubClient
from tests.conftest import example


def _nested(depth: int, opener: str = "[", closer: str = "]") -> str:
    return opener * depth + "1" + closer * depth


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 255, 256, 512, 1000, 1023, 1024, 1025, 5000])
async def test_deeply_nested_event_body_is_a_4xx_problem(enrol: Any, db: Any, depth: int) -> None:
    bureau: HubClient = await enrol("bureau.hz", "bureau", regions=("330100",))
    filing = example(
        "complaint.filed",
        event_id=str(uuid.uuid4()),
        complaint_id=f"bureau.hz:HZ12315-{uuid.uuid4().hex[:16]}",
    )
    raw = orjson.dumps(filing).decode()
    body = raw[:-1] + ',"deep":' + _nested(depth) + "}"
    response = await bureau.request("POST", "/v1/events", body=body.encode())
    assert 400 <= response.status < 500, (response.status, response.body[:200])
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert await db.fetchval("SELECT count(*) FROM events") == 0


@pytest.mark.parametrize(
    "text",
    [
        _nested(MAX_DEPTH + 1),
        _nested(MAX_DEPTH, '{"a":', "}") + "",
        '{"a":' + _nested(MAX_DEPTH) + "}",
    ],
)
def test_nesting_beyond_the_limit_is_malformed(text: str) -> None:
    with pytest.raises(MalformedJson, match="nested"):
        parse_json(text.encode(), "application/json")


def test_nesting_up_to_the_limit_is_read() -> None:
    assert parse_json(_nested(MAX_DEPTH - 1).encode(), "application/json") is not None
