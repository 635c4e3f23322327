"""Runtime checks are explicit: `assert` vanishes under `python -O`, so no module of the hub or of
the adapters uses it to guard what it does (the conformance kit is a test tool, and asserts)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECKED = [
    path
    for path in sorted([*(ROOT / "hub").rglob("*.py"), *(ROOT / "adapters").rglob("*.py")])
    if path != ROOT / "adapters" / "base" / "conformance.py"
]


@pytest.mark.parametrize("path", CHECKED, ids=lambda p: str(p.relative_to(ROOT)))
def test_module_has_no_assert_statement(path: Path) -> None:
    tree = ast.parse(path.read_text(), filename=str(path))
    lines = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Assert)]
    assert lines == [], f"{path.relative_to(ROOT)} asserts at lines {lines}"
