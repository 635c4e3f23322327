"""Render hub/api/openapi.json as docs/api.md, the API reference in Markdown.

    .venv/bin/python docs/tools/render_api.py          # rewrites docs/api.md

tests/docs/test_api_reference.py checks the committed page against a fresh rendering, so a
change to the OpenAPI document without re-running this fails the tests.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SOURCE = REPO / "hub" / "api" / "openapi.json"
OUT = REPO / "docs" / "api.md"
METHODS = ("get", "put", "post", "patch", "delete")


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """A local `$ref` (#/components/...) followed once; other nodes as they are."""
    ref = node.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return node
    target: Any = document
    for part in ref[2:].split("/"):
        target = target[part]
    resolved: dict[str, Any] = target
    return resolved


def _one_line(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _schema_name(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return "`" + str(schema["$ref"]).rsplit("/", 1)[-1] + "`"
    kind = schema.get("type", "")
    if kind == "array":
        return f"array of {_schema_name(schema.get('items', {}))}"
    bounds = [
        f"{name} {schema[key]}"
        for key, name in (("minimum", "min"), ("maximum", "max"), ("default", "default"))
        if key in schema
    ]
    if "enum" in schema:
        bounds.append("one of " + ", ".join(f"`{v}`" for v in schema["enum"]))
    return f"{kind} ({', '.join(bounds)})" if bounds else str(kind or "any")


def _parameters(document: dict[str, Any], operation: dict[str, Any]) -> list[str]:
    parameters = [_resolve(document, p) for p in operation.get("parameters", [])]
    if not parameters:
        return []
    lines = ["| parameter | in | type | description |", "|---|---|---|---|"]
    for p in parameters:
        name = f"`{p['name']}`" + (" (required)" if p.get("required") else "")
        schema = _schema_name(p.get("schema", {}))
        description = _one_line(p.get("description", ""))
        lines.append(f"| {name} | {p['in']} | {schema} | {description} |")
    return [*lines, ""]


def _body(document: dict[str, Any], operation: dict[str, Any]) -> list[str]:
    body = operation.get("requestBody")
    if body is None:
        return []
    body = _resolve(document, body)
    types = ", ".join(
        f"`{media}` ({_schema_name(content.get('schema', {}))})"
        for media, content in body.get("content", {}).items()
    )
    return [f"Body: {types}. {_one_line(body.get('description', ''))}".rstrip(), ""]


def _responses(document: dict[str, Any], operation: dict[str, Any]) -> list[str]:
    lines = ["| status | meaning |", "|---|---|"]
    for status, response in operation.get("responses", {}).items():
        response = _resolve(document, response)
        lines.append(f"| {status} | {_one_line(response.get('description', ''))} |")
    return [*lines, ""]


def _operation(document: dict[str, Any], method: str, path: str, op: dict[str, Any]) -> list[str]:
    signed = "signed (RFC 9421)" if op.get("security", document.get("security")) else "public"
    lines = [f"### `{method.upper()} {path}`", ""]
    lines.append(f"{_one_line(op.get('summary', ''))}. *{signed}*".replace(".. ", ". "))
    lines.append("")
    if op.get("description"):
        lines += [op["description"].strip(), ""]
    return lines + _parameters(document, op) + _body(document, op) + _responses(document, op)


def render(document: dict[str, Any]) -> str:
    info = document["info"]
    lines = [
        f"# {info['title']} API reference (version {info['version']})",
        "",
        "<!-- Generated from hub/api/openapi.json by docs/tools/render_api.py; do not edit. -->",
        "",
        info.get("summary", ""),
        "",
        info.get("description", "").strip(),
        "",
        "The same document is served by a running hub at `/openapi.json`, rendered at `/docs`.",
        "How to sign a request: [signing.md](signing.md).",
        "",
    ]
    tags = [t["name"] for t in document.get("tags", [])]
    by_tag: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                op = item[method]
                tag = (op.get("tags") or ["other"])[0]
                by_tag.setdefault(tag, []).append((method, path, op))
    ordered = tags + sorted(t for t in by_tag if t not in tags)
    for tag in ordered:
        if tag not in by_tag:
            continue
        description = next(
            (t.get("description", "") for t in document.get("tags", []) if t["name"] == tag), ""
        )
        lines += [f"## {tag}", ""]
        if description:
            lines += [_one_line(description), ""]
        for method, path, op in by_tag[tag]:
            lines += _operation(document, method, path, op)
    if document.get("webhooks"):
        lines += ["## Webhooks (what the hub sends to subscribers)", ""]
        for name, item in document["webhooks"].items():
            for method in METHODS:
                if method in item:
                    lines += _operation(document, method, name, item[method])
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    OUT.write_text(render(json.loads(SOURCE.read_text(encoding="utf-8"))), encoding="utf-8")
    print(f"wrote {OUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
