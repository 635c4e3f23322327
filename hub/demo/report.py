"""The live progress line and the closing summary, as text. No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hub.demo.ledger import Ledger
from hub.demo.setting import village_stations
from hub.demo.timeline import SHANGHAI

# The order a case moves in, for the table of states.
_STATES = (
    "filed",
    "escalated",
    "accepted",
    "routed",
    "acknowledged",
    "negotiating",
    "resolved",
    "confirmed",
    "disputed",
    "mediating",
    "mediated",
    "referred",
    "closed",
    "rejected",
    "withdrawn",
)


def yuan(amount_fen: int) -> str:
    """Integer fen as yuan with thousands separators, exactly."""
    return f"{amount_fen // 100:,}.{amount_fen % 100:02d}"


def local(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%m-%d %H:%M")


@dataclass(frozen=True, slots=True)
class Progress:
    simulated: datetime
    elapsed_s: float
    filed: int
    sent: int
    verified: int
    signature_failures: int
    breaches: int


def progress_line(p: Progress) -> str:
    rate = p.verified / p.elapsed_s if p.elapsed_s > 0 else 0.0
    return (
        f"[{local(p.simulated)} Asia/Shanghai] {p.elapsed_s:5.1f}s  filed {p.filed:,}  "
        f"sent {p.sent:,}  delivered {p.verified:,} ({rate:,.0f}/s)  "
        f"breaches {p.breaches:,}  signature failures {p.signature_failures}"
    )


@dataclass(frozen=True, slots=True)
class Outcome:
    started: datetime
    ended: datetime
    elapsed_s: float
    interrupted: bool
    participants: int
    filed: int
    feed_events: int  # read back from the feed after the run
    head_position: int
    verified: int
    signature_failures: int
    gaps: int
    redeliveries: int
    refused: dict[str, int]
    unfinished: dict[str, int]
    pollers_behind_s: dict[str, float]  # pulled platforms: the hub's poller behind simulated time
    ops_url: str
    reports_url: str
    data_dir: str


def summary(outcome: Outcome, ledger: Ledger) -> list[str]:
    o = outcome
    lost = o.feed_events - o.verified
    rate = o.feed_events / o.elapsed_s if o.elapsed_s > 0 else 0.0
    how = "interrupted (Ctrl-C)" if o.interrupted else "done"
    lines = [
        f"complaint-hub demo {how}: simulated {local(o.started)} to {local(o.ended)} "
        f"Asia/Shanghai in {o.elapsed_s:.1f} s",
        f"participants: {o.participants} registered, each with its own Ed25519 key",
        f"complaints filed: {len(ledger.cases):,} ({_channels(ledger)})",
        f"events: {o.feed_events:,} in {o.elapsed_s:.1f} s = {rate:,.1f} events/s",
        f"feed: head position {o.head_position:,}, {o.feed_events:,} events; subscriber verified "
        f"{o.verified:,}; lost {lost}; signature failures {o.signature_failures}; "
        f"gaps {o.gaps}; redeliveries {o.redeliveries}",
        "complaints by state: " + _states(ledger),
        f"recovered: {yuan(ledger.recovered_fen())} yuan "
        f"(advance compensation in {ledger.advance_compensations} cases)",
        "deadlines breached: " + _counts(dict(ledger.breaches())),
        f"mediation by the association: {ledger.by_type['mediation.started']} started, "
        f"{ledger.by_type['mediation.concluded']} concluded; "
        f"referred to the internet court: {ledger.by_type['case.referred']}",
        "refused by the hub: " + _counts(o.refused),
        "left half-way by the simulators: " + _counts(o.unfinished),
        "",
        "platform league table (answered within the ODR clock):",
        f"  {'platform':<12}{'complaints':>11}{'on time':>9}{'late':>6}{'on time %':>11}"
        f"  {'hub poller behind':>17}",
    ]
    for row in ledger.league():
        share = row.on_time_share
        shown = "-" if share is None else f"{100 * share:.1f}"
        behind_s = o.pollers_behind_s.get(row.platform)
        # a poller far behind simulated time records the platform's answers late (docs/demo.md)
        lag = "" if behind_s is None else f"{behind_s / 3600:,.1f} h"
        lines.append(
            f"  {row.platform:<12}{row.complaints:>11,}{row.on_time:>9,}{row.late:>6,}{shown:>11}"
            f"  {lag:>17}".rstrip()
        )
    lines += [
        "",
        f"ops:     {o.ops_url}",
        f"reports: {o.reports_url}",
        f"data:    {o.data_dir}",
    ]
    return lines


def _channels(ledger: Ledger) -> str:
    stations = set(village_stations())
    odr = sum(1 for case in ledger.cases.values() if case.odr)
    # a complaint's id is in its filer's namespace: "<filer>:<local part>"
    at_stations = sum(1 for cid in ledger.cases if cid.partition(":")[0] in stations)
    at_bureaus = len(ledger.cases) - odr - at_stations
    return (
        f"{at_bureaus:,} at bureaus, {at_stations:,} at village stations, "
        f"{odr:,} on the platforms' own ODR services"
    )


def _states(ledger: Ledger) -> str:
    counts = ledger.by_status()
    return ", ".join(f"{state} {counts[state]:,}" for state in _STATES if counts[state]) or "none"


def _counts(counts: dict[str, int]) -> str:
    shown = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{name} {count:,}" for name, count in shown) or "none"
