"""Malls that speak the canonical format: check each event and pass it through unchanged."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.base import canonical
from adapters.base.contract import (
    AdapterInfo,
    CanonicalEvent,
    FilingContext,
    NativeRef,
    ParseResult,
)
from adapters.base.package_data import package_dir
from adapters.canonical import const

_PACKAGE = package_dir("adapters.canonical")


class CanonicalAdapter:
    """One class for every canonical-speaking mall, instantiated per platform code."""

    def __init__(self, code: str) -> None:
        if code not in const.PLATFORMS:
            raise ValueError(f"no canonical platform {code!r}")
        self.info = AdapterInfo.from_manifest(_PACKAGE, code=code, name=const.PLATFORMS[code])
        # Golden fixtures name the platform in their refs, so each code keeps its own set.
        self.fixtures_dir = _PACKAGE / "fixtures" / code

    def parse(
        self,
        payload: Mapping[str, Any],
        previous_state: Mapping[str, Any] | None,
        *,
        filing: FilingContext | None = None,
    ) -> ParseResult:
        """Check a mall's canonical event; its event id is the native id, so a re-push adds nothing.

        `filing` is ignored: a mall speaking the canonical format files with
        `complaint.filed` itself.
        """
        canonical.check_event(payload)
        event_id = str(payload["event_id"])
        state = {
            "event_id": event_id,
            "type": payload["type"],
            "occurred_at": payload["occurred_at"],
        }
        events: list[CanonicalEvent] = []
        if not (previous_state and previous_state.get("event_id") == event_id):
            events.append(
                CanonicalEvent(
                    event_id=event_id,
                    complaint_id=payload.get("complaint_id"),
                    type=payload["type"],
                    occurred_at=payload["occurred_at"],
                    # The hub assigns versions: whatever the mall sent is dropped, not trusted.
                    data=payload["data"],
                )
            )
        return ParseResult(
            native_ref=NativeRef(self.info.code, "event", event_id),
            complaint_id=payload.get("complaint_id"),
            state=state,
            events=events,
        )

    def render(self, event: Mapping[str, Any], case: Mapping[str, Any] | None) -> dict[str, Any]:
        """The canonical event itself, checked, as the mall reads the canonical format."""
        canonical.check_event(event)
        return {
            key: event[key]
            for key in ("event_id", "complaint_id", "version", "type", "occurred_at", "data")
            if key in event
        }
