"""Shared fixtures: a real PostgreSQL (embedded unless COMPLAINT_HUB_TEST_DATABASE_URL), a fresh
database per test cloned from a migrated template, and the real app on a loopback server."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from hub.app import create_app
from hub.settings import Settings
from hub.store.migrate import migrate

TEMPLATE_DB = "complaint_hub_template"


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """The PostgreSQL server the tests use (its maintenance database URL)."""
    configured = os.environ.get("COMPLAINT_HUB_TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    from hub.store.embedded import start_embedded

    # A short path: the server's Unix socket lives in it.
    data_dir = Path(tempfile.mkdtemp(prefix="chpg", dir="/tmp"))
    server, url = start_embedded(data_dir)
    try:
        yield url
    finally:
        server.cleanup()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
async def template_url(server_url: str) -> str:
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {TEMPLATE_DB}")
        await admin.execute(f"CREATE DATABASE {TEMPLATE_DB}")
    finally:
        await admin.close()
    url = _with_database(server_url, TEMPLATE_DB)
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
    finally:
        await conn.close()
    return url


async def _scratch_database(
    server_url: str, prefix: str, *, template: str | None = None
) -> AsyncIterator[str]:
    """A database of its own for one test, dropped after it (forcibly: a test may leave
    connections behind)."""
    name = prefix + uuid.uuid4().hex[:16]
    create = f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else "")
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(create)
    finally:
        await admin.close()
    yield _with_database(server_url, name)
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await admin.close()


@pytest.fixture
async def database_url(server_url: str, template_url: str) -> AsyncIterator[str]:
    """A fresh, migrated database for one test, cloned from the template (cheap)."""
    async for url in _scratch_database(server_url, "t_", template=TEMPLATE_DB):
        yield url


@pytest.fixture
async def empty_database(server_url: str) -> AsyncIterator[str]:
    """A database with nothing in it, not even the migrations: for restores and first starts."""
    async for url in _scratch_database(server_url, "e_"):
        yield url


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A direct connection to the test's database, for checking what was (not) written."""
    conn = await asyncpg.connect(database_url)
    yield conn
    await conn.close()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=tmp_path,
        log_format="console",
        max_body_bytes=64 * 1024,
        pool_size=5,
        webhook_allow_private=True,
    )


@pytest.fixture
async def app(settings: Settings) -> web.Application:
    return create_app(settings)


@pytest.fixture
async def client(app: web.Application) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        yield test_client


# -- participants with real keys, and the SDK as their signing client --------------------------

EXAMPLES = Path(__file__).resolve().parents[1] / "schemas" / "examples"


def example(event_type: str, **overrides: object) -> dict[str, object]:
    """A realistic, valid event from schemas/examples, with top-level fields replaced."""
    import json

    document: dict[str, object] = json.loads((EXAMPLES / f"{event_type}.json").read_text())
    document.update(overrides)
    return document


@pytest.fixture
def hub_base_url(client: TestClient) -> str:
    return str(client.make_url("")).rstrip("/")


@pytest.fixture
def enrol(app: web.Application, client: TestClient, hub_base_url: str):  # type: ignore[no-untyped-def]
    """Register a participant with a fresh Ed25519 key; returns a HubClient signing as it."""
    from hub.crypto.keys import generate_private_key, public_key_raw
    from hub.sdk.client import HubClient
    from hub.store.participants import Participant
    from hub.trust.resources import PARTICIPANTS

    async def _enrol(
        participant_id: str,
        role: str,
        *,
        platform: str | None = None,
        regions: tuple[str, ...] = (),
        kid: str | None = None,
    ) -> HubClient:
        store = app[PARTICIPANTS]
        if await store.get(participant_id) is None:
            await store.add(
                Participant(
                    participant_id, participant_id.title(), role, platform, regions, None, True
                )
            )
        key = generate_private_key()
        kid = kid or f"{participant_id}-{uuid.uuid4().hex[:6]}"
        await store.add_key(participant_id, kid, public_key_raw(key.public_key()))
        return HubClient(hub_base_url, kid, key, session=client.session)

    return _enrol


# The system tools some tests drive, each with the Debian package that provides it; `make test`
# installs the missing ones where it can (scripts/test-deps), and a test whose tool is still
# absent skips, counted under one line per tool at the end of the run.
TOOL_PACKAGES = {
    "chromium": "chromium",
    "promtool": "prometheus",
    "nginx": "nginx-light",
    "kubectl": "kubernetes-client",
    "systemd-analyze": "systemd",
    "node": "nodejs",
}
_MISSING_TOOLS: dict[str, int] = {}


def needs_tool(name: str) -> str:
    """The tool's path, or the calling test skipped and the tool counted for the summary."""
    path = shutil.which(name)
    if path is None:
        _MISSING_TOOLS[name] = _MISSING_TOOLS.get(name, 0) + 1
        pytest.skip(f"{name} is not installed ({_how_to_get(name)})")
    return path


def _how_to_get(name: str) -> str:
    return f"apt-get install {TOOL_PACKAGES[name]}, or `make test` as root"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for name, skipped in sorted(_MISSING_TOOLS.items()):
        terminalreporter.write_line(
            f"{name} is not installed: {skipped} test(s) skipped ({_how_to_get(name)})"
        )
