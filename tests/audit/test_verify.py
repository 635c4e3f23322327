"""`audit verify` re-checks the whole record and names the first position that fails; the
offline bundle of a case verifies on its own in a fresh process; erasure breaks neither."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp import web

from hub.audit.bundle import BundleInvalid, check_bundle
from hub.cli.audit import build_case_bundle, verify_log
from hub.services.audit_log import AUDIT_LOG
from hub.settings import Settings
from hub.store.resources import POOL
from tests.api._lifecycle import Cast
from tests.audit.conftest import drive_case
from tests.conftest import EXAMPLES, example

REPO = Path(__file__).resolve().parents[2]


def _quiet(done: int, total: int) -> None:
    pass


async def _run(
    command: list[str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """A fresh process; with no database settings unless `env` gives some."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("COMPLAINT_HUB_")}
    return await asyncio.to_thread(
        subprocess.run,
        command,
        env=env or clean,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )


async def _verify(app: web.Application) -> dict[str, Any]:
    return await verify_log(app[POOL], _quiet)


async def _owner_writes(db: asyncpg.Connection, sql: str, *args: Any) -> None:
    """As the database owner, past the append-only triggers, in this connection only."""
    async with db.transaction():
        await db.execute("SET LOCAL session_replication_role = replica")
        await db.execute(sql, *args)


async def test_untouched_log_verifies(app: web.Application, cast: Cast) -> None:
    await drive_case(cast, 9)
    await drive_case(cast, 3)
    await app[AUDIT_LOG].publish()
    await drive_case(cast, 2)
    await app[AUDIT_LOG].publish()
    summary = await _verify(app)
    assert summary["failures"] == []
    assert summary["positions"] == summary["tree_size"] == 14
    # Heads published along the way, and those the clients' SDK asked for on demand.
    assert summary["heads"] >= 2
    assert summary["consistent_heads"] == summary["heads"] - 1


async def test_one_altered_byte_of_a_stored_event_is_found_at_its_position(
    app: web.Application, cast: Cast, db: asyncpg.Connection
) -> None:
    await drive_case(cast, 6)
    await app[AUDIT_LOG].publish()
    await _owner_writes(
        db,
        "UPDATE events SET body = overlay(body placing '\\x41'::bytea from 20 for 1)"
        " WHERE position = 4",
    )
    summary = await _verify(app)
    assert summary["failures"]
    assert summary["failures"][0]["position"] == 4
    assert "digest" in summary["failures"][0]["reason"]
    assert {f["position"] for f in summary["failures"]} == {4}


async def test_an_altered_digest_is_found_by_the_leaf_and_the_receipt(
    app: web.Application, cast: Cast, db: asyncpg.Connection
) -> None:
    await drive_case(cast, 5)
    await app[AUDIT_LOG].publish()
    await _owner_writes(
        db,
        "UPDATE events SET event_sha256 = sha256(body || 'x'::bytea), body = body || ' '::bytea"
        " WHERE position = 2",
    )
    failures = (await _verify(app))["failures"]
    assert failures[0]["position"] == 2
    reasons = " ".join(f["reason"] for f in failures if f["position"] == 2)
    assert "leaf" in reasons
    assert "receipt" in reasons


async def test_a_deleted_event_is_found_at_its_position(
    app: web.Application, cast: Cast, db: asyncpg.Connection
) -> None:
    await drive_case(cast, 7)
    await app[AUDIT_LOG].publish()
    await _owner_writes(db, "DELETE FROM events WHERE position = 5")
    failures = (await _verify(app))["failures"]
    assert failures[0] == {
        "position": 5,
        "reason": "the event is missing (its leaf is still in the log)",
    }


async def test_an_event_deleted_with_its_leaf_is_found_too(
    app: web.Application, cast: Cast, db: asyncpg.Connection
) -> None:
    await drive_case(cast, 4)
    await app[AUDIT_LOG].publish()
    await _owner_writes(db, "DELETE FROM events WHERE position = 4")
    await _owner_writes(db, "DELETE FROM audit_nodes WHERE level = 0 AND node_index = 3")
    failures = (await _verify(app))["failures"]
    assert failures[0]["position"] == 4


