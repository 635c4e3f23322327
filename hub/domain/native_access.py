"""Who may read a platform's native feed: the events on its cases, in its own format. No I/O."""

from __future__ import annotations

from hub.domain.roles import Actor, Role


def may_read_native_feed(actor: Actor, platform: str) -> bool:
    """The platform itself, and operators, who watch every platform's sync health."""
    if actor.role is Role.OPERATOR:
        return True
    return actor.role is Role.PLATFORM and actor.platform == platform
