"""The picture an operator sees, gathered from the stores as one JSON-ready dict: the page, its
live fragment and `complaint-hub status` all show this same dict.

Nothing here holds consumer data: participants are organisations, rejects keep problem types and
details (withheld when they quote personal data), endpoints show scheme, host and path only, and
webhook failures their status and error class, never a receiver's body.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from hub.domain.deadlines import RESPONSIBLE, DeadlineName
from hub.domain.roles import Role
from hub.platforms.sync.config import SyncTarget
from hub.store.ops import DeadlineCount, Endpoint, OpsStore, SyncHealth
from hub.store.unmapped import UnmappedCodeStore

# A sync this far behind, or a process silent for this many heartbeats, is worth a warning.
LAG_WARNING_S = 3600
SILENT_BEATS = 3
# Counting deadlines reads every open case (0.6-0.7 s at 200,000 of them: bench/ops_deadlines.py),
# so it is done in the background every DEADLINES_REFRESH_S, and only while someone looked at the
# page within VIEWED_WITHIN_S; a request waits for it only when there is no count yet.
DEADLINES_REFRESH_S = 30.0
VIEWED_WITHIN_S = 300.0
REJECTS_SHOWN = 50


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def shown_url(url: str) -> str:
    """Scheme, host and path: a query or user info may hold the receiver's token."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}" + (
        parts.path or "/"
    )


def _endpoint(endpoint: Endpoint, head: int) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "owner": endpoint.owner,
        "url": shown_url(endpoint.url),
        "state": endpoint.state,
        "attempts": endpoint.attempts,
        "last_status": endpoint.last_status,
        "error_class": endpoint.last_error,
        "delivered_position": endpoint.delivered_position,
        "backlog": max(0, head - endpoint.delivered_position),
        "next_attempt_at": _iso(endpoint.next_attempt_at),
    }


def _sync(platform: str, target: SyncTarget | None, health: SyncHealth | None) -> dict[str, Any]:
    failing = health is not None and health.consecutive_failures > 0 and not health.paused
    return {
        "platform": platform,
        "participant": target.participant if target else None,
        "configured": target is not None,
        "state": (
            "paused"
            if health is not None and health.paused
            else "failing"
            if failing
            else "ok"
            if health is not None and health.last_success_at is not None
            else "not yet polled"
        ),
        "paused": bool(health and health.paused),
        "lag_s": health.lag_s if health else None,
        "backlog": bool(health and health.backlog),
        "last_success_at": _iso(health.last_success_at) if health else None,
        "last_error": health.last_error if health else None,
        "last_error_at": _iso(health.last_error_at) if health else None,
        "consecutive_failures": health.consecutive_failures if health else 0,
    }


def _breached_for(
    participant_id: str, role: str, platform: str | None, counts: list[DeadlineCount]
) -> int:
    """Breached deadlines of open cases that count against this participant."""
    total = 0
    for count in counts:
        if not count.breached:
            continue
        try:
            responsible = RESPONSIBLE[DeadlineName(count.name)]
        except ValueError:
            continue
        if role != responsible:
            continue
        mine = count.platform == platform if role == Role.PLATFORM else None
        if role == Role.BUREAU:
            mine = count.bureau == participant_id
        if mine:
            total += count.count
    return total


def _timeliness(counts: list[DeadlineCount], open_cases: Mapping[str, int]) -> list[dict[str, Any]]:
    """Per platform: open cases, and the platform's own deadlines in them, open and breached."""
    rows: dict[str, dict[str, Any]] = {
        platform: {"platform": platform, "open_cases": n, "deadlines_open": 0, "breached": 0}
        for platform, n in open_cases.items()
    }
    for count in counts:
        try:
            responsible = RESPONSIBLE[DeadlineName(count.name)]
        except ValueError:
            continue
        if count.platform is None or responsible != Role.PLATFORM:
            continue
        row = rows.setdefault(
            count.platform,
            {"platform": count.platform, "open_cases": 0, "deadlines_open": 0, "breached": 0},
        )
        row["breached" if count.breached else "deadlines_open"] += count.count
    for row in rows.values():
        judged = row["deadlines_open"] + row["breached"]
        row["on_time_share"] = round(1 - row["breached"] / judged, 3) if judged else None
    return sorted(rows.values(), key=lambda r: r["platform"])


def _status(row: Mapping[str, Any]) -> tuple[str, list[str]]:
    """ok, warning or failing, with the reasons an operator reads first."""
    reasons: list[str] = []
    failing = False
    if not row["enabled"]:
        return "disabled", ["participant disabled"]
    sync = row["sync"]
    if sync is not None:
        if sync["state"] == "failing":
            failing = True
            reasons.append(f"pull sync failing: {sync['last_error'] or 'error'}")
        elif sync["state"] == "paused":
            reasons.append("pull sync paused")
        elif (sync["lag_s"] or 0) > LAG_WARNING_S:
            reasons.append(f"pull sync {sync['lag_s']} s behind")
    for endpoint in row["endpoints"]:
        if endpoint["state"] == "disabled":
            failing = True
            reasons.append(f"webhook {endpoint['id']} disabled")
        elif endpoint["state"] == "retrying":
            reasons.append(f"webhook {endpoint['id']} retrying")
    if row["breached_deadlines"]:
        reasons.append(f"{row['breached_deadlines']} deadlines breached")
    if failing:
        return "failing", reasons
    return ("warning" if reasons else "ok"), reasons


