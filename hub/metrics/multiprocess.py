"""Metrics of several worker processes serving one port (`complaint-hub serve --workers N`).

prometheus-client shares values between processes through files in the directory named by its
own variable, PROMETHEUS_MULTIPROC_DIR (not a COMPLAINT_HUB_ setting: the library reads it, and
decides once, when its first metric is made, whether to write values there). Each process writes
its own files; a scrape answered by any process reads them all. Counters and histograms add up
across processes, dead ones included; each gauge names how live processes combine
(hub/metrics/instruments.py), and a process that exits marks itself dead so its live gauges go.

`complaint-hub serve --workers N` names a fresh directory for its workers before it starts them
(hub/http/workers.py); each worker is a new interpreter, so the variable is set before the
library makes its first metric.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from prometheus_client import CollectorRegistry, multiprocess

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def directory() -> Path | None:
    """The shared directory when this process is one of several workers, else None."""
    # The library's own variable, read where the library reads it (see the module's docstring).
    path = os.environ.get(VARIABLE)
    return Path(path) if path else None


def collect_into(registry: CollectorRegistry, path: Path) -> None:
    """Make `registry` read every process's values from `path`."""
    multiprocess.MultiProcessCollector(registry, path=str(path))  # type: ignore[no-untyped-call]


def mark_dead(path: Path) -> None:
    """This process is going away: drop its live gauges (its counters stay in the totals)."""
    multiprocess.mark_process_dead(os.getpid(), str(path))  # type: ignore[no-untyped-call]


def forget_worker(env: Mapping[str, str], pid: int) -> None:
    """A worker of `env` died without marking itself dead (killed, or crashed): its parent drops
    its live gauges for it, or its last pool size and feed clients would count forever."""
    path = env.get(VARIABLE)
    if path:
        multiprocess.mark_process_dead(pid, path)  # type: ignore[no-untyped-call]
