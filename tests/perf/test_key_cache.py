"""Keys authenticated from memory (hub/trust/keys.py): a known key costs no database read, and
every change to keys or participants, by whatever path, applies to the next requests."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import asyncpg
from aiohttp import web

from hub.sdk.client import HubClient
from hub.store.notifications import APPLICATION_NAME
from hub.trust.keys import CachedParticipants
from hub.trust.resources import PARTICIPANTS

COMPLAINTS = "/v1/complaints?limit=1"


def _keys(app: web.Application) -> CachedParticipants:
    store = app[PARTICIPANTS]
    assert isinstance(store, CachedParticipants)
    return store


async def _status_within(client: HubClient, status: int, seconds: float) -> float:
    """Seconds until a signed request is answered with `status` (fails after `seconds`)."""
    started = time.monotonic()
    while True:
        response = await client.request("GET", COMPLAINTS)
        if response.status == status:
            return time.monotonic() - started
        assert time.monotonic() - started < seconds, (response.status, response.body)
        await asyncio.sleep(0.005)


async def test_a_known_key_is_authenticated_without_reading_the_database(
    app: web.Application, enrol: Any
) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    keys = _keys(app)
    assert keys.listening
    # The enrolment's own notices may still be on their way, each dropping the memory once.
    await asyncio.sleep(0.3)
    assert (await bureau.request("GET", COMPLAINTS)).status == 200
    reads, hits = keys.reads, keys.hits
    for _ in range(5):
        assert (await bureau.request("GET", COMPLAINTS)).status == 200
    assert (keys.reads, keys.hits) == (reads, hits + 5)


async def test_a_key_revoked_in_plain_sql_is_refused_within_the_notice(
    app: web.Application, enrol: Any, db: asyncpg.Connection
) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    assert (await bureau.request("GET", COMPLAINTS)).status == 200  # now in memory
    await db.execute("UPDATE participant_keys SET revoked_at = now() WHERE kid = $1", bureau.kid)
    assert await _status_within(bureau, 401, seconds=2) < 2


async def test_a_participant_disabled_through_the_store_is_refused_at_once(
    app: web.Application, enrol: Any
) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    assert (await bureau.request("GET", COMPLAINTS)).status == 200
    await app[PARTICIPANTS].disable("bureau.hz")
    assert (await bureau.request("GET", COMPLAINTS)).status == 403


async def test_while_the_listener_is_down_every_lookup_reads_the_database(
    app: web.Application, enrol: Any, db: asyncpg.Connection
) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    keys = _keys(app)
    assert (await bureau.request("GET", COMPLAINTS)).status == 200
    # The process's one LISTEN connection, which the key cache shares with the feed.
    killed = await db.fetchval(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
        " WHERE datname = current_database() AND application_name = $1",
        APPLICATION_NAME,
    )
    assert killed == 1
    deadline = time.monotonic() + 2
    while keys.listening:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.005)
    # No notice can arrive now; the change must still apply to the very next request.
    await db.execute("UPDATE participant_keys SET revoked_at = now() WHERE kid = $1", bureau.kid)
    assert (await bureau.request("GET", COMPLAINTS)).status == 401
    deadline = time.monotonic() + 5
    while not keys.listening:  # and it comes back
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)
