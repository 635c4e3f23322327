"""What a participant may be registered with, and examples moved to today: table tests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.cli.redate import dated_today, days_to_today
from hub.domain.regions import region_problem
from hub.domain.registration import registration_problem

PLATFORMS = ("jd", "taobao")


@pytest.mark.parametrize("code", ["330100", "330106", "330000", "110101", "820000", "650102"])
def test_gb_t_2260_codes_are_accepted(code: str) -> None:
    assert region_problem(code) is None


@pytest.mark.parametrize(
    ("code", "named"),
    [
        ("99", "six digits"),
        ("3301", "six digits"),
        ("33010x", "six digits"),
        ("990000", "99 is no province-level code"),
        ("000000", "00 is no province-level code"),
        ("190100", "19 is no province-level code"),
        ("330006", "prefecture digits"),
    ],
)
def test_other_region_codes_are_refused_naming_why(code: str, named: str) -> None:
    problem = region_problem(code)
    assert problem is not None
    assert named in problem


@pytest.mark.parametrize(
    ("role", "platform", "regions", "named"),
    [
        ("platform", None, (), "--platform is required for a platform; known platform codes: jd"),
        ("platform", "notaplatform", (), "--platform notaplatform is no known platform code"),
        ("bureau", None, (), "--region is required for role bureau"),
        ("enforcement", None, (), "--region is required for role enforcement"),
        ("bureau", None, ("99",), "region '99' is not a GB/T 2260 code"),
        ("bureau", "jd", ("330100",), "--platform belongs to platforms only"),
        ("association", None, ("330100", "990000"), "99 is no province-level code"),
    ],
)
def test_registration_is_refused_naming_what_to_fix(
    role: str, platform: str | None, regions: tuple[str, ...], named: str
) -> None:
    problem = registration_problem(role, platform, regions, PLATFORMS)
    assert problem is not None
    assert named in problem


@pytest.mark.parametrize(
    ("role", "platform", "regions"),
    [
        ("platform", "jd", ()),
        ("bureau", None, ("330100",)),
        ("bureau", None, ("330100", "330106")),
        ("court", None, ()),
        ("association", None, ("330100",)),
        ("operator", None, ()),
    ],
)
def test_complete_registrations_pass(
    role: str, platform: str | None, regions: tuple[str, ...]
) -> None:
    assert registration_problem(role, platform, regions, PLATFORMS) is None


@pytest.mark.parametrize(
    ("now", "days"),
    [
        # 2026-11-29 14:00 in Hangzhou: the example's 09:30 has passed today
        (datetime(2026, 11, 29, 6, 0, tzinfo=UTC), 17),
        # 2026-11-29 08:00 in Hangzhou: 09:30 is still to come, so yesterday
        (datetime(2026, 11, 29, 0, 0, tzinfo=UTC), 16),
    ],
)
def test_an_example_moves_by_whole_days_to_the_latest_past_time(now: datetime, days: int) -> None:
    assert days_to_today("2026-11-12T09:30:00+08:00", now) == days


def test_every_date_of_an_example_moves_by_the_same_days() -> None:
    event = {
        "event_id": "e",
        "occurred_at": "2026-11-12T09:30:00+08:00",
        "data": {
            "received_at": "2026-11-12T09:12:45+08:00",
            "order": {"order_id": "4012345678901234567", "signed_for_on": "2026-11-11"},
            "goods": [{"name": "2026-11-12 edition", "amount_fen": 59900}],
        },
    }
    moved = dated_today(event, datetime(2026, 11, 29, 6, 0, tzinfo=UTC))
    assert moved["occurred_at"] == "2026-11-29T09:30:00+08:00"
    assert moved["data"]["received_at"] == "2026-11-29T09:12:45+08:00"
    assert moved["data"]["order"] == {
        "order_id": "4012345678901234567",
        "signed_for_on": "2026-11-28",
    }
    assert moved["data"]["goods"][0]["name"] == "2026-11-12 edition"  # free text stays
    assert event["occurred_at"] == "2026-11-12T09:30:00+08:00"  # the example itself is untouched
