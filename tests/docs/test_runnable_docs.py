"""Every shell and Python block marked runnable in the README and docs/ runs as written.

A block opens with ```` ```sh runnable ```` or ```` ```python runnable ````. Each page runs on its
own fresh database and hub (a newcomer reads one page, not all of them), its blocks in order, in
a scratch directory holding the repository's `schemas/` and `examples/`, with `complaint-hub` on
the PATH and the hub's database in the environment, as on the hub's host. The only change made
to a block is the hub's address: pages say http://127.0.0.1:8080 (what `make run` serves); the
test's hub listens on a free port.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from tests.hubproc import REPO

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
async def test_the_page_runs_as_written(
    page: str, database_url: str, hub_base_url: str, tmp_path: Path
) -> None:
    # The hub is the test's own (tests/conftest.py: the app on a loopback port, webhooks to
    # private addresses allowed for the bureau guide's local receiver); the blocks run as child
    # processes while it serves them.
    work = tmp_path / "work"
    work.mkdir()
    for shared in ("schemas", "examples"):
        (work / shared).symlink_to(REPO / shared)
    env = {
        **os.environ,
        "COMPLAINT_HUB_DATABASE_URL": database_url,
        "COMPLAINT_HUB_DATA_DIR": str(tmp_path),
        "COMPLAINT_HUB_LOG_LEVEL": "warning",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    blocks = runnable_blocks((REPO / page).read_text(encoding="utf-8"))
    for number, (language, text) in enumerate(blocks, start=1):
        if "node " in text and shutil.which("node") is None:
            continue  # CI installs node; a machine without it skips only these blocks
        text = text.replace(DOCUMENTED_URL, hub_base_url)
        if language == "python":
            script = work / f"block-{number}.py"
            script.write_text(text, encoding="utf-8")
            command = [sys.executable, str(script)]
        else:
            command = ["bash", "-euo", "pipefail", "-c", text]
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=work,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), timeout=90)
        assert process.returncode == 0, (
            f"{page}, runnable block {number} ({language}) failed:\n{text}\n"
            f"--- stdout\n{out.decode()[-3000:]}\n--- stderr\n{err.decode()[-3000:]}"
        )
