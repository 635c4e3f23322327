"""The auditor against the suppression: every hidden cell of every table published together
keeps a feasible range at least as wide as the threshold, for the attacker of tests/stats/
_auditor.py, on the seeded month of the findings and on random months."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.domain.stats_cells import ALL
from hub.domain.stats_grid import Grain, Level
from hub.domain.stats_suppression import Cell, Table, decide
from tests.stats._auditor import audit

THRESHOLD = 5
FINEST = Table(Grain.DAY, Level.DISTRICT, by_platform=True)
HANGZHOU = ("330106", "330108", "330102")
NINGBO = ("330203", "330205")
PLATFORMS = ("taobao", "jd", "pinduoduo", "douyin")


def _findings_month() -> dict[Cell, int]:
    """December as the findings saw it: JD 9 in the province, all in Hangzhou (330106: 7,
    330108: 2); Hangzhou 37 = Taobao 27 + JD 9 + Pinduoduo 1; Ningbo beside it."""
    groups = [
        (1, "330106", "jd", 4), (9, "330106", "jd", 3), (4, "330108", "jd", 2),
        (2, "330106", "taobao", 9), (3, "330108", "taobao", 8), (12, "330102", "taobao", 6),
        (20, "330106", "taobao", 4), (5, "330102", "pinduoduo", 1),
        (6, "330203", "taobao", 7), (8, "330205", "douyin", 3), (15, "330203", "douyin", 5),
        (18, "330205", "taobao", 2), (22, "330203", "pinduoduo", 4),
    ]  # fmt: skip
    return {
        (dt.date(2026, 12, day), district, platform, ALL): n
        for day, district, platform, n in groups
    }


def _ordinary_month(seed: int, groups: int = 28, month: int = 10) -> dict[Cell, int]:
    """Ordinary traffic: `groups` groups of 1 to 9 complaints over five districts in two
    cities and four platforms, spread over one month."""
    rng = random.Random(seed)
    base: dict[Cell, int] = {}
    for _ in range(groups):
        cell = (
            dt.date(2026, month, rng.randint(1, 31)),
            rng.choice(HANGZHOU + NINGBO),
            rng.choice(PLATFORMS),
            ALL,
        )
        base[cell] = base.get(cell, 0) + rng.randint(1, 9)
    return base


def _assert_protected(base: dict[Cell, int], table: Table = FINEST) -> tuple[int, float]:
    decisions = decide(base, table, threshold=THRESHOLD)
    ranges = audit(decisions)
    exposed = [r for r in ranges if r.width < THRESHOLD]
    assert not exposed, exposed[:5]
    for r in ranges:
        assert r.low - 1e-6 <= r.true <= r.high + 1e-6
    return len(ranges), min((r.width for r in ranges), default=float("inf"))


def test_the_findings_month_hides_no_cell_a_difference_recovers() -> None:
    hidden, narrowest = _assert_protected(_findings_month())
    assert hidden > 0
    print(f"findings: {hidden} hidden cells, narrowest range {narrowest}")


def test_jd_in_hangzhou_is_not_the_provinces_jd_minus_nothing() -> None:
    decisions = decide(_findings_month(), FINEST, threshold=THRESHOLD)
    dec = dt.date(2026, 12, 1)
    province_jd = (dec, "330000", "jd", ALL) not in decisions.hidden[(2, 1, 1, 0)]
    city_jd = (dec, "330100", "jd", ALL) not in decisions.hidden[(2, 2, 1, 0)]
    # the province's JD and its only city's JD are the same figure: both shown or both hidden
    assert province_jd == city_jd


@pytest.mark.parametrize("seed", range(6))
def test_an_ordinary_month_keeps_every_hidden_cell_protected(seed: int) -> None:
    hidden, narrowest = _assert_protected(_ordinary_month(seed))
    print(f"seed {seed}: {hidden} hidden cells, narrowest range {narrowest}")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.integers(1, 62),
            st.sampled_from(HANGZHOU + NINGBO),
            st.sampled_from(PLATFORMS),
            st.integers(1, 12),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_random_periods_keep_every_hidden_cell_protected(
    groups: list[tuple[int, str, str, int]],
) -> None:
    base: dict[Cell, int] = {}
    for day, district, platform, n in groups:
        cell = (dt.date(2026, 11, 1) + dt.timedelta(days=day - 1), district, platform, ALL)
        base[cell] = base.get(cell, 0) + n
    _assert_protected(base)


CATEGORIES = ("food", "clothing", "electronics")


@pytest.mark.parametrize("seed", range(3))
def test_a_breakdown_keeps_its_cells_and_the_totals_protected(seed: int) -> None:
    rng = random.Random(seed)
    base: dict[Cell, int] = {}
    for (day, region, platform, _), n in _ordinary_month(seed).items():
        for _ in range(n):
            cell = (day, region, platform, rng.choice(CATEGORIES))
            base[cell] = base.get(cell, 0) + 1
    split = Table(Grain.DAY, Level.DISTRICT, by_platform=True, by_value=True)
    hidden, narrowest = _assert_protected(base, split)
    print(f"breakdown seed {seed}: {hidden} hidden cells, narrowest range {narrowest}")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.integers(1, 62),
            st.sampled_from(HANGZHOU + NINGBO),
            st.sampled_from(PLATFORMS),
            st.sampled_from(CATEGORIES),
            st.integers(1, 12),
        ),
        min_size=1,
        max_size=30,
    ),
    st.sampled_from([3, 5, 8]),
)
def test_random_periods_with_a_breakdown_keep_every_hidden_cell_protected(
    groups: list[tuple[int, str, str, str, int]], threshold: int
) -> None:
    # a hidden margin cell whose values were all shown once gave the margin cell away
    base: dict[Cell, int] = {}
    for day, district, platform, category, n in groups:
        cell = (dt.date(2026, 11, 1) + dt.timedelta(days=day - 1), district, platform, category)
        base[cell] = base.get(cell, 0) + n
    split = Table(Grain.DAY, Level.DISTRICT, by_platform=True, by_value=True)
    decisions = decide(base, split, threshold=threshold)
    assert all(r.width >= threshold for r in audit(decisions))
