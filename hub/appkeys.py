"""Typed application and request keys, declared once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    import asyncpg

    from hub.settings import Settings
    from hub.store.events import EventStore

SETTINGS: web.AppKey[Settings] = web.AppKey("settings")
DATABASE_URL: web.AppKey[str] = web.AppKey("database_url")
POOL: web.AppKey[asyncpg.Pool] = web.AppKey("pool")
EVENT_STORE: web.AppKey[EventStore] = web.AppKey("event_store")

REQUEST_ID: web.RequestKey[str] = web.RequestKey("request_id", str)
