"""What every command shares: tables or JSON on stdout, one-line errors, a database to work on."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from hub.settings import Settings

if TYPE_CHECKING:
    import asyncpg
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
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
    """--kid, --key and --url: whom a command signs as, and which hub it talks to.

    Each may instead come from COMPLAINT_HUB_KID, _KEY and _URL, or from a profile saved with
    `complaint-hub profile add` (hub/cli/profile.py fills them in before the command runs)."""
    parser.add_argument("--kid", help="your registered key id (or COMPLAINT_HUB_KID)")
    parser.add_argument("--key", help="your private key, PEM (or COMPLAINT_HUB_KEY)")
    parser.add_argument(
        "--url", help="the hub's base URL, e.g. http://127.0.0.1:8080 (or COMPLAINT_HUB_URL)"
    )
    parser.add_argument(
        "--profile",
        help="take --kid, --key and --url left out from this saved profile"
        " (or COMPLAINT_HUB_PROFILE; else the profile named default, if saved)",
    )
    parser.set_defaults(signing=True)


class CommandError(Exception):
    """A command cannot go on; the message names the option or file and what to do about it."""


def read_private_key(path: str) -> Ed25519PrivateKey:
    """The signing key at --key `path`, or a CommandError saying what to give instead."""
    from hub.crypto.keys import KeyFormatError, load_private_key_file

    try:
        return load_private_key_file(path)
    except FileNotFoundError:
        raise CommandError(
            f"--key {path}: no such file; give the private key KID.pem that"
            " `complaint-hub keys generate` wrote"
        ) from None
    except OSError as err:
        raise CommandError(f"--key {path}: cannot read it ({err.strerror})") from None
    except (KeyFormatError, ValueError) as err:
        hint = ""
        if path.endswith(".json") or Path(path).read_bytes().lstrip().startswith(b"{"):
            hint = "; that is a JWK, the public half: give the KID.pem beside it"
        raise CommandError(f"--key {path}: {err}{hint}") from None


def read_json_file(path: str, holding: str) -> Any:
    """The JSON document in `path`, or a CommandError naming the file and what it must hold."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file; give a JSON file holding {holding}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise CommandError(f"{path}: cannot read it ({err})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise CommandError(
            f"{path}: not JSON ({err.msg} at line {err.lineno} column {err.colno});"
            f" the file must hold {holding}"
        ) from None


def unreachable(url: str, err: BaseException) -> str:
    """Why the hub at --url `url` did not answer, in words that say what to check."""
    import aiohttp

    reason = str(err) or type(err).__name__
    if isinstance(err, aiohttp.ClientConnectorError):
        # aiohttp's own text names "ssl:default" even for http://; the OS's reason is the point
        reason = err.os_error.strerror or str(err.os_error) or type(err.os_error).__name__
    elif isinstance(err, TimeoutError):
        reason = "no answer in time"
    return f"cannot reach the hub at --url {url}: {reason}; is the hub running at that address?"


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

    from hub.sdk.client import HubClient, HubError

    url_problem = hub_url_problem(args.url)
    if url_problem is not None:
        return fail(url_problem)
    private_key = read_private_key(args.key)

    async def run() -> Any:
        async with HubClient(args.url, args.kid, private_key) as hub:
            return await work(hub)

    try:
        result = asyncio.run(run())
    except HubError as err:
        return fail(problem_line(err.status, err.problem))
    except (OSError, aiohttp.ClientError, TimeoutError) as err:
        return fail(unreachable(args.url, err))
    show(result)
    return 0
