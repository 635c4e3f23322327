"""A second hub started on a port something already holds refuses to start, in one line and
with status 2, instead of quietly sharing the port (SO_REUSEPORT) and splitting the traffic."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hubproc import REPO, hub_process


def _serve(port: int, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("COMPLAINT_HUB_")}
    env.update(
        COMPLAINT_HUB_HOST="127.0.0.1",
        COMPLAINT_HUB_PORT=str(port),
        COMPLAINT_HUB_DATA_DIR=str(data_dir),
        PYTHONPATH=str(REPO),
    )
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", "serve", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _refused_in_one_line(result: subprocess.CompletedProcess[str], port: int) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr[-2000:])
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"port {port} " in lines[0]
    assert "already in use" in lines[0]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_port_held_by_any_process_is_refused(tmp_path: Path, workers: str) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        _refused_in_one_line(_serve(port, tmp_path, "--workers", workers), port)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_port_a_hub_with_workers_serves_is_refused_to_a_second_hub(
    database_url: str, tmp_path: Path, workers: str
) -> None:
    env = {
        "COMPLAINT_HUB_DATABASE_URL": database_url,
        "COMPLAINT_HUB_DATA_DIR": str(tmp_path / "first"),
        "COMPLAINT_HUB_LOG_LEVEL": "WARNING",
    }
    with hub_process(env, tmp_path / "hub.log", serve_args=("--workers", "2")) as url:
        port = int(url.rsplit(":", 1)[1])
        _refused_in_one_line(_serve(port, tmp_path / "second", "--workers", workers), port)
