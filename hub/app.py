"""The application factory: routes, middlewares and cleanup contexts. Nothing else."""

from __future__ import annotations

from aiohttp import web

from hub.appkeys import SETTINGS
from hub.middlewares import request_context_middleware
from hub.problems import problem_middleware
from hub.routes import setup_routes
from hub.settings import Settings
from hub.store.resources import database_ctx, event_store_ctx


def create_app(settings: Settings) -> web.Application:
    app = web.Application(
        middlewares=[request_context_middleware, problem_middleware],
        client_max_size=settings.max_body_bytes,
    )
    app[SETTINGS] = settings
    app.cleanup_ctx.append(database_ctx)
    app.cleanup_ctx.append(event_store_ctx)
    setup_routes(app)
    return app
