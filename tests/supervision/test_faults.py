"""Faults injected into a running hub: each fails alone, is reported, and the hub recovers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from structlog.testing import capture_logs

from hub.app import create_app
from hub.clock import CLOCK
from hub.sdk.client import HubError
from hub.settings import Settings
from hub.supervisor import SUPERVISOR
from hub.trust import resources as trust_resources
from tests.clocks import MovableClock, app_on_clock
from tests.conftest import example
from tests.waiting import eventually


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
async def app(settings: Settings, clock: MovableClock) -> web.Application:
    return app_on_clock(settings, clock)


def filing() -> dict[str, Any]:
    return example("complaint.filed", complaint_id=f"bureau.hz:HZ12315-{uuid.uuid4().hex[:16]}")


async def test_a_group_that_cannot_be_sealed_fails_with_503_and_the_writer_goes_on(
    app: web.Application, enrol: Any, clock: MovableClock, db: asyncpg.Connection
) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    # Before the hub key's activation: sealing raises "no hub key is active yet".
    clock.now -= timedelta(days=1)
    with pytest.raises(HubError) as refused:
        await bureau.post_event(filing())
    assert refused.value.status == 503
    assert refused.value.problem["type"].endswith("/service-unavailable")
    assert await db.fetchval("SELECT count(*) FROM events") == 0

    clock.now += timedelta(days=1)
    accepted = await bureau.post_event(filing())
    assert accepted["position"] == 1
    assert app[SUPERVISOR].failing() == []


async def test_readiness_names_a_task_that_keeps_failing_and_recovers_with_it(
    settings: Settings, clock: MovableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trust_resources, "_KEY_REFRESH_S", 0.02)
    app = create_app(settings)
    app[CLOCK] = clock
    key_file = Path(settings.data_dir) / "hub-key.pem"
    async with TestClient(_server(app)) as client:
        assert (await client.get("/readyz")).status == 200
        hidden = key_file.with_suffix(".away")
        key_file.rename(hidden)

        async def names_the_refresh() -> bool:
            response = await client.get("/readyz")
            return response.status == 503 and "hub-key-refresh" in (await response.json())["detail"]

        await eventually(names_the_refresh)
        hidden.rename(key_file)

        async def ready() -> bool:
            return (await client.get("/readyz")).status == 200

        await eventually(ready)


def _server(app: web.Application) -> Any:
    from aiohttp.test_utils import TestServer

    return TestServer(app, host="127.0.0.1")


async def test_the_pull_poller_outlives_a_database_outage(
    settings: Settings, server_url: str, database_url: str, enrol_pdd: Any
) -> None:
    """The poller's crash handler itself fails while the database is away; the poller goes on
    and succeeds again once the database is back, without a restart."""
    app, sim_server, pdd_key = enrol_pdd
    name = urlsplit(database_url).path.lstrip("/")
    admin = await asyncpg.connect(server_url)
    states_url = database_url
    try:
        async with TestClient(_server(app)) as client:
            await _register_pinduoduo(app, pdd_key)

            async def polled_once() -> bool:
                return bool(await _last_success(states_url))

            await eventually(polled_once)
            # The outage: no connection to the hub's database is possible.
            with capture_logs() as logs:
                await admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
                await admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                    name,
                )

                def crashes_not_recorded() -> int:
                    return sum(line["event"] == "sync_crash_not_recorded" for line in logs)

                # Twice: the poller went on polling after its crash handler failed.
                await eventually(lambda: crashes_not_recorded() >= 2)
            assert app[SUPERVISOR].is_running("pull-sync:pinduoduo")
            assert (await client.get("/readyz")).status == 503
            outage_over = datetime.now(UTC)
            await admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")

            async def polled_after_the_outage() -> bool:
                last = await _last_success(states_url)
                return last is not None and last > outage_over

            await eventually(polled_after_the_outage, timeout_s=20)
            assert (await client.get("/readyz")).status == 200
    finally:
        await admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
        await admin.close()
        await sim_server.close()


async def _last_success(database_url: str) -> datetime | None:
    conn = await asyncpg.connect(database_url)
    try:
        value: datetime | None = await conn.fetchval(
            "SELECT last_success_at FROM sync_state WHERE platform = 'pinduoduo'"
        )
        return value
    finally:
        await conn.close()


PDD = "platform.pinduoduo"
PDD_KID = "pdd-gateway-2026"


@pytest.fixture
async def enrol_pdd(settings: Settings) -> Any:
    """A hub polling a simulated Pinduoduo gateway every few hundredths of a second."""
    import json

    from aiohttp.test_utils import TestServer

    from hub.clock import system_clock
    from hub.crypto.keys import generate_private_key
    from hub.demo.simulators.pinduoduo import PATH, PinduoduoSimulator

    key = generate_private_key()
    sim = PinduoduoSimulator(key, PDD_KID, clock=system_clock)
    server = TestServer(sim.app(), host="127.0.0.1")
    await server.start_server()
    config = {
        "pinduoduo": {
            "base_url": str(server.make_url(PATH)),
            "participant": PDD,
            "interval_s": 0.05,
            "max_backoff_s": 0.2,
            "overlap_s": 60,
            "initial_lookback_s": 3600,
        }
    }
    (settings.data_dir / "platforms.json").write_text(json.dumps(config))
    app = create_app(settings)
    return app, server, key


async def _register_pinduoduo(app: web.Application, key: Any) -> None:
    from hub.crypto.keys import public_key_raw
    from hub.store.participants import Participant
    from hub.trust.resources import PARTICIPANTS

    store = app[PARTICIPANTS]
    await store.add(Participant(PDD, "Pinduoduo", "platform", "pinduoduo", (), None, True))
    await store.add_key(PDD, PDD_KID, public_key_raw(key.public_key()))
