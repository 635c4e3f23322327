"""`complaint-hub status`: the /ops picture on one terminal screen, read over HTTP from a running
hub with an operator's credentials, so an operator on SSH needs no database access."""

from __future__ import annotations

import argparse
import base64
import getpass
import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from hub.cli.output import fail, hub_url_problem, problem_line
from hub.settings import Settings

PASSWORD_VARIABLE = "COMPLAINT_HUB_OPERATOR_PASSWORD"
TIMEOUT_S = 15


def fetch_picture(url: str, operator: str, password: str) -> dict[str, Any]:
    """GET /ops/state.json with Basic credentials; raises RuntimeError with one line."""
    credentials = base64.b64encode(f"{operator}:{password}".encode()).decode("ascii")
    request = urllib.request.Request(
        url.rstrip("/") + "/ops/state.json",
        headers={"Authorization": f"Basic {credentials}", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            picture: dict[str, Any] = json.load(response)
            return picture
    except urllib.error.HTTPError as err:
        try:
            problem = json.loads(err.read())
        except ValueError:
            problem = {}
        raise RuntimeError(problem_line(err.code, problem or {"detail": err.reason})) from err
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        raise RuntimeError(f"cannot reach {url}: {err}") from err


def _local(moment: str) -> str:
    """An ISO instant in the zone /ops shows times in, to the second."""
    from hub.ops.page.render import ZONE

    try:
        return datetime.fromisoformat(moment).astimezone(ZONE).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return moment[:19].replace("T", " ")


def _short(moment: str | None) -> str:
    return _local(moment)[5:] if moment else "-"


def _counts(counts: Mapping[str, int]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(counts.items())) or "-"


def _sync(sync: Mapping[str, Any] | None) -> str:
    if sync is None:
        return "-"
    lag = f" lag={sync['lag_s']}s" if sync["lag_s"] is not None else ""
    return f"{sync['state']}{lag}"


def _table(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    if not rows:
        return [f"{title}: none"]
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(columns)]
    lines = [title, "  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    return lines


def render(picture: Mapping[str, Any], width: int = 120) -> str:
    """The picture as lines that fit a terminal: participants first, then what needs a hand."""
    from hub.ops.page.render import ZONE_NAME

    lines = [
        f"complaint-hub at {_local(picture['generated_at'])} {ZONE_NAME}"
        f" · head {picture['head_position']}"
    ]
    participants = [
        (
            row["status"],
            row["participant_id"],
            row["role"],
            _short(row["last_seen_at"]),
            _counts(row["rejects_last_hour"]),
            _sync(row["sync"]),
            ",".join(f"{e['id'][:8]}:{e['state']}" for e in row["endpoints"]) or "-",
            str(row["backlog"]),
            str(row["breached_deadlines"]),
        )
        for row in picture["participants"]
    ]
    lines += _table(
        "PARTICIPANTS",
        (
            "status",
            "participant",
            "role",
            "seen",
            "rejects 1h",
            "sync",
            "webhooks",
            "backlog",
            "breached",
        ),
        participants,
    )
    failing = [r for r in picture["participants"] if r["status"] in ("failing", "warning")]
    for row in failing:
        lines.append(f"  ! {row['participant_id']}: " + "; ".join(row["reasons"]))
    lines += _table(
        "TIMELINESS",
        ("platform", "open", "deadlines", "breached", "on time"),
        [
            (
                t["platform"],
                str(t["open_cases"]),
                str(t["deadlines_open"]),
                str(t["breached"]),
                "-" if t["on_time_share"] is None else f"{t['on_time_share'] * 100:.1f}%",
            )
            for t in picture["timeliness"]
        ],
    )
    unmapped = [
        f"{u['platform']}:{u['field']}={u['code']}×{u['count']}" for u in picture["unmapped_codes"]
    ]
    lines.append("UNMAPPED CODES: " + (", ".join(unmapped) if unmapped else "none"))
    # refusals no participant could be named for (no signature, an unknown key), as /ops says
    unauthenticated = picture.get("unauthenticated_rejects_last_hour", {})
    lines.append(f"UNAUTHENTICATED REJECTS 1h: {_counts(unauthenticated)}")
    for process in picture["processes"]:
        tasks = [t for t in process["tasks"] if t["state"] != "running"]
        running = len(process["tasks"]) - len(tasks)
        state = "alive" if process["alive"] else "SILENT"
        detail = "; ".join(f"{t['name']} {t['state']} since {_short(t['since'])}" for t in tasks)
        lines.append(
            f"PROCESS {process['identity']} {state}: {running} tasks running"
            + (f"; {detail}" if detail else "")
        )
    return "\n".join(line[:width] for line in lines)


def _status(args: argparse.Namespace, settings: Settings) -> int:
    url_problem = hub_url_problem(args.url)
    if url_problem is not None:
        return fail(url_problem)
    password = os.environ.get(PASSWORD_VARIABLE)
    if password is None:
        if not sys.stdin.isatty():
            return fail(f"set {PASSWORD_VARIABLE} or run on a terminal to be prompted")
        password = getpass.getpass(f"Password for {args.operator}: ")
    try:
        picture = fetch_picture(args.url, args.operator, password)
    except RuntimeError as err:
        return fail(str(err))
    if args.json:
        print(json.dumps(picture, indent=2, ensure_ascii=False))
    else:
        print(render(picture, os.get_terminal_size().columns if sys.stdout.isatty() else 160))
    return 0


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    help_text = (
        "the /ops picture in the terminal: participants, sync, webhooks, deadlines, processes"
        f" (read over HTTP with an operator's login; password from {PASSWORD_VARIABLE})"
    )
    status = commands.add_parser("status", help=help_text, description=help_text)
    status.add_argument("--url", required=True, help="the hub's base URL")
    status.add_argument("--operator", required=True, help="your operator name")
    status.add_argument("--json", action="store_true", help="print the JSON picture")
    status.set_defaults(handler=_status)
