"""`complaint-hub demo` end to end: the real command, its own embedded database, real keys.

The command runs a short play with `--linger`, so the hub still serves when the summary is out:
the feed is then read back over HTTP as the demo's operator (its key from the data directory)
and every receipt checked, before Ctrl-C (SIGINT) stops the command cleanly.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.crypto.keys import load_private_key_file
from hub.sdk.client import HubClient

pytestmark = pytest.mark.slow

DURATION_S = 15
FEED_LINE = re.compile(
    r"feed: head position (?P<head>[\d,]+), (?P<events>[\d,]+) events; subscriber verified "
    r"(?P<verified>[\d,]+); lost (?P<lost>-?\d+); signature failures (?P<failures>\d+)"
)


def _number(text: str) -> int:
    return int(text.replace(",", ""))


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # A short path: the embedded server's Unix socket lives in it.
    path = Path(tempfile.mkdtemp(prefix="chd", dir="/tmp")) / "demo"
    yield path
    shutil.rmtree(path.parent, ignore_errors=True)


async def _read_feed(base_url: str, data_dir: Path) -> tuple[int, int]:
    """(last position, events) of the whole feed, each receipt verified, read as the operator."""
    (pem,) = (data_dir / "keys").glob("operator.demo-*.pem")
    kid = pem.name.removesuffix(".pem")
    async with HubClient(base_url, kid, load_private_key_file(pem)) as operator:
        head, events = 0, 0
        while True:
            page = await operator.get_feed(after=head, limit=1000)
            if not page["items"]:
                return head, events
            for item in page["items"]:
                await operator.verify_feed_item(item)
                head = int(item["position"])
                events += 1


async def test_the_demo_runs_to_its_summary_with_every_event_delivered_and_verified(
    data_dir: Path,
) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "hub.cli",
        "demo",
        "--duration",
        str(DURATION_S),
        "--data-dir",
        str(data_dir),
        "--port",
        "0",
        "--linger",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={k: v for k, v in os.environ.items() if not k.startswith("COMPLAINT_HUB_")},
    )
    assert process.stdout is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(90):
            while not lines or not lines[-1].startswith("the hub keeps serving"):
                raw = await process.stdout.readline()
                assert raw, "the demo ended before its summary:\n" + "\n".join(lines)
                lines.append(raw.decode().rstrip("\n"))
        output = "\n".join(lines)
        base_url = re.search(r"ops: +(http://\S+)/ops", output)
        assert base_url is not None, output
        head, events = await _read_feed(base_url.group(1), data_dir)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
        _, errors = await asyncio.wait_for(process.communicate(), 30)

    assert process.returncode == 0, output + "\n" + errors.decode()[-2000:]
    summary = FEED_LINE.search(output)
    assert summary is not None, output
    assert summary["lost"] == "0"
    assert summary["failures"] == "0"
    # The subscriber's count equals the feed's, and both equal what the feed reads back now.
    assert _number(summary["verified"]) == _number(summary["events"]) == events
    assert _number(summary["head"]) == head == events
    assert events > 100
    assert "participants: 26 registered" in output
    assert "delivered" in output  # a progress line came before the summary
    filed = re.search(r"complaints filed: ([\d,]+)", output)
    assert filed is not None
    assert _number(filed.group(1)) > 10
    breached = re.search(r"deadlines breached: (.+)", output)
    assert breached is not None
    assert breached.group(1) != "none"  # late platforms run past their clocks
    assert re.search(r"^  taobao +\d", output, re.MULTILINE)  # the league table
    assert "/reports?year=2026&month=11&token=" in output
