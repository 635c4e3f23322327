"""The database away: every /v1 route answers 503 with Retry-After, readiness says so, and the hub
serves again once the database is back, without a restart."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from hub.sdk.client import HubClient
from tests.conftest import example
from tests.waiting import eventually

PROBLEM = "application/problem+json"
SUBSCRIPTION = "sub_" + "0" * 32


def _routes(complaint_id: str) -> list[tuple[str, str, Any]]:
    filing = example("complaint.filed", complaint_id=f"bureau.hz:HZ12315-{uuid.uuid4().hex[:16]}")
    return [
        ("POST", "/v1/events", filing),
        ("GET", "/v1/complaints", None),
        ("GET", f"/v1/complaints/{complaint_id}", None),
        ("GET", f"/v1/complaints/{complaint_id}/events", None),
        ("GET", f"/v1/complaints/{complaint_id}/personal", None),
        ("PUT", f"/v1/complaints/{complaint_id}/personal", {"name": "x"}),
        ("DELETE", f"/v1/complaints/{complaint_id}/personal", None),
        ("GET", "/v1/feed", None),
        ("GET", "/v1/feed/stream", None),
        ("POST", "/v1/subscriptions", {"url": "http://127.0.0.1:9/hooks"}),
        ("GET", "/v1/subscriptions", None),
        ("GET", f"/v1/subscriptions/{SUBSCRIPTION}", None),
        ("DELETE", f"/v1/subscriptions/{SUBSCRIPTION}", None),
        ("POST", f"/v1/subscriptions/{SUBSCRIPTION}/replay", None),
        ("POST", "/v1/platforms/taobao/inbound", {}),
        ("GET", "/v1/platforms/taobao/feed", None),
    ]


@pytest.fixture
async def outage(server_url: str, database_url: str) -> AsyncIterator[Any]:
    """Start and end an outage of the test's database: no connection to it is possible."""
    name = urlsplit(database_url).path.lstrip("/")
    admin = await asyncpg.connect(server_url)

    async def begin() -> None:
        await admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
        )

    async def end() -> None:
        await admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")

    try:
        yield begin, end
    finally:
        await end()
        await admin.close()


async def test_every_route_answers_503_while_the_database_is_away_and_recovers(
    client: TestClient, enrol: Any, outage: Any
) -> None:
    begin, end = outage
    bureau: HubClient = await enrol("bureau.hz", "bureau", regions=("330100",))
    complaint_id = f"bureau.hz:HZ12315-{uuid.uuid4().hex[:16]}"
    await bureau.post_event(example("complaint.filed", complaint_id=complaint_id))

    await begin()
    for method, path, body in _routes(complaint_id):
        response = await bureau.request(method, path, json=body)
        assert response.status == 503, (method, path, response.status, response.body[:200])
        assert response.headers["Content-Type"].startswith(PROBLEM), (method, path)
        assert int(response.headers["Retry-After"]) > 0, (method, path)
        assert response.json()["type"].endswith("/database-unavailable"), (method, path)
    assert (await client.get("/readyz")).status == 503
    assert (await client.get("/healthz")).status == 200

    await end()

    # Back without a restart: the pool reconnects on the next request.
    async def ready() -> bool:
        return (await client.get("/readyz")).status == 200

    await eventually(ready, timeout_s=20, interval_s=0.1)
    shown = await bureau.get_complaint(complaint_id)
    assert shown["complaint_id"] == complaint_id
    accepted = await bureau.post_event(
        example(
            "complaint.filed",
            event_id=str(uuid.uuid4()),
            complaint_id=f"bureau.hz:HZ12315-{uuid.uuid4().hex[:16]}",
        )
    )
    assert accepted["position"] == 2


def test_a_missing_file_is_the_database_only_when_the_driver_raised_it() -> None:
    from hub.http.problems import database_unavailable

    def outside_the_driver() -> None:
        raise FileNotFoundError(2, "No such file or directory", "/srv/hub/holidays.json")

    with pytest.raises(FileNotFoundError) as raised:
        outside_the_driver()
    assert not database_unavailable(raised.value)
    assert database_unavailable(ConnectionRefusedError(111, "Connection refused"))
