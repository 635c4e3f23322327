"""Runtime checks are explicit: `assert` vanishes under `python -O`, so the edge, the signature
code and the stores it relies on never use it to guard what they do."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECKED = [
    *sorted((ROOT / "hub" / "http").glob("*.py")),
    ROOT / "hub" / "crypto" / "httpsig.py",
    ROOT / "hub" / "store" / "hub_keys.py",
    ROOT / "hub" / "platforms" / "sync" / "pull_client.py",
    ROOT / "hub" / "feeds" / "sse.py",
    ROOT / "hub" / "feeds" / "registry.py",
    ROOT / "hub" / "feeds" / "webhooks" / "guard.py",
]


@pytest.mark.parametrize("path", CHECKED, ids=lambda p: str(p.relative_to(ROOT)))
def test_module_has_no_assert_statement(path: Path) -> None:
    tree = ast.parse(path.read_text(), filename=str(path))
    lines = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Assert)]
    assert lines == [], f"{path.relative_to(ROOT)} asserts at lines {lines}"
