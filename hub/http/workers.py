"""Several hub processes on one port (`complaint-hub serve --workers N`), so every core works.

The parent serves nothing: it starts the embedded PostgreSQL once (when no database URL is set),
names a fresh metrics directory for prometheus-client, and runs N `complaint-hub serve` worker
processes, each listening on the same port with SO_REUSEPORT (the kernel spreads connections
across them). A worker that dies is started again; SIGTERM or SIGINT is passed on to every
worker, which stops gracefully, and the parent exits 0 once all have. A worker dies with the
parent (PR_SET_PDEATHSIG), so killing the parent never leaves workers serving on their own.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import dataclasses
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import structlog

from hub.http.admission import SLOT_VARIABLE
from hub.metrics.multiprocess import VARIABLE as METRICS_DIR_VARIABLE
from hub.metrics.multiprocess import forget_worker
from hub.settings import PREFIX, Settings

if TYPE_CHECKING:
    from pgserver.postgres_server import PostgresServer

log = structlog.get_logger("hub.http.workers")

# A worker that dies sooner than this after its start waits this long before the next start, so
# a worker that cannot start (a bad setting, the database gone) does not spin.
_RESTART_BACKOFF_S = 1.0
_POLL_S = 0.2
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the worker, before exec: the kernel kills it when the parent goes (Linux only)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return
    libc = ctypes.CDLL(name, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def port_in_use(host: str, port: int) -> bool:
    """Whether some socket is bound to host:port already: a hub (alone or with its workers) or
    any other process. The probe binds without SO_REUSEPORT, which a port another process holds
    refuses even when that process set it, so a second hub cannot quietly share the first's
    port and split its traffic. Port 0 (any free port) is never in use."""
    if port == 0:
        return False
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is no owner
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def reserve_port(host: str, port: int) -> socket.socket:
    """A bound, never listening socket with SO_REUSEPORT: fixes the port (a free one for 0) for
    the workers to share, and receives no connection itself."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


@dataclasses.dataclass
class _Worker:
    number: int
    process: subprocess.Popen[bytes]
    started: float


class WorkerPool:
    """N worker processes of `command`, restarted when they die, stopped together."""

    def __init__(self, command: list[str], env: Mapping[str, str], count: int) -> None:
        self._command = command
        self._env = dict(env)
        self._count = count
        self._workers: list[_Worker] = []
        self._stopping = False
        self.restarts = 0

    def _start(self, number: int) -> _Worker:
        # Each worker counts its open connections in its own slot (hub/http/admission.py).
        env = {**self._env, SLOT_VARIABLE: f"{number}/{self._count}"}
        process = subprocess.Popen(self._command, env=env, preexec_fn=_die_with_parent)
        return _Worker(number, process, time.monotonic())

    def start(self, first_listening: Callable[[], bool], timeout_s: float = 120) -> None:
        """The first worker, then the others once it listens (or has had `timeout_s`): the hub
        answers as soon as one process could, rather than when all have shared the cores to
        import and migrate at once."""
        self._workers = [self._start(0)]
        deadline = time.monotonic() + timeout_s
        while not self._stopping and time.monotonic() < deadline:
            if first_listening() or self._workers[0].process.poll() is not None:
                break
            time.sleep(_POLL_S / 2)
        self._workers += [self._start(number) for number in range(1, self._count)]

    def stop(self) -> None:
        self._stopping = True

    def pids(self) -> list[int]:
        return [worker.process.pid for worker in self._workers]

    def run(self, shutdown_timeout_s: float) -> int:
        """Watch the workers until `stop`; then stop them all. Returns the exit status."""
        while not self._stopping:
            for index, worker in enumerate(self._workers):
                code = worker.process.poll()
                if code is None or self._stopping:
                    continue
                log.error("worker_died", worker=worker.number, returncode=code)
                forget_worker(self._env, worker.process.pid)
                if time.monotonic() - worker.started < _RESTART_BACKOFF_S:
                    time.sleep(_RESTART_BACKOFF_S)
                self._workers[index] = self._start(worker.number)
                self.restarts += 1
            time.sleep(_POLL_S)
        return self._terminate(shutdown_timeout_s)

    def _terminate(self, timeout_s: float) -> int:
        for worker in self._workers:
            if worker.process.poll() is None:
                worker.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        status = 0
        for worker in self._workers:
            try:
                code = worker.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.process.kill()
                code = worker.process.wait()
            # A worker stopped by SIGTERM exits 0 once drained; one that got a second SIGTERM
            # (a whole process group signalled) dies of it; anything else is reported.
            if code not in (0, -signal.SIGTERM):
                log.error("worker_stopped_badly", worker=worker.number, returncode=code)
                status = 1
        return status


def listening(host: str, port: int) -> Callable[[], bool]:
    """Whether some process accepts connections on host:port (the reserved socket does not)."""

    def probe() -> bool:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            return False

    return probe


def worker_environment(
    settings: Settings, port: int, database_url: str | None, metrics_dir: Path | None
) -> dict[str, str]:
    env = {**os.environ, f"{PREFIX}PORT": str(port)}
    if database_url is not None:
        env[f"{PREFIX}DATABASE_URL"] = database_url
    if metrics_dir is not None:
        env[METRICS_DIR_VARIABLE] = str(metrics_dir)
    return env


def fresh_metrics_dir(data_dir: Path) -> Path:
    """An empty directory for this run's metrics files, under the data directory."""
    path = (data_dir / "metrics").resolve()
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def run_workers(
    settings: Settings,
    count: int,
    *,
    announce: Callable[[int], None],
    start_embedded: Callable[[Path], tuple[PostgresServer, str]],
) -> int:
    """Serve with `count` worker processes until SIGTERM or SIGINT; returns the exit status."""
    reserved = reserve_port(settings.host, settings.port)
    port = int(reserved.getsockname()[1])
    server: PostgresServer | None = None
    database_url = settings.database_url
    if database_url is None:
        server, database_url = start_embedded(settings.data_dir)
    metrics_dir = None
    if not os.environ.get(METRICS_DIR_VARIABLE):
        metrics_dir = fresh_metrics_dir(settings.data_dir)
    command = [sys.executable, "-m", "hub.cli", "serve", "--workers", "1", "--reuse-port"]
    pool = WorkerPool(command, worker_environment(settings, port, database_url, metrics_dir), count)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: pool.stop())
    try:
        pool.start(listening(settings.host, port))
        announce(port)
        # Workers get the shutdown timeout to drain, and a margin to close their resources.
        return pool.run(settings.shutdown_timeout_s + 15)
    finally:
        reserved.close()
        if server is not None:
            server.cleanup()
