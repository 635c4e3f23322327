"""A platform gateway that hangs: its poller times out and backs off, everything else goes on,
and once the gateway answers again the poller catches up without a restart."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from hub.app import create_app
from hub.clock import system_clock
from hub.crypto.keys import generate_private_key, public_key_raw
from hub.demo.simulators.pinduoduo import PATH, PinduoduoSimulator
from hub.settings import Settings
from hub.store.participants import Participant
from hub.supervisor import SUPERVISOR
from hub.trust.resources import PARTICIPANTS
from tests.conftest import example
from tests.waiting import eventually

pytestmark = pytest.mark.chaos

PDD = "platform.pinduoduo"
PDD_KID = "pdd-gateway-2026"
FILINGS = 40


def hanging(gate: asyncio.Event) -> Callable[..., Awaitable[web.StreamResponse]]:
    @web.middleware
    async def middleware(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        await gate.wait()  # while the gate is shut, the gateway never answers
        return await handler(request)

    return middleware


async def sync_state(database_url: str) -> asyncpg.Record | None:
    conn = await asyncpg.connect(database_url)
    try:
        row: asyncpg.Record | None = await conn.fetchrow(
            "SELECT last_success_at, consecutive_failures, last_error FROM sync_state"
            " WHERE platform = 'pinduoduo'"
        )
        return row
    finally:
        await conn.close()


async def test_a_hanging_gateway_delays_only_its_own_poller(
    settings: Settings, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    gate = asyncio.Event()
    gateway_key = generate_private_key()
    simulator = PinduoduoSimulator(gateway_key, PDD_KID, clock=system_clock)
    gateway_app = simulator.app()
    gateway_app.middlewares.append(hanging(gate))
    gateway = TestServer(gateway_app, host="127.0.0.1")
    await gateway.start_server()
    config = {
        "pinduoduo": {
            "base_url": str(gateway.make_url(PATH)),
            "participant": PDD,
            "interval_s": 0.05,
            "max_backoff_s": 0.5,
            "timeout_s": 0.5,
            "overlap_s": 60,
            "initial_lookback_s": 3600,
        }
    }
    (settings.data_dir / "platforms.json").write_text(json.dumps(config))
    app = create_app(settings)
    try:
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            participants = app[PARTICIPANTS]
            await participants.add(
                Participant(PDD, "Pinduoduo", "platform", "pinduoduo", (), None, True)
            )
            await participants.add_key(PDD, PDD_KID, public_key_raw(gateway_key.public_key()))
            bureau = await _enrol_bureau(app, client)

            async def timing_out() -> bool:
                state = await sync_state(database_url)
                return state is not None and state["consecutive_failures"] >= 2

            await eventually(timing_out, timeout_s=20)
            # Meanwhile the hub serves everyone else as usual.
            filed = await asyncio.gather(
                *(
                    bureau.post_event(
                        example(
                            "complaint.filed",
                            event_id=str(uuid.uuid4()),
                            complaint_id=f"bureau.hz:CHAOS-{uuid.uuid4().hex[:12]}",
                        )
                    )
                    for _ in range(FILINGS)
                )
            )
            stored = await _count_events(database_url)
            assert app[SUPERVISOR].is_running("pull-sync:pinduoduo")
            released_at = datetime.now(UTC)
            gate.set()

            async def caught_up() -> bool:
                state = await sync_state(database_url)
                return (
                    state is not None
                    and state["last_success_at"] is not None
                    and state["last_success_at"] > released_at
                )

            await eventually(caught_up, timeout_s=20)
            with capsys.disabled():
                print(
                    f"\nchaos hanging platform gateway: sent={FILINGS} acknowledged={len(filed)}"
                    f" stored={stored} duplicated={stored - len(filed)}"
                    f" lost={len(filed) - stored} poller=caught-up"
                )
            assert len(filed) == stored == FILINGS
    finally:
        gate.set()
        await gateway.close()


async def _enrol_bureau(app: web.Application, client: TestClient) -> Any:
    from hub.sdk.client import HubClient

    key = generate_private_key()
    participants = app[PARTICIPANTS]
    await participants.add(
        Participant("bureau.hz", "Hangzhou AMR", "bureau", None, ("330100",), None, True)
    )
    await participants.add_key("bureau.hz", "bureau-chaos", public_key_raw(key.public_key()))
    return HubClient(
        str(client.make_url("")).rstrip("/"), "bureau-chaos", key, session=client.session
    )


async def _count_events(database_url: str) -> int:
    conn = await asyncpg.connect(database_url)
    try:
        count: int = await conn.fetchval("SELECT count(*) FROM events")
        return count
    finally:
        await conn.close()
