"""Migrations: applied once each, even when two hubs start at the same moment."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import asyncpg

from hub.store.migrate import available_migrations
from tests.hubproc import REPO


async def test_two_processes_migrating_at_once_apply_each_migration_once(
    empty_database: str,
) -> None:
    env = {**os.environ, "COMPLAINT_HUB_DATABASE_URL": empty_database, "PYTHONPATH": str(REPO)}
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "hub.cli",
            "migrate",
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outputs = [await p.communicate() for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    said = sorted(out.decode().strip() for out, _ in outputs)
    assert said[1] == "up to date" or said[0] == "up to date", said
    conn = await asyncpg.connect(empty_database)
    try:
        rows = await conn.fetch("SELECT number FROM schema_migrations ORDER BY number")
    finally:
        await conn.close()
    assert [r["number"] for r in rows] == [m.number for m in available_migrations()]


def test_bad_setting_exits_2_with_one_line() -> None:
    env = {**os.environ, "COMPLAINT_HUB_PORT": "eighty", "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-m", "hub.cli", "version"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "COMPLAINT_HUB_PORT='eighty'" in result.stderr
    assert "Traceback" not in result.stderr
