"""Signed events over HTTP on both sides of a month boundary: each month's events land in their
own partition, feed positions stay dense across it, and a retry after the month changed gets the
receipt of the first time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from aiohttp import web

from hub.settings import Settings
from hub.store.complaints import ComplaintStore
from hub.store.resources import POOL
from tests.api._lifecycle import Cast, event, new_complaint_id, prepare, step_event, step_sender
from tests.clocks import MovableClock, app_on_clock

LAST_MINUTE_OF_JANUARY = datetime(2026, 1, 31, 23, 59, 30, tzinfo=UTC)
FIRST_MINUTE_OF_FEBRUARY = datetime(2026, 2, 1, 0, 0, 15, tzinfo=UTC)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(LAST_MINUTE_OF_JANUARY)


@pytest.fixture
async def app(settings: Settings, clock: MovableClock) -> web.Application:
    return app_on_clock(settings, clock)


@pytest.fixture
def cast(enrol: Any) -> Cast:
    return Cast(enrol)


async def test_events_across_a_month_boundary_keep_dense_positions_and_their_receipts(
    app: web.Application, client: Any, cast: Cast, clock: MovableClock, db: asyncpg.Connection
) -> None:
    # The partitions worker ran at start-up, by the hub's clock: January and three ahead.
    months = {
        r["relname"]
        for r in await db.fetch(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = 'events'::regclass"
        )
    }
    assert {"events_2026_01", "events_2026_02", "events_2026_03", "events_2026_04"} <= months

    january = await prepare(cast, "bureau", 3)
    clock.now = FIRST_MINUTE_OF_FEBRUARY
    bureau = await cast("bureau")
    # The same case goes on in February ...
    for version in (4, 5):
        sender = await cast(step_sender("bureau", version))
        await sender.post_event(step_event("bureau", version, january.complaint_id))
    # ... a new one is filed, and a batch (COPY) files two more.
    february = await prepare(cast, "bureau", 1)
    batch = await bureau.send_batch(
        [event("complaint.filed", new_complaint_id(), 1) for _ in range(2)]
    )
    assert [item["outcome"] for item in batch] == ["accepted", "accepted"]
    # A chain read counts the complaints the batch's one signed message reached, in its month.
    (filed,) = await ComplaintStore(app[POOL]).chain(batch[0]["complaint_id"])
    assert filed.evidence_complaints == 2

    rows = await db.fetch(
        "SELECT position, complaint_id, version, tableoid::regclass::text AS month FROM events"
        " ORDER BY position"
    )
    assert [r["position"] for r in rows] == list(range(1, 9))
    assert [r["month"] for r in rows] == ["events_2026_01"] * 3 + ["events_2026_02"] * 5
    keys = await db.fetch("SELECT position, complaint_id, version FROM event_keys ORDER BY 1")
    assert [tuple(k) for k in keys] == [
        (r["position"], r["complaint_id"], r["version"]) for r in rows
    ]
    assert await db.fetchval("SELECT count(*) FROM events_default") == 0

    # The feed runs across the boundary without a gap, page by page.
    seen: list[int] = []
    after = 0
    while True:
        page = await bureau.get_feed(after=after, limit=2)
        seen.extend(item["position"] for item in page["items"])
        for item in page["items"]:
            await bureau.verify_feed_item(item)
        if not page["items"]:
            break
        after = page["next"]
    assert seen == list(range(1, 9))

    # A retry of January's filing, in February, is answered with its first receipt.
    first_sent, first_answer = january.events[0], january.answers[0]
    response = await bureau.request("POST", "/v1/events", json=first_sent)
    assert response.status == 200
    retried = response.json()
    assert retried["receipt"] == first_answer["receipt"]
    assert retried["position"] == 1
    # So is a retry of February's, and nothing new was stored.
    again = await bureau.request("POST", "/v1/events", json=february.events[0])
    assert again.status == 200
    assert again.json()["receipt"] == february.answers[0]["receipt"]
    assert await db.fetchval("SELECT count(*) FROM events") == 8
