"""The operator page's HTML, drawn on the server: no inline script, no inline style, no external
resource. Every value passes through `escape`; every form carries the session's CSRF token."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from html import escape
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

# How often the page's script asks for a fresh fragment.
REFRESH_S = 5
# The zone the page shows times in, named on it: the one the deadlines, the demo and the reports
# count days in (the hub's deadlines follow China Standard Time, hub/domain/case.py CHINA).
ZONE_NAME = "Asia/Shanghai"
ZONE = ZoneInfo(ZONE_NAME)


# The columns of a participant's row, on the overview and on the participant's own page.
_PARTICIPANT_COLUMNS = (
    "Status",
    "Participant",
    "Role",
    "Last seen",
    "Last event",
    "Rejects (1 h)",
    "Pull sync",
    "Webhooks",
    "Backlog",
    "Breached",
)


def _e(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return escape(str(value))


def _when(value: str | None) -> str:
    """An ISO timestamp shown to the second in the hub's zone, in a <time> holding the instant."""
    if not value:
        return "—"
    try:
        shown = datetime.fromisoformat(value).astimezone(ZONE).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        shown = value[:19].replace("T", " ")
    return f'<time datetime="{escape(value)}">{escape(shown)}</time>'


def _counts(counts: Mapping[str, int]) -> str:
    if not counts:
        return "—"
    return "<br>".join(f"{_e(k)}: {_e(v)}" for k, v in sorted(counts.items()))


def _table(
    caption: str, headers: Sequence[str], rows: Iterable[Sequence[str]], table_id: str
) -> str:
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    if not body:
        body = f'<tr><td colspan="{len(headers)}" class="empty">none</td></tr>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    return (
        f'<section id="{table_id}"><h2>{escape(caption)}</h2>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></section>"
    )


def _form(action: str, label: str, csrf: str, back: str, extra: str = "") -> str:
    return (
        f'<form method="post" action="{escape(action)}" class="action">'
        f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
        f'<input type="hidden" name="next" value="{escape(back)}">{extra}'
        f'<button type="submit">{escape(label)}</button></form>'
    )


def _badge(status: str) -> str:
    return f'<span class="badge {escape(status)}">{escape(status)}</span>'


def _endpoint_actions(endpoint: Mapping[str, Any], csrf: str, back: str) -> str:
    path = "/ops/actions/endpoints/" + quote(endpoint["id"], safe="")
    actions = ""
    if endpoint["state"] == "disabled":
        actions += _form(path + "/enable", "Re-enable", csrf, back)
    position = (
        f'<input type="number" name="after" min="0" required aria-label="replay after position"'
        f' value="{int(endpoint["delivered_position"])}">'
    )
    actions += _form(path + "/replay", "Replay after", csrf, back, position)
    return actions


def _endpoint_cells(endpoint: Mapping[str, Any], csrf: str, back: str) -> list[str]:
    return [
        f"<code>{_e(endpoint['id'])}</code>",
        _e(endpoint["owner"]),
        _e(endpoint["url"]),
        _badge(endpoint["state"]),
        _e(endpoint["attempts"]),
        _e(endpoint["last_status"]),
        _e(endpoint["error_class"]),
        _e(endpoint["delivered_position"]),
        _e(endpoint["backlog"]),
        _endpoint_actions(endpoint, csrf, back),
    ]


_ENDPOINT_HEADERS = (
    "Endpoint",
    "Owner",
    "URL",
    "State",
    "Failures",
    "Last status",
    "Error class",
    "Cursor",
    "Backlog",
    "Actions",
)


def _sync_cell(sync: Mapping[str, Any] | None) -> str:
    if sync is None:
        return "—"
    lag = "—" if sync["lag_s"] is None else f"{sync['lag_s']} s"
    error = f"<br><small>{_e(sync['last_error'])}</small>" if sync["last_error"] else ""
    return f"{_badge(sync['state'].replace(' ', '-'))} lag {escape(lag)}{error}"


def _participant_row(row: Mapping[str, Any]) -> list[str]:
    link = "/ops/participants/" + quote(row["participant_id"], safe="")
    endpoints = "<br>".join(
        f"<code>{_e(e['id'])}</code> {_badge(e['state'])}" for e in row["endpoints"]
    )
    reasons = "<br>".join(_e(r) for r in row["reasons"])
    return [
        f"{_badge(row['status'])}<br><small>{reasons}</small>",
        f'<a href="{escape(link)}">{_e(row["participant_id"])}</a>'
        f"<br><small>{_e(row['name'])}</small>",
        _e(row["role"]),
        _when(row["last_seen_at"]),
        _when(row["last_event_at"]),
        _counts(row["rejects_last_hour"]),
        _sync_cell(row["sync"]),
        endpoints or "—",
        _e(row["backlog"]),
        _e(row["breached_deadlines"]),
    ]


def _sync_row(sync: Mapping[str, Any], csrf: str) -> list[str]:
    platform = quote(sync["platform"], safe="")
    action = (
        _form(f"/ops/actions/sync/{platform}/resume", "Resume", csrf, "/ops")
        if sync["paused"]
        else _form(f"/ops/actions/sync/{platform}/pause", "Pause", csrf, "/ops")
    )
    return [
        _e(sync["platform"]),
        _e(sync["participant"]),
        _badge(sync["state"].replace(" ", "-")),
        _e(sync["lag_s"]),
        _e(sync["backlog"]),
        _when(sync["last_success_at"]),
        _e(sync["last_error"]),
        _e(sync["consecutive_failures"]),
        action if sync["configured"] else "not configured here",
    ]


