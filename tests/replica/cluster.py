"""A real primary and a real streaming replica on this machine, from the binaries pgserver ships.

The primary runs with `wal_level=replica` and a replication entry in pg_hba; the replica is made
with `pg_basebackup -R` (which writes `standby.signal` and `primary_conninfo`) and runs as a hot
standby on its own socket. Both listen on Unix sockets only, in short directories (socket paths
are limited to about 100 characters). As root the servers run as pgserver's own system user,
since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on servers
    from pgserver._commands import POSTGRES_BIN_PATH

_SYSTEM_USER = "pgserver"
_PRIMARY_PORT = 5432
_REPLICA_PORT = 5433
_TIMEOUT_S = 20


@dataclass(frozen=True)
class Cluster:
    primary_dir: Path
    replica_dir: Path

    def url(self, database: str, *, replica: bool = False) -> str:
        socket_dir = self.replica_dir if replica else self.primary_dir
        port = _REPLICA_PORT if replica else _PRIMARY_PORT
        return f"postgresql://postgres@/{database}?host={socket_dir}&port={port}"


def _run(args: list[str], user: str | None) -> None:
    subprocess.run(
        args,
        check=True,
        user=user,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=_TIMEOUT_S,
    )


def _bin(name: str) -> str:
    return str(POSTGRES_BIN_PATH / name)


def _configure(data_dir: Path, port: int, extra: str = "") -> None:
    # Appended lines win over earlier ones in postgresql.conf.
    with (data_dir / "postgresql.conf").open("a") as conf:
        conf.write(
            f"\nlisten_addresses = ''\nunix_socket_directories = '{data_dir}'\nport = {port}\n"
            # a test cluster: durability is not what is being shown, speed is welcome
            "fsync = off\nfull_page_writes = off\n" + extra
        )


def _prepare_system_user() -> None:
    """What pgserver does before it runs a server as root: its user exists and may run the
    binaries and read their libraries (a fresh install leaves them root's alone)."""
    from pgserver.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    ensure_user_exists(_SYSTEM_USER)
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    readable = stat.S_IRGRP | stat.S_IROTH
    ensure_folder_permissions(POSTGRES_BIN_PATH, readable | stat.S_IXGRP | stat.S_IXOTH)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", readable)


@contextlib.contextmanager
def streaming_cluster() -> Iterator[Cluster]:
    """Start a primary and its streaming replica; stop both (immediately) and remove them on
    exit, whatever happened in between."""
    user: str | None = None
    base = Path(tempfile.mkdtemp(prefix="chr", dir="/tmp"))
    if os.geteuid() == 0:
        _prepare_system_user()
        user = _SYSTEM_USER
        shutil.chown(base, user, user)
    primary, replica = base / "p", base / "r"
    started: list[Path] = []
    try:
        _run([_bin("initdb"), "-D", str(primary), "-U", "postgres", "--auth=trust", "-N"], user)
        streaming = "wal_level = replica\nmax_wal_senders = 4\nwal_keep_size = 64MB\n"
        _configure(primary, _PRIMARY_PORT, streaming)
        with (primary / "pg_hba.conf").open("a") as hba:
            hba.write("\nlocal replication postgres trust\n")
        _run([_bin("pg_ctl"), "-D", str(primary), "-l", str(base / "p.log"), "-w", "start"], user)
        started.append(primary)
        _run(
            [
                _bin("pg_basebackup"),
                *("-D", str(replica), "-h", str(primary), "-p", str(_PRIMARY_PORT)),
                *("-U", "postgres", "-R", "-X", "stream", "-c", "fast", "-N"),
            ],
            user,
        )
        _configure(replica, _REPLICA_PORT, "hot_standby = on\n")
        _run([_bin("pg_ctl"), "-D", str(replica), "-l", str(base / "r.log"), "-w", "start"], user)
        started.append(replica)
        yield Cluster(primary, replica)
    finally:
        for data_dir in reversed(started):
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                _run([_bin("pg_ctl"), "-D", str(data_dir), "-m", "immediate", "-w", "stop"], user)
        shutil.rmtree(base, ignore_errors=True)
