"""Who may write a complaint's personal part, and how much of it a reader sees. No I/O.

The personal part is written before the filing event, because the filing event carries the
commitment the hub hands back for it. So a write to a complaint that is not filed yet is allowed
to any participant that may file (a bureau, or a platform for its own ODR cases), and the first
writer holds the id until the case is filed. Once filed, only the case's filer writes it; a part
written by anyone else is no part of the case (the read path ignores it, the filer replaces it).
"""

from __future__ import annotations

import enum

from hub.domain.case import CaseView
from hub.domain.roles import Actor, Role
from hub.domain.visibility import may_read_case, may_read_personal

_MAY_FILE = frozenset({Role.BUREAU, Role.PLATFORM})


class Access(enum.Enum):
    FULL = "full"
    MASKED = "masked"
    NONE = "none"  # reported exactly like a case that does not exist


class WriteVerdict(enum.Enum):
    ALLOWED = "allowed"
    NOT_FOUND = "not_found"  # a filed case the writer may not even read
    NOT_FILER = "not_filer"  # only the filer speaks for the consumer
    MAY_NOT_FILE = "may_not_file"  # a role that never files (operator, court, association)
    RESERVED = "reserved"  # not filed yet, and another participant wrote the part first


def personal_access(actor: Actor, case: CaseView) -> Access:
    if not may_read_case(actor, case):
        return Access.NONE
    return Access.FULL if may_read_personal(actor, case) else Access.MASKED


def may_write(actor: Actor, case: CaseView | None, stored_writer: str | None) -> WriteVerdict:
    if case is not None:
        if actor.participant_id == case.filer:
            return WriteVerdict.ALLOWED
        return WriteVerdict.NOT_FILER if may_read_case(actor, case) else WriteVerdict.NOT_FOUND
    if actor.role not in _MAY_FILE:
        return WriteVerdict.MAY_NOT_FILE
    if stored_writer is not None and stored_writer != actor.participant_id:
        return WriteVerdict.RESERVED
    return WriteVerdict.ALLOWED


def belongs_to_case(stored_writer: str, case: CaseView) -> bool:
    """A part counts only when written by the participant that filed the case."""
    return stored_writer == case.filer
