"""The application factory: routes, middlewares and cleanup contexts. Nothing else."""

from __future__ import annotations

from aiohttp import web

from hub.api.routes import setup_routes
from hub.feeds.resources import close_streams_on_shutdown, feeds_ctx
from hub.feeds.webhooks.resources import webhooks_ctx
from hub.http.keys import RATE_LIMITER
from hub.http.middlewares import request_context_middleware
from hub.http.problems import problem_middleware
from hub.http.ratelimit import RateLimiter, database_buckets
from hub.http.request_metrics import metrics_middleware
from hub.http.signatures import signature_middleware
from hub.ops.metrics.resources import metrics_ctx
from hub.ops.page.setup import setup_ops_page
from hub.platforms.resources import platforms_ctx
from hub.platforms.sync.resources import sync_ctx
from hub.retention.partitions import partitions_ctx
from hub.services.audit_log import audit_ctx
from hub.services.resources import services_ctx
from hub.settings import SETTINGS, Settings
from hub.stats.resources import stats_ctx
from hub.store.resources import database_ctx, event_store_ctx, notifications_ctx, read_pool_ctx
from hub.supervisor import supervisor_ctx
from hub.sweeper.worker import sweeper_ctx
from hub.trust.resources import trust_ctx
from hub.vault.resources import privacy_ctx


def create_app(settings: Settings) -> web.Application:
    app = web.Application(
        middlewares=[
            request_context_middleware,
            metrics_middleware,
            problem_middleware,
            signature_middleware,
        ],
        client_max_size=settings.max_body_bytes,
    )
    app[SETTINGS] = settings
    app[RATE_LIMITER] = RateLimiter.from_settings(settings.rate_limits, database_buckets(app))
    # Order matters: each context may use what the ones before it opened, and they close in
    # reverse order (the supervisor last, after every task it ran has been stopped).
    app.cleanup_ctx.extend(
        [
            supervisor_ctx,
            database_ctx,
            notifications_ctx,
            read_pool_ctx,
            partitions_ctx,
            trust_ctx,
            event_store_ctx,
            audit_ctx,
            services_ctx,
            sweeper_ctx,
            privacy_ctx,
            platforms_ctx,
            sync_ctx,
            feeds_ctx,
            webhooks_ctx,
            stats_ctx,
            metrics_ctx,
        ]
    )
    app.on_shutdown.append(close_streams_on_shutdown)
    setup_routes(app)
    setup_ops_page(app)
    return app
