"""What every command shares: tables or JSON on stdout, one-line errors, a database to work on."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from hub.settings import Settings

if TYPE_CHECKING:
    import asyncpg
    from pgserver.postgres_server import PostgresServer

T = TypeVar("T")


def print_rows(rows: Sequence[dict[str, Any]], as_json: bool, columns: Sequence[str]) -> None:
    if as_json:
        print(json.dumps(rows, indent=2, default=str, ensure_ascii=False))
        return
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    print("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)))
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value) or "-"
    return str(value)


def run_with_database(settings: Settings, work: Callable[[asyncpg.Pool], Awaitable[T]]) -> T:
    async def migrated(pool: asyncpg.Pool) -> T:
        from hub.store.migrate import migrate

        async with pool.acquire() as conn:
            await migrate(conn)
        return await work(pool)

    return asyncio.run(with_database(settings, migrated))


def fail(message: str) -> int:
    print(f"complaint-hub: {message}", file=sys.stderr)
    return 1


async def with_database(settings: Settings, work: Callable[[asyncpg.Pool], Awaitable[T]]) -> T:
    from hub.store.embedded import start_embedded
    from hub.store.pool import create_pool

    server: PostgresServer | None = None
    dsn = settings.database_url
    if dsn is None:
        embedded = await asyncio.to_thread(start_embedded, settings.data_dir)
        server, dsn = embedded
    pool = await create_pool(dsn, size=2)
    try:
        return await work(pool)
    finally:
        await pool.close()
        if server is not None:
            server.cleanup()


def add_command(
    group: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    handler: Callable[..., int],
    help_text: str,
) -> argparse.ArgumentParser:
    """A sub-command with the --json switch every listing command has."""
    sub = group.add_parser(name, help=help_text, description=help_text)
    sub.add_argument("--json", action="store_true", help="print JSON instead of a table")
    sub.set_defaults(handler=handler)
    return sub
