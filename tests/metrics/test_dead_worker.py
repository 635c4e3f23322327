"""A worker killed before it could mark itself dead: its parent drops its live gauges for it."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from hub.metrics.multiprocess import VARIABLE, forget_worker

ROOT = Path(__file__).resolve().parents[2]

# A worker's last moments: it counts, holds a feed client, and is killed (no cleanup runs).
_WORKER = """
import os
from hub.metrics import instruments
instruments.FEED_CLIENTS.labels("sse").inc()
instruments.HTTP_REQUESTS.labels("GET", "/v1/feed/stream", "200").inc()
print(os.getpid(), flush=True)
os._exit(0)
"""


async def test_the_parent_forgets_the_live_gauges_of_a_worker_that_died(tmp_path: Path) -> None:
    env = {**os.environ, VARIABLE: str(tmp_path), "PYTHONPATH": str(ROOT)}
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _WORKER, env=env, stdout=asyncio.subprocess.PIPE
    )
    output, _ = await worker.communicate()
    pid = int(output)
    assert (tmp_path / f"gauge_livesum_{pid}.db").exists()

    forget_worker({VARIABLE: str(tmp_path)}, pid)

    assert not (tmp_path / f"gauge_livesum_{pid}.db").exists()
    assert (tmp_path / f"counter_{pid}.db").exists()  # what it counted still adds up
