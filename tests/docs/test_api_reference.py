"""docs/api.md is the current rendering of hub/api/openapi.json."""

from __future__ import annotations

import importlib.util
import json

from tests.hubproc import REPO

TOOL = REPO / "docs" / "tools" / "render_api.py"


def test_the_committed_api_reference_is_up_to_date() -> None:
    spec = importlib.util.spec_from_file_location("render_api", TOOL)
    assert spec is not None
    assert spec.loader is not None
    render_api = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(render_api)
    document = json.loads((REPO / "hub" / "api" / "openapi.json").read_text(encoding="utf-8"))
    expected = render_api.render(document)
    assert (REPO / "docs" / "api.md").read_text(encoding="utf-8") == expected, (
        "docs/api.md is stale: run .venv/bin/python docs/tools/render_api.py"
    )


def test_the_reference_names_every_operation() -> None:
    document = json.loads((REPO / "hub" / "api" / "openapi.json").read_text(encoding="utf-8"))
    page = (REPO / "docs" / "api.md").read_text(encoding="utf-8")
    for path, item in document["paths"].items():
        for method in ("get", "put", "post", "patch", "delete"):
            if method in item:
                assert f"`{method.upper()} {path}`" in page
