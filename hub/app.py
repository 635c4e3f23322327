"""The application factory: routes, middlewares and cleanup contexts. Nothing else."""

from __future__ import annotations

from aiohttp import web

from hub.api.auth import signature_middleware
from hub.appkeys import SETTINGS
from hub.feeds.service import close_streams_on_shutdown, feeds_ctx
from hub.feeds.webhooks.worker import webhooks_ctx
from hub.middlewares import request_context_middleware
from hub.platforms.resources import platforms_ctx
from hub.platforms.sync.resources import sync_ctx
from hub.privacy_resources import privacy_ctx
from hub.problems import problem_middleware
from hub.routes import setup_routes
from hub.settings import Settings
from hub.signer import signer_ctx
from hub.store.resources import database_ctx, event_store_ctx
from hub.sweeper.worker import sweeper_ctx
from hub.trust_resources import trust_ctx


def create_app(settings: Settings) -> web.Application:
    app = web.Application(
        middlewares=[request_context_middleware, problem_middleware, signature_middleware],
        client_max_size=settings.max_body_bytes,
    )
    app[SETTINGS] = settings
    # Order matters: each context may use what the ones before it opened.
    app.cleanup_ctx.extend([database_ctx, event_store_ctx, signer_ctx, trust_ctx])
    app.cleanup_ctx.append(sweeper_ctx)
    app.cleanup_ctx.append(privacy_ctx)
    app.cleanup_ctx.append(platforms_ctx)
    app.cleanup_ctx.append(sync_ctx)
    app.cleanup_ctx.append(feeds_ctx)
    app.cleanup_ctx.append(webhooks_ctx)
    app.on_shutdown.append(close_streams_on_shutdown)
    setup_routes(app)
    return app
