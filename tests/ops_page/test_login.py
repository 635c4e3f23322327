"""Operator login: passwords, sessions that expire, CSRF on every action, security headers."""

from __future__ import annotations

import dataclasses

import asyncpg
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from hub.app import create_app
from hub.settings import SETTINGS, Settings
from tests.ops_page.conftest import OPERATOR, PASSWORD, Clock, csrf_of, login

PDD_CONFIG = '{"pinduoduo": {"base_url": "http://127.0.0.1:9/api/router", "participant": "p"}}'


async def test_a_wrong_password_is_refused_and_opens_no_session(
    client: TestClient, operator: str, db: asyncpg.Connection
) -> None:
    response = await client.post(
        "/ops/login", data={"name": operator, "password": "not it"}, allow_redirects=False
    )
    assert response.status == 401
    problem = await response.json(content_type="application/problem+json")
    assert problem["type"].endswith("/operator-login")
    assert "ops_session" not in response.cookies
    # A browser gets the form again, saying why.
    browser = await client.post(
        "/ops/login",
        data={"name": operator, "password": "not it"},
        headers={"Accept": "text/html"},
    )
    assert browser.status == 401
    assert "Wrong operator name or password" in await browser.text()
    assert "ops_session" not in browser.cookies
    assert await db.fetchval("SELECT count(*) FROM operator_sessions") == 0
    overview = await client.get("/ops", allow_redirects=False)
    assert (overview.status, overview.headers["Location"]) == (303, "/ops/login")


async def test_an_unknown_operator_is_refused_like_a_wrong_password(
    client: TestClient, operator: str
) -> None:
    response = await client.post("/ops/login", data={"name": "mallory", "password": PASSWORD})
    assert response.status == 401


async def test_login_sets_a_strict_http_only_cookie_and_stores_only_its_hash(
    client: TestClient, operator: str, db: asyncpg.Connection
) -> None:
    response = await client.post(
        "/ops/login", data={"name": operator, "password": PASSWORD}, allow_redirects=False
    )
    assert (response.status, response.headers["Location"]) == (303, "/ops")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert "Path=/ops" in cookie
    assert "Secure" not in cookie  # plain HTTP on loopback
    token = response.cookies["ops_session"].value
    stored = await db.fetchval("SELECT token_sha256 FROM operator_sessions")
    assert token.encode() not in bytes(stored)
    assert len(bytes(stored)) == 32


async def test_the_cookie_is_secure_behind_a_trusted_tls_proxy_only(
    app: web.Application, client: TestClient, operator: str, settings: Settings
) -> None:
    headers = {"X-Forwarded-Proto": "https"}
    data = {"name": operator, "password": PASSWORD}
    untrusted = await client.post("/ops/login", data=data, headers=headers, allow_redirects=False)
    assert "Secure" not in untrusted.headers["Set-Cookie"]
    behind_proxy = create_app(dataclasses.replace(settings, ops_trust_forwarded_proto=True))
    async with TestClient(TestServer(behind_proxy, host="127.0.0.1")) as proxied:
        trusted = await proxied.post(
            "/ops/login", data=data, headers=headers, allow_redirects=False
        )
        assert "Secure" in trusted.headers["Set-Cookie"]
        plain = await proxied.post("/ops/login", data=data, allow_redirects=False)
        assert "Secure" not in plain.headers["Set-Cookie"]


async def test_repeated_failed_logins_are_refused_with_429_even_with_the_right_password(
    client: TestClient, operator: str
) -> None:
    for _ in range(3):  # the default free failures; then a wait of 2 s
        response = await client.post("/ops/login", data={"name": operator, "password": "guess"})
        assert response.status == 401
    blocked = await client.post("/ops/login", data={"name": operator, "password": PASSWORD})
    assert blocked.status == 429
    assert blocked.headers["Content-Type"].startswith("application/problem+json")
    assert blocked.headers["Retry-After"] == "2"


async def test_an_idle_session_expires_and_is_refused(
    client: TestClient, operator: str, clock: Clock
) -> None:
    await login(client)
    clock.advance(7 * 3600)
    assert (await client.get("/ops", allow_redirects=False)).status == 200  # still in use
    clock.advance(7 * 3600)  # 7 h since its last use: within the 8 h idle limit
    assert (await client.get("/ops", allow_redirects=False)).status == 200
    clock.advance(8 * 3600 + 1)
    expired = await client.get("/ops", allow_redirects=False)
    assert (expired.status, expired.headers["Location"]) == (303, "/ops/login")
    live = await client.get("/ops/live")
    assert live.status == 401
    assert live.headers["Content-Type"].startswith("application/problem+json")


async def test_an_action_without_or_with_a_wrong_csrf_token_is_refused(
    app: web.Application, client: TestClient, operator: str, db: asyncpg.Connection
) -> None:
    (app[SETTINGS].data_dir / "platforms.json").write_text(PDD_CONFIG)
    csrf = await login(client)
    action = "/ops/actions/sync/pinduoduo/pause"
    for form in ({}, {"csrf": ""}, {"csrf": "x" + csrf[1:]}):
        refused = await client.post(action, data=form, allow_redirects=False)
        assert refused.status == 403
        problem = await refused.json(content_type="application/problem+json")
        assert problem["type"].endswith("/csrf-token")
    assert await db.fetchval("SELECT paused FROM sync_state WHERE platform = 'pinduoduo'") is None


async def test_logout_ends_the_session(client: TestClient, operator: str) -> None:
    csrf = await login(client)
    response = await client.post(
        "/ops/logout", data={"csrf": csrf, "next": "/ops/login"}, allow_redirects=False
    )
    assert (response.status, response.headers["Location"]) == (303, "/ops/login")
    assert (await client.get("/ops", allow_redirects=False)).status == 303


async def test_every_ops_answer_carries_the_security_headers(
    client: TestClient, operator: str
) -> None:
    paths = ["/ops/login", "/ops/static/ops.js", "/ops/static/nothing", "/ops/live"]
    answers = [await client.get(p, allow_redirects=False) for p in paths]
    await login(client)
    answers += [await client.get(p) for p in ("/ops", "/ops/participants/nobody")]
    for response in answers:
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"
    page = await answers[-2].text()
    assert "<script>" not in page
    assert "style=" not in page
    assert " onclick" not in page
    assert '<script src="/ops/static/ops.js" defer></script>' in page
    assert [r.status for r in answers] == [200, 200, 404, 401, 200, 404]


async def test_csrf_is_per_session(client: TestClient, operator: str) -> None:
    first = await login(client)
    client.session.cookie_jar.clear()
    second = await login(client)
    assert first != second
    assert csrf_of(await (await client.get("/ops")).text()) == second
    assert OPERATOR in await (await client.get("/ops")).text()
