"""Webhook deliveries by outcome and endpoint state, and feed clients connected now."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from hub.settings import Settings
from tests.api._lifecycle import Enrol
from tests.feeds._sse import sse_frames
from tests.metrics._scrape import BEARER, TOKEN, value
from tests.waiting import eventually
from tests.webhooks.conftest import Receiver, filed


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, metrics_token=TOKEN)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    await receiver.start()
    yield receiver
    await receiver.stop()


async def _scrape(client: TestClient) -> str:
    response = await client.get("/metrics", headers=BEARER)
    assert response.status == 200
    return await response.text()


async def test_webhook_deliveries_are_counted_by_outcome_and_endpoint_state(
    client: TestClient, enrol: Enrol, receiver: Receiver, db: asyncpg.Connection
) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    created = await bureau.call("POST", "/v1/subscriptions", json={"url": receiver.url})
    before = await _scrape(client)

    await bureau.post_event(filed())
    await eventually(lambda: len(receiver.received) == 1)
    receiver.mode = "error"
    await bureau.post_event(filed())
    await eventually(lambda: receiver.failed_attempts >= 1)
    await eventually(
        lambda: db.fetchval("SELECT attempts > 0 FROM subscriptions WHERE id = $1", created["id"])
    )

    after = await _scrape(client)
    delivered = {"outcome": "delivered", "state": "active"}
    failed = {"outcome": "http_5xx", "state": "retrying"}
    name = "hub_webhook_deliveries_total"
    assert value(after, name, **delivered) == value(before, name, **delivered) + 1
    assert value(after, name, **failed) == value(before, name, **failed) + 1
    # Never the receiver's answer, the URL or the subscription's id.
    assert "internal detail" not in after
    assert str(created["id"]) not in after
    assert str(receiver.port) not in after


async def test_a_waiting_long_poll_is_a_feed_client_until_it_returns(
    client: TestClient, enrol: Enrol
) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    kind = {"kind": "long_poll"}
    at_rest = value(await _scrape(client), "hub_feed_clients", **kind)

    waiting = asyncio.create_task(bureau.get_feed(after=0, wait=30))
    await eventually(
        lambda: _feed_clients(client, kind, at_rest + 1),
    )
    await bureau.post_event(filed(f"bureau.hz:HZ12315-{uuid.uuid4().hex[:16]}"))
    page = await waiting

    assert len(page["items"]) == 1
    assert value(await _scrape(client), "hub_feed_clients", **kind) == at_rest


async def _feed_clients(client: TestClient, labels: dict[str, str], expected: float) -> bool:
    return value(await _scrape(client), "hub_feed_clients", **labels) == expected


async def test_an_open_sse_stream_is_a_feed_client_until_it_closes(
    client: TestClient, enrol: Enrol
) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    kind = {"kind": "sse"}
    at_rest = value(await _scrape(client), "hub_feed_clients", **kind)
    frames = sse_frames(bureau, client.session)

    opened = await anext(frames)  # the ": open" comment: the stream is being served

    assert opened.comment == "open"
    assert value(await _scrape(client), "hub_feed_clients", **kind) == at_rest + 1
    await frames.aclose()
    await eventually(lambda: _feed_clients(client, kind, at_rest))
