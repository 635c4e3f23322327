"""Typed application and request keys, declared once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    import asyncpg

    from adapters.base.contract import Adapter
    from hub.decisions import CaseChecks
    from hub.feeds.service import Feeds
    from hub.feeds.webhooks.delivery import Guard, WebhookWorker
    from hub.feeds.webhooks.guard import Resolver
    from hub.platforms.feed import NativeFeed
    from hub.platforms.ingest import PlatformIngest
    from hub.platforms.sync.worker import SyncWorker
    from hub.privacy_resources import MasterKeySource
    from hub.settings import Settings
    from hub.signer import HubSigner
    from hub.store.complaints import ComplaintStore
    from hub.store.events import EventStore
    from hub.store.evidence import Evidence
    from hub.store.hub_keys import HubKeyStore
    from hub.store.participants import NonceStore, Participant, ParticipantStore
    from hub.store.personal import PersonalStore
    from hub.store.subscriptions import SubscriptionStore
    from hub.store.sync_state import SyncStateStore

SETTINGS: web.AppKey[Settings] = web.AppKey("settings")
DATABASE_URL: web.AppKey[str] = web.AppKey("database_url")
POOL: web.AppKey[asyncpg.Pool] = web.AppKey("pool")
EVENT_STORE: web.AppKey[EventStore] = web.AppKey("event_store")

PARTICIPANTS: web.AppKey[ParticipantStore] = web.AppKey("participants")
NONCES: web.AppKey[NonceStore] = web.AppKey("nonces")
HUB_KEYS: web.AppKey[HubKeyStore] = web.AppKey("hub_keys")
HUB_SIGNER: web.AppKey[HubSigner] = web.AppKey("hub_signer")
CHECKS: web.AppKey[CaseChecks] = web.AppKey("checks")
COMPLAINTS: web.AppKey[ComplaintStore] = web.AppKey("complaints")
MASTER_KEYS: web.AppKey[MasterKeySource] = web.AppKey("master_keys")
PERSONAL_PARTS: web.AppKey[PersonalStore] = web.AppKey("personal_parts")
# Platform adapters by code, and the native path through them.
ADAPTERS: web.AppKey[dict[str, Adapter]] = web.AppKey("adapters")
PLATFORM_INGEST: web.AppKey[PlatformIngest] = web.AppKey("platform_ingest")
NATIVE_FEED: web.AppKey[NativeFeed] = web.AppKey("native_feed")
FEEDS: web.AppKey[Feeds] = web.AppKey("feeds")
SUBSCRIPTIONS: web.AppKey[SubscriptionStore] = web.AppKey("subscriptions")
WEBHOOK_GUARD: web.AppKey[Guard] = web.AppKey("webhook_guard")
WEBHOOK_WORKER: web.AppKey[WebhookWorker] = web.AppKey("webhook_worker")
# Set before start-up by tests and benchmarks only: the worker's clock and the target resolver.
WEBHOOK_CLOCK: web.AppKey[Callable[[], datetime]] = web.AppKey("webhook_clock")
WEBHOOK_RESOLVER: web.AppKey[Resolver] = web.AppKey("webhook_resolver")
# Pull mode: sync state, one poller per configured platform; clock and autostart set by tests only.
SYNC_STATES: web.AppKey[SyncStateStore] = web.AppKey("sync_states")
SYNC_WORKERS: web.AppKey[dict[str, SyncWorker]] = web.AppKey("sync_workers")
SYNC_CLOCK: web.AppKey[Callable[[], datetime]] = web.AppKey("sync_clock")
SYNC_AUTOSTART: web.AppKey[bool] = web.AppKey("sync_autostart")

REQUEST_ID: web.RequestKey[str] = web.RequestKey("request_id", str)
RAW_BODY: web.RequestKey[bytes] = web.RequestKey("raw_body", bytes)
ACTOR: web.RequestKey[Participant] = web.RequestKey("actor")
EVIDENCE: web.RequestKey[Evidence] = web.RequestKey("evidence")
