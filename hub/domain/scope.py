"""A reader's list scope, as plain values the store can filter on (mirrors visibility.py)."""

from __future__ import annotations

import dataclasses

from hub.domain.roles import Actor, Role, region_prefix


@dataclasses.dataclass(frozen=True)
class ReaderScope:
    """What rows a reader may list, as plain values (decided in the domain, applied here)."""

    everything: bool = False
    participant_id: str | None = None
    platform: str | None = None
    region_prefixes: tuple[str, ...] = ()
    as_mediator: bool = False
    as_court: bool = False
    # enforcement staff: reports in these regions (or handed to them); no complaints
    enforcement_region_prefixes: tuple[str, ...] = ()
    as_enforcement: bool = False


def reader_scope(actor: Actor) -> ReaderScope:
    return ReaderScope(
        everything=actor.role is Role.OPERATOR,
        participant_id=actor.participant_id,
        platform=actor.platform if actor.role is Role.PLATFORM else None,
        region_prefixes=tuple(region_prefix(r) for r in actor.regions)
        if actor.role is Role.BUREAU
        else (),
        as_mediator=actor.role is Role.ASSOCIATION,
        as_court=actor.role is Role.COURT,
        enforcement_region_prefixes=tuple(region_prefix(r) for r in actor.regions)
        if actor.role is Role.ENFORCEMENT
        else (),
        as_enforcement=actor.role is Role.ENFORCEMENT,
    )
