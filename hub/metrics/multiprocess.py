"""Metrics of several worker processes serving one port (`complaint-hub serve --workers N`).

prometheus-client shares values between processes through files in the directory named by its
own variable, PROMETHEUS_MULTIPROC_DIR (not a COMPLAINT_HUB_ setting: the library reads it, and
decides once, when its first metric is made, whether to write values there). Each process writes
its own files; a scrape answered by any process reads them all. Counters and histograms add up
across processes, dead ones included; each gauge names how live processes combine
(hub/metrics/instruments.py), and a process that exits marks itself dead so its live gauges go.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from prometheus_client import CollectorRegistry, multiprocess, values

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def prepare_directory(path: Path) -> None:
    """Empty `path` (creating it) and name it in the environment, for the worker processes.

    Call it in the parent before any worker starts, and before this process imports the hub's
    modules if workers are forked from it: files of an earlier run would be added to this one's
    counters, and a process whose instruments already exist keeps them in its own memory.
    """
    if "hub.metrics.instruments" in sys.modules and values.ValueClass is values.MutexValue:
        raise RuntimeError(
            "prepare_directory must run before the hub's modules are imported: this process "
            "already keeps its metrics in memory, so forked workers could not share theirs"
        )
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    # Read by prometheus-client in every process started from here on.
    os.environ[VARIABLE] = str(path)
    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]


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
