"""The partitions worker runs in the hub: events that fell into the default partition, and the
months they block, are on /metrics after its next pass."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime, time
from typing import Any

import asyncpg
import pytest
from aiohttp import web

from hub.retention.partitions import PARTITION_KEEPER
from hub.settings import Settings
from hub.store.partitions import add_months, attached_months
from tests.clocks import MovableClock, app_on_clock
from tests.metrics._scrape import BEARER, TOKEN, value


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, metrics_token=TOKEN)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
async def app(settings: Settings, clock: MovableClock) -> web.Application:
    return app_on_clock(settings, clock)


async def test_rows_in_the_default_partition_and_blocked_months_are_reported(
    app: web.Application, client: Any, clock: MovableClock, db: asyncpg.Connection
) -> None:
    scraped = await (await client.get("/metrics", headers=BEARER)).text()
    assert value(scraped, "hub_events_default_partition_rows") == 0
    assert value(scraped, "hub_event_partitions_blocked") == 0

    # An event of a month after every attached one, so no partition covers it, lands in the
    # default.
    beyond = add_months(max(await attached_months(db)), 1)
    stray = datetime.combine(beyond.replace(day=15), time(10, 0), UTC)
    body = b"{}"
    await db.execute(
        "INSERT INTO events (position, event_id, complaint_id, version, type, actor,"
        " occurred_at, accepted_at, body, event_sha256)"
        " VALUES (1, 'stray', 'bureau.hz:S-1', 1, 'case.note_added', 'bureau.hz', $1, $1, $2, $3)",
        stray,
        body,
        hashlib.sha256(body).digest(),
    )
    clock.now = stray  # the hub reaches that month
    report = await app[PARTITION_KEEPER].once()
    assert report.blocked == [datetime(stray.year, stray.month, 1).date()]
    scraped = await (await client.get("/metrics", headers=BEARER)).text()
    assert value(scraped, "hub_events_default_partition_rows") == 1
    assert value(scraped, "hub_event_partitions_blocked") == 1
