"""Table tests of the pure statistics rules: periods, scope, suppression, quantiles."""

from __future__ import annotations

import datetime as dt

import pytest

from hub.domain.deadlines import OWNER, DeadlineName
from hub.domain.roles import Actor, Role
from hub.domain.stats_cells import ALL, CaseFigures, complaint_contribution, quantile_days
from hub.domain.stats_grid import Grain, Level, period_end, period_label, period_start, region_at
from hub.domain.stats_scope import StatsScope, stats_scope
from hub.domain.stats_suppression import Table, decide
from tests.stats._auditor import audit

D = dt.date


@pytest.mark.parametrize(
    ("grain", "day", "start", "end", "label"),
    [
        (Grain.DAY, D(2026, 3, 5), D(2026, 3, 5), D(2026, 3, 5), "2026-03-05"),
        (Grain.WEEK, D(2026, 1, 1), D(2025, 12, 29), D(2026, 1, 4), "2026-W01"),
        (Grain.MONTH, D(2026, 2, 14), D(2026, 2, 1), D(2026, 2, 28), "2026-02"),
        (Grain.QUARTER, D(2026, 11, 11), D(2026, 10, 1), D(2026, 12, 31), "2026-Q4"),
        (Grain.YEAR, D(2026, 6, 1), D(2026, 1, 1), D(2026, 12, 31), "2026"),
    ],
)
def test_periods_are_calendar_aligned(
    grain: Grain, day: dt.date, start: dt.date, end: dt.date, label: str
) -> None:
    assert period_start(grain, day) == start
    assert period_end(grain, start) == end
    assert period_label(grain, start) == label


@pytest.mark.parametrize(
    ("level", "code", "cell"),
    [
        (Level.DISTRICT, "330106", "330106"),
        (Level.CITY, "330106", "330100"),
        (Level.PROVINCE, "330106", "330000"),
        (Level.NATION, "330106", "000000"),
        (Level.DISTRICT, "330100", "330100"),  # placed at city level only: its own cell
    ],
)
def test_regions_follow_the_gbt2260_tree(level: Level, code: str, cell: str) -> None:
    assert region_at(level, code) == cell


BOTH = frozenset({"complaint", "report"})


@pytest.mark.parametrize(
    ("actor", "kind", "region", "platform", "sees"),
    [
        (Actor("op", Role.OPERATOR), "report", "000000", ALL, True),
        (Actor("b", Role.BUREAU, regions=("330106",)), "complaint", "330106", "jd", True),
        (Actor("b", Role.BUREAU, regions=("330106",)), "complaint", "330108", "jd", False),
        (Actor("b", Role.BUREAU, regions=("330106",)), "complaint", "330100", ALL, False),
        (Actor("b", Role.BUREAU, regions=("330106",)), "report", "330106", "jd", True),
        (Actor("p", Role.BUREAU, regions=("330000",)), "complaint", "330100", ALL, True),
        (Actor("p", Role.BUREAU, regions=("330000",)), "complaint", "330108", "jd", True),
        (Actor("p", Role.BUREAU, regions=("330000",)), "complaint", "000000", ALL, False),
        (Actor("p", Role.BUREAU, regions=("330000",)), "complaint", "110000", ALL, False),
        (Actor("x", Role.BUREAU), "complaint", "330106", "jd", False),
        (Actor("t", Role.PLATFORM, platform="taobao"), "complaint", "330106", "taobao", True),
        (Actor("t", Role.PLATFORM, platform="taobao"), "complaint", "330106", ALL, True),
        (Actor("t", Role.PLATFORM, platform="taobao"), "complaint", "000000", ALL, True),
        (Actor("t", Role.PLATFORM, platform="taobao"), "complaint", "330106", "jd", False),
        (Actor("t", Role.PLATFORM, platform="taobao"), "report", "330106", "taobao", False),
        (Actor("a", Role.ASSOCIATION), "complaint", "330106", "jd", True),
        (Actor("a", Role.ASSOCIATION), "report", "330106", "jd", False),
        (Actor("a", Role.ASSOCIATION, regions=("330100",)), "complaint", "110101", "jd", False),
        (Actor("c", Role.COURT), "complaint", "330106", "jd", True),
        (Actor("c", Role.COURT), "report", "330106", "jd", False),
        (Actor("h", Role.HUB), "complaint", "330106", "jd", False),
    ],
)
def test_who_sees_which_cell(
    actor: Actor, kind: str, region: str, platform: str, sees: bool
) -> None:
    assert stats_scope(actor).sees(kind, region, platform) is sees


@pytest.mark.parametrize(
    ("actor", "hidden"),
    [
        (Actor("c", Role.COURT), {"merchant", "bureau"}),
        (Actor("t", Role.PLATFORM, platform="taobao"), {"bureau"}),
        (Actor("b", Role.BUREAU, regions=("330106",)), set()),
    ],
)
def test_breakdowns_a_reader_may_not_ask_for(actor: Actor, hidden: set[str]) -> None:
    assert stats_scope(actor).hidden_dimensions == hidden


def test_no_reader_but_the_operator_sees_the_nation() -> None:
    assert not StatsScope(region_prefixes=("33",), kinds=BOTH).sees_region("000000")


JAN = D(2026, 1, 1)


