"""Who may see the signed evidence behind an event in a complaint's chain. No I/O.

Evidence is the request its sender signed. Most touch one complaint and are shown to every
reader of the case; a message that spans many cases (a batch, or a pulled page of a platform's
records, whose signed response covers @status) would show a reader other complaints, so it is
shown only to its sender and to operators.
"""

from __future__ import annotations

from collections.abc import Collection

from hub.domain.roles import Actor, Role

# The derived component only a signed response covers (RFC 9421 section 2.2.9).
RESPONSE_COMPONENT = '"@status"'
# A batch's body holds every item sent, the refused ones too, whatever case each names: however
# few cases its accepted items reached, it may show a reader another complaint.
BATCH_PATH = "/v1/batches"


def may_see_evidence(
    actor: Actor,
    *,
    sender: str,
    covered: Collection[str],
    complaints_touched: int,
    path: str | None = None,
) -> bool:
    """`covered` names the signed components; `complaints_touched` counts the cases it reached;
    `path` is the signed `@path`."""
    if actor.role is Role.OPERATOR or actor.participant_id == sender:
        return True
    return complaints_touched <= 1 and RESPONSE_COMPONENT not in covered and path != BATCH_PATH
