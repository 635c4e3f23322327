"""`complaint-hub participants ...`: who may speak at the hub."""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from hub.cli.output import add_command, fail, print_rows, run_with_database
from hub.settings import Settings


def _participants_add(args: argparse.Namespace, settings: Settings) -> int:
    from hub.domain.registration import registration_problem
    from hub.platforms.registry import installed_adapters
    from hub.problems import Problem
    from hub.store.participants import Participant, ParticipantStore

    problem = registration_problem(args.role, args.platform, args.region, installed_adapters())
    if problem is not None:
        return fail(problem)
    participant = Participant(
        args.id, args.name, args.role, args.platform, tuple(args.region), args.uscc, True
    )

    async def work(pool: Any) -> Participant:
        return await ParticipantStore(pool).add(participant)

    try:
        added = run_with_database(settings, work)
    except Problem as err:
        return fail(err.detail)
    print_rows([dataclasses.asdict(added)], args.json, _PARTICIPANT_COLUMNS)
    return 0


def _participants_list(args: argparse.Namespace, settings: Settings) -> int:
    from hub.store.participants import ParticipantStore

    async def work(pool: Any) -> list[Any]:
        return await ParticipantStore(pool).list()

    print_rows(
        [dataclasses.asdict(p) for p in run_with_database(settings, work)],
        args.json,
        _PARTICIPANT_COLUMNS,
    )
    return 0


def _participants_disable(args: argparse.Namespace, settings: Settings) -> int:
    return _change(args, settings, "disable")


def _participants_enable(args: argparse.Namespace, settings: Settings) -> int:
    return _change(args, settings, "enable")


def _participants_remove(args: argparse.Namespace, settings: Settings) -> int:
    return _change(args, settings, "remove")


def _change(args: argparse.Namespace, settings: Settings, action: str) -> int:
    from hub.problems import Problem
    from hub.store.participants import ParticipantStore

    async def work(pool: Any) -> Any:
        store = ParticipantStore(pool)
        method = {"disable": store.disable, "enable": store.enable, "remove": store.remove}
        return await method[action](args.id)

    try:
        changed = run_with_database(settings, work)
    except Problem as err:
        return fail(err.detail)
    row = dataclasses.asdict(changed)
    if action == "remove":
        # the row as it was, but gone: "enabled" would describe a participant that is no more
        del row["enabled"]
        if args.json:
            print_rows([{**row, "removed": True}], True, ())
        else:
            print(f"removed {changed.participant_id} ({changed.role}, {changed.name}) and its keys")
        return 0
    print_rows([row], args.json, _PARTICIPANT_COLUMNS)
    return 0


_PARTICIPANT_COLUMNS = ("participant_id", "role", "name", "platform", "regions", "enabled")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    participants = commands.add_parser("participants", help="manage participants")
    group = participants.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = add_command(group, "add", _participants_add, "register a participant")
    add.add_argument("id", help="participant id, e.g. hz-amr or jd")
    add.add_argument(
        "--role",
        required=True,
        # enforcement: a bureau's enforcement staff, the readers of reports (举报) of its regions
        choices=("bureau", "platform", "association", "court", "enforcement", "operator"),
    )
    add.add_argument("--name", required=True)
    add.add_argument("--platform", help="platform code (platforms only), e.g. taobao")
    add.add_argument(
        "--region",
        action="append",
        default=[],
        help="GB/T 2260 region code (bureaus and enforcement; repeat for several)",
    )
    add.add_argument("--uscc", help="unified social credit code")
    add_command(group, "list", _participants_list, "list participants")
    disable = add_command(
        group,
        "disable",
        _participants_disable,
        "disable a participant: its requests are refused at once",
    )
    disable.add_argument("id")
    enable = add_command(
        group, "enable", _participants_enable, "enable a disabled participant again"
    )
    enable.add_argument("id")
    remove = add_command(
        group,
        "remove",
        _participants_remove,
        "remove a participant that has no events (one that has: disable it)",
    )
    remove.add_argument("id")