def _task_cells(process: Mapping[str, Any]) -> str:
    lines = []
    for task in process["tasks"]:
        since = f" since {_when(task['since'])}" if task["since"] else ""
        error = f" <small>{_e(task['last_error'])}</small>" if task["last_error"] else ""
        lines.append(f"{_e(task['name'])} {_badge(task['state'])}{since}{error}")
    return "<br>".join(lines) or "—"


def live_fragment(picture: Mapping[str, Any], csrf: str) -> str:
    """The part of /ops the script replaces every few seconds."""
    parts = [
        f'<p class="meta">As of {_when(picture["generated_at"])}'
        f" (times in {ZONE_NAME}, UTC+8) · feed head"
        f" {_e(picture['head_position'])} · unauthenticated rejects in the last hour:"
        f" {_counts(picture['unauthenticated_rejects_last_hour'])}</p>",
        _table(
            "Participants",
            _PARTICIPANT_COLUMNS,
            (_participant_row(r) for r in picture["participants"]),
            "participants",
        ),
        _table(
            "Pull sync",
            (
                "Platform",
                "Participant",
                "State",
                "Lag (s)",
                "Backlog",
                "Last success",
                "Last error",
                "Failures",
                "Action",
            ),
            (_sync_row(s, csrf) for s in picture["sync"]),
            "sync",
        ),
        _table(
            "Webhook endpoints",
            _ENDPOINT_HEADERS,
            (_endpoint_cells(e, csrf, "/ops") for e in picture["endpoints"]),
            "endpoints",
        ),
        _table(
            "Platform timeliness (open cases, the platform's own deadlines;"
            f" counted {picture['deadlines_as_of'][11:19]})",
            ("Platform", "Open cases", "Deadlines open", "Breached", "On time"),
            (
                (
                    _e(t["platform"]),
                    _e(t["open_cases"]),
                    _e(t["deadlines_open"]),
                    _e(t["breached"]),
                    "—" if t["on_time_share"] is None else f"{t['on_time_share'] * 100:.1f}%",
                )
                for t in picture["timeliness"]
            ),
            "timeliness",
        ),
        _table(
            "Unmapped native codes",
            ("Platform", "Field", "Code", "Count", "Last seen"),
            (
                (
                    _e(u["platform"]),
                    _e(u["field"]),
                    _e(u["code"]),
                    _e(u["count"]),
                    _when(u["last_seen_at"]),
                )
                for u in picture["unmapped_codes"]
            ),
            "unmapped",
        ),
        _table(
            "Hub processes and their background tasks",
            ("Process", "Alive", "Started", "Last heartbeat", "Tasks"),
            (
                (
                    f"<code>{_e(p['identity'])}</code>",
                    _badge("ok" if p["alive"] else "silent"),
                    _when(p["started_at"]),
                    _when(p["last_beat_at"]),
                    _task_cells(p),
                )
                for p in picture["processes"]
            ),
            "processes",
        ),
    ]
    return "".join(parts)


def _page(title: str, body: str, operator: str | None = None, csrf: str | None = None) -> str:
    logout = ""
    if operator is not None and csrf is not None:
        logout = f'<span class="who">{_e(operator)}</span>' + _form(
            "/ops/logout", "Log out", csrf, "/ops/login"
        )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>"
        '<link rel="stylesheet" href="/ops/static/ops.css">'
        '<script src="/ops/static/ops.js" defer></script></head>'
        f'<body><header><h1><a href="/ops">complaint-hub operations</a></h1>{logout}</header>'
        f"<main>{body}</main></body></html>"
    )


def overview_page(picture: Mapping[str, Any], operator: str, csrf: str) -> str:
    live = (
        f'<div id="live" data-src="/ops/live" data-every="{REFRESH_S}">'
        f"{live_fragment(picture, csrf)}</div>"
        '<p class="meta" id="live-status" aria-live="polite"></p>'
    )
    return _page("Operations · complaint-hub", live, operator, csrf)


def participant_page(row: Mapping[str, Any], operator: str, csrf: str) -> str:
    back = "/ops/participants/" + quote(row["participant_id"], safe="")
    summary = _table(
        "Summary",
        _PARTICIPANT_COLUMNS,
        [_participant_row(row)],
        "summary",
    )
    endpoints = _table(
        "Webhook endpoints",
        _ENDPOINT_HEADERS,
        (_endpoint_cells(e, csrf, back) for e in row["endpoints"]),
        "endpoints",
    )
    rejects = _table(
        "Recent rejects",
        ("At", "Request", "Status", "Problem type", "Detail"),
        (
            (
                _when(r["at"]),
                f"{_e(r['method'])} {_e(r['route'])}",
                _e(r["status"]),
                _e(r["problem_type"]),
                _e(r["detail"]),
            )
            for r in row["recent_rejects"]
        ),
        "rejects",
    )
    title = f"{row['participant_id']} · operations"
    return _page(title, summary + endpoints + rejects, operator, csrf)


def login_page(error: str | None = None) -> str:
    message = f'<p class="error" role="alert">{_e(error)}</p>' if error else ""
    form = (
        '<form method="post" action="/ops/login" class="login">'
        f"{message}"
        '<label>Operator <input name="name" autocomplete="username" required autofocus></label>'
        '<label>Password <input name="password" type="password"'
        ' autocomplete="current-password" required></label>'
        '<button type="submit">Log in</button></form>'
    )
    return _page("Log in · complaint-hub operations", form)