class Overview:
    def __init__(
        self,
        store: OpsStore,
        unmapped: UnmappedCodeStore,
        targets: Mapping[str, SyncTarget],
        clock: Callable[[], datetime],
        heartbeat_s: float,
    ) -> None:
        self._store = store
        self._unmapped = unmapped
        self._targets = dict(targets)
        self._clock = clock
        self._heartbeat_s = heartbeat_s
        self._deadlines: tuple[datetime, list[DeadlineCount], dict[str, int]] | None = None
        self._viewed_at: float | None = None

    async def refresh_deadlines(self) -> None:
        counts = await self._store.deadline_counts()
        open_cases = await self._store.open_cases_by_platform()
        self._deadlines = (self._clock(), counts, open_cases)

    async def refresh_deadlines_if_viewed(self) -> None:
        """The background refresh: skipped while nobody looks at the page."""
        viewed_at = self._viewed_at
        if viewed_at is not None and time.monotonic() - viewed_at < VIEWED_WITHIN_S:
            await self.refresh_deadlines()

    async def _deadline_counts(self) -> tuple[datetime, list[DeadlineCount], dict[str, int]]:
        self._viewed_at = time.monotonic()
        if self._deadlines is None:
            await self.refresh_deadlines()
        if self._deadlines is None:  # for mypy: set by the refresh just awaited
            raise RuntimeError("deadline counts missing after a refresh")
        return self._deadlines

    async def picture(self) -> dict[str, Any]:
        now = self._clock()
        head = await self._store.head_position()
        participants = await self._store.participants()
        activity = await self._store.activity()
        rejects = await self._store.reject_counts(now - timedelta(hours=1))
        endpoints = await self._store.endpoints()
        sync_health = await self._store.sync_health()
        deadlines_as_of, deadlines, open_cases = await self._deadline_counts()
        by_participant = {t.participant: code for code, t in self._targets.items()}

        sync_rows = {
            code: _sync(code, self._targets.get(code), sync_health.get(code))
            for code in sorted(set(self._targets) | set(sync_health))
        }
        rows = []
        for p in participants:
            seen = activity.get(p.participant_id)
            code = by_participant.get(p.participant_id) or (
                p.platform if p.platform in sync_rows else None
            )
            mine = [_endpoint(e, head) for e in endpoints if e.owner == p.participant_id]
            row: dict[str, Any] = {
                "participant_id": p.participant_id,
                "name": p.name,
                "role": p.role,
                "platform": p.platform,
                "enabled": p.enabled,
                "last_seen_at": _iso(seen.last_seen_at) if seen else None,
                "last_event_at": _iso(seen.last_event_at) if seen else None,
                "rejects_last_hour": rejects.get(p.participant_id, {}),
                "sync": sync_rows.get(code) if code else None,
                "endpoints": mine,
                "backlog": sum(e["backlog"] for e in mine if e["state"] != "paused"),
                "breached_deadlines": _breached_for(
                    p.participant_id, p.role, p.platform, deadlines
                ),
            }
            row["status"], row["reasons"] = _status(row)
            rows.append(row)
        silent_after = timedelta(seconds=SILENT_BEATS * self._heartbeat_s)
        return {
            "generated_at": now.isoformat(),
            "head_position": head,
            "participants": rows,
            "unauthenticated_rejects_last_hour": rejects.get(None, {}),
            "sync": list(sync_rows.values()),
            "endpoints": [_endpoint(e, head) for e in endpoints],
            "timeliness": _timeliness(deadlines, open_cases),
            "deadlines_as_of": deadlines_as_of.isoformat(),
            "unmapped_codes": [
                {
                    "platform": c.platform,
                    "field": c.field,
                    "code": c.code,
                    "count": c.count,
                    "last_seen_at": _iso(c.last_seen_at),
                }
                for c in await self._unmapped.all()
            ],
            "processes": [
                {
                    "identity": beat.identity,
                    "alive": now - beat.last_beat_at <= silent_after,
                    "started_at": _iso(beat.started_at),
                    "last_beat_at": _iso(beat.last_beat_at),
                    "tasks": beat.tasks,
                }
                for beat in await self._store.processes()
            ],
        }

    async def participant(self, participant_id: str) -> dict[str, Any] | None:
        """One participant's row of the picture, with its most recent rejects."""
        picture = await self.picture()
        for row in picture["participants"]:
            if row["participant_id"] == participant_id:
                recent = await self._store.recent_rejects(participant_id, REJECTS_SHOWN)
                return {
                    **row,
                    "recent_rejects": [
                        {
                            "at": _iso(r.at),
                            "method": r.method,
                            "route": r.route,
                            "status": r.status,
                            "problem_type": r.problem_type,
                            "detail": r.detail,
                        }
                        for r in recent
                    ],
                }
        return None
