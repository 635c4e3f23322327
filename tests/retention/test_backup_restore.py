"""Backup and restore as docs/backup.md describes it: `pg_dump` of the running hub's database,
`pg_restore` into a fresh database, and the whole audit log re-verified on the restored copy. The
dump alone cannot open a personal part: the master key file is part of every backup."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from aiohttp import web

from hub.privacy.envelope import DecryptionFailed
from hub.privacy.keyfile import generate_master_keys, load_master_keys, master_key_path
from hub.privacy.sealed import open_personal
from hub.services.audit_log import AUDIT_LOG
from hub.settings import Settings
from hub.store.personal import PersonalStore
from tests.api._lifecycle import Cast, new_complaint_id, prepare
from tests.audit.conftest import drive_case
from tests.conftest import EXAMPLES

REPO = Path(__file__).resolve().parents[2]
PERSONAL: dict[str, Any] = json.loads((EXAMPLES / "personal.json").read_text(encoding="utf-8"))


def _pg_bin(name: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on servers
        from pgserver._commands import POSTGRES_BIN_PATH
    return str(POSTGRES_BIN_PATH / name)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _run(*command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(command), env=env, cwd=REPO, capture_output=True, text=True, check=False
    )


@pytest.fixture
def cast(enrol: Any) -> Cast:
    return Cast(enrol)


async def test_a_restored_dump_passes_the_audit_verification(
    app: web.Application,
    cast: Cast,
    settings: Settings,
    empty_database: str,
    tmp_path: Path,
) -> None:
    await drive_case(cast, 9)
    bureau = await cast("bureau")
    complaint_id = new_complaint_id()
    written = await bureau.call("PUT", f"/v1/complaints/{complaint_id}/personal", json=PERSONAL)
    await prepare(
        cast,
        "bureau",
        2,
        complaint_id,
        personal_ref="personal-" + complaint_id,
        personal_commitment=written["personal_commitment"],
    )
    await app[AUDIT_LOG].publish()

    # The hub keeps serving while pg_dump takes its consistent snapshot.
    dump = tmp_path / "hub.dump"
    dumped = await asyncio.to_thread(
        _run, _pg_bin("pg_dump"), "--format=custom", f"--file={dump}", settings.database_url or ""
    )
    assert dumped.returncode == 0, dumped.stderr
    restored = await asyncio.to_thread(
        _run, _pg_bin("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={empty_database}",
        str(dump),
    )  # fmt: skip
    assert restored.returncode == 0, restored.stderr

    # Every event, evidence, receipt, leaf and signed head, re-checked on the restored copy.
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPLAINT_HUB_")}
    env |= {
        "COMPLAINT_HUB_DATABASE_URL": empty_database,
        "COMPLAINT_HUB_DATA_DIR": str(tmp_path / "restore-host"),
        "PYTHONPATH": str(REPO),
    }
    verified = await asyncio.to_thread(
        _run, sys.executable, "-m", "hub.cli", "audit", "verify", env=env
    )
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("ok: 11 events")

    # The restored copy is still append-only.
    conn = await asyncpg.connect(empty_database)
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("DELETE FROM events WHERE position = 1")
        # The personal part opens with the master key file that was backed up beside the dump ...
        stored = await PersonalStore(conn).get(complaint_id)  # type: ignore[arg-type]
        assert stored is not None
        assert stored.sealed is not None
        kept = load_master_keys(
            master_key_path(settings.master_key_file, settings.data_dir), generate=False
        )
        opened = open_personal(kept, complaint_id, stored.sealed.key, stored.sealed.personal)
        assert opened.personal == PERSONAL
        # ... and with any other key, such as the one a fresh host generates, it never does.
        with pytest.raises(DecryptionFailed):
            open_personal(
                generate_master_keys(), complaint_id, stored.sealed.key, stored.sealed.personal
            )
    finally:
        await conn.close()
