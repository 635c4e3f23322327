"""Who may read which statistics: a pure decision on the reader, table-tested.

- operator: everything, complaints and reports.
- bureau (and its enforcement staff): the cells of its regions, complaints and reports; a
  provincial bureau (330000) reads its province, cities and districts, a city bureau its city
  and districts; a bureau registered without regions reads nothing.
- platform: the cells of its own cases, beside the market totals (all platforms together) of
  every region; never reports (a platform must not learn it was reported) and no breakdown by
  bureau.
- consumers association: complaint cells of its regions, of every region when it has none
  (associations publish market-wide figures); no reports.
- court: complaint cells of its regions, of every region when it has none; no reports and no
  breakdown naming a merchant or a bureau (the court judges cases, it does not rate parties).

No reader ever sees a consumer: the rollup holds no personal part and no free text.
"""

from __future__ import annotations

import dataclasses

from hub.domain.roles import Actor, Role, region_prefix
from hub.domain.stats_cells import ALL, COMPLAINT, REPORT
from hub.domain.stats_grid import NATION


@dataclasses.dataclass(frozen=True, slots=True)
class StatsScope:
    everywhere: bool = False  # every region, the nation included
    region_prefixes: tuple[str, ...] = ()
    platform: str | None = None  # only this platform's cells, besides market totals
    kinds: frozenset[str] = frozenset()
    hidden_dimensions: frozenset[str] = frozenset()

    def sees_region(self, region: str) -> bool:
        """A region cell (at any level) is visible when a region of the reader covers it."""
        if self.everywhere:
            return True
        if region == NATION:
            return False
        return any(region.startswith(p) for p in self.region_prefixes)

    def sees_platform(self, platform: str) -> bool:
        return self.platform is None or platform in (self.platform, ALL)

    def sees(self, kind: str, region: str, platform: str) -> bool:
        return kind in self.kinds and self.sees_region(region) and self.sees_platform(platform)


def _regions(actor: Actor) -> tuple[bool, tuple[str, ...]]:
    prefixes = tuple(region_prefix(r) for r in actor.regions)
    return (not prefixes, prefixes)


def stats_scope(actor: Actor) -> StatsScope:
    role = actor.role
    if role is Role.OPERATOR:
        return StatsScope(everywhere=True, kinds=frozenset({COMPLAINT, REPORT}))
    if role in (Role.BUREAU, Role.ENFORCEMENT):
        # a bureau registered without regions covers nothing
        prefixes = tuple(region_prefix(r) for r in actor.regions)
        return StatsScope(region_prefixes=prefixes, kinds=frozenset({COMPLAINT, REPORT}))
    if role is Role.PLATFORM:
        return StatsScope(
            everywhere=True,
            platform=actor.platform,
            kinds=frozenset({COMPLAINT}),
            hidden_dimensions=frozenset({"bureau"}),
        )
    if role is Role.ASSOCIATION:
        everywhere, prefixes = _regions(actor)
        return StatsScope(everywhere, prefixes, kinds=frozenset({COMPLAINT}))
    if role is Role.COURT:
        everywhere, prefixes = _regions(actor)
        return StatsScope(
            everywhere,
            prefixes,
            kinds=frozenset({COMPLAINT}),
            hidden_dimensions=frozenset({"merchant", "bureau"}),
        )
    return StatsScope()  # the hub itself, and any role added later: nothing until decided
