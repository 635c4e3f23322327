"""Witnesses and clients hold the hub to its history: a rebuilt log with a validly re-signed head
is caught by anyone holding an older head."""

from __future__ import annotations

import asyncio
import hashlib
import sys
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp import web

from hub.audit.heads import TreeHead
from hub.crypto.keys import private_key_to_pem
from hub.crypto.receipts import receipt_leaf, receipt_payload, sign_receipt
from hub.sdk.client import AuditLogInconsistent
from hub.sdk.witness import Witness
from hub.services.audit_log import AUDIT_LOG
from hub.trust.resources import HUB_SIGNER
from tests.api._lifecycle import Cast
from tests.audit._reference import NodeTable
from tests.audit.conftest import Client, drive_case, get_json

REPO = Path(__file__).resolve().parents[2]


async def _rebuild_history(app: web.Application, db: asyncpg.Connection, position: int) -> None:
    """What a hub operator with the keys and the database could do: change one event, re-sign
    its receipt, rebuild the whole tree from the receipts and drop the old heads."""
    row = await db.fetchrow("SELECT * FROM events WHERE position = $1", position)
    assert row is not None
    body = bytes(row["body"]) + b" "
    key = app[HUB_SIGNER].active()
    receipt = sign_receipt(
        receipt_payload(
            event_id=row["event_id"],
            complaint_id=row["complaint_id"],
            version=row["version"],
            position=position,
            accepted_at=row["accepted_at"],
            actor=row["actor"],
            event_sha256=hashlib.sha256(body).digest(),
            evidence_sha256=row["evidence_sha256"],
        ),
        key.private_key,
        key.kid,
    )
    async with db.transaction():
        await db.execute("SET LOCAL session_replication_role = replica")
        await db.execute(
            "UPDATE events SET body = $1, event_sha256 = $2, receipt = $3 WHERE position = $4",
            body,
            hashlib.sha256(body).digest(),
            receipt,
            position,
        )
        await db.execute("DELETE FROM audit_cosignatures")
        await db.execute("DELETE FROM audit_tree_heads")
        await db.execute("DELETE FROM audit_nodes")
        table = NodeTable()
        receipts = await db.fetch("SELECT receipt FROM events ORDER BY position")
        table.append([receipt_leaf(r["receipt"]) for r in receipts])
        await db.executemany(
            "INSERT INTO audit_nodes (level, node_index, hash) VALUES ($1, $2, $3)",
            [(level, index, hash_) for (level, index), hash_ in table.hashes.items()],
        )


async def _drive_case_as_newcomers(enrol: Any, length: int) -> None:
    """A case sent after the rebuild by new clients of the same participants. The test's first
    clients hold heads of the old history, and each checks the log again on its own once 5 s have
    passed since it last did: on a busy machine, or after a slow command, that falls on one of
    these posts, which then rightly raises before the witness or the reader is asked."""
    await drive_case(Cast(enrol), length)


async def test_witness_cosigns_only_heads_that_extend_its_last(
    app: web.Application, client: Client, cast: Cast, tmp_path: Path
) -> None:
    witness = Witness(await cast("association"), tmp_path / "head.json")
    await drive_case(cast, 3)
    await app[AUDIT_LOG].publish()
    first = await witness.witness_once()
    assert first.cosigned
    assert first.head.tree_size == 3
    assert not (await witness.witness_once()).cosigned
    await drive_case(cast, 2)
    await app[AUDIT_LOG].publish()
    second = await witness.witness_once()
    assert second.cosigned
    assert second.head.tree_size == 5
    assert witness.last_cosigned() == second.head
    served = await get_json(client, "/v1/audit/tree-head")
    assert [c["witness"] for c in served["cosignatures"]] == [cast.participant_id("association")]


async def test_rebuilt_log_with_a_re_signed_head_is_caught_by_a_witness_and_a_client(
    app: web.Application, cast: Cast, enrol: Any, db: asyncpg.Connection, tmp_path: Path
) -> None:
    witness = Witness(await cast("court"), tmp_path / "head.json")
    await drive_case(cast, 4)
    await app[AUDIT_LOG].publish()
    cosigned = (await witness.witness_once()).head
    reader = await cast("platform")
    await reader.check_log(force=True)

    await _rebuild_history(app, db, position=2)
    await _drive_case_as_newcomers(enrol, 2)
    await app[AUDIT_LOG].publish()

    with pytest.raises(AuditLogInconsistent, match="does not extend"):
        await witness.witness_once()
    assert witness.last_cosigned() == cosigned
    assert await db.fetchval("SELECT count(*) FROM audit_cosignatures") == 0
    with pytest.raises(AuditLogInconsistent):
        await reader.check_log(force=True)


async def test_a_head_of_the_same_size_with_another_root_is_refused(
    app: web.Application, cast: Cast, db: asyncpg.Connection, tmp_path: Path
) -> None:
    witness = Witness(await cast("province_bureau"), tmp_path / "head.json")
    await drive_case(cast, 3)
    await app[AUDIT_LOG].publish()
    cosigned = (await witness.witness_once()).head
    await _rebuild_history(app, db, position=3)
    await app[AUDIT_LOG].publish()
    with pytest.raises(AuditLogInconsistent):
        await witness.witness_once()
    assert witness.last_cosigned() == TreeHead(3, cosigned.timestamp, cosigned.root_hash)


async def test_client_checks_the_log_on_receipts_and_feed_reads(
    app: web.Application, cast: Cast
) -> None:
    bureau = await cast("bureau")
    bureau._head_check_interval_s = 0
    await drive_case(cast, 2)
    seen = bureau.latest_head
    assert seen is not None
    await app[AUDIT_LOG].publish()
    async for _ in bureau.follow_feed(after=0, wait=0):
        break
    assert bureau.latest_head is not None
    assert bureau.latest_head.tree_size >= seen.tree_size


async def test_witness_command_cosigns_then_raises_the_alarm(
    app: web.Application,
    client: Client,
    cast: Cast,
    enrol: Any,
    db: asyncpg.Connection,
    hub_base_url: str,
    tmp_path: Path,
) -> None:
    court = await cast("court")
    key_file = tmp_path / "court.pem"
    key_file.write_bytes(private_key_to_pem(court._private_key))
    await drive_case(cast, 2)
    await app[AUDIT_LOG].publish()

    async def witness() -> tuple[int, str, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "hub.cli",
            "witness",
            "--url",
            hub_base_url,
            "--kid",
            court.kid,
            "--key",
            str(key_file),
            "--state",
            str(tmp_path / "state.json"),
            "--once",
            cwd=REPO,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await process.communicate()
        assert process.returncode is not None
        return process.returncode, out.decode(), err.decode()

    code, out, err = await witness()
    assert code == 0, err
    assert out.strip() == "cosigned: tree_size=2"
    await _rebuild_history(app, db, position=1)
    await _drive_case_as_newcomers(enrol, 1)
    await app[AUDIT_LOG].publish()
    code, out, err = await witness()
    assert code == 3
    assert "ALARM" in err
