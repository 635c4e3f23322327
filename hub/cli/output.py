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
    from hub.logs import configure_logging

    # What the database layer logs (a migration applied) goes to stderr: stdout is the
    # command's answer, often JSON another program reads.
    configure_logging(settings.log_format, settings.log_level)

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


def add_signing_options(parser: argparse.ArgumentParser) -> None:
    """--kid, --key and --url: whom a command signs as, and which hub it talks to."""
    parser.add_argument("--kid", required=True, help="your registered key id")
    parser.add_argument("--key", required=True, help="your private key, PEM")
    parser.add_argument(
        "--url", required=True, help="the hub's base URL, e.g. http://127.0.0.1:8080"
    )


def hub_url_problem(url: str) -> str | None:
    """Why `url` cannot be a hub's base URL, or None."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"--url {url} needs a scheme and a host, e.g. http://{url.split('://')[-1]}"
    if parts.query or parts.fragment:
        return f"--url {url}: give the base URL only, without a query or fragment"
    return None


def problem_line(status: int, problem: dict[str, Any]) -> str:
    """A hub's RFC 9457 answer on one line: status, type and what to fix."""
    slug = str(problem.get("type", "")).rsplit("/", 1)[-1] or "error"
    detail = str(problem.get("detail", "")).replace("\n", " ")
    prefix = f"{status} {slug}" if status else slug
    return f"{prefix}: {detail}" if detail else prefix


def run_signed(
    args: argparse.Namespace,
    work: Callable[[Any], Awaitable[Any]],
    show: Callable[[Any], None],
) -> int:
    """Run `work` with a HubClient signing as --kid/--key; one line on stderr if it fails."""
    import aiohttp

    from hub.crypto.keys import KeyFormatError, load_private_key_file
    from hub.sdk.client import HubClient, HubError

    url_problem = hub_url_problem(args.url)
    if url_problem is not None:
        return fail(url_problem)
    try:
        private_key = load_private_key_file(args.key)
    except (OSError, ValueError, KeyFormatError) as err:
        return fail(str(err))

    async def run() -> Any:
        async with HubClient(args.url, args.kid, private_key) as hub:
            return await work(hub)

    try:
        result = asyncio.run(run())
    except HubError as err:
        return fail(problem_line(err.status, err.problem))
    except (OSError, aiohttp.ClientError, TimeoutError) as err:
        return fail(f"cannot reach {args.url}: {err or type(err).__name__}")
    show(result)
    return 0