def _hidden(base: dict[tuple[dt.date, str, str, str], int], table: Table) -> set[str]:
    decisions = decide(base, table, threshold=5)
    return {cell[2] for cell in decisions.hidden[decisions.target]}


@pytest.mark.parametrize(
    ("counts", "hidden"),
    [
        ({"a": 20, "b": 30, "c": 40}, set()),  # nothing small
        ({"a": 3, "b": 30, "c": 40}, {"a", "b"}),  # one small: the next smallest goes with it
        ({"a": 1, "b": 2, "c": 40, "d": 50}, {"a", "b", "c"}),  # 1 + 2 < 5: one more
        ({"a": 2, "b": 4, "c": 40}, {"a", "b"}),  # two small holding 6 >= 5: each is 0 to 6
        ({"a": 0, "b": 30}, set()),  # an empty cell is no cell
        ({"a": 4, "b": 1}, {"a", "b"}),  # the total (5) is published, its parts are not
    ],
)
def test_secondary_suppression_in_one_partition(counts: dict[str, int], hidden: set[str]) -> None:
    base = {(JAN, "330106", platform, ALL): n for platform, n in counts.items()}
    assert _hidden(base, Table(Grain.YEAR, Level.DISTRICT, by_platform=True)) == hidden


def test_a_small_total_hides_its_parts_too() -> None:
    base = {(JAN, "330106", "a", ALL): 2, (JAN, "330106", "b", ALL): 1}
    decisions = decide(base, Table(Grain.YEAR, Level.DISTRICT, by_platform=True), threshold=5)
    assert (JAN, "330106", ALL, ALL) in decisions.hidden[(0, 3, 0, 0)]
    assert {c[2] for c in decisions.hidden[decisions.target]} == {"a", "b"}


def test_suppression_holds_across_two_trees_at_once() -> None:
    # districts x platforms in one city: hiding one cell for its district must be matched in its
    # platform's column too, or the city total of that platform gives it away
    counts = {
        ("330102", "a"): 3, ("330102", "b"): 20, ("330102", "c"): 25,
        ("330106", "a"): 30, ("330106", "b"): 22, ("330106", "c"): 27,
        ("330108", "a"): 31, ("330108", "b"): 26, ("330108", "c"): 29,
    }  # fmt: skip
    base = {(JAN, region, platform, ALL): n for (region, platform), n in counts.items()}
    decisions = decide(base, Table(Grain.YEAR, Level.DISTRICT, by_platform=True), threshold=5)
    assert (JAN, "330102", "a", ALL) in decisions.hidden[decisions.target]
    assert all(r.width >= 5 for r in audit(decisions))


def test_a_cell_gets_the_same_decision_whatever_the_range_asked() -> None:
    base = {(D(2026, m, 1), "330106", "a", ALL): m % 6 for m in range(1, 13)}
    table = Table(Grain.MONTH, Level.DISTRICT, by_platform=True)
    assert decide(base, table).hidden == decide(dict(base), table).hidden


@pytest.mark.parametrize(
    ("histogram", "median", "p90"),
    [
        ({}, None, None),
        ({3: 1}, 3.0, 3.0),
        ({1: 1, 2: 1}, 1.5, 2.0),
        ({1: 5, 10: 4, 40: 1}, 5.5, 10.0),
        ({d: 1 for d in range(1, 11)}, 5.5, 9.0),
    ],
)
def test_quantiles_are_exact_from_the_histogram(
    histogram: dict[int, int], median: float | None, p90: float | None
) -> None:
    assert quantile_days(histogram, 0.5) == median
    assert quantile_days(histogram, 0.9) == p90


def _figures(breached: frozenset[str], resolved: bool = True) -> CaseFigures:
    return CaseFigures(
        received_on=JAN, region="330106", respondent_platform="jd", status="closed",
        channel="bureau", filer="bureau.hz.xihu", category_level1="food",
        category_level2=None, livestream=False, merchant_uscc=None, handling_bureau=None,
        amount_claimed_fen=100, amount_recovered_fen=0, accepted_on=JAN,
        resolved_on=D(2026, 1, 9) if resolved else None, resolution=None, outcome=None,
        self_reported=False, breached_deadlines=breached, provisional_deadlines=frozenset(),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("breached", "platform", "bureau", "within"),
    [
        (frozenset(), 0, 0, 1),
        (frozenset({"acceptance_decision"}), 0, 1, 1),  # the bureau's, not the platform's
        (frozenset({"mediation_limit", "parties_notified"}), 0, 2, 1),
        (frozenset({"odr_negotiation"}), 1, 0, 0),
        (frozenset({"refund_after_return"}), 1, 0, 0),  # the merchant's: on its platform
        (frozenset({"acceptance_decision", "odr_negotiation"}), 1, 1, 0),
    ],
)
def test_a_breach_is_charged_to_its_deadlines_owner(
    breached: frozenset[str], platform: int, bureau: int, within: int
) -> None:
    measures = complaint_contribution(_figures(breached)).measures
    assert measures.breached_deadlines == platform
    assert measures.bureau_breached_deadlines == bureau
    assert measures.within_deadline == within


def test_every_deadline_has_an_owner() -> None:
    assert set(OWNER) == set(DeadlineName)
