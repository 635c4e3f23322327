"""Nonces claimed in batches (hub/trust/nonces.py): concurrent requests share one statement, and
a replay is refused exactly as one request at a time, also inside one batch."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
from aiohttp import web
from aiohttp.test_utils import TestClient

from hub.sdk.client import HubClient
from hub.store.nonce_claims import claim_many
from hub.trust.nonces import BatchedNonces
from hub.trust.resources import NONCES
from tests.waiting import eventually

COMPLAINTS = "/v1/complaints?limit=1"


def _nonces(app: web.Application) -> BatchedNonces:
    nonces = app[NONCES]
    assert isinstance(nonces, BatchedNonces)
    return nonces


async def test_concurrent_requests_share_nonce_statements(
    app: web.Application, enrol: Any, db: asyncpg.Connection
) -> None:
    bureau: HubClient = await enrol("bureau.hz", "bureau", regions=("330100",))
    before = _nonces(app).statements
    responses = await asyncio.gather(*(bureau.request("GET", COMPLAINTS) for _ in range(40)))
    assert [r.status for r in responses] == [200] * 40
    assert _nonces(app).statements - before < 40
    stored = await db.fetchval("SELECT count(*) FROM request_nonces WHERE kid = $1", bureau.kid)
    assert stored == 40


async def test_the_same_signed_request_sent_twice_at_once_is_accepted_once(
    app: web.Application, client: TestClient, enrol: Any
) -> None:
    bureau: HubClient = await enrol("bureau.hz", "bureau", regions=("330100",))
    for _ in range(3):
        headers = bureau.signed_headers("GET", COMPLAINTS, None)
        responses = await asyncio.gather(
            *(client.get(COMPLAINTS, headers=headers) for _ in range(4))
        )
        # Whichever arrived first was accepted; every copy of it is a replay, in its batch or not.
        assert sorted(response.status for response in responses) == [200, 401, 401, 401]
        for response in responses:
            if response.status == 401:
                assert (await response.json())["type"].endswith("/signature-replayed")
    replayed = await client.get(COMPLAINTS, headers=headers)
    assert replayed.status == 401


async def _wal_syncs(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT wal_sync FROM pg_stat_wal"))
    finally:
        await conn.close()


async def test_nonce_claims_do_not_wait_for_a_wal_flush_each(
    database_url: str, db: asyncpg.Connection
) -> None:
    before = await _wal_syncs(database_url)
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
    assert pool is not None
    async with pool.acquire() as conn:
        claimer = conn.get_server_pid()
    for number in range(30):  # one at a time: thirty statements, thirty commits
        assert await claim_many(pool, [("k1", f"nonce-{number}")], 300) == {
            ("k1", f"nonce-{number}")
        }
    await pool.close()

    async def exited() -> bool:
        found = await db.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", claimer)
        return not found

    # A backend reports its statistics as it exits, before it leaves pg_stat_activity.
    await eventually(exited)
    # A synchronous commit per claim would flush thirty times; the WAL writer's own flushes
    # (every 200 ms) may add a few.
    assert await _wal_syncs(database_url) - before < 15
