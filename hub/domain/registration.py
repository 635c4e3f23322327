"""What a participant must be registered with, checked before anything is written. No I/O."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from hub.domain.regions import region_problem

# Roles whose rights follow from the regions they cover (jurisdiction, reports of a region).
_REGIONAL_ROLES = frozenset({"bureau", "enforcement"})


def registration_problem(
    role: str, platform: str | None, regions: Sequence[str], known_platforms: Collection[str]
) -> str | None:
    """Why a participant of `role` cannot be registered with these values, or None."""
    known = ", ".join(sorted(known_platforms))
    if role == "platform":
        if not platform:
            return f"--platform is required for a platform; known platform codes: {known}"
        if platform not in known_platforms:
            return f"--platform {platform} is no known platform code; known: {known}"
    elif platform:
        return f"--platform belongs to platforms only, not to a participant of role {role}"
    if role in _REGIONAL_ROLES and not regions:
        return f"--region is required for role {role}: a GB/T 2260 code, e.g. 330100"
    for region in regions:
        problem = region_problem(region)
        if problem is not None:
            return problem
    return None
