"""The one route table."""

from __future__ import annotations

from aiohttp import web

from hub.api import (
    audit,
    batches,
    complaints,
    docs,
    events,
    feed,
    jwks,
    openapi,
    personal,
    platforms,
    reports,
    schemas,
    stats,
    subscriptions,
)
from hub.ops import health
from hub.ops.metrics import handler as metrics


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", health.healthz)
    app.router.add_get("/readyz", health.readyz)
    # Unsigned, for Prometheus: behind the metrics token (hub.ops.metrics.handler).
    app.router.add_get("/metrics", metrics.get_metrics)
    app.router.add_get("/.well-known/jwks.json", jwks.get_jwks)
    # Public and unsigned (outside /v1): the records' schemas and this API's description.
    app.router.add_get("/schemas/", schemas.list_schemas)
    app.router.add_get("/schemas/examples/{name}", schemas.get_example)
    app.router.add_get("/schemas/{name}", schemas.get_schema)
    app.router.add_get("/openapi.json", openapi.get_openapi)
    app.router.add_get("/docs", docs.get_docs)
    app.router.add_post("/v1/events", events.post_event)
    app.router.add_post("/v1/batches", batches.post_batch)
    app.router.add_get("/v1/complaints", complaints.list_complaints)
    app.router.add_get("/v1/complaints/{complaint_id}", complaints.get_complaint)
    app.router.add_get("/v1/complaints/{complaint_id}/events", complaints.get_chain)
    app.router.add_put("/v1/complaints/{complaint_id}/personal", personal.put_personal)
    app.router.add_get("/v1/complaints/{complaint_id}/personal", personal.get_personal)
    app.router.add_delete("/v1/complaints/{complaint_id}/personal", personal.erase_personal)
    app.router.add_get("/v1/feed", feed.get_feed)
    app.router.add_get("/v1/feed/stream", feed.get_feed_stream)
    app.router.add_post("/v1/subscriptions", subscriptions.create_subscription)
    app.router.add_get("/v1/subscriptions", subscriptions.list_subscriptions)
    app.router.add_get("/v1/subscriptions/{subscription_id}", subscriptions.get_subscription)
    app.router.add_delete("/v1/subscriptions/{subscription_id}", subscriptions.delete_subscription)
    app.router.add_post(
        "/v1/subscriptions/{subscription_id}/replay", subscriptions.replay_subscription
    )
    app.router.add_post("/v1/platforms/{platform}/inbound", platforms.post_inbound)
    app.router.add_get("/v1/platforms/{platform}/feed", platforms.get_native_feed)
    # Public (hashes only), except the witnesses' signed cosignatures.
    app.router.add_get("/v1/audit/tree-head", audit.get_tree_head)
    app.router.add_get("/v1/audit/inclusion", audit.get_inclusion)
    app.router.add_get("/v1/audit/consistency", audit.get_consistency)
    app.router.add_post("/v1/audit/cosignatures", audit.post_cosignature)
    app.router.add_get("/v1/stats", stats.get_stats)
    # Outside /v1 and unsigned: a page for a browser, behind the reports token (hub.api.reports).
    app.router.add_get("/reports", reports.get_reports)
