"""`complaint-hub operators` against the database, and `complaint-hub status` over HTTP from a
running hub, with no database access of its own (its `main`, in a thread beside the hub)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from hub.cli import main
from hub.ops.passwords import verify_password
from tests.ops_page.conftest import OPERATOR, PASSWORD


async def _cli(*args: str, env: dict[str, str], stdin: str = "") -> tuple[int, str, str]:
    """The console script in a process of its own: commands that open the database configure
    logging for the whole process, which must not outlive them into other tests."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "hub.cli",
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **env},
    )
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), timeout=120)
    return process.returncode or 0, out.decode(), err.decode()


async def test_operators_are_added_with_an_scrypt_hash_listed_and_removed(
    database_url: str, tmp_path: Path, db: asyncpg.Connection
) -> None:
    env = {"COMPLAINT_HUB_DATABASE_URL": database_url, "COMPLAINT_HUB_DATA_DIR": str(tmp_path)}
    (code, out, _), (short, _, refused) = await asyncio.gather(
        _cli("operators", "add", "ops.bob", env=env, stdin=PASSWORD + "\n"),
        _cli("operators", "add", "ops.carol", env=env, stdin="short\n"),
    )
    assert (code, out.strip()) == (0, "operator ops.bob added")
    assert short == 1
    assert "at least 12 characters" in refused
    ((name, password_hash),) = await db.fetch("SELECT name, password_hash FROM operators")
    assert name == "ops.bob"
    assert password_hash.startswith("scrypt$")
    assert PASSWORD not in password_hash
    assert verify_password(PASSWORD, password_hash)

    code, out, _ = await _cli("operators", "list", "--json", env=env)
    assert code == 0
    assert [row["name"] for row in json.loads(out)] == ["ops.bob"]
    code, _, _ = await _cli("operators", "remove", "ops.bob", env=env)
    assert code == 0
    assert await db.fetchval("SELECT count(*) FROM operators") == 0


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


def test_status_prints_the_unauthenticated_rejects_as_ops_does() -> None:
    from hub.cli.status import render

    picture = {
        "generated_at": "2026-11-11T20:00:00+00:00",
        "head_position": 7,
        "participants": [],
        "timeliness": [],
        "unmapped_codes": [],
        "processes": [],
        "unauthenticated_rejects_last_hour": {"signature-invalid": 3, "unknown-key": 1},
    }
    shown = render(picture)
    assert shown.startswith("complaint-hub at 2026-11-12 04:00:00 Asia/Shanghai · head 7\n")
    assert "UNAUTHENTICATED REJECTS 1h: signature-invalid=3,unknown-key=1" in shown
    picture["unauthenticated_rejects_last_hour"] = {}
    assert "UNAUTHENTICATED REJECTS 1h: -" in render(picture)
