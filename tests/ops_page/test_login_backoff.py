"""Failed operator logins, counted in the database for every hub process: per client address and
operator name, and per name from every address, each failure beyond the free ones doubling the
wait; the right password works once the wait is over, and a colleague is never held off."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer

from hub.ops.page.resources import OPERATOR_AUTH, purge_ops_rows
from hub.ops.passwords import hash_password
from hub.settings import Settings
from tests.clocks import app_on_clock
from tests.ops_page.conftest import PASSWORD, Clock

COLLEAGUE = "ops.bob"
COLLEAGUE_PASSWORD = "tr0ub4dor and three more words"
ATTACKER = {"X-Forwarded-For": "203.0.113.5"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(
        settings,
        ops_login_free_failures=3,
        ops_login_name_free_failures=6,
        ops_login_backoff_s=2.0,
        ops_login_backoff_max_s=16.0,
        ops_login_forget_s=3600,
    )


@pytest.fixture
async def colleague(app: web.Application, operator: str, clock: Clock) -> str:
    await app[OPERATOR_AUTH].store.add(COLLEAGUE, hash_password(COLLEAGUE_PASSWORD), clock())
    return COLLEAGUE


async def _login(
    client: TestClient, name: str, password: str, headers: dict[str, str] | None = None
) -> ClientResponse:
    return await client.post(
        "/ops/login",
        data={"name": name, "password": password},
        headers=headers or {},
        allow_redirects=False,
    )


async def _fail_until_held_off(
    client: TestClient, name: str, headers: dict[str, str] | None = None
) -> int:
    """Wrong passwords until one is refused 429; returns how many were refused 401."""
    for failures in range(20):
        response = await _login(client, name, "a wrong guess", headers)
        if response.status == 429:
            return failures
        assert response.status == 401
    raise AssertionError("twenty wrong passwords and never held off")


@pytest.fixture
async def other_hub(settings: Settings, clock: Clock) -> AsyncIterator[TestClient]:
    """A second hub on the same database: another worker, or another replica."""
    async with TestClient(TestServer(app_on_clock(settings, clock), host="127.0.0.1")) as other:
        yield other


async def test_failures_in_one_process_count_in_every_other(
    client: TestClient, other_hub: TestClient, operator: str
) -> None:
    assert (await _login(client, operator, "guess 1")).status == 401
    assert (await _login(other_hub, operator, "guess 2")).status == 401
    assert (await _login(client, operator, "guess 3")).status == 401
    for hub in (other_hub, client):
        held = await _login(hub, operator, PASSWORD)
        assert held.status == 429
        assert held.headers["Retry-After"] == "2"
        problem = await held.json(content_type="application/problem+json")
        assert problem["type"].endswith("/too-many-requests")


async def test_the_right_password_works_as_soon_as_the_wait_is_over(
    client: TestClient, operator: str, clock: Clock
) -> None:
    assert await _fail_until_held_off(client, operator) == 3
    clock.advance(1)
    held = await _login(client, operator, PASSWORD)
    assert (held.status, held.headers["Retry-After"]) == (429, "1")
    clock.advance(1)
    assert (await _login(client, operator, PASSWORD)).status == 303


async def test_each_failure_beyond_the_free_ones_doubles_the_wait_up_to_the_cap(
    client: TestClient, operator: str, clock: Clock
) -> None:
    assert await _fail_until_held_off(client, operator) == 3
    waits = []
    for _ in range(5):
        held = await _login(client, operator, "a wrong guess")
        # Refused while waiting: not counted, so asking again does not lengthen the wait.
        assert held.status == 429
        waits.append(int(held.headers["Retry-After"]))
        clock.advance(waits[-1])
        assert (await _login(client, operator, "a wrong guess")).status == 401
    assert waits == [2, 4, 8, 16, 16]


async def test_a_colleague_at_the_same_address_logs_in_while_one_name_is_held_off(
    client: TestClient, operator: str, colleague: str
) -> None:
    await _fail_until_held_off(client, operator)
    assert (await _login(client, colleague, COLLEAGUE_PASSWORD)).status == 303
    # Nor do unknown names tried from the address hold the colleague off.
    for number in range(10):
        assert (await _login(client, f"ops.nobody{number}", "a wrong guess")).status == 401
    client.session.cookie_jar.clear()
    assert (await _login(client, colleague, COLLEAGUE_PASSWORD)).status == 303


async def test_an_unknown_name_is_held_off_like_a_known_one(
    client: TestClient, operator: str
) -> None:
    assert await _fail_until_held_off(client, operator) == 3
    assert await _fail_until_held_off(client, "ops.mallory") == 3


async def test_a_forged_x_forwarded_for_from_an_untrusted_peer_is_ignored(
    client: TestClient, operator: str
) -> None:
    for number in range(3):
        forged = {"X-Forwarded-For": f"198.51.100.{number}"}
        assert (await _login(client, operator, "a wrong guess", forged)).status == 401
    # All three were counted against the peer's own address, whatever the header said.
    held = await _login(client, operator, PASSWORD, {"X-Forwarded-For": "198.51.100.99"})
    assert held.status == 429


@pytest.fixture
async def proxied(settings: Settings, clock: Clock, operator: str) -> AsyncIterator[TestClient]:
    """A hub behind a proxy on loopback, whose X-Forwarded-For it believes."""
    behind = dataclasses.replace(
        settings,
        trusted_proxies=Settings.from_environ(
            {"COMPLAINT_HUB_TRUSTED_PROXIES": "127.0.0.1"}
        ).trusted_proxies,
    )
    async with TestClient(TestServer(app_on_clock(behind, clock), host="127.0.0.1")) as hub:
        yield hub


async def test_behind_a_trusted_proxy_the_guesser_is_held_off_and_the_operator_is_not(
    proxied: TestClient, operator: str
) -> None:
    await _fail_until_held_off(proxied, operator, ATTACKER)
    at_her_desk = {"X-Forwarded-For": "10.1.2.3"}
    assert (await _login(proxied, operator, PASSWORD, at_her_desk)).status == 303
    # The client's own entries left of the proxy's are not believed: the right-most stands.
    spoofed = {"X-Forwarded-For": "10.1.2.3, 203.0.113.5"}
    assert (await _login(proxied, operator, PASSWORD, spoofed)).status == 429


async def test_guesses_at_one_name_from_many_addresses_hold_that_name_off(
    proxied: TestClient, operator: str, colleague: str, clock: Clock
) -> None:
    for number in range(6):  # the name's own free failures, each from another address
        headers = {"X-Forwarded-For": f"203.0.113.{number}"}
        assert (await _login(proxied, operator, "a wrong guess", headers)).status == 401
    fresh = {"X-Forwarded-For": "198.51.100.1"}
    held = await _login(proxied, operator, PASSWORD, fresh)
    assert (held.status, held.headers["Retry-After"]) == (429, "2")
    assert (await _login(proxied, colleague, COLLEAGUE_PASSWORD, fresh)).status == 303
    clock.advance(2)
    assert (await _login(proxied, operator, PASSWORD, fresh)).status == 303


async def test_a_login_clears_the_counts_it_was_held_by(
    client: TestClient, operator: str, clock: Clock
) -> None:
    await _fail_until_held_off(client, operator)
    clock.advance(2)
    assert (await _login(client, operator, PASSWORD)).status == 303
    assert await _fail_until_held_off(client, operator) == 3


async def test_old_counts_are_forgotten_and_purged(
    app: web.Application, client: TestClient, operator: str, clock: Clock, db: asyncpg.Connection
) -> None:
    await _fail_until_held_off(client, operator)
    assert await db.fetchval("SELECT count(*) FROM ops_login_failures") == 2
    clock.advance(3600 + 1)
    await purge_ops_rows(app)
    assert await db.fetchval("SELECT count(*) FROM ops_login_failures") == 0
    assert await _fail_until_held_off(client, operator) == 3
    clock.advance(timedelta(hours=2).total_seconds())
    # Forgotten even before the purge has run.
    assert await _fail_until_held_off(client, operator) == 3
