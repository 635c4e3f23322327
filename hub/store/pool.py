"""Connection pool creation: one place that knows how the hub talks to PostgreSQL, and which of
the driver's errors mean that the database cannot be reached now."""

from __future__ import annotations

from typing import Any, TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy

# A connection as the store's functions take it: one of its own, or one borrowed from a pool
# (`pool.acquire()` yields a proxy, not an `asyncpg.Connection`, though it behaves as one).
Conn: TypeAlias = "asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]"


class DatabaseUnreachable(ConnectionError):
    """A pool could not open a connection: the server is stopped or refuses, or takes no
    connection to this database now (shutting down, starting up, too many clients, connections
    not allowed). The driver's own error is the cause."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(f"{type(error).__name__}: {error}")
        self.error_type = type(error).__name__


# What the driver raises when the database cannot be reached now, rather than that a statement
# is wrong; each passes once the database is back. Not among them: a statement canceled, a
# protocol violation, a value refused, a timeout (retrying would not help, or it is no outage).
DATABASE_DOWN: tuple[type[Exception], ...] = (
    DatabaseUnreachable,  # whatever connecting raised, however the driver spelled it
    ConnectionRefusedError,  # a connection opened outside a pool
    asyncpg.ConnectionDoesNotExistError,  # lost under a statement
    asyncpg.ConnectionFailureError,
    asyncpg.ClientCannotConnectError,
    asyncpg.ConnectionRejectionError,
    asyncpg.AdminShutdownError,  # terminated by an operator, or the server stopping
    asyncpg.CrashShutdownError,  # another backend crashed, and every one is restarted
    asyncpg.CannotConnectNowError,  # starting up or shutting down
    asyncpg.TooManyConnectionsError,
    # The driver's own state broken: in a running hub, a pooled connection whose server went
    # away between two statements (the first statement after it finds the protocol mid-error).
    asyncpg.InternalClientError,
)


def database_unavailable(err: BaseException) -> bool:
    """True when `err` says the database cannot be reached now: one of DATABASE_DOWN, or the
    driver refusing to go on with a connection lost that way (a transaction whose connection
    went under a statement cannot even roll back, and raises an InterfaceError whose context is
    the loss)."""
    if isinstance(err, DATABASE_DOWN):
        return True
    return isinstance(err, asyncpg.InterfaceError) and (
        err.__context__ is not None and database_unavailable(err.__context__)
    )


def error_name(err: BaseException) -> str:
    """How a report names a database error: a connection that could not be opened by what the
    driver raised (FileNotFoundError for a stopped local server's socket, and so on)."""
    return err.error_type if isinstance(err, DatabaseUnreachable) else type(err).__name__


async def _connect(*args: Any, **kwargs: Any) -> asyncpg.Connection[asyncpg.Record]:
    # The one place where a failed connection is known for one, whatever the driver raised: a
    # stopped local server's missing socket is a FileNotFoundError, like any missing file.
    try:
        connection: asyncpg.Connection[asyncpg.Record] = await asyncpg.connect(*args, **kwargs)
    except (OSError, asyncpg.PostgresError) as err:
        raise DatabaseUnreachable(err) from err
    return connection


async def create_pool(dsn: str, *, size: int) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        dsn,
        connect=_connect,
        min_size=min(2, size),
        max_size=size,
        # Statements here are short; a stuck one should fail rather than pin a connection.
        command_timeout=60,
        reset=keep_session,
    )


async def keep_session(conn: Conn) -> None:
    """What the pool does to a connection handed back, beyond rolling back a transaction left
    open (asyncpg always does that): nothing. Its default runs `pg_advisory_unlock_all(); CLOSE
    ALL; UNLISTEN *; RESET ALL` at every release, a round trip per use; the hub leaves none of
    that behind on a pooled connection (settings are SET LOCAL, listeners have connections of
    their own, a session advisory lock ends with its connection: see StatsStore.leading)."""


async def create_read_pool(dsn: str, *, size: int) -> asyncpg.Pool:
    """A pool for the read paths (a streaming replica): every transaction on it is read-only, so
    a write sent down the read path is refused by PostgreSQL even where the URL names a primary.

    It opens no connection up front (`min_size=0`): a replica that is down at start stops the
    read paths (503), not the hub, which still accepts events.
    """
    return await asyncpg.create_pool(
        dsn,
        connect=_connect,
        min_size=0,
        max_size=size,
        command_timeout=60,
        server_settings={"default_transaction_read_only": "on"},
    )
