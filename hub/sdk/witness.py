"""A witness of the hub's audit log: cosign only heads that extend the last head cosigned.

The court, a consumers association or a provincial bureau runs one (`complaint-hub witness`).
Each round it fetches the hub's signed head, checks with a consistency proof that it extends
the last head it cosigned (kept in a small state file, so the check survives restarts), then
signs it and posts the cosignature. A hub that rebuilt its log, even with a validly re-signed
head, cannot get that head cosigned by a witness that held an older one.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

from hub.audit.heads import TreeHead
from hub.sdk.client import AuditLogInconsistent, HubClient, HubError

__all__ = ["AuditLogInconsistent", "Witness", "WitnessRound"]


@dataclasses.dataclass(frozen=True)
class WitnessRound:
    head: TreeHead
    cosigned: bool  # False: the head was the one already cosigned


class Witness:
    def __init__(self, client: HubClient, state_file: Path) -> None:
        self._client = client
        self._state_file = state_file

    def last_cosigned(self) -> TreeHead | None:
        try:
            document = json.loads(self._state_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        return TreeHead.from_json(document)

    def _save(self, head: TreeHead) -> None:
        # Written whole then renamed: a crash never leaves a witness without its last head.
        temporary = self._state_file.with_suffix(self._state_file.suffix + ".tmp")
        temporary.write_text(json.dumps(head.to_json()) + "\n", encoding="utf-8")
        os.replace(temporary, self._state_file)

    async def witness_once(self) -> WitnessRound:
        """One round; raises AuditLogInconsistent (and cosigns nothing) when the hub's head does
        not extend the last head this witness cosigned."""
        head, _ = await self._client.tree_head()
        last = self.last_cosigned()
        if last is not None:
            await self._client.check_consistency(last, head)
            if head == last:
                return WitnessRound(head, cosigned=False)
        response = await self._client.cosign_head(head)
        if response.status not in (200, 201):
            raise HubError(response.status, response.json() if response.body else {})
        self._save(head)
        return WitnessRound(head, cosigned=True)
