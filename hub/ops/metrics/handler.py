"""GET /metrics: the Prometheus exposition, for operators only.

Served only when COMPLAINT_HUB_METRICS_TOKEN is set, and only to a request bearing it
(`Authorization: Bearer <token>`, which Prometheus sends from its scrape config); without the
setting the route answers 404 as if it did not exist. No query-string token: scrape URLs end
up in logs. Labels carry no personal data and no ids (hub/metrics/instruments.py), but volumes
per participant are still the operators' business alone.
"""

from __future__ import annotations

import hmac

from aiohttp import web
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from hub.ops.metrics.exposition import scrape
from hub.ops.metrics.resources import METRICS
from hub.problems import NotFound, Unauthorized
from hub.settings import SETTINGS


def _check_token(request: web.Request) -> None:
    expected = request.app[SETTINGS].metrics_token
    if expected is None:
        raise NotFound("metrics are not enabled on this hub (COMPLAINT_HUB_METRICS_TOKEN)")
    header = request.headers.get("Authorization", "")
    offered = header.removeprefix("Bearer ") if header.startswith("Bearer ") else ""
    if not hmac.compare_digest(offered.encode(), expected.encode()):
        refused = Unauthorized(
            "metrics-token", "/metrics needs the metrics token as an Authorization Bearer token"
        )
        refused.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        raise refused


async def get_metrics(request: web.Request) -> web.Response:
    _check_token(request)
    metrics = request.app[METRICS]
    body = await scrape(metrics.sampler, metrics.database)
    # The classic text format, which every Prometheus version reads; our names need no more.
    return web.Response(
        body=body, headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4, "Cache-Control": "no-store"}
    )
