"""Requests by route template and status, their latency, and the feed clients connected now."""

from __future__ import annotations

import asyncio
import time

from aiohttp import web

from hub.http.problems import Handler
from hub.metrics.instruments import FEED_CLIENTS, HTTP_DURATION, HTTP_REQUESTS

# Anything else a client sends as a method is counted as "other": labels stay a bounded set.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"
# What a client that went away before its answer is counted as (nginx's convention).
CLIENT_CLOSED = 499


def route_template(request: web.Request) -> str:
    """The matched route's template (`/v1/complaints/{complaint_id}`), never the raw path: ids
    stay out of the labels, and a scan of random paths adds no series."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else UNMATCHED


def feed_client_kind(route: str, request: web.Request) -> str | None:
    if route == "/v1/feed/stream":
        return "sse"
    if route == "/v1/feed" and request.query.get("wait", "0") not in ("", "0"):
        return "long_poll"
    return None


@web.middleware
async def metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    route = route_template(request)
    method = request.method if request.method in _METHODS else "other"
    kind = feed_client_kind(route, request)
    if kind is not None:
        FEED_CLIENTS.labels(kind).inc()
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as err:
        status = err.status
        raise
    except asyncio.CancelledError:
        status = CLIENT_CLOSED
        raise
    finally:
        if kind is not None:
            FEED_CLIENTS.labels(kind).dec()
        HTTP_REQUESTS.labels(method, route, str(status)).inc()
        HTTP_DURATION.labels(method, route).observe(time.perf_counter() - started)
