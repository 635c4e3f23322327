"""POST /v1/events: one canonical event, signed by its actor."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.crypto.receipts import rfc3339
from hub.http.body import parse_json
from hub.http.keys import ACTOR, EVIDENCE, RAW_BODY
from hub.problems import EventIdReused, IdConflict
from hub.services.intake import Idempotency, build_pending, idempotency_verdict
from hub.services.resources import CHECKS
from hub.store.events import Appended
from hub.store.resources import EVENT_STORE


def appended_json(appended: Appended) -> dict[str, Any]:
    return {
        "event_id": appended.event_id,
        "complaint_id": appended.complaint_id,
        "version": appended.version,
        "position": appended.position,
        "accepted_at": rfc3339(appended.accepted_at),
        "receipt": appended.receipt,
    }


def _respond(appended: Appended, pending_sha256: bytes, actor: str) -> web.Response:
    verdict = idempotency_verdict(appended, actor=actor, event_sha256=pending_sha256)
    if verdict is Idempotency.OTHER_ACTOR:
        raise IdConflict("this event_id cannot be used; choose a new one")
    if verdict is Idempotency.OTHER_DIGEST:
        raise EventIdReused(
            f"event_id {appended.event_id} was already accepted with a different body; "
            "a retry must resend the same event, a new event needs a new event_id",
            position=appended.position,
        )
    return web.json_response(appended_json(appended), status=200 if appended.duplicate else 201)


async def post_event(request: web.Request) -> web.Response:
    doc = parse_json(request[RAW_BODY], request.content_type)
    actor = request[ACTOR]
    store = request.app[EVENT_STORE]
    pending = build_pending(doc, actor.participant_id, request[EVIDENCE])
    # Idempotency before anything else: a retry after a lost response gets its receipt even
    # when later events have moved the case on since.
    stored = await store.get_by_event_id(pending.event_id)
    if stored is not None:
        return _respond(stored, pending.event_sha256, actor.participant_id)
    appended = await store.append(pending, request.app[CHECKS].for_actor(actor))
    return _respond(appended, pending.event_sha256, actor.participant_id)
