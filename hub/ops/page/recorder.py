"""What the page needs to know of each request, noted as the response goes out and written in
batches by a supervised task, so a request never waits on it and a database outage loses only
the notes of that moment.

Kept: who was authenticated (last seen), who had an event accepted (last event), and each
refused /v1 request's problem type, status and detail, charged to the authenticated participant
or else to the owner of the key the request named, when the hub knows it (a revoked key's).
Never a body, never a path with its ids, and a detail that quotes personal data is withheld.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

import orjson
import structlog
from aiohttp import web

from hub.domain.personal_data import find_personal_data
from hub.http.keys import ACTOR
from hub.problems import CONTENT_TYPE, PROBLEM_BASE
from hub.store.ops import Activity, OpsStore, Reject

log = structlog.get_logger("hub.ops.page")

# Beyond this many unwritten rejects (a flood, or the database away) the rest are dropped and
# counted in the log: the page needs a sample of what is refused, not every copy of a flood.
MAX_BUFFERED = 5_000
DETAIL_CHARS = 300
WITHHELD = "(detail withheld: it quoted personal data)"
# Requests whose success means an event of the authenticated participant was accepted.
_EVENT_ROUTES = frozenset({"/v1/events", "/v1/platforms/{platform}/inbound"})
_KEYID = re.compile(r'keyid="([^"]*)"')


def safe_detail(detail: str) -> str:
    if find_personal_data(detail) is not None:
        return WITHHELD
    return detail[:DETAIL_CHARS]


def _signed_kid(request: web.Request) -> str | None:
    """The key id a request claims to be signed with (RFC 9421 Signature-Input), or None."""
    found = _KEYID.search(request.headers.get("Signature-Input", ""))
    return found.group(1)[:200] if found else None


def _route(request: web.Request) -> str:
    info = request.match_info
    resource = info.route.resource if info is not None else None
    return resource.canonical if resource is not None else "(no route)"


class RequestRecorder:
    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._rejects: list[Reject] = []
        self._activity: dict[str, Activity] = {}
        self.dropped = 0

    def observe(self, request: web.Request, response: web.StreamResponse) -> None:
        """Called as each response is prepared: cheap, no I/O."""
        if not request.path.startswith("/v1/"):
            return
        now = self._clock()
        actor = request.get(ACTOR)
        participant = actor.participant_id if actor is not None else None
        if participant is not None:
            accepted = (
                request.method == "POST"
                and 200 <= response.status < 300
                and _route(request) in _EVENT_ROUTES
            )
            seen = self._activity.get(participant)
            last_event = now if accepted else (seen.last_event_at if seen else None)
            self._activity[participant] = Activity(participant, now, last_event)
        if response.status >= 400:
            self._note_reject(request, response, participant, now)

    def _note_reject(
        self,
        request: web.Request,
        response: web.StreamResponse,
        participant: str | None,
        now: datetime,
    ) -> None:
        if len(self._rejects) >= MAX_BUFFERED:
            self.dropped += 1
            return
        problem_type, detail = "about:blank", ""
        body = getattr(response, "body", None)
        if response.content_type == CONTENT_TYPE and isinstance(body, bytes):
            try:
                document = orjson.loads(body)
                problem_type = str(document.get("type", problem_type)).removeprefix(PROBLEM_BASE)
                detail = str(document.get("detail", ""))
            except (orjson.JSONDecodeError, AttributeError):
                pass
        self._rejects.append(
            Reject(
                participant,
                problem_type,
                response.status,
                safe_detail(detail),
                request.method,
                _route(request),
                now,
                None if participant is not None else _signed_kid(request),
            )
        )

    async def flush(self, store: OpsStore) -> None:
        rejects, self._rejects = self._rejects, []
        activity, self._activity = list(self._activity.values()), {}
        try:
            await store.add_rejects(rejects)
            await store.note_activity(activity)
        except Exception:
            # Kept for the next try, within the bound; the supervisor logs the failure.
            self._rejects = (rejects + self._rejects)[:MAX_BUFFERED]
            for item in activity:
                self._activity.setdefault(item.participant, item)
            raise
        if self.dropped:
            log.warning("ops_rejects_dropped", count=self.dropped)
            self.dropped = 0
