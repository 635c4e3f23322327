"""Reading complaints: list filters, cursor pagination, and each reader's rights."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from hub.sdk.client import HubClient
from tests.api._lifecycle import Cast, Enrol, event, new_complaint_id, step_event

# Which bureau of the cast files complaints from each region.
FILER_OF_REGION = {"330106": "bureau", "330206": "province_bureau", "110105": "far_bureau"}


@dataclass(frozen=True)
class Filed:
    complaint_id: str
    region: str
    platform: str
    category: str
    status: str
    filer: str


async def _populate(cast: Cast, count: int = 25) -> list[Filed]:
    """`count` complaints over three regions, two platforms, two categories and two statuses."""
    population = []
    for i in range(count):
        region = ("330106", "330206", "110105")[i % 3]
        platform = ("taobao", "jd")[i % 2]
        category = ("quality", "quality", "price", "price")[i % 4]
        filer = FILER_OF_REGION[region]
        complaint_id = new_complaint_id(Cast.participant_id(filer))
        bureau = await cast(filer)
        await bureau.post_event(
            step_event(
                "bureau",
                1,
                complaint_id,
                region=region,
                respondent={"platform": platform},
                category={"level1": category, "livestream": False},
            )
        )
        status = "filed"
        if i % 5 == 0:
            await bureau.post_event(
                event(
                    "complaint.accepted",
                    complaint_id,
                    2,
                    handling_bureau=Cast.participant_id(filer),
                )
            )
            status = "accepted"
        population.append(Filed(complaint_id, region, platform, category, status, filer))
    return population


async def _list_all(reader: HubClient, limit: int = 10, **filters: Any) -> list[dict[str, Any]]:
    """Every page of a listing, checking each page's size and cursor on the way."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = await reader.call(
            "GET", "/v1/complaints", params={"limit": limit, "cursor": cursor, **filters}
        )
        assert len(page["items"]) <= limit
        items.extend(page["items"])
        cursor = page["next"]
        if cursor is None:
            return items
        assert len(page["items"]) == limit


def _ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["complaint_id"] for item in items]


async def test_pages_of_ten_cover_25_complaints_without_duplicates_or_gaps(enrol: Enrol) -> None:
    cast = Cast(enrol)
    population = await _populate(cast)
    operator = await cast("operator")

    pages = []
    cursor = None
    while True:
        page = await operator.call("GET", "/v1/complaints", params={"limit": 10, "cursor": cursor})
        pages.append(_ids(page["items"]))
        cursor = page["next"]
        if cursor is None:
            break

    assert [len(p) for p in pages] == [10, 10, 5]
    seen = [complaint_id for page in pages for complaint_id in page]
    assert len(seen) == len(set(seen)) == 25
    assert set(seen) == {f.complaint_id for f in population}
    # Ordered by last update: the five accepted complaints moved behind those filed before them.
    everything = await _list_all(operator, limit=500)
    assert _ids(everything) == seen
    stamps = [item["updated_at"] for item in everything]
    assert stamps == sorted(stamps)


@pytest.mark.parametrize(
    ("filters", "wanted"),
    [
        ({"status": "accepted"}, lambda f: f.status == "accepted"),
        ({"status": "filed"}, lambda f: f.status == "filed"),
        ({"respondent_platform": "jd"}, lambda f: f.platform == "jd"),
        ({"region": "330100"}, lambda f: f.region.startswith("3301")),
        ({"region": "330000"}, lambda f: f.region.startswith("33")),
        ({"region": "110105"}, lambda f: f.region == "110105"),
        ({"category": "price"}, lambda f: f.category == "price"),
        (
            {"respondent_platform": "taobao", "region": "330000", "category": "quality"},
            lambda f: (
                f.platform == "taobao" and f.region.startswith("33") and f.category == "quality"
            ),
        ),
    ],
    ids=[
        "status-accepted",
        "status-filed",
        "platform",
        "city",
        "province",
        "county",
        "category",
        "combined",
    ],
)
async def test_list_filters_select_exactly_the_matching_complaints(
    enrol: Enrol, filters: dict[str, str], wanted: Any
) -> None:
    cast = Cast(enrol)
    population = await _populate(cast)
    operator = await cast("operator")

    found = await _list_all(operator, limit=4, **filters)

    expected = {f.complaint_id for f in population if wanted(f)}
    assert expected, "a filter that matches nothing proves nothing"
    assert len(_ids(found)) == len(set(_ids(found)))
    assert set(_ids(found)) == expected


