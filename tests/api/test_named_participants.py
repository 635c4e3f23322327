"""Whom an event names, over HTTP: a bureau cannot hand its case to another city's bureau, to a
platform or to an id nobody holds; a mediator, a court and enforcement staff must be what their
field says. Each wrong name is refused with a 422 naming the field, and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from hub.sdk.client import HubClient, HubError
from hub.store.participants import Participant
from hub.trust.resources import PARTICIPANTS
from tests.api._lifecycle import event, new_complaint_id

XIHU = "bureau.xh"  # Hangzhou's Xihu district, 330106: the region of the example complaint


@pytest.fixture
async def cast(enrol: Any, app: Any) -> dict[str, HubClient]:
    clients = {
        "xihu": await enrol(XIHU, "bureau", regions=("330106",)),
        "hangzhou": await enrol("bureau.hz", "bureau", regions=("330100",)),
        "ningbo": await enrol("bureau.nb", "bureau", regions=("330200",)),
        "jd": await enrol("platform.jd", "platform", platform="jd"),
        "association": await enrol("association.hz", "association", regions=("330100",)),
        "court": await enrol("court.hz.internet", "court"),
        "enforcement": await enrol("enforcement.xh", "enforcement", regions=("330106",)),
    }
    await app[PARTICIPANTS].add(
        Participant("bureau.gone", "Gone", "bureau", None, ("330106",), None, False)
    )
    return clients


async def _post(client: HubClient, event_type: str, complaint_id: str, version: int, **data: Any):
    return await client.post_event(event(event_type, complaint_id, version, **data))


async def _refused(client: HubClient, *args: Any, **data: Any) -> HubError:
    with pytest.raises(HubError) as caught:
        await _post(client, *args, **data)
    return caught.value


async def _filed(bureau: HubClient, filer: str = XIHU) -> str:
    complaint_id = new_complaint_id(filer)
    await _post(bureau, "complaint.filed", complaint_id, 1)
    return complaint_id


@pytest.mark.parametrize(
    ("handling_bureau", "slug"),
    [
        ("bureau.nb", "wrong-participant"),  # another city's bureau
        ("bureau.hz", "wrong-participant"),  # its own city's bureau, above it
        ("platform.jd", "wrong-participant"),  # a platform
        ("court.hz.internet", "wrong-participant"),  # a court, which would then read the case
        ("no.such.bureau", "unknown-participant"),  # nobody
        ("bureau.gone", "unknown-participant"),  # disabled
    ],
)
async def test_a_bureau_accepts_for_itself_only(
    cast: dict[str, HubClient], handling_bureau: str, slug: str
) -> None:
    xihu = cast["xihu"]
    complaint_id = await _filed(xihu)
    problem = await _refused(
        xihu, "complaint.accepted", complaint_id, 2, handling_bureau=handling_bureau
    )
    assert (problem.status, problem.slug) == (422, slug)
    assert problem.problem["detail"].startswith(f"/data/handling_bureau: {handling_bureau} ")
    assert problem.problem["pointer"] == "/data/handling_bureau"
    # nothing changed: the case is still at version 1, and Ningbo cannot read it
    assert (await xihu.get_complaint(complaint_id))["version"] == 1
    with pytest.raises(HubError):
        await cast["ningbo"].get_complaint(complaint_id)
    await _post(xihu, "complaint.accepted", complaint_id, 2, handling_bureau=XIHU)


async def test_a_city_bureau_may_assign_a_case_to_one_of_its_districts(
    cast: dict[str, HubClient],
) -> None:
    hangzhou = cast["hangzhou"]
    complaint_id = await _filed(hangzhou, "bureau.hz")
    await _post(hangzhou, "complaint.accepted", complaint_id, 2, handling_bureau=XIHU)
    assert (await cast["xihu"].get_complaint(complaint_id))["version"] == 2


async def test_after_a_transfer_the_receiving_bureau_accepts_for_itself(
    cast: dict[str, HubClient],
) -> None:
    xihu, ningbo = cast["xihu"], cast["ningbo"]
    complaint_id = await _filed(xihu)
    await _post(xihu, "case.transferred", complaint_id, 2, to_bureau="bureau.nb")
    problem = await _refused(ningbo, "complaint.accepted", complaint_id, 3, handling_bureau=XIHU)
    assert (problem.status, problem.slug) == (422, "wrong-participant")
    await _post(ningbo, "complaint.accepted", complaint_id, 3, handling_bureau="bureau.nb")


@pytest.mark.parametrize(
    ("mediator", "slug"),
    [
        ("association.nowhere", "unknown-participant"),
        ("platform.jd", "wrong-participant"),  # the respondent's side, never its mediator
        ("court.hz.internet", "wrong-participant"),
        ("bureau.nb", "wrong-participant"),  # a bureau with no part in the case
    ],
)
async def test_a_mediator_is_the_handling_bureau_or_an_association(
    cast: dict[str, HubClient], mediator: str, slug: str
) -> None:
    xihu = cast["xihu"]
    complaint_id = await _filed(xihu)
    await _post(xihu, "complaint.accepted", complaint_id, 2, handling_bureau=XIHU)
    problem = await _refused(xihu, "mediation.started", complaint_id, 3, mediator=mediator)
    assert (problem.status, problem.slug) == (422, slug)
    assert problem.problem["detail"].startswith(f"/data/mediator: {mediator} ")
    await _post(xihu, "mediation.started", complaint_id, 3, mediator="association.hz")


@pytest.mark.parametrize(
    ("court", "slug"),
    [("platform.jd", "wrong-participant"), ("court.nowhere", "unknown-participant")],
)
async def test_a_case_is_referred_to_a_court(
    cast: dict[str, HubClient], court: str, slug: str
) -> None:
    xihu = cast["xihu"]
    complaint_id = await _filed(xihu)
    await _post(xihu, "complaint.accepted", complaint_id, 2, handling_bureau=XIHU)
    await _post(xihu, "mediation.started", complaint_id, 3, mediator=XIHU)
    await _post(
        xihu,
        "mediation.concluded",
        complaint_id,
        4,
        agreement=False,
        ground="no_agreement_possible",
        parties_consented=True,
    )
    problem = await _refused(xihu, "case.referred", complaint_id, 5, court=court)
    assert (problem.status, problem.slug) == (422, slug)
    await _post(xihu, "case.referred", complaint_id, 5, court="court.hz.internet")
