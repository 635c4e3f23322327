"""Statistics as JSON and CSV. Money is integer fen in JSON and yuan (two decimals) in CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from hub.domain.stats_query import measure_names
from hub.stats.service import StatsResult


def result_json(result: StatsResult) -> dict[str, Any]:
    query = result.query
    return {
        "kind": query.kind,
        "grain": query.grain.value,
        "level": query.level.value,
        "group_by": list(query.group_by),
        "from": query.first.isoformat(),
        "to": query.last.isoformat(),
        "region": query.region,
        "suppression_threshold": result.threshold,
        "followed_position": result.position,
        "cells": result.cells,
    }


def _yuan(fen: int | None) -> str:
    return "" if fen is None else str((Decimal(fen) / 100).quantize(Decimal("0.01")))


def csv_columns(result: StatsResult) -> list[str]:
    query = result.query
    columns = ["period", "period_start", "region"]
    if query.by_platform:
        columns.append("platform")
    if query.dimension is not None:
        columns.append(query.dimension)
    columns.append("suppressed")
    for name in measure_names(query.kind):
        columns.append(name.removesuffix("_fen") + "_yuan" if name.endswith("_fen") else name)
    return columns


def csv_row(cell: Mapping[str, Any]) -> dict[str, str]:
    row: dict[str, str] = {}
    for name, value in cell.items():
        if name.endswith("_fen"):
            row[name.removesuffix("_fen") + "_yuan"] = _yuan(value)
        elif value is None:
            row[name] = ""
        elif isinstance(value, bool):
            row[name] = "true" if value else "false"
        else:
            row[name] = str(value)
    return row


def csv_text(columns: list[str], cells: Iterable[Mapping[str, Any]], *, header: bool = True) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    if header:
        writer.writeheader()
    for cell in cells:
        writer.writerow(csv_row(cell))
    return out.getvalue()


def result_csv(result: StatsResult) -> str:
    return csv_text(csv_columns(result), result.cells)
