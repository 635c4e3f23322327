"""The one route table."""

from __future__ import annotations

from aiohttp import web

from hub.api import complaints, events, jwks
from hub.ops import health


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", health.healthz)
    app.router.add_get("/readyz", health.readyz)
    app.router.add_get("/.well-known/jwks.json", jwks.get_jwks)
    app.router.add_post("/v1/events", events.post_event)
    app.router.add_get("/v1/complaints", complaints.list_complaints)
    app.router.add_get("/v1/complaints/{complaint_id}", complaints.get_complaint)
    app.router.add_get("/v1/complaints/{complaint_id}/events", complaints.get_chain)