async def test_cli_verify_reports_progress_and_exits_non_zero_on_tampering(
    app: web.Application, cast: Cast, db: asyncpg.Connection, settings: Settings
) -> None:
    await drive_case(cast, 3)
    await app[AUDIT_LOG].publish()
    env = {**os.environ, "COMPLAINT_HUB_DATABASE_URL": settings.database_url or ""}
    command = [sys.executable, "-m", "hub.cli", "audit", "verify"]
    ok = await _run(command, env=env)
    assert ok.returncode == 0, ok.stderr
    # stderr is no terminal here: plain lines, no carriage returns piling up in a log
    assert "verified positions: 3/3\n" in ok.stderr
    assert "\r" not in ok.stderr
    assert ok.stdout.startswith("ok: 3 events")
    await _owner_writes(db, "DELETE FROM events WHERE position = 2")
    bad = await _run(command, env=env)
    assert bad.returncode == 1
    assert "FAILED at position 2" in bad.stderr


# -- erasure and the offline bundle -------------------------------------------------------------

PERSONAL: dict[str, Any] = json.loads((EXAMPLES / "personal.json").read_text(encoding="utf-8"))


async def test_erasing_the_personal_part_leaves_log_and_bundle_verifiable(
    app: web.Application, cast: Cast, settings: Settings
) -> None:
    bureau = await cast("bureau")
    complaint_id = f"bureau.hz:HZ12315-{uuid.uuid4().hex[:12]}"
    written = await bureau.call("PUT", f"/v1/complaints/{complaint_id}/personal", json=PERSONAL)
    event = example("complaint.filed", complaint_id=complaint_id, event_id=str(uuid.uuid4()))
    event["data"] = {
        **event["data"],  # type: ignore[dict-item]
        "personal_ref": "personal-" + complaint_id,
        "personal_commitment": written["personal_commitment"],
    }
    await bureau.post_event(event)
    operator = await cast("operator")
    await operator.call("DELETE", f"/v1/complaints/{complaint_id}/personal")
    assert (await _verify(app))["failures"] == []
    bundle = await build_case_bundle(app[POOL], settings, complaint_id)
    assert bundle is not None
    report = check_bundle(bundle)
    assert report.events == 1
    assert PERSONAL["consumer"]["phone"] not in json.dumps(bundle)


async def test_bundle_of_a_12_event_case_verifies_alone_in_a_fresh_process(
    app: web.Application, cast: Cast, settings: Settings, tmp_path: Path
) -> None:
    complaint_id = await drive_case(cast, 12)
    await drive_case(cast, 2)  # later events of another case: the head covers more
    await app[AUDIT_LOG].publish()
    court = await cast("court")
    from hub.sdk.witness import Witness

    await Witness(court, tmp_path / "witness.json").witness_once()
    bundle = await build_case_bundle(app[POOL], settings, complaint_id)
    assert bundle is not None
    assert len(bundle["events"]) == 12
    assert bundle["tree_head"]["tree_size"] == 14
    assert len(bundle["tree_head"]["cosignatures"]) == 1
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    # A verifier with no database and nothing of the hub but hub.audit and hub.crypto.
    script = (
        "import json, sys\n"
        "from hub.audit.bundle import check_bundle\n"
        "report = check_bundle(json.load(open(sys.argv[1])))\n"
        "loaded = sorted(m for m in sys.modules if m == 'hub' or m.startswith('hub.'))\n"
        "allowed = ('hub.audit', 'hub.crypto')\n"
        "outside = [m for m in loaded if m != 'hub' and not m.startswith(allowed)]\n"
        "servers = [m for m in ('aiohttp', 'asyncpg') if m in sys.modules]\n"
        "print(json.dumps({'events': report.events, 'cosigned_by': report.cosigned_by,"
        " 'outside': outside, 'servers': servers}))\n"
    )
    done = await _run([sys.executable, "-c", script, str(path)])
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result == {
        "events": 12,
        "cosigned_by": [cast.participant_id("court")],
        "outside": [],
        "servers": [],
    }
    cli = await _run([sys.executable, "-m", "hub.cli", "audit", "check", str(path)])
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout.startswith("ok: 12 events")


async def test_a_tampered_bundle_fails_at_the_altered_event(
    app: web.Application, cast: Cast, settings: Settings
) -> None:
    complaint_id = await drive_case(cast, 4)
    bundle = await build_case_bundle(app[POOL], settings, complaint_id)
    assert bundle is not None
    altered = json.loads(json.dumps(bundle))
    altered["events"][2]["accepted_at"] = "2020-01-01T00:00:00.000000Z"
    with pytest.raises(BundleInvalid) as caught:
        check_bundle(altered)
    assert caught.value.failures[0].position == bundle["events"][2]["position"]
    dropped = json.loads(json.dumps(bundle))
    del dropped["events"][1]
    with pytest.raises(BundleInvalid, match="gap"):
        check_bundle(dropped)
