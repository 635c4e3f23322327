"""An operator on file, a logged-in browser-like client, and a clock the sessions run on."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from hub.app import create_app
from hub.clock import CLOCK
from hub.ops.page.resources import OPERATOR_AUTH
from hub.ops.passwords import hash_password
from hub.settings import Settings

OPERATOR = "ops.alice"
PASSWORD = "correct horse battery staple"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def app(settings: Settings, clock: Clock) -> web.Application:
    app = create_app(settings)
    app[CLOCK] = clock
    return app


@pytest.fixture
async def operator(app: web.Application, client: TestClient, clock: Clock) -> str:
    await app[OPERATOR_AUTH].store.add(OPERATOR, hash_password(PASSWORD), clock())
    return OPERATOR


async def login(client: TestClient, name: str = OPERATOR, password: str = PASSWORD) -> str:
    """Log in through the form; returns the CSRF token the overview page carries."""
    response = await client.post(
        "/ops/login", data={"name": name, "password": password}, allow_redirects=False
    )
    assert response.status == 303, await response.text()
    page = await client.get("/ops")
    assert page.status == 200
    return csrf_of(await page.text())


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)
