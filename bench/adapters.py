"""Native payloads parsed per second, per adapter, against plain JSON decoding in the same run.

    python bench/adapters.py [--seconds 1.0] [--adapter taobao ...]

For each adapter, its golden fixtures' native payloads (with their kept state and filing context)
are looped for a fixed time: first `orjson.loads` of the raw bytes alone (the baseline: what
reading the request costs anyway), then `orjson.loads` followed by `adapter.parse`, as the hub's
ingest does. `parse` is the difference per payload, so the figure says what translation adds.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.base.conformance import case_names, fixtures_dir, load_case
from adapters.base.contract import Adapter, FilingContext
from hub.platforms.registry import installed_adapters


@dataclass(frozen=True)
class Sample:
    raw: bytes
    previous_state: Mapping[str, Any] | None
    filing: FilingContext | None


def samples(adapter: Adapter) -> list[Sample]:
    found = []
    for name in case_names(adapter):
        path = fixtures_dir(adapter) / name / "native.json"
        if not path.exists():
            continue  # a render-only fixture
        case = load_case(adapter, name)
        # Compact bytes, as a platform sends them; the fixture files are pretty-printed.
        found.append(Sample(orjson.dumps(case.native), case.previous_state, case.filing))
    return found


def rate(work: Callable[[Sample], object], items: Sequence[Sample], seconds: float) -> float:
    """Items per second over at least `seconds`, looping over `items`."""
    done = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for item in items:
            work(item)
        done += len(items)
        now = time.perf_counter()
        if now >= deadline:
            return done / (now - start)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    parser.add_argument("--adapter", action="append", help="only these codes (repeatable)")
    args = parser.parse_args(argv)

    adapters = {code: entry.adapter for code, entry in installed_adapters().items()}
    codes = args.adapter or sorted(adapters)
    header = ("adapter", "payloads", "loads/s", "loads+parse/s", "parse us", "x slower")
    print(
        f"{header[0]:<10} {header[1]:>8} {header[2]:>11} {header[3]:>14} {header[4]:>9} "
        f"{header[5]:>9}"
    )
    for code in codes:
        adapter = adapters[code]
        items = samples(adapter)
        if not items:
            print(f"{code:<10} {'-':>8}  (no native fixtures)")
            continue

        def loads(sample: Sample) -> object:
            return orjson.loads(sample.raw)

        def loads_and_parse(sample: Sample, adapter: Adapter = adapter) -> object:
            return adapter.parse(
                orjson.loads(sample.raw), sample.previous_state, filing=sample.filing
            )

        baseline = rate(loads, items, args.seconds)
        full = rate(loads_and_parse, items, args.seconds)
        parse_us = (1 / full - 1 / baseline) * 1e6
        print(
            f"{code:<10} {len(items):>8} {baseline:>11,.0f} {full:>14,.0f} {parse_us:>9.1f} "
            f"{baseline / full:>9.1f}"
        )


if __name__ == "__main__":
    main()
