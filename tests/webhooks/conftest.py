"""Webhook receivers on loopback, an injectable clock for the delivery worker, and helpers."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import orjson
import pytest
from aiohttp import web

from hub.app import create_app
from hub.clock import CLOCK
from hub.feeds.webhooks.resources import WEBHOOK_RESOLVER
from hub.settings import Settings
from tests.conftest import example


class FakeClock:
    """The worker's scheduling clock; tests move it on instead of waiting."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = max(self.now, moment)

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Receiver:
    """An HTTP receiver on a fixed loopback port that can fail in each way a real one does."""

    def __init__(self) -> None:
        self.mode = "ok"  # ok | error (500) | slow (never answers in time) | redirect
        self.redirect_to = ""
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.failed_attempts = 0
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        if self.mode == "error":
            self.failed_attempts += 1
            return web.Response(status=500, text="receiver is down: internal detail")
        if self.mode == "slow":
            self.failed_attempts += 1
            await asyncio.sleep(30)  # the stall is the point: the worker's timeout must end it
        if self.mode == "redirect":
            self.failed_attempts += 1
            raise web.HTTPFound(self.redirect_to)
        self.received.append((dict(request.headers), body))
        return web.Response(status=204)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hooks", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()

    async def stop(self) -> None:
        """Closed: the next attempt meets connection refused."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def payloads(self) -> list[dict[str, Any]]:
        return [orjson.loads(body) for _, body in self.received]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def names() -> dict[str, list[str]]:
    """What the injected resolver answers, per host name; tests change it while running."""
    return {}


@pytest.fixture
async def app(settings: Settings, clock: FakeClock, names: dict[str, list[str]]) -> web.Application:
    app = create_app(settings)
    app[CLOCK] = clock

    async def resolve(host: str, port: int) -> list[str]:
        if host not in names:
            raise OSError(f"no test name {host}")
        return list(names[host])

    app[WEBHOOK_RESOLVER] = resolve
    return app


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    await receiver.start()
    yield receiver
    await receiver.stop()


async def subscription_row(db: asyncpg.Connection, subscription_id: str) -> asyncpg.Record:
    return await db.fetchrow("SELECT * FROM subscriptions WHERE id = $1", subscription_id)


def filed(complaint_id: str | None = None, *, platform: str = "taobao") -> dict[str, Any]:
    """A bureau filing in Hangzhou (330106) against `platform`."""
    document = example(
        "complaint.filed",
        event_id=str(uuid.uuid4()),
        complaint_id=complaint_id or f"bureau.hz:HZ12315-{uuid.uuid4().hex[:16]}",
    )
    data = dict(document["data"])  # type: ignore[arg-type]
    data["respondent"] = {**data["respondent"], "platform": platform}
    document["data"] = data
    return document
