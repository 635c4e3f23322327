"""The Node.js example signs, sends and checks a receipt against a real hub."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web

from hub.cli.redate import dated_today
from hub.crypto.keys import load_public_key, public_key_raw, write_key_pair
from hub.store.participants import Participant
from hub.trust.resources import PARTICIPANTS
from tests.conftest import EXAMPLES, needs_tool
from tests.hubproc import REPO

SCRIPT = REPO / "examples" / "node" / "send-event.mjs"


@pytest.fixture(autouse=True)
def node() -> None:
    needs_tool("node")


async def _node(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        needs_tool("node"),
        str(SCRIPT),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_the_node_client_files_and_adds_a_note_with_verified_receipts(
    app: web.Application, hub_base_url: str, tmp_path: Path
) -> None:
    store = app[PARTICIPANTS]
    await store.add(Participant("bureau.hz", "HZ", "bureau", None, ("330100",), None, True))
    pem, jwk = write_key_pair(tmp_path, "hz-node")
    await store.add_key("bureau.hz", "hz-node", public_key_raw(load_public_key(jwk.read_bytes())))
    filed = tmp_path / "filed.json"
    example = json.loads((EXAMPLES / "complaint.filed.json").read_text(encoding="utf-8"))
    filed.write_text(json.dumps(dated_today(example, datetime.now(UTC))), encoding="utf-8")
    signing = ("--url", hub_base_url, "--kid", "hz-node", "--key", str(pem))

    status, out, err = await _node(*signing, str(filed))
    assert status == 0, err
    assert "signer matches 2 test vectors" in err
    receipt = json.loads(out)["receipt_payload"]
    assert (receipt["position"], receipt["actor"]) == (1, "bureau.hz")

    status, out, err = await _node(*signing, str(REPO / "examples" / "node" / "note.json"))
    assert status == 0, err
    assert json.loads(out)["receipt_payload"]["version"] == 2

    # A refusal is one line naming the problem: version 2 is taken now.
    status, out, err = await _node(*signing, str(REPO / "examples" / "node" / "note.json"))
    assert status == 1
    assert err.strip().splitlines()[-1].startswith("complaint-hub: 409 ")
