"""The one call that wires the ops page into the app: its routes, its cleanup context, and the
hook that sets its security headers and notes each request for it."""

from __future__ import annotations

from aiohttp import web

from hub.ops.page.resources import on_response_prepare, ops_ctx
from hub.ops.page.views import add_routes


def setup_ops_page(app: web.Application) -> None:
    # Appended after every other context: it reads the pool, the supervisor and the sync config.
    app.cleanup_ctx.append(ops_ctx)
    app.on_response_prepare.append(on_response_prepare)
    add_routes(app)
