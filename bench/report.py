"""Write bench/results.md from the figures the benchmarks emitted (bench/_report.py).

python bench/report.py var/bench-results.jsonl [--out bench/results.md]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path

HEADER = (
    "# Benchmark results\n\n"
    "Written by `make bench` (bench/report.py). Each figure's baseline was measured in the same\n"
    "run; ratio = value / baseline. The machine is shared while engineers work, so absolute\n"
    "figures are noisy: compare ratios.\n\n"
    "| figure | value | same-run baseline | ratio | machine | date |\n"
    "| --- | --- | --- | --- | --- | --- |\n"
)


def machine() -> str:
    model = platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}"


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    shown = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"
    return f"{shown} {unit}".strip()


def render(lines: list[dict[str, object]], when: datetime, note: str = "") -> str:
    rows = []
    where, date = machine(), when.strftime("%Y-%m-%d %H:%M UTC")
    for item in lines:
        unit = str(item.get("unit", ""))
        value, baseline, ratio = item.get("value"), item.get("baseline"), item.get("ratio")
        rows.append(
            f"| {item['figure']} | {_number(value, unit)} | {_number(baseline, unit)} "  # type: ignore[arg-type]
            f"| {'-' if ratio is None else f'{ratio:.2f}x'} | {where} | {date} |"
        )
    return (
        HEADER.replace("\n\n|", f"\n\n{note}\n\n|" if note else "\n\n|", 1) + "\n".join(rows) + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.md"))
    parser.add_argument("--note", default="", help="a line on how this run was made")
    args = parser.parse_args()
    lines = [json.loads(line) for line in args.results.read_text().splitlines() if line.strip()]
    args.out.write_text(render(lines, datetime.now(UTC), args.note), encoding="utf-8")
    print(f"{len(lines)} figures written to {args.out}")


if __name__ == "__main__":
    main()
