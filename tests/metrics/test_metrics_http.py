"""/metrics over HTTP: the key series move when signed events flow, and only operators see it."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from hub.app import create_app
from hub.ops.metrics.resources import METRICS
from hub.settings import Settings
from tests.api._lifecycle import Cast, Enrol, event, prepare
from tests.conftest import needs_tool
from tests.metrics._scrape import BEARER, TOKEN, label_values, value


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, metrics_token=TOKEN)


async def _scrape(client: TestClient) -> str:
    response = await client.get("/metrics", headers=BEARER)
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return await response.text()


def promtool() -> str:
    return needs_tool("promtool")


async def check_metrics(text: str) -> tuple[int, str]:
    """`promtool check metrics` on a scrape: its exit status and what it said."""
    process = await asyncio.create_subprocess_exec(
        promtool(),
        "check",
        "metrics",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate(text.encode())
    return process.returncode or 0, output.decode()


async def test_signed_events_move_the_accepted_request_and_batch_series(
    client: TestClient, enrol: Enrol
) -> None:
    cast = Cast(enrol)
    before = await _scrape(client)

    prepared = await prepare(cast, "bureau", 3)  # filed, accepted, routed: all by the bureau
    bureau = await cast("bureau")
    refused = await bureau.request(
        "POST", "/v1/events", json=event("complaint.closed", prepared.complaint_id, 9)
    )
    read = await bureau.request("GET", f"/v1/complaints/{prepared.complaint_id}")

    assert refused.status == 409
    assert read.status == 200
    after = await _scrape(client)
    for event_type in ("complaint.filed", "complaint.accepted", "complaint.routed"):
        labels = {"type": event_type, "participant": "bureau.hz"}
        assert value(after, "hub_events_accepted_total", **labels) == (
            value(before, "hub_events_accepted_total", **labels) + 1
        )
    posted = {"method": "POST", "route": "/v1/events", "status": "201"}
    assert value(after, "hub_http_requests_total", **posted) == (
        value(before, "hub_http_requests_total", **posted) + 3
    )
    # The route's template, never the raw path: no complaint id in any label.
    got = {"method": "GET", "route": "/v1/complaints/{complaint_id}", "status": "200"}
    assert value(after, "hub_http_requests_total", **got) == 1 + value(
        before, "hub_http_requests_total", **got
    )
    assert prepared.complaint_id not in after
    assert not any(e["event_id"] in after for e in prepared.events)
    assert value(after, "hub_group_commit_batch_size_count") >= (
        value(before, "hub_group_commit_batch_size_count") + 3
    )
    assert value(after, "hub_group_commit_duration_seconds_count") > value(
        before, "hub_group_commit_duration_seconds_count"
    )
    stale = {"problem": "stale-version", "status": "409"}
    assert (
        value(after, "hub_rejects_total", **stale)
        == value(before, "hub_rejects_total", **stale) + 1
    )
    duration = {"method": "POST", "route": "/v1/events"}
    assert value(after, "hub_http_request_duration_seconds_count", **duration) == (
        value(before, "hub_http_request_duration_seconds_count", **duration) + 4
    )
    assert value(after, "hub_ready") == 1
    assert value(after, "hub_database_up") == 1
    assert value(after, "hub_db_pool_connections", state="max") == 5
    assert value(after, "hub_background_tasks", task="group-commit", state="running") == 1

    code, output = await check_metrics(after)
    assert code == 0, output


async def test_database_facts_show_sync_lag_endpoints_and_deadlines(
    client: TestClient, enrol: Enrol, db: asyncpg.Connection
) -> None:
    cast = Cast(enrol)
    breached = await prepare(cast, "bureau", 1)  # filed: its acceptance deadline runs
    await prepare(cast, "bureau", 1)
    # As the sweeper records it: every deadline of the first case breached.
    await db.execute(
        "UPDATE complaints SET snapshot = jsonb_set(snapshot, '{public,deadlines}',"
        " (SELECT jsonb_agg(d || '{\"breached\": true}') FROM"
        "  jsonb_array_elements(snapshot #> '{public,deadlines}') AS d))"
        " WHERE complaint_id = $1",
        breached.complaint_id,
    )
    last_success = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    await db.execute(
        "INSERT INTO sync_state (platform, lag_s, last_success_at, consecutive_failures,"
        " updated_at) VALUES ('jd', 1800, $1, 4, now())",
        last_success,
    )
    await db.execute(
        "INSERT INTO subscriptions (id, owner, url, format, key_version, secret_sealed,"
        " delivered_position, last_sent_position, state)"
        " VALUES ('sub_1', 'bureau.hz', 'https://x.example/h', 'standard', 1, '\\x00', 0, 0,"
        " 'disabled')"
    )

    text = await _scrape(client)

    assert value(text, "hub_sync_lag_seconds", platform="jd") == 1800
    assert value(text, "hub_sync_last_success_timestamp_seconds", platform="jd") == (
        last_success.timestamp()
    )
    assert value(text, "hub_sync_consecutive_failures", platform="jd") == 4
    assert value(text, "hub_webhook_endpoints", owner="bureau.hz", state="disabled") == 1
    assert value(text, "hub_webhook_backlog_events", owner="bureau.hz", state="disabled") == 2
    assert value(text, "hub_deadlines_open") == 1
    assert value(text, "hub_deadlines_breached") == 1
    assert value(text, "hub_feed_position") == 2
    # Labels name platforms, owners, states: nothing from inside a case.
    assert "sub_1" not in text
    assert "x.example" not in text


async def test_scrapes_within_the_cache_time_read_the_database_once(
    client: TestClient, app: web.Application
) -> None:
    await _scrape(client)
    await _scrape(client)
    await _scrape(client)

    assert app[METRICS].database.reads == 1


async def test_metrics_refuse_a_request_without_the_token(client: TestClient) -> None:
    before = await _scrape(client)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        response = await client.get("/metrics", headers=headers)

        assert response.status == 401
        assert response.content_type == "application/problem+json"
        problem = await response.json()
        assert problem["type"].endswith("/metrics-token")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "hub_" not in await response.text()
    # A query-string token is not accepted either: scrape URLs end up in logs.
    assert (await client.get("/metrics", params={"token": TOKEN})).status == 401
    after = await _scrape(client)
    refused = {"problem": "metrics-token", "status": "401"}
    assert value(after, "hub_rejects_total", **refused) == (
        value(before, "hub_rejects_total", **refused) + 4
    )


async def test_metrics_do_not_exist_without_the_token_setting(settings: Settings) -> None:
    app = create_app(dataclasses.replace(settings, metrics_token=None))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        response = await client.get("/metrics", headers=BEARER)

        assert response.status == 404
        assert response.content_type == "application/problem+json"
        assert (await response.json())["type"].endswith("/not-found")


async def test_a_scan_of_random_paths_adds_no_series(client: TestClient) -> None:
    unmatched = {"route": "unmatched", "status": "404"}
    # The registry is the process's own, so earlier tests' requests are counted in it too; and a
    # scrape is counted once it is answered, so this first one shows in the last.
    before = value(await _scrape(client), "hub_http_requests_total", **unmatched)
    for n in range(5):
        assert (await client.get(f"/no/such/path/{n}")).status == 404

    text = await _scrape(client)

    assert "/no/such" not in text
    assert value(text, "hub_http_requests_total", **unmatched) == before + 5
    assert label_values(text, "route") >= {"unmatched", "/metrics"}
