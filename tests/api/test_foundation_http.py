"""Errors come back as problem+json and change nothing; health and readiness answer."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import example

PROBLEM = "application/problem+json"


async def _count_events(db: asyncpg.Connection) -> int:
    return int(await db.fetchval("SELECT count(*) FROM events"))


async def test_healthz_and_readyz_answer(client: TestClient) -> None:
    assert (await client.get("/healthz")).status == 200
    response = await client.get("/readyz")
    assert response.status == 200
    assert (await response.json())["status"] == "ready"


async def test_readyz_is_503_problem_when_a_migration_is_pending(
    client: TestClient, db: asyncpg.Connection
) -> None:
    await db.execute("DELETE FROM schema_migrations WHERE number = 1")
    response = await client.get("/readyz")
    assert response.status == 503
    assert response.content_type == PROBLEM
    assert "0001_event_store" in (await response.json())["detail"]


@pytest.mark.parametrize(
    ("method", "path", "headers", "body", "status", "slug"),
    [
        (
            "POST",
            "/v1/events",
            {"Content-Type": "application/json"},
            b"{not json",
            400,
            "malformed-json",
        ),
        (
            "POST",
            "/v1/events",
            {"Content-Type": "text/plain"},
            b"{}",
            415,
            "unsupported-media-type",
        ),
        ("GET", "/v1/nowhere", {}, None, 404, "not-found"),
        ("DELETE", "/v1/events", {}, None, 405, "method-not-allowed"),
        (
            "POST",
            "/v1/events",
            {"Content-Type": "application/json"},
            b'{"pad": "' + b"x" * 70_000 + b'"}',
            413,
            "payload-too-large",
        ),
    ],
)
async def test_bad_requests_get_problem_json_and_write_nothing(
    client: TestClient,
    db: asyncpg.Connection,
    enrol: Any,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes | None,
    status: int,
    slug: str,
) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    before = await _count_events(db)
    response = await client.request(
        method, path, data=body, headers=bureau.signed_headers(method, path, body, headers)
    )
    assert response.status == status
    assert response.content_type == PROBLEM
    problem = await response.json()
    assert problem["type"].endswith("/" + slug)
    assert problem["status"] == status
    assert problem["title"]
    assert problem["detail"]
    assert problem["request_id"] == response.headers["X-Request-Id"]
    assert await _count_events(db) == before


async def test_unsigned_paths_outside_v1_are_404_problems(client: TestClient) -> None:
    response = await client.get("/nowhere")
    assert response.status == 404
    assert response.content_type == PROBLEM


async def test_request_id_is_taken_from_the_caller(client: TestClient) -> None:
    response = await client.get("/nowhere", headers={"X-Request-Id": "abc-123"})
    assert (await response.json())["request_id"] == "abc-123"
    assert response.headers["X-Request-Id"] == "abc-123"


async def test_unexpected_exception_is_a_500_problem_without_stack_trace(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, enrol: Any
) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    from hub.store.events import EventStore

    async def broken(self: EventStore, *args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(EventStore, "append", broken)
    response = await bureau.request("POST", "/v1/events", json=example("complaint.filed"))
    assert response.status == 500
    problem = response.json()
    assert problem["type"].endswith("/internal-error")
    assert b"secret" not in response.body
    assert problem["request_id"]