async def test_updated_after_lists_only_what_changed_since(enrol: Enrol) -> None:
    cast = Cast(enrol)
    population = await _populate(cast, 12)
    operator = await cast("operator")
    everything = await _list_all(operator, limit=500)
    since = everything[6]["updated_at"]

    found = await _list_all(operator, limit=3, updated_after=since)

    assert _ids(found) == _ids(everything[7:])
    assert len(population) == len(everything)
    # The same moment in another offset selects the same complaints.
    china = datetime.fromisoformat(since).astimezone(timezone(timedelta(hours=8))).isoformat()
    assert _ids(await _list_all(operator, limit=500, updated_after=china)) == _ids(found)


@pytest.mark.parametrize(
    "params",
    [
        {"region": "3301"},
        {"limit": "0"},
        {"limit": "ten"},
        {"cursor": "not-a-cursor"},
        {"updated_after": "2026-11-12T09:00:00"},
    ],
    ids=["region-four-digits", "limit-zero", "limit-not-a-number", "foreign-cursor", "no-offset"],
)
async def test_bad_list_parameters_are_400_problems(enrol: Enrol, params: dict[str, str]) -> None:
    operator = await Cast(enrol)("operator")
    response = await operator.request("GET", "/v1/complaints", params=params)
    assert response.status == 400
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/bad-request")


async def test_each_reader_lists_only_the_complaints_it_may_see(enrol: Enrol) -> None:
    cast = Cast(enrol)
    population = await _populate(cast)

    def ids(wanted: Any) -> set[str]:
        return {f.complaint_id for f in population if wanted(f)}

    expectations = {
        "operator": ids(lambda f: True),
        "platform": ids(lambda f: f.platform == "taobao"),
        "other_platform": ids(lambda f: f.platform == "jd"),
        "bureau": ids(lambda f: f.region.startswith("3301")),
        "province_bureau": ids(lambda f: f.region.startswith("33")),
        "far_bureau": ids(lambda f: f.region.startswith("11")),
        "association": set(),
        "court": set(),
    }
    for name, expected in expectations.items():
        reader = await cast(name)
        found = _ids(await _list_all(reader))
        assert len(found) == len(set(found)), name
        assert set(found) == expected, name
        # Filters narrow a reader's rights, never widen them.
        narrowed = _ids(await _list_all(reader, respondent_platform="jd", region="330000"))
        assert set(narrowed) == expected & ids(
            lambda f: f.platform == "jd" and f.region.startswith("33")
        ), name

    # Mediation delegated to the association makes that one complaint visible to it.
    bureau = await cast("bureau")
    delegated = next(f for f in population if f.filer == "bureau" and f.status == "accepted")
    await bureau.post_event(
        event("mediation.started", delegated.complaint_id, 3, mediator="association.zj.hz")
    )
    association = await cast("association")
    assert _ids(await _list_all(association)) == [delegated.complaint_id]
    snapshot = await association.get_complaint(delegated.complaint_id)
    assert snapshot["mediator"] == "association.zj.hz"
    assert snapshot["status"] == "mediating"
    other = next(f for f in population if f.complaint_id != delegated.complaint_id)
    response = await association.request("GET", f"/v1/complaints/{other.complaint_id}")
    assert response.status == 404


async def test_an_invisible_complaint_is_404_exactly_like_a_missing_one(enrol: Enrol) -> None:
    cast = Cast(enrol)
    population = await _populate(cast, 3)
    platform = await cast("platform")
    far_bureau = await cast("far_bureau")
    hidden_from_platform = next(f for f in population if f.platform == "jd")
    hidden_from_far_bureau = next(f for f in population if f.region.startswith("33"))
    missing = new_complaint_id()

    for reader, hidden in (
        (platform, hidden_from_platform),
        (far_bureau, hidden_from_far_bureau),
    ):
        for suffix in ("", "/events"):
            invisible = await reader.request("GET", f"/v1/complaints/{hidden.complaint_id}{suffix}")
            absent = await reader.request("GET", f"/v1/complaints/{missing}{suffix}")
            assert invisible.status == absent.status == 404
            assert invisible.headers["Content-Type"] == absent.headers["Content-Type"]
            shown, unknown = invisible.json(), absent.json()
            assert set(shown) == set(unknown)
            for key in ("type", "title", "status"):
                assert shown[key] == unknown[key]
            assert shown["detail"].replace(hidden.complaint_id, "X") == unknown["detail"].replace(
                missing, "X"
            )
            # Nothing of the hidden case leaks: not its region, platform or filer.
            # (the id itself names its filer's namespace: the reader sent it)
            text = invisible.body.decode().replace(hidden.complaint_id, "X")
            for leak in (hidden.region, hidden.platform, Cast.participant_id(hidden.filer)):
                assert leak not in text
