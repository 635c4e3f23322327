"""An event id whose event was detached to the archive stays taken: its key is in event_keys
while its row is no longer in `events`. Sending it again, for another complaint, must be refused
as a reused id (409) for that item alone, not fail the whole group it was committed with."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from tests.api._lifecycle import Cast, event, new_complaint_id

DETACHED_ID = "0f8d3b1e-5c2a-4e7f-9a6b-3d2c1b0a9f8e"


@pytest.fixture
def cast(enrol: Any) -> Cast:
    return Cast(enrol)


async def test_an_id_of_a_detached_event_is_refused_alone(
    client: Any, cast: Cast, db: asyncpg.Connection
) -> None:
    # What a detached month leaves behind: the key, no row (as `retention detach` leaves it).
    await db.execute(
        "INSERT INTO event_keys (event_id, complaint_id, version, position, accepted_at)"
        " VALUES ($2, 'bureau.hz:HZ12315-old', 1, 1000000, $1)",
        datetime(2022, 3, 1, tzinfo=UTC),
        DETACHED_ID,
    )
    bureau = await cast("bureau")
    reused = event("complaint.filed", new_complaint_id(), 1)
    reused["event_id"] = DETACHED_ID
    fresh = event("complaint.filed", new_complaint_id(), 1)
    answers = await asyncio.gather(
        bureau.request("POST", "/v1/events", json=reused),
        bureau.request("POST", "/v1/events", json=fresh),
    )
    assert [a.status for a in answers] == [409, 201]
