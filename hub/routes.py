"""The one route table."""

from __future__ import annotations

from aiohttp import web

from hub.api import events
from hub.ops import health


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", health.healthz)
    app.router.add_get("/readyz", health.readyz)
    app.router.add_post("/v1/events", events.post_event)
