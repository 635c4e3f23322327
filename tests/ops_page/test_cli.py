"""`complaint-hub operators` against the database, and `complaint-hub status` over HTTP from a
running hub, with no database access of its own. Both run the console script's `main`."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from hub.cli import main
from hub.operators.passwords import verify_password
from tests.ops_page.conftest import OPERATOR, PASSWORD


def _operators(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str, stdin: str = ""
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(["operators", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_operators_are_added_with_an_scrypt_hash_listed_and_removed(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("COMPLAINT_HUB_DATABASE_URL", database_url)
    monkeypatch.setenv("COMPLAINT_HUB_DATA_DIR", str(tmp_path))
    code, out, _ = _operators(monkeypatch, capsys, "add", "ops.bob", stdin=PASSWORD + "\n")
    assert (code, out.strip()) == (0, "operator ops.bob added")

    async def stored() -> Any:
        conn = await asyncpg.connect(database_url)
        try:
            return await conn.fetch("SELECT name, password_hash FROM operators")
        finally:
            await conn.close()

    ((name, password_hash),) = asyncio.run(stored())
    assert name == "ops.bob"
    assert password_hash.startswith("scrypt$")
    assert PASSWORD not in password_hash
    assert verify_password(PASSWORD, password_hash)

    code, _, err = _operators(monkeypatch, capsys, "add", "ops.carol", stdin="short\n")
    assert code == 1
    assert "at least 12 characters" in err
    code, _, err = _operators(monkeypatch, capsys, "add", "ops.bob", stdin=PASSWORD + "\n")
    assert code == 1
    assert "already exists" in err
    code, out, _ = _operators(monkeypatch, capsys, "list")
    assert "ops.bob" in out
    assert "ops.carol" not in out
    assert _operators(monkeypatch, capsys, "remove", "ops.bob")[0] == 0
    assert _operators(monkeypatch, capsys, "remove", "ops.bob")[0] == 1
    assert asyncio.run(stored()) == []


async def test_status_shows_the_picture_read_over_http_with_an_operator_login(
    app: web.Application,
    client: TestClient,
    operator: str,
    enrol: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await enrol("bureau.hz", "bureau", regions=("330100",))
    url = str(client.make_url("")).rstrip("/")
    # No database URL and an empty data directory: everything must come over HTTP.
    monkeypatch.delenv("COMPLAINT_HUB_DATABASE_URL", raising=False)
    monkeypatch.setenv("COMPLAINT_HUB_DATA_DIR", str(tmp_path / "nowhere"))
    monkeypatch.setenv("COMPLAINT_HUB_OPERATOR_PASSWORD", PASSWORD)
    status = ["status", "--url", url, "--operator", OPERATOR]
    # In a thread: the hub answering it runs on this test's event loop.
    assert await asyncio.to_thread(main, status) == 0
    out = capsys.readouterr().out
    assert "PARTICIPANTS" in out
    assert "bureau.hz" in out
    assert "PROCESS " in out
    assert len(out.splitlines()) < 40  # one screen
    assert not (tmp_path / "nowhere").exists()  # no embedded database was started

    monkeypatch.setenv("COMPLAINT_HUB_OPERATOR_PASSWORD", "not the password")
    assert await asyncio.to_thread(main, status) == 1
    assert "401 operator-login" in capsys.readouterr().err
