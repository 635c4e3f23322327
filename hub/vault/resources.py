"""Cleanup context for the personal part: the master keys (re-read on rotation) and its store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from hub.privacy.keyfile import MasterKeys, load_master_keys, master_key_path
from hub.settings import SETTINGS
from hub.store.evidence import EvidenceSeals
from hub.store.personal import PersonalStore
from hub.store.personal_keys import PersonalKeyStore
from hub.store.resources import POOL
from hub.supervisor import SUPERVISOR
from hub.vault.native_evidence import EvidenceRewrap
from hub.vault.rewrap import PersonalRewrap

_REFRESH_S = 30
# How often each hub looks for parts still sealed under an older master key version.
_REWRAP_S = 60


class MasterKeySource:
    """The master keys of the shared secret file, re-read when rotation adds a version."""

    def __init__(self, path: Path, keys: MasterKeys) -> None:
        self.path = path
        self.keys = keys

    async def reload(self) -> MasterKeys:
        self.keys = await asyncio.to_thread(load_master_keys, self.path, generate=False)
        return self.keys

    async def with_version(self, version: int) -> MasterKeys:
        """Keys that hold `version`: another replica may have rotated before this one noticed."""
        if version not in self.keys.keys:
            await self.reload()
        return self.keys


MASTER_KEYS: web.AppKey[MasterKeySource] = web.AppKey("master_keys")
PERSONAL_PARTS: web.AppKey[PersonalStore] = web.AppKey("personal_parts")
PERSONAL_REWRAP: web.AppKey[PersonalRewrap] = web.AppKey("personal_rewrap")
EVIDENCE_REWRAP: web.AppKey[EvidenceRewrap] = web.AppKey("evidence_rewrap")


async def privacy_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    path = master_key_path(settings.master_key_file, settings.data_dir)
    # Development default only: production mounts the file from a secret shared by all replicas.
    generate = settings.master_key_file is None
    keys = await asyncio.to_thread(load_master_keys, path, generate=generate)
    source = MasterKeySource(path, keys)
    app[MASTER_KEYS] = source
    app[PERSONAL_PARTS] = PersonalStore(app[POOL])
    rewrap = PersonalRewrap(PersonalKeyStore(app[POOL]), source)
    app[PERSONAL_REWRAP] = rewrap
    evidence_rewrap = EvidenceRewrap(EvidenceSeals(app[POOL]), source)
    app[EVIDENCE_REWRAP] = evidence_rewrap

    # On failure keep the keys in hand, and log only the error's type: never the file's contents.
    supervisor = app[SUPERVISOR]
    async with (
        supervisor.repeating(
            "master-key-refresh", _REFRESH_S, source.reload, describe=lambda err: type(err).__name__
        ),
        # Re-sealing after a rotation runs while the hub serves; a failure (an old version taken
        # out of the key file too early) shows in readiness and is retried.
        supervisor.repeating(
            "personal-rewrap", _REWRAP_S, rewrap.run_once, describe=lambda err: type(err).__name__
        ),
        supervisor.repeating(
            "native-evidence-rewrap",
            _REWRAP_S,
            evidence_rewrap.run_once,
            describe=lambda err: type(err).__name__,
        ),
    ):
        yield
