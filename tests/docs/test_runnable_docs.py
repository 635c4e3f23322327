"""Every shell and Python block marked runnable in the README and docs/ runs as written.

A block opens with ```` ```sh runnable ```` or ```` ```python runnable ````. Each page runs on its
own fresh database and hub (a newcomer reads one page, not all of them), its blocks in order, in
a scratch directory holding the repository's `schemas/` and `examples/`, with `complaint-hub` on
the PATH. The only change made to a block is the hub's address: pages say
http://127.0.0.1:8080 (what `make run` serves); the test's hub listens on a free port.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hubproc import REPO, hub_process

DOCUMENTED_URL = "http://127.0.0.1:8080"
BLOCK = re.compile(r"^```(sh|python) runnable[^\n]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def runnable_blocks(text: str) -> list[tuple[str, str]]:
    return [(match.group(1), match.group(2)) for match in BLOCK.finditer(text)]


def _pages() -> list[str]:
    candidates = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    return [
        str(page.relative_to(REPO))
        for page in candidates
        if runnable_blocks(page.read_text(encoding="utf-8"))
    ]


PAGES = _pages()


def test_each_user_guide_has_runnable_examples() -> None:
    assert set(PAGES) >= {
        "README.md",
        "docs/platform-quickstart.md",
        "docs/bureau-guide.md",
        "docs/operator-guide.md",
        "docs/signing.md",
    }


def test_blocks_are_found_as_marked() -> None:
    text = (
        "a\n```sh runnable\necho 1\n```\n```sh\nnot this\n```\n```python runnable\nprint(2)\n```\n"
    )
    assert runnable_blocks(text) == [("sh", "echo 1\n"), ("python", "print(2)\n")]


@pytest.mark.parametrize("page", PAGES)
def test_the_page_runs_as_written(page: str, database_url: str, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    for shared in ("schemas", "examples"):
        (work / shared).symlink_to(REPO / shared)
    env = {
        "COMPLAINT_HUB_DATABASE_URL": database_url,
        "COMPLAINT_HUB_DATA_DIR": str(tmp_path / "var"),
        "COMPLAINT_HUB_LOG_LEVEL": "warning",
        # The bureau guide's webhook receiver listens on loopback.
        "COMPLAINT_HUB_WEBHOOK_ALLOW_PRIVATE": "true",
    }
    shell_env = {
        **os.environ,
        **env,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    blocks = runnable_blocks((REPO / page).read_text(encoding="utf-8"))
    with hub_process(env, tmp_path / "hub.log") as url:
        for number, (language, text) in enumerate(blocks, start=1):
            if "node " in text and shutil.which("node") is None:
                continue  # CI installs node; a machine without it skips only these blocks
            text = text.replace(DOCUMENTED_URL, url)
            if language == "python":
                script = work / f"block-{number}.py"
                script.write_text(text, encoding="utf-8")
                command = [sys.executable, str(script)]
            else:
                command = ["bash", "-euo", "pipefail", "-c", text]
            result = subprocess.run(
                command,
                cwd=work,
                env=shell_env,
                capture_output=True,
                text=True,
                timeout=90,
                check=False,
            )
            assert result.returncode == 0, (
                f"{page}, runnable block {number} ({language}) failed:\n{text}\n"
                f"--- stdout\n{result.stdout[-3000:]}\n--- stderr\n{result.stderr[-3000:]}"
            )
