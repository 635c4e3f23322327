"""`complaint-hub stats export`: the same cells as the API, CSV on stdout, progress on stderr."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.hubproc import REPO
from tests.stats._year import DISTRICTS, Clock, append_year, facts, plan_year, stored_events


def _export(database_url: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "COMPLAINT_HUB_DATABASE_URL": database_url,
        "COMPLAINT_HUB_DATA_DIR": str(data_dir),
        "PYTHONPATH": str(REPO),
    }
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", "stats", "export", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


async def test_export_prints_csv_with_progress(
    clock: Clock, client: Any, app: web.Application, enrol: Any, db: Any, database_url: str,
    tmp_path: Path,
) -> None:  # fmt: skip
    for district, participant in DISTRICTS.items():
        await enrol(participant, "bureau", regions=(district,))
    await append_year(app, plan_year(seed=5, complaints=120, reports=0))
    result = await asyncio.to_thread(
        _export, database_url, tmp_path,
        "--from", "2026-01-01", "--to", "2026-12-31", "--format", "csv", "--group-by", "quarter",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "exported" in result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["period"] for r in rows] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    complaints = [f for f in facts(await stored_events(db)).values() if f.kind == "complaint"]
    assert sum(int(r["complaints_filed"]) for r in rows) == len(complaints)
    recovered = sum(f.recovered_fen for f in complaints)
    assert sum(round(float(r["amount_recovered_yuan"]) * 100) for r in rows) == recovered


def test_export_refuses_a_range_backwards(database_url: str, tmp_path: Path) -> None:
    result = _export(database_url, tmp_path, "--from", "2026-12-31", "--to", "2026-01-01")
    assert result.returncode == 1
    assert "--to is before --from" in result.stderr
