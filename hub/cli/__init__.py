"""The `complaint-hub` console script: sub-commands that call into the layers below."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, NoReturn

from hub import __version__
from hub.cli import (
    adapters,
    audit,
    batch,
    complaints,
    demo,
    feed,
    hub_key,
    keys,
    operators,
    participants,
    personal,
    profile,
    retention,
    send,
    serve,
    stats,
    status,
    sweep,
    sync,
    witness,
)
from hub.cli.output import CommandError, with_database
from hub.settings import Settings, SettingsError, closest_variable, unknown_variables

if TYPE_CHECKING:
    import asyncpg

Command = Callable[[argparse.Namespace, Settings], int]


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from hub.cli.serve import serve_command

    return serve_command(args, settings)


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    from hub.store.migrate import migrate

    async def work(pool: asyncpg.Pool) -> list[str]:
        async with pool.acquire() as conn:
            return [f"{m.number:04d}_{m.name}" for m in await migrate(conn)]

    applied = asyncio.run(with_database(settings, work))
    print("applied: " + ", ".join(applied) if applied else "up to date")
    return 0


def _db_url(args: argparse.Namespace, settings: Settings) -> int:
    if settings.database_url:
        print(settings.database_url)
        return 0
    from hub.store.embedded import start_embedded

    # The server keeps running after this command, so the URL stays usable for psql.
    _, url = start_embedded(settings.data_dir, stop_on_exit=False)
    print(url)
    return 0


def _version(args: argparse.Namespace, settings: Settings) -> int:
    print(__version__)
    return 0


class _Parser(argparse.ArgumentParser):
    """Refuses bad arguments in one line, like every other command error; --help has the rest."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = _Parser(
        prog="complaint-hub",
        description="The neutral exchange of consumer complaints between platforms and authorities."
        " Settings come from COMPLAINT_HUB_* environment variables (see README).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, handler, help_text in (
        ("serve", _serve, "run the hub (embedded PostgreSQL unless COMPLAINT_HUB_DATABASE_URL)"),
        ("migrate", _migrate, "apply pending database migrations and exit"),
        ("db-url", _db_url, "print the database URL (starts the embedded server if needed)"),
        ("version", _version, "print the version"),
    ):
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        if name == "serve":
            serve.add_arguments(sub)
    _register_extensions(commands)
    return parser


def _register_extensions(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """One module per command group; each adds its sub-commands here."""
    for register in (
        participants.register,
        keys.register,
        send.register,
        batch.register,
        hub_key.register,
        sweep.register,
        personal.register,
        retention.register,
        adapters.register,
        sync.register,
        audit.register,
        witness.register,
        demo.register,
        stats.register,
        complaints.register,
        feed.register,
        operators.register,
        status.register,
        profile.register,
    ):
        register(commands)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_environ(os.environ)
    except SettingsError as err:
        print(f"complaint-hub: bad setting: {err}", file=sys.stderr)
        return 2
    _warn_unknown_variables(os.environ)
    handler: Command = args.handler
    try:
        if getattr(args, "signing", False):
            profile.fill_signing_options(args, os.environ)
        return handler(args, settings)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `complaint-hub ... | head` closed the pipe: the reader has what it wanted
        _quiet_stdout()
        return 141  # 128 + SIGPIPE, as a shell reports a pipeline's writer
    except CommandError as err:
        print(f"complaint-hub: {err}", file=sys.stderr)
        return 1
    except Exception as err:  # a command fails in one line, never a traceback
        print(f"complaint-hub: {args.command}: {type(err).__name__}: {err}", file=sys.stderr)
        return 1


def _warn_unknown_variables(environ: Mapping[str, str]) -> None:
    """A COMPLAINT_HUB_* variable nothing reads is most often a typo that would pass unnoticed."""
    from hub.http.admission import SLOT_VARIABLE

    if SLOT_VARIABLE in environ:
        return  # a worker `serve` started: its parent has warned once already
    for name in unknown_variables(environ, profile.READ_BY_COMMAND_LINE):
        meant = closest_variable(name, profile.READ_BY_COMMAND_LINE)
        hint = f"; did you mean {meant}?" if meant else "; see README for the settings"
        print(f"complaint-hub: warning: {name} is not a setting, ignored{hint}", file=sys.stderr)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so flushing it at exit raises nothing more."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives until the process ends
    finally:
        os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
