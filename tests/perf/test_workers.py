"""`complaint-hub serve --workers 2`: two processes on one port, a dead one started again, the
metrics directory named for them, and SIGTERM stopping them all with status 0."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.hubproc import REPO, free_port, wait_ready

pytestmark = pytest.mark.slow


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return sorted(found)


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().partition("=")[::2] for item in raw if b"=" in item)


def _listening_pids(port: int) -> set[int]:
    listening = subprocess.run(
        ["ss", "-Htlnp", f"sport = :{port}"], capture_output=True, text=True, check=True
    ).stdout
    return {int(part[4:]) for part in listening.replace(",", " ").split() if part[:4] == "pid="}


def _until(condition: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_two_workers_share_the_port_and_a_dead_one_is_started_again(
    database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"},
        "PYTHONPATH": str(REPO),
        "COMPLAINT_HUB_DATABASE_URL": database_url,
        "COMPLAINT_HUB_DATA_DIR": str(tmp_path),
        "COMPLAINT_HUB_HOST": "127.0.0.1",
        "COMPLAINT_HUB_PORT": str(port),
        "COMPLAINT_HUB_SWEEP_INTERVAL_S": "3600",
    }
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "hub.log"
    with open(log, "wb") as out:
        parent = subprocess.Popen(
            [sys.executable, "-m", "hub.cli", "serve", "--workers", "2"],
            env=env,
            stdout=out,
            stderr=out,
            cwd=REPO,
        )
    try:
        wait_ready(url, timeout_s=90)
        _until(lambda: len(_children(parent.pid)) == 2, 90)
        workers = _children(parent.pid)
        # Both listen on the one port (SO_REUSEPORT): the kernel spreads connections over them.
        _until(lambda: _listening_pids(port) == set(workers), 90)
        # Only now: a worker just forked shows its parent's environment until it has exec'd.
        for worker in workers:
            assert _environ(worker)["PROMETHEUS_MULTIPROC_DIR"] == str(tmp_path / "metrics")

        os.kill(workers[0], signal.SIGKILL)
        _until(
            lambda: len(_children(parent.pid)) == 2 and workers[0] not in _children(parent.pid), 30
        )
        with urllib.request.urlopen(url + "/healthz", timeout=5) as response:
            assert response.status == 200
    finally:
        parent.send_signal(signal.SIGTERM)
        parent.wait(timeout=90)
    assert parent.returncode == 0, log.read_text()[-3000:]
    assert "worker_died" in log.read_text()
