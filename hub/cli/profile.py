"""`complaint-hub profile ...`: save whom you sign as and which hub you talk to, once.

A command that signs takes --kid, --key and --url from its options first, then from
COMPLAINT_HUB_KID, COMPLAINT_HUB_KEY and COMPLAINT_HUB_URL, then from a saved profile: the one
named by --profile or COMPLAINT_HUB_PROFILE, else the one named `default` when it exists. Profiles
live in one JSON file under the user's configuration directory ($XDG_CONFIG_HOME or ~/.config).
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Mapping
from pathlib import Path

from hub.cli.output import CommandError, add_command, fail, print_rows
from hub.settings import PREFIX, Settings

SIGNING_OPTIONS = ("kid", "key", "url")
DEFAULT_PROFILE = "default"
# Variables the command line reads itself rather than the hub's settings: whom a user signs as,
# the profile, the operator's password (`status`), and the test suite's own database server.
READ_BY_COMMAND_LINE = ("KID", "KEY", "URL", "PROFILE", "OPERATOR_PASSWORD", "TEST_DATABASE_URL")


def profiles_path(environ: Mapping[str, str]) -> Path:
    config = environ.get("XDG_CONFIG_HOME") or str(Path(environ.get("HOME", "~")) / ".config")
    return Path(config).expanduser() / "complaint-hub" / "profiles.json"


def _load(path: Path) -> dict[str, dict[str, str]]:
    if not path.exists():
        return {}
    try:
        profiles = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise CommandError(
            f"{path}: cannot read the saved profiles ({err}); fix or remove it"
        ) from None
    if not isinstance(profiles, dict):
        raise CommandError(f"{path}: not a JSON object of profiles; fix or remove it")
    return profiles


def fill_signing_options(args: argparse.Namespace, environ: Mapping[str, str]) -> None:
    """Fill in --kid, --key and --url left out, or raise naming what is missing and where to
    give it."""
    for option in SIGNING_OPTIONS:
        if getattr(args, option) is None:
            setattr(args, option, environ.get(PREFIX + option.upper()) or None)
    missing = [option for option in SIGNING_OPTIONS if getattr(args, option) is None]
    named = args.profile or environ.get(PREFIX + "PROFILE")
    if not missing and not named:
        return
    path = profiles_path(environ)
    profiles = _load(path)
    if named and named not in profiles:
        saved = ", ".join(sorted(profiles)) or "none"
        raise CommandError(
            f"--profile {named}: no such profile in {path} (saved: {saved});"
            f" save it with complaint-hub profile add {named} --kid ... --key ... --url ..."
        )
    profile = profiles.get(named or DEFAULT_PROFILE, {})
    for option in missing:
        setattr(args, option, profile.get(option))
    still = [option for option in SIGNING_OPTIONS if getattr(args, option) is None]
    if still:
        options = ", ".join(f"--{option}" for option in still)
        variables = ", ".join(PREFIX + option.upper() for option in still)
        raise CommandError(
            f"{options} missing: give {options}, set {variables}, or save a profile"
            " (complaint-hub profile add default --kid ... --key ... --url ...)"
        )


def _add(args: argparse.Namespace, settings: Settings) -> int:
    from hub.cli.output import hub_url_problem, read_private_key

    url_problem = hub_url_problem(args.url)
    if url_problem is not None:
        return fail(url_problem)
    key = str(Path(args.key).resolve())
    read_private_key(key)  # refuse a profile that could never sign
    path = profiles_path(os.environ)
    profiles = _load(path)
    profiles[args.name] = {"kid": args.kid, "key": key, "url": args.url}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(profiles, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print_rows([{"profile": args.name, **profiles[args.name]}], args.json, _COLUMNS)
    return 0


def _list(args: argparse.Namespace, settings: Settings) -> int:
    profiles = _load(profiles_path(os.environ))
    rows = [{"profile": name, **profile} for name, profile in sorted(profiles.items())]
    print_rows(rows, args.json, _COLUMNS)
    return 0


def _remove(args: argparse.Namespace, settings: Settings) -> int:
    path = profiles_path(os.environ)
    profiles = _load(path)
    if profiles.pop(args.name, None) is None:
        return fail(f"no profile {args.name} in {path} (complaint-hub profile list)")
    path.write_text(json.dumps(profiles, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"removed profile {args.name}")
    return 0


_COLUMNS = ("profile", "kid", "key", "url")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    profile = commands.add_parser(
        "profile",
        help="save --kid, --key and --url under a name, for every command that signs",
        description=__doc__,
    )
    group = profile.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = add_command(
        group, "add", _add, "save a profile (the one named default is used when none is named)"
    )
    add.add_argument("name", help="the profile's name, e.g. default or taobao-staging")
    add.add_argument("--kid", required=True, help="your registered key id")
    add.add_argument("--key", required=True, help="your private key, PEM (its path is saved)")
    add.add_argument("--url", required=True, help="the hub's base URL")
    add_command(group, "list", _list, "list the saved profiles")
    remove = group.add_parser("remove", help="forget a saved profile")
    remove.add_argument("name")
    remove.set_defaults(handler=_remove)
