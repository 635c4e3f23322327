"""Which errors mean that the database cannot be reached now, told by their type alone: a pool
that cannot connect says so in one type, whatever the driver raised for it."""

from __future__ import annotations

from urllib.parse import urlsplit

import asyncpg
import pytest

from hub.store.pool import (
    DatabaseUnreachable,
    create_pool,
    create_read_pool,
    database_unavailable,
    error_name,
)

# Nothing listens on this socket: a local server that is stopped.
STOPPED = "postgresql://postgres@/hub?host=/tmp/complaint-hub-stopped&port=5999"


def _raised_while_handling(error: Exception, context: BaseException) -> Exception:
    """`error` as Python leaves it when raised while `context` was being handled."""
    try:
        try:
            raise context
        except BaseException:
            raise error  # noqa: B904 (the context is what is under test)
    except Exception as raised:
        return raised


@pytest.mark.parametrize(
    "error",
    [
        DatabaseUnreachable(FileNotFoundError(2, "No such file or directory")),
        ConnectionRefusedError(111, "Connection refused"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.CrashShutdownError("terminating connection because of crash of another process"),
        asyncpg.CannotConnectNowError("the database system is shutting down"),
        asyncpg.TooManyConnectionsError("sorry, too many clients already"),
        # An idle pooled connection whose server went away, used before the driver saw it go.
        asyncpg.InternalClientError(
            "cannot switch to state 12; another operation (2) is in progress"
        ),
        # A transaction whose connection was lost under a statement cannot roll back either.
        _raised_while_handling(
            asyncpg.InterfaceError("cannot call Transaction.__aexit__(): the connection is closed"),
            asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        ),
        _raised_while_handling(
            asyncpg.InterfaceError("cannot call Transaction.__aexit__(): the connection is closed"),
            asyncpg.InternalClientError("cannot switch to state 12; another operation (2)"),
        ),
    ],
    ids=lambda error: type(error).__name__,
)
def test_an_error_of_a_database_away_is_told_by_its_type(error: Exception) -> None:
    assert database_unavailable(error)


@pytest.mark.parametrize(
    "error",
    [
        FileNotFoundError(2, "No such file or directory", "/srv/hub/holidays.json"),
        ConnectionResetError(104, "Connection reset by peer"),  # a client gone, say
        TimeoutError(),
        asyncpg.QueryCanceledError("canceling statement due to statement timeout"),
        asyncpg.ProtocolViolationError("bind message supplies 1 parameters, but requires 2"),
        asyncpg.UniqueViolationError("duplicate key value violates unique constraint"),
        asyncpg.InterfaceError("the server expects 2 arguments for this query, 1 was passed"),
        _raised_while_handling(
            asyncpg.InterfaceError("cannot perform operation: another operation is in progress"),
            KeyError("complaint_id"),
        ),
    ],
    ids=lambda error: type(error).__name__,
)
def test_an_error_that_a_retry_would_not_mend_is_no_database_outage(error: Exception) -> None:
    assert not database_unavailable(error)


async def test_a_pool_that_cannot_reach_its_server_says_so_by_type_and_names_the_cause() -> None:
    pool = await create_read_pool(STOPPED, size=1)  # opens nothing until asked
    try:
        with pytest.raises(DatabaseUnreachable) as raised:
            await pool.fetchval("SELECT 1")
    finally:
        await pool.close()
    assert isinstance(raised.value.__cause__, FileNotFoundError)
    assert database_unavailable(raised.value)
    assert error_name(raised.value) == "FileNotFoundError"
    with pytest.raises(DatabaseUnreachable):
        await create_pool(STOPPED, size=2)


async def test_a_database_that_takes_no_connections_is_unreachable(
    server_url: str, database_url: str
) -> None:
    name = urlsplit(database_url).path.lstrip("/")
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
        with pytest.raises(DatabaseUnreachable) as raised:
            await create_pool(database_url, size=1)
    finally:
        await admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
        await admin.close()
    assert database_unavailable(raised.value)
    assert error_name(raised.value) == "ObjectNotInPrerequisiteStateError"
