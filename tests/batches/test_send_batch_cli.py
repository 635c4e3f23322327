"""`complaint-hub send-batch` from the shell against a hub: a line per item, receipts verified,
exit 1 when an item was refused."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from hub.crypto.keys import private_key_to_pem
from tests.api._lifecycle import Cast, Enrol, event, new_complaint_id, step_event

REPO = Path(__file__).resolve().parents[2]


async def _cli(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "hub.cli",
        *args,
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_send_batch_prints_each_verdict_and_fails_on_a_refusal(
    enrol: Enrol, hub_base_url: str, tmp_path: Path
) -> None:
    bureau = await Cast(enrol)("bureau")
    key_file = tmp_path / "bureau.pem"
    key_file.write_bytes(private_key_to_pem(bureau._private_key))
    complaint_id = new_complaint_id()
    good = [step_event("bureau", 1, complaint_id), step_event("bureau", 2, complaint_id)]
    refused = event("complaint.closed", complaint_id, 2, outcome="resolved")  # v2 is taken
    batch_file = tmp_path / "batch.json"
    signing = ("--kid", bureau.kid, "--key", str(key_file), "--url", hub_base_url)

    batch_file.write_text(json.dumps({"events": good}))
    code, out, err = await _cli("send-batch", str(batch_file), *signing)
    assert code == 0, err
    lines = [line.split() for line in out.splitlines()]
    assert [line[:2] for line in lines] == [["0", "accepted"], ["1", "accepted"]]
    assert int(lines[1][2]) == int(lines[0][2]) + 1

    batch_file.write_text(json.dumps([*good, refused]))  # a plain array: a retry and one more
    code, out, err = await _cli("send-batch", str(batch_file), *signing, "--json")
    assert code == 1
    items = json.loads(out)
    assert [i["outcome"] for i in items] == ["replayed", "replayed", "refused"]
    assert err == "complaint-hub: 1 of 3 items refused; the others were stored\n"
