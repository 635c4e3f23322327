"""POST /v1/batches: up to 1,000 canonical events signed once; a verdict per item."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from hub.api.events import appended_json
from hub.audit.batch_receipts import batch_summary
from hub.http.body import request_json
from hub.http.keys import ACTOR, EVIDENCE
from hub.problems import Problem
from hub.services.batches import Outcome
from hub.services.intake import pipeline_for
from hub.services.resources import BATCHES
from hub.settings import SETTINGS


def item_json(index: int, outcome: Outcome) -> dict[str, Any]:
    if isinstance(outcome, Problem):
        return {
            "index": index,
            "outcome": "refused",
            "status": outcome.status,
            "problem": outcome.body(None),
        }
    return {
        "index": index,
        "outcome": "replayed" if outcome.duplicate else "accepted",
        "status": 200 if outcome.duplicate else 201,
        **appended_json(outcome),
    }


async def post_batch(request: web.Request) -> web.Response:
    pipeline = pipeline_for(request.app[SETTINGS].baseline_mode)
    result = await request.app[BATCHES].accept(
        request[ACTOR], request_json(request, pipeline.parse), request[EVIDENCE], pipeline
    )
    items = [item_json(i, outcome) for i, outcome in enumerate(result.items)]
    counts = {name: 0 for name in ("accepted", "replayed", "refused")}
    for item in items:
        counts[item["outcome"]] += 1
    batch = batch_summary(result.batch_receipt) if result.batch_receipt else None
    return web.json_response({"batch": batch, **counts, "items": items}, dumps=_dumps)


def _dumps(value: Any) -> str:
    # A thousand receipts make a large answer: orjson writes it in a fraction of json's time.
    return orjson.dumps(value).decode()
