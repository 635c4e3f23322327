"""Typed application and request keys, declared once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    import asyncpg

    from hub.decisions import CaseChecks
    from hub.privacy_resources import MasterKeySource
    from hub.settings import Settings
    from hub.signer import HubSigner
    from hub.store.complaints import ComplaintStore
    from hub.store.events import EventStore
    from hub.store.evidence import Evidence
    from hub.store.hub_keys import HubKeyStore
    from hub.store.participants import NonceStore, Participant, ParticipantStore
    from hub.store.personal import PersonalStore

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

REQUEST_ID: web.RequestKey[str] = web.RequestKey("request_id", str)
RAW_BODY: web.RequestKey[bytes] = web.RequestKey("raw_body", bytes)
ACTOR: web.RequestKey[Participant] = web.RequestKey("actor")
EVIDENCE: web.RequestKey[Evidence] = web.RequestKey("evidence")
