"""The feed for bureau systems and other readers: cursor pull, long-poll and SSE.

Every item is filtered by the reader's rights; the stream ends at once when the reader's key is
revoked or its participant disabled.
"""

from __future__ import annotations

import contextlib
from typing import Any

import orjson
from aiohttp import web

from hub.domain.roles import actor_of
from hub.feeds.longpoll import MAX_WAIT_S, long_poll
from hub.feeds.pages import MAX_LIMIT, FeedQuery, item_json
from hub.feeds.registry import OpenStream
from hub.feeds.resources import FEEDS
from hub.feeds.service import Feeds
from hub.feeds.sse import stream_feed
from hub.http.keys import ACTOR, EVIDENCE
from hub.http.query import BIGINT_MAX, COMPLAINT_ID, int_param, parse_int, str_param
from hub.settings import SETTINGS

# Every event type, comma-separated, fits well within this.
_MAX_TYPES_CHARS = 1024


def _feed_query(request: web.Request, after: int) -> FeedQuery:
    types = str_param(request, "types", max_chars=_MAX_TYPES_CHARS)
    return FeedQuery(
        after=after,
        limit=int_param(request, "limit", default=100, minimum=1, maximum=MAX_LIMIT),
        types=frozenset(t.strip() for t in types.split(",") if t.strip()) if types else None,
        complaint_id=str_param(request, "complaint", pattern=COMPLAINT_ID),
    )


def _after(request: web.Request, last_event_id: str | None = None) -> int:
    if last_event_id:
        # A negative position counts as the start (hub/api/openapi.json).
        position = parse_int(
            last_event_id, "Last-Event-ID", minimum=-BIGINT_MAX, maximum=BIGINT_MAX
        )
        return max(0, position)
    return int_param(request, "after", default=0, minimum=0, maximum=BIGINT_MAX)


def _track(request: web.Request, feeds: Feeds) -> contextlib.AbstractContextManager[OpenStream]:
    return feeds.registry.track(
        request[EVIDENCE].kid,
        request[ACTOR].participant_id,
        limit=request.app[SETTINGS].sse_max_streams_per_participant,
    )


async def get_feed(request: web.Request) -> web.Response:
    feeds = request.app[FEEDS]
    query = _feed_query(request, _after(request))
    wait_s = int_param(request, "wait", default=0, minimum=0, maximum=MAX_WAIT_S)
    participant = request[ACTOR]
    with _track(request, feeds) as stream:
        page = await long_poll(feeds, actor_of(participant), query, wait_s, stream)
    body: dict[str, Any] = {"items": [item_json(i) for i in page.items], "next": page.next}
    return web.Response(body=orjson.dumps(body), content_type="application/json")


async def get_feed_stream(request: web.Request) -> web.StreamResponse:
    feeds = request.app[FEEDS]
    after = _after(request, request.headers.get("Last-Event-ID"))
    query = _feed_query(request, after)
    participant = request[ACTOR]
    with _track(request, feeds) as stream:
        return await stream_feed(request, feeds, actor_of(participant), query, stream)
