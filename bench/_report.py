"""One machine-readable line per figure: printed as `BENCH {...}`, and appended to the file named
by BENCH_RESULTS when set (make bench collects them there for bench/report.py)."""

from __future__ import annotations

import json
import os


def emit(figure: str, value: float, unit: str, baseline: float | None = None) -> None:
    """`value` measured, and the same run's `baseline` of it where there is one."""
    ratio = value / baseline if baseline else None
    line = json.dumps(
        {"figure": figure, "value": value, "unit": unit, "baseline": baseline, "ratio": ratio},
        ensure_ascii=False,
    )
    print(f"BENCH {line}", flush=True)
    target = os.environ.get("BENCH_RESULTS")
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.write(line + "\n")
