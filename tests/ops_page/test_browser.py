"""The ops page in a real headless Chromium (Debian's, driven by playwright; never a downloaded
browser): an operator logs in, sees the platform whose gateway fails marked failing, and
re-enables its disabled webhook endpoint through the page. Screenshots are kept as artefacts."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playwright.async_api import async_playwright, expect

from hub.app import create_app
from hub.clock import CLOCK
from hub.crypto.keys import generate_private_key, public_key_raw
from hub.demo.simulators.pinduoduo import PATH, PinduoduoSimulator
from hub.feeds.webhooks.resources import WEBHOOK_CLOCK, WEBHOOK_WORKER
from hub.platforms.sync.resources import SYNC_AUTOSTART, SYNC_WORKERS
from hub.platforms.sync.worker import SyncWorker
from hub.settings import Settings
from hub.trust.resources import PARTICIPANTS
from tests.conftest import needs_tool
from tests.ops_page.conftest import OPERATOR, PASSWORD
from tests.platforms._sync import Clock
from tests.stats.test_reports_page import ARTEFACTS, CHROMIUM_FLAGS
from tests.waiting import eventually
from tests.webhooks.conftest import FakeClock, Receiver, filed, subscription_row

PDD = "platform.pinduoduo"
PDD_KID = "pdd-gateway-2026"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def webhook_clock() -> FakeClock:
    """The delivery worker's own clock, moved a day on through the retries; the hub's stays."""
    return FakeClock()


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
async def receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    await receiver.start()
    yield receiver
    await receiver.stop()


@pytest.fixture
async def app(
    settings: Settings, gateway: TestServer, clock: Clock, webhook_clock: FakeClock
) -> web.Application:
    config = {"pinduoduo": {"base_url": str(gateway.make_url(PATH)), "participant": PDD}}
    (settings.data_dir / "platforms.json").write_text(json.dumps(config))
    app = create_app(settings)
    app[CLOCK] = clock
    app[WEBHOOK_CLOCK] = webhook_clock
    app[SYNC_AUTOSTART] = False
    return app


@pytest.fixture
async def worker(app: web.Application) -> SyncWorker:
    return app[SYNC_WORKERS]["pinduoduo"]


async def _disabled_endpoint(
    app: web.Application,
    enrol: Any,
    db: asyncpg.Connection,
    receiver: Receiver,
    webhook_clock: FakeClock,
) -> str:
    """Pinduoduo's endpoint, failing every retry until the worker disables it (about a day)."""
    app[WEBHOOK_WORKER].timeout_s = 0.5
    platform = await enrol(PDD, "platform", platform="pinduoduo")
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    created = await platform.call("POST", "/v1/subscriptions", json={"url": receiver.url})
    subscription_id = str(created["id"])
    receiver.mode = "error"
    await bureau.post_event(filed(platform="pinduoduo"))
    for attempt in range(1, 13):
        await eventually(_attempts_at_least(db, subscription_id, attempt))
        row = await subscription_row(db, subscription_id)
        if row["next_attempt_at"] is not None:
            webhook_clock.set(row["next_attempt_at"])
    await eventually(_state_is(db, subscription_id, "disabled"))
    return subscription_id


def _attempts_at_least(db: asyncpg.Connection, subscription_id: str, attempts: int) -> Any:
    async def check() -> bool:
        row = await subscription_row(db, subscription_id)
        return bool(row["attempts"] >= attempts or row["state"] == "disabled")

    return check


def _state_is(db: asyncpg.Connection, subscription_id: str, state: str) -> Any:
    async def check() -> bool:
        return bool((await subscription_row(db, subscription_id))["state"] == state)

    return check


async def test_an_operator_sees_a_failing_platform_and_re_enables_its_webhook_in_chromium(
    app: web.Application,
    client: TestClient,
    operator: str,
    enrol: Any,
    worker: SyncWorker,
    sim: PinduoduoSimulator,
    pdd_key: Ed25519PrivateKey,
    receiver: Receiver,
    webhook_clock: FakeClock,
    db: asyncpg.Connection,
) -> None:
    chromium = needs_tool("chromium")
    subscription_id = await _disabled_endpoint(app, enrol, db, receiver, webhook_clock)
    await app[PARTICIPANTS].add_key(PDD, PDD_KID, public_key_raw(pdd_key.public_key()))
    sim.signing = "wrong_key"  # the gateway's answers no longer verify
    assert (await worker.poll_once()).failed
    receiver.mode = "ok"
    base = str(client.make_url("")).rstrip("/")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium,
            headless=True,
            args=[flag for flag in CHROMIUM_FLAGS if flag != "--headless"],
        )
        try:
            page = await browser.new_page(viewport={"width": 1400, "height": 1000})
            refused: list[str] = []
            page.on("console", lambda message: refused.append(message.text))
            page.set_default_timeout(10_000)
            await page.goto(base + "/ops")
            await expect(page).to_have_url(base + "/ops/login")
            await page.fill("input[name=name]", OPERATOR)
            await page.fill("input[name=password]", PASSWORD)
            await page.click("button[type=submit]")
            await expect(page).to_have_url(base + "/ops")

            row = page.locator("#participants tbody tr", has_text=PDD)
            await expect(row.locator(".badge.failing").first).to_have_text("failing")
            await expect(row).to_contain_text("pull sync failing")
            await expect(row).to_contain_text(f"webhook {subscription_id} disabled")
            # The page's own script runs under its policy: it reports the page as live.
            await expect(page.locator("#live-status")).to_contain_text("Live")
            await page.screenshot(path=str(ARTEFACTS / "ops-failing-platform.png"), full_page=True)

            endpoint = page.locator("#endpoints tbody tr", has_text=subscription_id)
            await expect(endpoint.locator(".badge")).to_have_text("disabled")
            await endpoint.get_by_role("button", name="Re-enable").click()
            await expect(page).to_have_url(base + "/ops")
            endpoint = page.locator("#endpoints tbody tr", has_text=subscription_id)
            await expect(endpoint.locator(".badge")).not_to_have_text("disabled")
            await page.screenshot(
                path=str(ARTEFACTS / "ops-webhook-re-enabled.png"), full_page=True
            )
        finally:
            await browser.close()

    assert not [text for text in refused if "Content Security Policy" in text]
    await eventually(lambda: len(receiver.received) == 1)  # delivery resumed where it stood
    await eventually(_state_is(db, subscription_id, "active"))
    assert (ARTEFACTS / "ops-failing-platform.png").stat().st_size > 10_000
