"""Faults under load, each bounded in time, each printing what it counted.

- one of two hub processes is killed with SIGKILL while writers send through both;
- the PostgreSQL server is stopped and started again while writers send;
- a webhook receiver hangs (accepts, never answers) while events keep arriving.

For everything the hub acknowledged: lost = 0, duplicated = 0, and a retry with the same
`event_id` gets the very same receipt.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import asyncpg
import orjson
import pytest
from aiohttp import web

from hub.sdk.client import HubClient
from hub.store.migrate import migrate
from tests.chaos._load import (
    BUREAU_KID,
    Ledger,
    Tally,
    enrol_bureau,
    hub_processes,
    tally,
    writer,
)
from tests.waiting import eventually

pytestmark = [pytest.mark.slow, pytest.mark.chaos]

WRITERS = 16
EVENTS_PER_WRITER = 40
# The whole run of one fault must finish within this; it takes far less on a quiet machine.
RUN_DEADLINE_S = 150
# How many events are acknowledged before the fault is injected.
BEFORE_FAULT = 120


def _report(capsys: pytest.CaptureFixture[str], line: str) -> None:
    with capsys.disabled():
        print("\n" + line)


def _assert_nothing_lost(result: Tally) -> None:
    assert result.lost == 0, result
    assert result.duplicated == 0, result
    assert result.receipts_changed == 0, result
    assert result.stored == result.acknowledged, result


async def _acknowledged_at_least(ledger: Ledger, count: int, timeout_s: float = 60) -> None:
    await eventually(lambda: len(ledger.receipts) >= count, timeout_s=timeout_s)


def _env(database_url: str, data_dir: Path) -> dict[str, str]:
    return {
        "COMPLAINT_HUB_DATABASE_URL": database_url,
        "COMPLAINT_HUB_DATA_DIR": str(data_dir),
        "COMPLAINT_HUB_LOG_LEVEL": "WARNING",
        # The examples are dated in the past: a sweep would append breaches to the writers'
        # cases mid-run (stale versions, extra positions) if a slow run outlived its interval.
        "COMPLAINT_HUB_SWEEP_INTERVAL_S": "86400",
        "COMPLAINT_HUB_POOL_SIZE": "8",
        "COMPLAINT_HUB_WEBHOOK_ALLOW_PRIVATE": "true",
    }


# -- kill -9 of one of two hub processes -------------------------------------------------------


async def test_kill_9_of_one_of_two_hubs_under_load_loses_and_duplicates_nothing(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = await enrol_bureau(database_url)
    logs = [tmp_path / "hub-a.log", tmp_path / "hub-b.log"]
    with hub_processes(_env(database_url, tmp_path), logs) as (doomed, survivor):
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as session:
            to_doomed = HubClient(doomed.url, BUREAU_KID, key, session=session)
            to_survivor = HubClient(survivor.url, BUREAU_KID, key, session=session)
            ledger = Ledger()
            deadline = asyncio.get_running_loop().time() + RUN_DEADLINE_S
            writers = [
                asyncio.create_task(
                    writer(
                        [to_doomed, to_survivor] if index % 2 else [to_survivor, to_doomed],
                        ledger,
                        deadline,
                        EVENTS_PER_WRITER,
                    )
                )
                for index in range(WRITERS)
            ]
            await _acknowledged_at_least(ledger, BEFORE_FAULT)
            await asyncio.to_thread(doomed.kill)
            killed_at = len(ledger.receipts)
            await asyncio.gather(*writers)
            result = await tally(database_url, ledger, [to_survivor])
    _report(
        capsys,
        result.line("kill -9 one of two hubs")
        + f" killed_after={killed_at} attempts={ledger.attempts}"
        + f" retries_answered_200={ledger.retries_answered_200} failures={ledger.failures}",
    )
    _assert_nothing_lost(result)
    assert result.sent == result.acknowledged == WRITERS * EVENTS_PER_WRITER, result
    assert killed_at < result.acknowledged  # the fault came while the load was running


# -- PostgreSQL stopped and started again -----------------------------------------------------


@pytest.fixture
async def own_postgres() -> AsyncIterator[tuple[object, str]]:
    """An embedded PostgreSQL of this test's own, which it may stop and start."""
    from hub.store.embedded import start_embedded

    data_dir = Path(tempfile.mkdtemp(prefix="chcs", dir="/tmp"))
    server, url = await asyncio.to_thread(start_embedded, data_dir)
    try:
        yield server, url
    finally:
        await asyncio.to_thread(server.cleanup)
        shutil.rmtree(data_dir, ignore_errors=True)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _stop(server: object) -> None:
    from pgserver._commands import pg_ctl  # type: ignore[attr-defined]

    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)  # type: ignore[attr-defined]


def _start(server: object) -> None:
    server.ensure_postgres_running()  # type: ignore[attr-defined]


