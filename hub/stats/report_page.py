"""The published report as one HTML page: figures, a platform league table and inline SVG
charts drawn here, on the server; no script, no external resource, printable."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from html import escape
from typing import Any

from hub.domain.stats_query import parse_query
from hub.domain.stats_scope import StatsScope
from hub.stats.service import StatsService

# The page is a publication: every figure goes through the same suppression as the API.
PUBLISHER = StatsScope(everywhere=True, kinds=frozenset({"complaint", "report"}))

_CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Hiragino Sans GB",
"Microsoft YaHei","WenQuanYi Micro Hei","WenQuanYi Zen Hei",system-ui,sans-serif;margin:2rem;
color:#1b1b1b}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.15rem;border-bottom:2px solid #b22222;
padding-bottom:.2rem;margin-top:2rem}.lede{color:#555}
.figures{display:grid;grid-template-columns:repeat(4,1fr);gap:.8rem}
.figure{border:1px solid #ddd;border-radius:6px;padding:.7rem}
.figure b{display:block;font-size:1.4rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border-bottom:1px solid #e3e3e3;
padding:.35rem .5rem;text-align:right}th:first-child,td:first-child{text-align:left}
svg{max-width:100%;height:auto}.note{font-size:.8rem;color:#666}
@media print{body{margin:1cm;font-size:10pt}h2{break-after:avoid}section{break-inside:avoid}
.figures{grid-template-columns:repeat(4,1fr)}a{color:inherit;text-decoration:none}}
@page{size:A4;margin:1.5cm}
"""

SUPPRESSED = "—"


