"""POST /v1/events: one canonical event, signed by its actor."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from hub.crypto.receipts import rfc3339
from hub.http.body import request_json
from hub.http.keys import ACTOR, EVIDENCE
from hub.services.intake import accept_event, pipeline_for
from hub.services.resources import CHECKS
from hub.settings import SETTINGS
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


async def post_event(request: web.Request) -> web.Response:
    pipeline = pipeline_for(request.app[SETTINGS].baseline_mode)
    appended = await accept_event(
        request.app[EVENT_STORE],
        request.app[CHECKS],
        request[ACTOR],
        request_json(request, pipeline.parse),
        request[EVIDENCE],
        pipeline,
    )
    # orjson, as everywhere on the hot path: the standard module's encoder costs more per answer.
    return web.Response(
        body=orjson.dumps(appended_json(appended)),
        status=200 if appended.duplicate else 201,
        content_type="application/json",
    )
