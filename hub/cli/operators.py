"""`complaint-hub operators ...`: who may log in to /ops. Needs the database, like `migrate`."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime
from typing import Any

from hub.cli.output import add_command, fail, print_rows, run_with_database
from hub.settings import Settings

MIN_PASSWORD_CHARS = 12


def _read_password() -> str:
    """Prompted twice on a terminal; the first line of stdin otherwise (scripts, tests)."""
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != first:
            raise ValueError("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _operators_add(args: argparse.Namespace, settings: Settings) -> int:
    from hub.ops.operator_names import is_operator_name
    from hub.ops.passwords import hash_password
    from hub.problems import Problem
    from hub.store.operators import OperatorStore

    if not is_operator_name(args.name):
        return fail(f"operator name {args.name!r}: letters, digits, '.', '_' and '-', up to 64")
    try:
        password = _read_password()
    except (ValueError, EOFError) as err:
        return fail(str(err) or "no password given")
    if len(password) < MIN_PASSWORD_CHARS:
        return fail(f"the password needs at least {MIN_PASSWORD_CHARS} characters")
    password_hash = hash_password(password)

    async def work(pool: Any) -> None:
        await OperatorStore(pool).add(args.name, password_hash, datetime.now(UTC))

    try:
        run_with_database(settings, work)
    except Problem as err:
        return fail(err.detail)
    print(f"operator {args.name} added")
    return 0


def _operators_list(args: argparse.Namespace, settings: Settings) -> int:
    from hub.store.operators import OperatorStore

    async def work(pool: Any) -> list[Any]:
        return await OperatorStore(pool).all()

    rows = [{"name": o.name, "created_at": o.created_at} for o in run_with_database(settings, work)]
    print_rows(rows, args.json, ("name", "created_at"))
    return 0


def _operators_remove(args: argparse.Namespace, settings: Settings) -> int:
    from hub.store.operators import OperatorStore

    async def work(pool: Any) -> bool:
        return await OperatorStore(pool).remove(args.name)

    if not run_with_database(settings, work):
        return fail(f"no operator named {args.name}")
    print(f"operator {args.name} removed, with their sessions")
    return 0


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    operators = commands.add_parser("operators", help="operator accounts for the /ops page")
    group = operators.add_subparsers(dest="action", required=True, metavar="ACTION")
    help_text = "add an operator; the password is prompted for (or read from stdin)"
    add = group.add_parser("add", help=help_text, description=help_text)
    add.add_argument("name")
    add.set_defaults(handler=_operators_add)
    add_command(group, "list", _operators_list, "list the operators")
    help_text = "remove an operator and end their sessions"
    remove = group.add_parser("remove", help=help_text, description=help_text)
    remove.add_argument("name")
    remove.set_defaults(handler=_operators_remove)
