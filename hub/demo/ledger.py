"""What the subscribing bureau learns from the feed: each case's state, money and timeliness.

Pure: fed one verified feed item at a time, it replays the hub's own lifecycle table, so the
summary's states are the hub's rules applied to what was delivered, not the demo's intentions.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hub.domain.errors import IllegalTransition
from hub.domain.lifecycle import Status, initial_status, next_status

_ODR_DEADLINE = "odr_negotiation"
# A platform has answered once it says anything about the complaint.
_ANSWERS = frozenset({"complaint.acknowledged", "complaint.offer_made", "complaint.resolved"})


@dataclass
class CaseTally:
    platform: str
    odr: bool
    status: Status
    version: int
    recovered_fen: int = 0
    answered: bool = False
    answered_late: bool = False
    breaches: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class LeagueRow:
    platform: str
    complaints: int
    on_time: int
    late: int

    @property
    def on_time_share(self) -> float | None:
        decided = self.on_time + self.late
        return None if decided == 0 else self.on_time / decided


@dataclass
class Ledger:
    cases: dict[str, CaseTally] = field(default_factory=dict)
    events: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    advance_compensations: int = 0
    illegal: int = 0  # moves the lifecycle table does not know: should stay 0

    def apply(self, event: dict[str, Any]) -> None:
        self.events += 1
        kind = str(event["type"])
        self.by_type[kind] += 1
        complaint_id = str(event["complaint_id"])
        data = event.get("data") or {}
        case = self.cases.get(complaint_id)
        if case is None:
            if kind != "complaint.filed":
                self.illegal += 1
                return
            self.cases[complaint_id] = CaseTally(
                platform=str(data["respondent"]["platform"]),
                odr=data.get("channel") == "platform_odr",
                status=initial_status(kind),
                version=int(event["version"]),
            )
            return
        try:
            case.status = next_status(case.status, kind, odr=case.odr)
        except IllegalTransition:
            self.illegal += 1
        case.version = max(case.version, int(event["version"]))
        self._money_and_clocks(case, kind, data)

    def _money_and_clocks(self, case: CaseTally, kind: str, data: dict[str, Any]) -> None:
        if kind in _ANSWERS and not case.answered:
            case.answered = True
        if kind == "complaint.resolved":
            case.recovered_fen = int(data["amount_fen"])
            if data.get("resolution") == "advance_compensation":
                self.advance_compensations += 1
        elif kind == "mediation.concluded" and data.get("agreement") and "amount_fen" in data:
            # the agreed total replaces what was recovered before
            case.recovered_fen = int(data["amount_fen"])
        elif kind == "deadline.breached":
            case.breaches.append(str(data["deadline"]))
            if data["deadline"] == _ODR_DEADLINE and not case.answered:
                case.answered_late = True

    def by_status(self) -> Counter[str]:
        return Counter(case.status.value for case in self.cases.values())

    def recovered_fen(self) -> int:
        return sum(case.recovered_fen for case in self.cases.values())

    def breaches(self) -> Counter[str]:
        return Counter(name for case in self.cases.values() for name in case.breaches)

    def league(self) -> list[LeagueRow]:
        """Per platform: complaints, answered within the ODR clock, and answered late or never."""
        rows: dict[str, list[int]] = {}
        for case in self.cases.values():
            row = rows.setdefault(case.platform, [0, 0, 0])
            row[0] += 1
            if case.answered_late:
                row[2] += 1
            elif case.answered:
                row[1] += 1
        table = [LeagueRow(p, *counts) for p, counts in rows.items()]
        return sorted(table, key=lambda r: (-(r.on_time_share or 0.0), -r.complaints, r.platform))
