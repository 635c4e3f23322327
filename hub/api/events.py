"""POST /v1/events: one canonical event."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import orjson
from aiohttp import web

from hub.api.body import read_json
from hub.appkeys import EVENT_STORE
from hub.problems import InvalidRecord
from hub.store.events import Appended, PendingEvent


def _pending_from(doc: Any, actor: str) -> PendingEvent:
    if not isinstance(doc, dict):
        raise InvalidRecord("the body must be a JSON object", pointer="")
    for name, kind in (("event_id", str), ("complaint_id", str), ("version", int),
                       ("type", str), ("occurred_at", str)):
        if not isinstance(doc.get(name), kind):
            raise InvalidRecord(f"/{name} is required and must be a {kind.__name__}",
                                pointer=f"/{name}")
    try:
        occurred_at = datetime.fromisoformat(doc["occurred_at"])
    except ValueError as err:
        raise InvalidRecord("/occurred_at must be RFC 3339", pointer="/occurred_at") from err
    body = orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)
    return PendingEvent(
        event_id=doc["event_id"], complaint_id=doc["complaint_id"], version=doc["version"],
        type=doc["type"], actor=actor, occurred_at=occurred_at, body=body,
        event_sha256=hashlib.sha256(body).digest(),
    )


def appended_json(appended: Appended) -> dict[str, Any]:
    return {
        "event_id": appended.event_id,
        "complaint_id": appended.complaint_id,
        "version": appended.version,
        "position": appended.position,
        "accepted_at": appended.accepted_at.isoformat(),
        "receipt": appended.receipt,
    }


async def post_event(request: web.Request) -> web.Response:
    doc = await read_json(request)
    pending = _pending_from(doc, actor="anonymous")
    appended = await request.app[EVENT_STORE].append(pending)
    return web.json_response(appended_json(appended), status=200 if appended.duplicate else 201)
