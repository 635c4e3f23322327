"""`make test` installs the system tools the suite drives, names each in the README, and a tool it
cannot install leaves its tests skipped rather than failed."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests import conftest
from tests.conftest import TOOL_PACKAGES
from tests.hubproc import REPO

SCRIPT = REPO / "scripts" / "test-deps"


def test_make_test_installs_the_tools_first() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    (prerequisites,) = re.findall(r"^test: (.*)$", makefile, flags=re.MULTILINE)
    assert "test-deps" in prerequisites.split()
    assert re.search(r"^test-deps:\n\t@?sh scripts/test-deps$", makefile, flags=re.MULTILINE)


def test_ci_runs_the_same_step_as_make_test() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
    assert "apt-get" not in ci  # one list of tools, in scripts/test-deps


def test_script_readme_and_skips_name_the_same_tools() -> None:
    script = SCRIPT.read_text(encoding="utf-8")
    pairs = dict(pair.split(":") for pair in re.findall(r"\b[\w-]+:[\w-]+\b", script))
    assert {tool: pairs[tool] for tool in TOOL_PACKAGES} == TOOL_PACKAGES
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for tool, package in TOOL_PACKAGES.items():
        assert f"| `{tool}` | {package} |" in readme


def test_script_installs_nothing_and_succeeds_when_not_root(tmp_path: Path) -> None:
    """Without root the script says what it did not install and lets the tests skip."""
    (tmp_path / "id").write_text("#!/bin/sh\necho 1000\n", encoding="utf-8")
    (tmp_path / "id").chmod(0o755)
    done = subprocess.run(
        ["/bin/sh", str(SCRIPT)],
        env={"PATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0
    assert done.stdout == ""
    assert done.stderr.startswith("test-deps: not installing chromium prometheus nginx-light")
    assert "their tests will skip" in done.stderr


def test_a_missing_tool_skips_its_test_naming_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(conftest, "_MISSING_TOOLS", {})
    with pytest.raises(pytest.skip.Exception) as skipped:
        conftest.needs_tool("nginx")
    assert str(skipped.value) == (
        "nginx is not installed (apt-get install nginx-light, or `make test` as root)"
    )
    assert conftest._MISSING_TOOLS == {"nginx": 1}
