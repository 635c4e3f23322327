"""Cleanup context for trust: participants and nonces, the hub's keys and signer, and the work
that keeps them fresh (nonce purge, key-file refresh)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from hub.clock import clock_of
from hub.settings import SETTINGS
from hub.store.hub_keys import HubKeyStore
from hub.store.participants import NonceStore, ParticipantStore
from hub.store.resources import NOTIFICATIONS, POOL, SEAL
from hub.supervisor import SUPERVISOR
from hub.trust.keys import CachedParticipants
from hub.trust.nonces import BatchedNonces
from hub.trust.signer import HubSigner, key_file_path

PARTICIPANTS: web.AppKey[ParticipantStore] = web.AppKey("participants")
NONCES: web.AppKey[NonceStore] = web.AppKey("nonces")
HUB_KEYS: web.AppKey[HubKeyStore] = web.AppKey("hub_keys")
HUB_SIGNER: web.AppKey[HubSigner] = web.AppKey("hub_signer")

_NONCE_PURGE_S = 60
# A rotation appends a key to the shared file; every replica picks it up within this long.
_KEY_REFRESH_S = 30


async def trust_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    pool = app[POOL]
    # Keys are authenticated from memory, dropped on every change (hub/trust/keys.py).
    app[PARTICIPANTS] = participants = CachedParticipants(pool)
    # Claimed in batches: concurrent requests share one round trip (hub/trust/nonces.py).
    app[NONCES] = nonces = BatchedNonces(pool)
    app[HUB_KEYS] = hub_keys = HubKeyStore(pool)
    signer = await HubSigner.load(
        hub_keys,
        key_file_path(settings.hub_key_file, settings.data_dir),
        generate=settings.hub_key_file is None,
        clock=clock_of(app),
    )
    app[HUB_SIGNER] = signer
    app[SEAL] = signer.seal
    supervisor = app[SUPERVISOR]
    await participants.start(app[NOTIFICATIONS])
    try:
        async with (
            supervisor.repeating("nonce-purge", _NONCE_PURGE_S, nonces.purge_expired),
            supervisor.repeating("hub-key-refresh", _KEY_REFRESH_S, signer.refresh),
        ):
            yield
    finally:
        await participants.close()