async def test_postgres_stopped_and_restarted_under_load_loses_and_duplicates_nothing(
    own_postgres: tuple[object, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server, server_url = own_postgres
    name = "chaos_" + uuid.uuid4().hex[:10]
    admin = await asyncpg.connect(server_url)
    await admin.execute(f"CREATE DATABASE {name}")
    await admin.close()
    database_url = _with_database(server_url, name)
    conn = await asyncpg.connect(database_url)
    await migrate(conn)
    await conn.close()
    key = await enrol_bureau(database_url)
    with hub_processes(_env(database_url, tmp_path), [tmp_path / "hub.log"]) as (hub,):
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as session:
            client = HubClient(hub.url, BUREAU_KID, key, session=session)
            ledger = Ledger()
            deadline = asyncio.get_running_loop().time() + RUN_DEADLINE_S
            writers = [
                asyncio.create_task(writer([client], ledger, deadline, EVENTS_PER_WRITER))
                for _ in range(WRITERS)
            ]
            await _acknowledged_at_least(ledger, BEFORE_FAULT)
            await asyncio.to_thread(_stop, server)
            stopped_at = len(ledger.receipts)
            # The outage is the fault under test: the writers keep sending through all of it.
            await asyncio.sleep(3)
            during_outage = len(ledger.receipts) - stopped_at
            await asyncio.to_thread(_start, server)
            await asyncio.gather(*writers)
            result = await tally(database_url, ledger, [client])
    _report(
        capsys,
        result.line("postgres stopped 3 s and restarted")
        + f" stopped_after={stopped_at} acknowledged_during_outage={during_outage}"
        + f" attempts={ledger.attempts} retries_answered_200={ledger.retries_answered_200}"
        + f" failures={ledger.failures}",
    )
    _assert_nothing_lost(result)
    assert during_outage == 0, "the hub acknowledged events while its database was down"
    # While the database is away every refusal is the 503 database-unavailable problem, never a
    # 500 (a stopped server's missing Unix socket once surfaced as an unhandled error).
    assert "http 500" not in ledger.failures, ledger.failures
    assert result.sent == result.acknowledged == WRITERS * EVENTS_PER_WRITER, result


# -- a webhook receiver that hangs ------------------------------------------------------------


class HangingReceiver:
    """Accepts deliveries; while `hanging`, never answers them."""

    def __init__(self) -> None:
        self.hanging = asyncio.Event()
        self.hung = 0
        self.received: list[tuple[str, Any]] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if self.hanging.is_set():
            self.hung += 1
            await asyncio.sleep(3600)  # the hang is the fault under test
        self.received.append((request.headers["webhook-id"], orjson.loads(body)))
        return web.Response(status=204)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hooks", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/hooks"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


async def test_a_hanging_webhook_receiver_delays_but_loses_no_delivery(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = await enrol_bureau(database_url)
    receiver = HangingReceiver()
    await receiver.start()
    try:
        with hub_processes(_env(database_url, tmp_path), [tmp_path / "hub.log"]) as (hub,):
            async with aiohttp.ClientSession() as session:
                client = HubClient(hub.url, BUREAU_KID, key, session=session)
                await client.call("POST", "/v1/subscriptions", json={"url": receiver.url})
                receiver.hanging.set()
                ledger = Ledger()
                deadline = asyncio.get_running_loop().time() + RUN_DEADLINE_S
                # While the receiver hangs, the hub goes on acknowledging events.
                async with asyncio.timeout(60):
                    await asyncio.gather(
                        *(writer([client], ledger, deadline, 10) for _ in range(8))
                    )
                acknowledged_while_hanging = len(ledger.receipts)
                hung = receiver.hung
                receiver.hanging.clear()
                # The hub's delivery timeout (10 s) and first backoff (5 s) pass, then all arrive.
                await eventually(
                    lambda: len({wid for wid, _ in receiver.received}) >= len(ledger.receipts),
                    timeout_s=90,
                )
                result = await tally(database_url, ledger, [client])
    finally:
        await receiver.stop()
    delivered_ids = {payload["data"]["event"]["event_id"] for _, payload in receiver.received}
    webhook_ids = [wid for wid, _ in receiver.received]
    duplicated = len(webhook_ids) - len(set(webhook_ids))
    _report(
        capsys,
        result.line("webhook receiver hanging")
        + f" acknowledged_while_hanging={acknowledged_while_hanging} hung_attempts={hung}"
        + f" delivered={len(set(webhook_ids))} delivered_twice={duplicated}",
    )
    _assert_nothing_lost(result)
    assert hung >= 1
    assert acknowledged_while_hanging == 8 * 10
    assert len(set(webhook_ids)) == result.acknowledged
    assert duplicated == 0
    assert delivered_ids == set(ledger.receipts)  # each acknowledged event, by its payload
