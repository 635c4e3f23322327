"""How a stored event is shown to readers: the canonical event plus what the hub added."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from hub.crypto.receipts import rfc3339


def shown_event(body: bytes, *, actor: str, position: int, accepted_at: datetime) -> dict[str, Any]:
    """The canonical event as signed by its sender, with `actor`, `position`, `accepted_at`.

    The three added members are exactly those a receipt signs, so removing them gives back the
    bytes whose digest the receipt carries.
    """
    event: dict[str, Any] = orjson.loads(body)
    event.update(actor=actor, position=position, accepted_at=rfc3339(accepted_at))
    return event
