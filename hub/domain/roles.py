"""Who speaks: the authenticated participant behind an event, never a field of its body."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Role(StrEnum):
    BUREAU = "bureau"  # a market-regulation bureau (city, district; village stations through it)
    PLATFORM = "platform"  # a shopping platform, the respondent of the complaints about it
    ASSOCIATION = "association"  # a consumers association, mediating where delegated
    COURT = "court"  # the online court, on what is referred to it
    # a bureau's enforcement staff, registered apart: the only readers of reports (举报) besides
    # the bureau that received them
    ENFORCEMENT = "enforcement"
    OPERATOR = "operator"  # runs the hub; watches sync health, says nothing about cases
    HUB = "hub"  # the hub itself: deadline breaches it observes


@dataclass(frozen=True, slots=True)
class Actor:
    participant_id: str
    role: Role
    platform: str | None = None  # the platform code, for role platform only
    regions: tuple[str, ...] = ()  # GB/T 2260 codes a bureau (or its enforcement staff) covers

    def __post_init__(self) -> None:
        if (self.role is Role.PLATFORM) != (self.platform is not None):
            raise ValueError("a platform code belongs to, and only to, a platform actor")


class Registered(Protocol):
    """What the registry knows of a participant (hub.store.participants.Participant)."""

    @property
    def participant_id(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def platform(self) -> str | None: ...
    @property
    def regions(self) -> tuple[str, ...]: ...


def actor_of(participant: Registered) -> Actor:
    """The actor a registered participant acts as: who signs is who speaks (DESIGN.md, Trust)."""
    return Actor(
        participant_id=participant.participant_id,
        role=Role(participant.role),
        platform=participant.platform,
        regions=participant.regions,
    )


def region_prefix(region: str) -> str:
    """The significant part of a GB/T 2260 code: 330000 -> "33", 330100 -> "3301"."""
    prefix = region
    for _ in range(2):  # province and prefecture levels end in "00"; county codes are exact
        if prefix.endswith("00"):
            prefix = prefix[:-2]
    return prefix


def covers(bureau_region: str, case_region: str) -> bool:
    """A bureau at 330000 (Zhejiang) covers 330100 (Hangzhou) and 330106 (Xihu district)."""
    return case_region.startswith(region_prefix(bureau_region))
