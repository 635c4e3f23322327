"""`complaint-hub complaints show|list`: read complaints from the shell, signed as yourself.

What a reader sees is what the hub shows its role over HTTP: these commands sign with the user's
own key through the SDK, so they never read more than the API would give.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from hub.cli.output import add_command, add_signing_options, fail, print_rows, run_signed
from hub.settings import Settings

_LIST_COLUMNS = (
    "complaint_id",
    "status",
    "respondent_platform",
    "region",
    "amount_claimed_fen",
    "updated_at",
)


def _show(args: argparse.Namespace, settings: Settings) -> int:
    async def work(hub: Any) -> Any:
        snapshot = await hub.get_complaint(args.id)
        if args.events:
            chain = await hub.call("GET", f"/v1/complaints/{args.id}/events")
            for item in chain["events"]:
                await hub.verify_feed_item({**item, "position": item["event"]["position"]})
            snapshot = {**snapshot, "events": chain["events"]}
        return snapshot

    return run_signed(args, work, lambda result: print(_json(result)))


def _list(args: argparse.Namespace, settings: Settings) -> int:
    problem = _filter_problem(args.platform, args.region)
    if problem is not None:
        return fail(problem)
    params = {
        "status": args.status,
        "respondent_platform": args.platform,
        "region": args.region,
        "limit": args.limit,
    }

    async def work(hub: Any) -> list[dict[str, Any]]:
        page = await hub.call("GET", "/v1/complaints", params=params)
        items: list[dict[str, Any]] = page["items"]
        return items

    def show(items: list[dict[str, Any]]) -> None:
        rows = [
            {**item, "respondent_platform": item.get("respondent", {}).get("platform")}
            for item in items
        ]
        print_rows(items if args.json else rows, args.json, _LIST_COLUMNS)

    return run_signed(args, work, show)


def _filter_problem(platform: str | None, region: str | None) -> str | None:
    """Why a filter can match nothing, as the hub refuses a status it does not know: a mistyped
    platform or region would otherwise answer with an empty table, read as "no complaints"."""
    import difflib

    from hub.domain.regions import region_problem
    from hub.platforms.registry import installed_adapters

    if platform is not None:
        # the platform codes a hub knows are its adapters' codes, shipped in this same package
        known = sorted(installed_adapters())
        if platform not in known:
            close = difflib.get_close_matches(platform, known, n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            return (
                f"--platform {platform} is no known platform code; {hint}known: {', '.join(known)}"
            )
    if region is not None:
        problem = region_problem(region)
        if problem is not None:
            return f"--region: {problem}"
    return None


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    complaints = commands.add_parser(
        "complaints", help="read complaints as the hub shows them to you (signed requests)"
    )
    group = complaints.add_subparsers(dest="action", required=True, metavar="ACTION")
    show = group.add_parser(
        "show",
        help="one complaint's snapshot, JSON",
        description="one complaint's snapshot, JSON; with --events its chain, receipts verified",
    )
    show.add_argument("id", help="the complaint id, e.g. bureau.hz:HZ12315-20261111-000123")
    show.add_argument("--events", action="store_true", help="add its events, receipts verified")
    add_signing_options(show)
    show.set_defaults(handler=_show)
    listing = add_command(group, "list", _list, "the complaints you may see, newest first")
    listing.add_argument("--status", "--state", help="only complaints in this status")
    listing.add_argument("--platform", help="only complaints against this platform")
    listing.add_argument("--region", help="only complaints in this GB/T 2260 region")
    listing.add_argument("--limit", type=int, default=100, help="at most this many (max 500)")
    add_signing_options(listing)
