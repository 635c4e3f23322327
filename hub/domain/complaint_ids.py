"""Whose a complaint id is: every filer names its complaints in a namespace of its own. No I/O.

A complaint (or report) id is `<filer's participant id>:<local part>`, the local part free of
":" so the namespace is everything before the last ":" and no participant's namespace lies inside
another's. The filing event is refused unless its id is in its sender's namespace, and a personal
part is written ahead of a filing only in the writer's own namespace; so nobody can file under
another participant's id, or hold the personal part of a complaint another will file.
"""

from __future__ import annotations

import re

NAMESPACE_SEPARATOR = ":"
_LOCAL_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]*")


def namespace_of(complaint_id: str) -> str:
    """The participant id whose namespace `complaint_id` is in ("" when it has none)."""
    return complaint_id.rpartition(NAMESPACE_SEPARATOR)[0]


def in_namespace_of(complaint_id: str, participant_id: str) -> bool:
    """Whether `participant_id` may file a complaint named `complaint_id`."""
    namespace, separator, local = complaint_id.rpartition(NAMESPACE_SEPARATOR)
    return bool(separator) and namespace == participant_id and bool(_LOCAL_PART.fullmatch(local))


def complaint_id_in(participant_id: str, local_part: str) -> str:
    """The id `participant_id` files `local_part` under."""
    return f"{participant_id}{NAMESPACE_SEPARATOR}{local_part}"