@dataclasses.dataclass(frozen=True, slots=True)
class ReportSpec:
    year: int
    month: int | None = None
    region: str | None = None

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month or 1, 1)

    @property
    def last(self) -> dt.date:
        if self.month is None:
            return dt.date(self.year, 12, 31)
        following = dt.date(self.year + self.month // 12, self.month % 12 + 1, 1)
        return following - dt.timedelta(days=1)

    @property
    def title(self) -> str:
        period = f"{self.year}年{self.month}月" if self.month else f"{self.year}年"
        where = f" · {self.region}" if self.region else ""
        return f"{period}消费投诉统计报告{where}"


async def gather(service: StatsService, spec: ReportSpec) -> dict[str, list[dict[str, Any]]]:
    """Every table the page shows, each a query of the published grid."""
    grain = "month" if spec.month else "year"
    # the nation as one cell, or the level of the region asked for
    level = f",{_level(spec.region)}" if spec.region else ""
    tables = {
        "total": ("complaint", f"{grain}{level}", spec.first, spec.last),
        "platforms": ("complaint", f"{grain}{level},platform", spec.first, spec.last),
        "categories": ("complaint", f"{grain}{level},category1", spec.first, spec.last),
        "livestream": ("complaint", f"{grain}{level},livestream", spec.first, spec.last),
        "bureaus": ("complaint", f"{grain}{level},bureau", spec.first, spec.last),
        "trend": (
            "complaint",
            f"month{level}",
            dt.date(spec.year, 1, 1),
            dt.date(spec.year, 12, 31),
        ),
        "reports": ("report", f"{grain}{level}", spec.first, spec.last),
    }
    result: dict[str, list[dict[str, Any]]] = {}
    for name, (kind, group_by, first, last) in tables.items():
        params = {
            "kind": kind,
            "group_by": group_by,
            "from": first.isoformat(),
            "to": last.isoformat(),
        }
        if spec.region:
            params["region"] = spec.region
        query = parse_query(params, PUBLISHER, spec.first)
        cells = (await service.query(query, PUBLISHER)).cells
        result[name] = [c for c in cells if _here(c, spec)]
    return result


def _level(region: str) -> str:
    if region.endswith("0000"):
        return "province"
    if region.endswith("00"):
        return "city"
    return "district"


def _here(cell: Mapping[str, Any], spec: ReportSpec) -> bool:
    return spec.region is None or cell["region"] == spec.region


def _sum(cells: Sequence[Mapping[str, Any]], name: str) -> int | None:
    """The sum over cells, None (shown as suppressed) when any of them is suppressed."""
    if any(c["suppressed"] for c in cells):
        return None
    return sum(int(c[name] or 0) for c in cells)


def _n(value: Any) -> str:
    return SUPPRESSED if value is None else f"{value:,}"


def _yuan(fen: int | None) -> str:
    if fen is None:
        return SUPPRESSED
    return f"¥{(Decimal(fen) / 100).quantize(Decimal('0.01')):,}"


def _share(part: int | None, whole: int | None) -> str:
    if part is None or not whole:
        return SUPPRESSED
    return f"{100 * part / whole:.1f}%"


def _days(value: Any) -> str:
    return SUPPRESSED if value is None else f"{value:g}"


def bar_chart(items: Sequence[tuple[str, int | None]], *, title: str) -> str:
    """Horizontal bars, one per item; a suppressed item is labelled, not drawn."""
    width, row, label_w = 640, 26, 200
    height = row * len(items) + 30
    top = max([v for _, v in items if v is not None] or [1]) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart bar" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(items):
        y = 10 + i * row
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" font-size="13">'
            f"{escape(label)}</text>"
        )
        if value is None:
            parts.append(
                f'<text x="{label_w}" y="{y + 16}" font-size="12" fill="#888">suppressed</text>'
            )
            continue
        bar = int((width - label_w - 70) * value / top)
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{max(bar, 1)}" height="{row - 8}" '
            'fill="#b22222"/>'
        )
        parts.append(f'<text x="{label_w + bar + 6}" y="{y + 16}" font-size="12">{value:,}</text>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    labels: Sequence[str], series: Mapping[str, Sequence[int | None]], *, title: str
) -> str:
    """Lines over periods; a suppressed point breaks its line."""
    width, height, left, bottom, top_pad = 640, 260, 50, 40, 20
    colours = ["#b22222", "#1f5f9f", "#2e7d32"]
    values = [v for s in series.values() for v in s if v is not None]
    peak = max(values or [1]) or 1
    step = (width - left - 20) / max(len(labels) - 1, 1)

    def y_of(v: int) -> float:
        return height - bottom - (height - bottom - top_pad) * v / peak

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart line" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" '
        'stroke="#999"/>',
        f'<text x="{left - 6}" y="{top_pad + 4}" text-anchor="end" font-size="11">{peak:,}</text>',
    ]
    for i, label in enumerate(labels):
        parts.append(
            f'<text x="{left + i * step:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
            f'font-size="11">{escape(label)}</text>'
        )
    for (name, points), colour in zip(series.items(), colours, strict=False):
        runs: list[list[str]] = [[]]
        for i, v in enumerate(points):
            if v is None:
                runs.append([])
            else:
                runs[-1].append(f"{left + i * step:.1f},{y_of(v):.1f}")
        for run in runs:
            if len(run) > 1:
                parts.append(
                    f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" '
                    f'points="{" ".join(run)}"/>'
                )
            for point in run:
                x, y = point.split(",")
                parts.append(f'<circle cx="{x}" cy="{y}" r="3" fill="{colour}"/>')
        index = list(series).index(name)
        parts.append(
            f'<text x="{left + 10 + 150 * index}" y="{height - 8}" font-size="12" '
            f'fill="{colour}">■ {escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def render(spec: ReportSpec, tables: Mapping[str, list[dict[str, Any]]], threshold: int) -> str:
    total = tables["total"]
    filed = _sum(total, "complaints_filed")
    resolved = _sum(total, "complaints_resolved")
    within = _sum(total, "resolved_within_deadline")
    median = total[0]["median_days_to_resolve"] if len(total) == 1 else None
    figures = [
        ("收到投诉 complaints received", _n(filed)),
        ("已受理 accepted", _n(_sum(total, "complaints_accepted"))),
        ("已解决 resolved", f"{_n(resolved)} ({_share(resolved, filed)})"),
        ("挽回经济损失 recovered", _yuan(_sum(total, "amount_recovered_fen"))),
        ("先行赔付 advance compensation", _yuan(_sum(total, "advance_compensation_fen"))),
        ("办结天数中位数 median days", _days(median)),
        ("按期办结 within deadline", _share(within, resolved)),
        ("举报 reports received", _n(_sum(tables["reports"], "reports_received"))),
    ]
    league_rows = []
    platforms = sorted(
        tables["platforms"],
        key=lambda c: (c["suppressed"], -(c["complaints_filed"] or 0), c["platform"]),
    )
    for c in platforms:
        league_rows.append(
            "<tr>"
            f"<td>{escape(c['platform'])}</td><td>{_n(c['complaints_filed'])}</td>"
            f"<td>{_share(c['complaints_resolved'], c['complaints_filed'])}</td>"
            f"<td>{_days(c['median_days_to_resolve'])}</td>"
            f"<td>{_days(c['p90_days_to_resolve'])}</td>"
            f"<td>{_share(c['resolved_within_deadline'], c['complaints_resolved'])}</td>"
            f"<td>{_n(c['breached_deadlines'])}</td>"
            f"<td>{_yuan(c['amount_recovered_fen'])}</td>"
            "</tr>"
        )
    # a bureau's breaches are its own deadlines' (OWNER), never counted against a platform
    bureau_rows = [
        "<tr>"
        f"<td>{escape(c['bureau'])}</td><td>{_n(c['complaints_filed'])}</td>"
        f"<td>{_n(c['complaints_accepted'])}</td>"
        f"<td>{_n(c['bureau_breached_deadlines'])}</td>"
        "</tr>"
        for c in sorted(tables["bureaus"], key=lambda c: (c["suppressed"], c["bureau"]))
        if c["bureau"] != "none"
    ]
    categories = sorted(
        tables["categories"],
        key=lambda c: (c["suppressed"], -(c["complaints_filed"] or 0), c["category1"]),
    )[:10]
    live = {c["livestream"]: c for c in tables["livestream"]}
    live_true = live.get("true")
    live_count = (
        None if live_true is None or live_true["suppressed"] else live_true["complaints_filed"]
    )
    if live_true is None:
        live_count = 0
    months = [f"{m}月" for m in range(1, 13)]
    by_month = {c["period_start"][:7]: c for c in tables["trend"]}

    def monthly(name: str) -> list[int | None]:
        points: list[int | None] = []
        for m in range(1, 13):
            cell = by_month.get(f"{spec.year}-{m:02d}")
            points.append(0 if cell is None else (None if cell["suppressed"] else cell[name]))
        return points

    trend = line_chart(
        months,
        {
            "received 收到": monthly("complaints_filed"),
            "resolved 解决": monthly("complaints_resolved"),
        },
        title="complaints by month",
    )
    categories_chart = bar_chart(
        [(c["category1"], None if c["suppressed"] else c["complaints_filed"]) for c in categories],
        title="top categories",
    )
    platforms_chart = bar_chart(
        [(c["platform"], None if c["suppressed"] else c["complaints_filed"]) for c in platforms],
        title="complaints by platform",
    )
    figure_html = "".join(
        f'<div class="figure"><span>{escape(label)}</span><b>{escape(value)}</b></div>'
        for label, value in figures
    )
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(spec.title)}</title><style>{_CSS}</style></head>
<body>
<header><h1>{escape(spec.title)}</h1>
<p class="lede">Complaints handled through the hub by bureaus and platforms, {spec.first} to
{spec.last}. Cells holding fewer than {threshold} complaints are suppressed ({SUPPRESSED}).</p>
</header>
<section id="figures"><h2>概况 Summary</h2><div class="figures">{figure_html}</div></section>
<section id="trend"><h2>趋势 Complaints by month, {spec.year}</h2>{trend}</section>
<section id="league"><h2>平台排行 Platform league table</h2>
<table><thead><tr><th>platform</th><th>complaints</th><th>resolved</th><th>median days</th>
<th>p90 days</th><th>within deadline</th><th>breaches (platform, merchant)</th><th>recovered</th>
</tr></thead>
<tbody>{"".join(league_rows)}</tbody></table>{platforms_chart}</section>
<section id="bureaus"><h2>监管部门时效 Bureaus' timeliness</h2>
<table><thead><tr><th>bureau</th><th>complaints</th><th>accepted</th>
<th>breaches (acceptance, mediation, notice)</th></tr></thead>
<tbody>{"".join(bureau_rows)}</tbody></table></section>
<section id="categories"><h2>投诉类别 Top categories</h2>{categories_chart}</section>
<section id="livestream"><h2>直播带货 Livestream complaints</h2>
<p>{_n(live_count)} complaints about livestream sales ({_share(live_count, filed)} of all).</p>
</section>
<footer class="note"><p>Counts by the day each complaint was received; money in yuan. Figures
are published on calendar periods and GB/T 2260 regions only. Suppression is decided over every
table the hub publishes, together: whoever combines all of them can place a suppressed count no
closer than a range of {threshold} (threshold rule; Hundepool et al., Statistical Disclosure
Control, 2012).</p></footer>
</body></html>
"""
