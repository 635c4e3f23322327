"""Pausing a platform's pull sync from /ops: the poller claims no lease and asks the gateway
nothing until it is resumed; the page shows it paused."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.app import create_app
from hub.clock import CLOCK
from hub.crypto.keys import generate_private_key, public_key_raw
from hub.demo.simulators.pinduoduo import PATH, PinduoduoSimulator
from hub.platforms.sync.resources import SYNC_AUTOSTART, SYNC_WORKERS
from hub.platforms.sync.worker import SyncWorker
from hub.settings import Settings
from hub.trust.resources import PARTICIPANTS
from tests.ops_page.conftest import login
from tests.platforms._sync import Clock

PDD = "platform.pinduoduo"
PDD_KID = "pdd-gateway-2026"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def pdd_key() -> Ed25519PrivateKey:
    return generate_private_key()


@pytest.fixture
def sim(pdd_key: Ed25519PrivateKey, clock: Clock) -> PinduoduoSimulator:
    return PinduoduoSimulator(pdd_key, PDD_KID, clock=clock)


@pytest.fixture
async def gateway(sim: PinduoduoSimulator) -> AsyncIterator[TestServer]:
    server = TestServer(sim.app(), host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


@pytest.fixture
async def app(settings: Settings, gateway: TestServer, clock: Clock) -> web.Application:
    config = {"pinduoduo": {"base_url": str(gateway.make_url(PATH)), "participant": PDD}}
    (settings.data_dir / "platforms.json").write_text(json.dumps(config))
    app = create_app(settings)
    app[CLOCK] = clock
    app[SYNC_AUTOSTART] = False
    return app


@pytest.fixture
async def worker(app: web.Application, enrol: Any, pdd_key: Ed25519PrivateKey) -> SyncWorker:
    await enrol(PDD, "platform", platform="pinduoduo")
    await app[PARTICIPANTS].add_key(PDD, PDD_KID, public_key_raw(pdd_key.public_key()))
    return app[SYNC_WORKERS]["pinduoduo"]


async def test_a_paused_platform_is_not_polled_until_resumed(
    client: TestClient,
    operator: str,
    worker: SyncWorker,
    sim: PinduoduoSimulator,
    clock: Clock,
    db: asyncpg.Connection,
) -> None:
    assert (await worker.poll_once()).leased
    asked = len(sim.queries)
    assert asked > 0
    csrf = await login(client)

    paused = await client.post("/ops/actions/sync/pinduoduo/pause", data={"csrf": csrf})
    assert paused.status == 200  # followed to /ops
    assert "/ops/actions/sync/pinduoduo/resume" in await paused.text()
    clock.advance(600)
    report = await worker.poll_once()
    assert not report.leased
    assert len(sim.queries) == asked
    assert await db.fetchval("SELECT paused FROM sync_state WHERE platform = 'pinduoduo'")
    picture = await (await client.get("/ops/state.json")).json()
    (sync,) = picture["sync"]
    assert (sync["state"], sync["participant"]) == ("paused", PDD)

    resumed = await client.post("/ops/actions/sync/pinduoduo/resume", data={"csrf": csrf})
    assert resumed.status == 200
    assert (await worker.poll_once()).leased
    assert len(sim.queries) > asked
    unknown = await client.post("/ops/actions/sync/nowhere/pause", data={"csrf": csrf})
    assert unknown.status == 404


async def test_a_failing_gateway_marks_its_platform_failing(
    client: TestClient, operator: str, worker: SyncWorker, sim: PinduoduoSimulator
) -> None:
    sim.signing = "wrong_key"
    assert (await worker.poll_once()).failed
    await login(client)
    picture = await (await client.get("/ops/state.json")).json()
    row = next(r for r in picture["participants"] if r["participant_id"] == PDD)
    assert row["status"] == "failing"
    assert row["sync"]["state"] == "failing"
    assert any("pull sync failing" in reason for reason in row["reasons"])
    sim.signing = "valid"
    assert not (await worker.poll_once()).failed
    picture = await (await client.get("/ops/state.json")).json()
    row = next(r for r in picture["participants"] if r["participant_id"] == PDD)
    assert (row["status"], row["sync"]["state"]) == ("ok", "ok")
