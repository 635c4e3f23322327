"""The feed for bureau systems and other readers: cursor pull, long-poll and SSE.

Every item is filtered by the reader's rights; the stream ends at once when the reader's key is
revoked or its participant disabled (DESIGN.md, Trust).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from aiohttp import web

from hub.feeds.longpoll import MAX_WAIT_S, long_poll
from hub.feeds.pages import MAX_LIMIT, FeedQuery, item_json
from hub.feeds.resources import FEEDS
from hub.feeds.sse import stream_feed
from hub.http.keys import ACTOR, EVIDENCE
from hub.problems import BadRequest
from hub.services.decisions import actor_of


def _integer(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = query.get(name)
    try:
        value = int(text) if text not in (None, "") else default
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise BadRequest(f"{name} must be an integer {low}..{high}")
    return value


def _feed_query(query: Mapping[str, str], after: int) -> FeedQuery:
    types = query.get("types")
    return FeedQuery(
        after=after,
        limit=_integer(query, "limit", 100, 1, MAX_LIMIT),
        types=frozenset(t.strip() for t in types.split(",") if t.strip()) if types else None,
        complaint_id=query.get("complaint") or None,
    )


def _after(query: Mapping[str, str], last_event_id: str | None = None) -> int:
    if last_event_id:
        try:
            return max(0, int(last_event_id))
        except ValueError as err:
            raise BadRequest("Last-Event-ID must be a feed position (an integer)") from err
    return _integer(query, "after", 0, 0, 2**63 - 1)


async def get_feed(request: web.Request) -> web.Response:
    feeds = request.app[FEEDS]
    query = _feed_query(request.query, _after(request.query))
    wait_s = _integer(request.query, "wait", 0, 0, MAX_WAIT_S)
    participant = request[ACTOR]
    with feeds.registry.track(request[EVIDENCE].kid, participant.participant_id) as stream:
        page = await long_poll(feeds, actor_of(participant), query, wait_s, stream)
    body: dict[str, Any] = {"items": [item_json(i) for i in page.items], "next": page.next}
    return web.Response(body=orjson.dumps(body), content_type="application/json")


async def get_feed_stream(request: web.Request) -> web.StreamResponse:
    feeds = request.app[FEEDS]
    after = _after(request.query, request.headers.get("Last-Event-ID"))
    query = _feed_query(request.query, after)
    participant = request[ACTOR]
    with feeds.registry.track(request[EVIDENCE].kid, participant.participant_id) as stream:
        return await stream_feed(request, feeds, actor_of(participant), query, stream)
