"""Who sees the signed evidence in a chain: a table over reader, sender and what was signed.

A pure domain rule (hub.domain.evidence_access); it sits beside the API tests that read chains.
"""

from __future__ import annotations

import pytest

from hub.domain.evidence_access import may_see_evidence
from hub.domain.roles import Actor, Role

SENDER = Actor("platform.taobao", Role.PLATFORM, platform="taobao")
BUREAU = Actor("bureau.hz", Role.BUREAU, regions=("330100",))
OPERATOR = Actor("operator.hub", Role.OPERATOR)

REQUEST = ('"@method"', '"@path"', '"content-digest"')
RESPONSE = ('"@status"', '"content-digest"')


@pytest.mark.parametrize(
    ("reader", "covered", "complaints_touched", "sees"),
    [
        # one signed request about one case: every reader of the case sees it
        (BUREAU, REQUEST, 1, True),
        (SENDER, REQUEST, 1, True),
        (OPERATOR, REQUEST, 1, True),
        # a batch over many cases would show the reader other complaints
        (BUREAU, REQUEST, 2, False),
        (SENDER, REQUEST, 2, True),
        (OPERATOR, REQUEST, 2, True),
        # a pulled page of a platform's records: a signed response, covering @status
        (BUREAU, RESPONSE, 1, False),
        (SENDER, RESPONSE, 1, True),
        (OPERATOR, RESPONSE, 1, True),
        (BUREAU, RESPONSE, 3, False),
    ],
)
def test_evidence_spanning_cases_shown_only_to_sender_and_operators(
    reader: Actor, covered: tuple[str, ...], complaints_touched: int, sees: bool
) -> None:
    assert (
        may_see_evidence(
            reader,
            sender=SENDER.participant_id,
            covered=covered,
            complaints_touched=complaints_touched,
        )
        is sees
    )
