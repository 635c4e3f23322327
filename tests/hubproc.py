"""Run real hub processes for multi-process tests, and the command line as a shell user does."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from hub.settings import Settings

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"hub at {url} not ready within {timeout_s}s")


@contextlib.contextmanager
def hub_process(
    env: Mapping[str, str], log_path: Path, *, serve_args: Sequence[str] = ()
) -> Iterator[str]:
    """A `complaint-hub serve` child process; yields its base URL, stops it with SIGTERM."""
    port = free_port()
    child_env = {
        **os.environ,
        **env,
        "COMPLAINT_HUB_PORT": str(port),
        "COMPLAINT_HUB_HOST": "127.0.0.1",
        "PYTHONPATH": str(REPO),
    }
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "hub.cli", "serve", *serve_args],
            env=child_env,
            stdout=log,
            stderr=log,
            cwd=REPO,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_ready(url)
            yield url
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                raise
        # SIGTERM is a clean stop: in-flight requests drained, resources closed, status 0.
        assert process.returncode == 0, log_path.read_text()[-2000:]


def hub_cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """`complaint-hub ARGS` against the test's database and data directory, with no other
    COMPLAINT_HUB_ variable of this process leaking in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPLAINT_HUB_")}
    env |= {
        "COMPLAINT_HUB_DATABASE_URL": settings.database_url or "",
        "COMPLAINT_HUB_DATA_DIR": str(settings.data_dir),
        "PYTHONPATH": str(REPO),
    }
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )


async def run_hub_cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """hub_cli from a test's event loop, which goes on serving the hub meanwhile."""
    return await asyncio.to_thread(hub_cli, settings, *args)
