"""After a master-key rotation, re-seal the parts still under older versions, in the background.

Every hub runs it; batches skip rows another hub holds, so replicas share the work instead of
repeating it. It is resumable by construction: what is left is whatever is still under an old
version, found again on the next pass or after a restart.
"""

from __future__ import annotations

from typing import Protocol

import structlog

from hub.privacy.keyfile import MasterKeys
from hub.privacy.sealed import SealedPersonal, reseal
from hub.store.personal_keys import PersonalKeyStore

log = structlog.get_logger("hub.privacy")

DEFAULT_BATCH = 100  # parts per transaction: row locks held for milliseconds, not seconds


class KeySource(Protocol):
    """What the re-sealer needs of the master keys: the keys currently in hand."""

    @property
    def keys(self) -> MasterKeys: ...


class PersonalRewrap:
    def __init__(
        self, store: PersonalKeyStore, source: KeySource, *, batch: int = DEFAULT_BATCH
    ) -> None:
        self._store = store
        self._source = source
        self._batch = batch

    async def reseal_batch(self, limit: int | None = None) -> int:
        keys = self._source.keys

        def sealed_again(complaint_id: str, sealed: SealedPersonal) -> SealedPersonal:
            return reseal(keys, complaint_id, sealed)

        return await self._store.reseal_below(keys.current, limit or self._batch, sealed_again)

    async def run_once(self) -> int:
        """Re-seal until nothing is left under an older version; returns how many were."""
        total = 0
        while done := await self.reseal_batch():
            total += done
            # Counts and versions only: never a part, a key or a complaint's data.
            log.info("personal_parts_resealed", count=done, key_version=self._source.keys.current)
        return total
