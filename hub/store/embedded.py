"""The embedded PostgreSQL (pgserver) used when no database URL is configured."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pgserver.postgres_server import PostgresServer

# Unix socket paths are limited to about 100 characters; pgserver puts the socket in the data
# directory, so a long path makes it fall back to a temporary directory. Keep it short.
_MAX_SOCKET_DIR = 90


def start_embedded(data_dir: Path, *, stop_on_exit: bool = True) -> tuple[PostgresServer, str]:
    """Start (or join) the embedded server whose data lives in `data_dir/pg`; return it and its URL.

    The server outlives nothing: with `stop_on_exit` it stops when the last process using it exits.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on servers
        from pgserver.postgres_server import get_server

    pgdata = (data_dir / "pg").resolve()
    if len(str(pgdata)) > _MAX_SOCKET_DIR:
        logging.getLogger(__name__).warning("embedded_data_dir_long path=%s", pgdata)
    pgdata.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server = get_server(pgdata, cleanup_mode="stop" if stop_on_exit else None)
    return server, server.get_uri()
