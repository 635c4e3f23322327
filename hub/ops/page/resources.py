"""The ops page's app keys, its cleanup context, and the one call that wires it into the app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import structlog
from aiohttp import web

from hub.clock import clock_of
from hub.ops.page.auth import OperatorAuth
from hub.ops.page.heartbeat import Heartbeat
from hub.ops.page.overview import DEADLINES_REFRESH_S, Overview
from hub.ops.page.recorder import RequestRecorder
from hub.platforms.sync.config import SyncTarget, load_targets
from hub.settings import SETTINGS
from hub.store.login_failures import LoginFailureStore
from hub.store.operators import OperatorStore
from hub.store.ops import OpsStore
from hub.store.resources import POOL
from hub.store.subscriptions import SubscriptionStore
from hub.store.sync_state import SyncStateStore
from hub.store.unmapped import UnmappedCodeStore
from hub.supervisor import SUPERVISOR, worker_identity

log = structlog.get_logger("hub.ops.page")

OPS_STORE: web.AppKey[OpsStore] = web.AppKey("ops_store")
OPERATOR_AUTH: web.AppKey[OperatorAuth] = web.AppKey("operator_auth")
OVERVIEW: web.AppKey[Overview] = web.AppKey("ops_overview")
REQUEST_RECORDER: web.AppKey[RequestRecorder] = web.AppKey("ops_request_recorder")
HEARTBEAT: web.AppKey[Heartbeat] = web.AppKey("ops_heartbeat")
SYNC_TARGETS: web.AppKey[dict[str, SyncTarget]] = web.AppKey("ops_sync_targets")
# What the operators' actions change: webhook endpoints and the pollers' pause switch.
ENDPOINTS: web.AppKey[SubscriptionStore] = web.AppKey("ops_endpoints")
SYNC_STATE: web.AppKey[SyncStateStore] = web.AppKey("ops_sync_state")

RECORDER_FLUSH_S = 1.0
PURGE_EVERY_S = 60.0
# The rejects table keeps at most this many rows whatever the retention (a flood's worth).
REJECTS_KEPT = 200_000

# Every /ops answer: no script but our own file, never framed, nothing cached or referred.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
        " connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


async def on_response_prepare(request: web.Request, response: web.StreamResponse) -> None:
    if request.path == "/ops" or request.path.startswith("/ops/"):
        response.headers.update(SECURITY_HEADERS)
        return
    recorder = request.app.get(REQUEST_RECORDER)
    if recorder is not None:
        recorder.observe(request, response)


async def purge_ops_rows(app: web.Application) -> None:
    """Old rejects, idle sessions and forgotten counts of failed logins."""
    settings = app[SETTINGS]
    now = clock_of(app)()
    await app[OPS_STORE].purge_rejects(
        now - timedelta(days=settings.ops_reject_retention_days), REJECTS_KEPT
    )
    auth = app[OPERATOR_AUTH]
    await auth.store.purge_sessions(now - timedelta(seconds=settings.ops_session_idle_s))
    await auth.limiter.purge()


async def ops_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    clock = clock_of(app)
    supervisor = app[SUPERVISOR]
    app[OPS_STORE] = store = OpsStore(app[POOL])
    app[OPERATOR_AUTH] = OperatorAuth(
        OperatorStore(app[POOL]), LoginFailureStore(app[POOL]), settings, clock
    )
    app[SYNC_TARGETS] = targets = load_targets(settings.data_dir)
    app[ENDPOINTS] = SubscriptionStore(app[POOL])
    app[SYNC_STATE] = SyncStateStore(app[POOL])
    app[OVERVIEW] = Overview(
        store, UnmappedCodeStore(app[POOL]), targets, clock, settings.ops_heartbeat_s
    )
    app[REQUEST_RECORDER] = recorder = RequestRecorder(clock)
    app[HEARTBEAT] = heartbeat = Heartbeat(worker_identity(), supervisor, store, clock)
    await heartbeat.beat()
    async with (
        supervisor.repeating("ops-requests", RECORDER_FLUSH_S, lambda: recorder.flush(store)),
        supervisor.repeating("ops-heartbeat", settings.ops_heartbeat_s, heartbeat.beat),
        supervisor.repeating("ops-purge", PURGE_EVERY_S, lambda: purge_ops_rows(app)),
        supervisor.repeating(
            "ops-deadlines", DEADLINES_REFRESH_S, app[OVERVIEW].refresh_deadlines_if_viewed
        ),
    ):
        yield
        # What was noted since the last flush is written before the pool closes, if it can be.
        try:
            await recorder.flush(store)
        except Exception as err:
            log.warning("ops_requests_not_flushed", error_type=type(err).__name__)
    # After the heartbeat task has stopped, so no beat writes the process back.
    try:
        await heartbeat.stop()
    except Exception as err:
        log.warning("ops_process_not_forgotten", error_type=type(err).__name__)
