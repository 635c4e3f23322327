"""GET /docs: the OpenAPI document as one readable HTML page, rendered here, with no script.

Bureaus and platforms read this from networks that reach the hub and little else, so the page
loads nothing from anywhere: no CDN, no web font, no script, only inline CSS (and a
Content-Security-Policy that says so).
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from aiohttp import web

from hub.api.openapi import (
    CACHE_CONTROL,
    SCHEMA_COMPONENTS,
    api_description,
    operations,
    served_schema,
)
from hub.http.cacheable import respond_cacheable
from hub.records.validate import SCHEMA_BASE

CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'"
_COMPONENT = "#/components/"
_INLINE_CODE = re.compile(r"`([^`]+)`")

_STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; margin: 0; color: #1b1f24; }
main { max-width: 62rem; margin: 0 auto; padding: 1rem 1.5rem 4rem; }
nav { background: #f4f6f8; padding: .5rem 1.5rem; border-bottom: 1px solid #d0d7de; }
nav ul { columns: 2; margin: .25rem 0; }
h2 { border-bottom: 1px solid #d0d7de; margin-top: 2.5rem; }
section.op { border: 1px solid #d0d7de; border-radius: 6px; padding: 0 1rem 1rem; margin: 1rem 0; }
.method { display: inline-block; min-width: 4.2rem; font: bold 13px monospace; color: #fff;
          background: #57606a; border-radius: 4px; padding: 2px 6px; text-align: center; }
.get { background: #0969da; } .post { background: #1a7f37; } .put { background: #9a6700; }
.delete { background: #cf222e; }
.badge { font-size: 12px; border: 1px solid #8c959f; border-radius: 1em; padding: 0 .6em; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { text-align: left; border-bottom: 1px solid #d8dee4; padding: 4px 8px; }
td { vertical-align: top; }
code, pre { font-family: ui-monospace, monospace; font-size: 13px; background: #f6f8fa; }
pre { padding: .75rem; overflow-x: auto; }
a.anchor { color: #8c959f; text-decoration: none; margin-left: .3rem; }
"""


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _inline(text: str) -> str:
    return _INLINE_CODE.sub(r"<code>\1</code>", _esc(text))


def _prose(text: str) -> str:
    """The small subset of CommonMark the document uses: paragraphs, `- ` lists, fences, `code`."""
    out: list[str] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("```"):
            end = index + 1
            while end < len(lines) and not lines[end].startswith("```"):
                end += 1
            out.append("<pre>" + _esc("\n".join(lines[index + 1 : end])) + "</pre>")
            index = end + 1
        elif line.startswith("- "):
            items = []
            while index < len(lines) and lines[index].startswith("- "):
                items.append(f"<li>{_inline(lines[index][2:])}</li>")
                index += 1
            out.append("<ul>" + "".join(items) + "</ul>")
        elif line.strip():
            paragraph = []
            while (
                index < len(lines)
                and lines[index].strip()
                and not lines[index].startswith(("- ", "```"))
            ):
                paragraph.append(lines[index])
                index += 1
            out.append("<p>" + _inline(" ".join(paragraph)) + "</p>")
        else:
            index += 1
    return "\n".join(out)


def _resolve(document: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow a local `#/components/...` reference (parameters, responses) to its target."""
    ref = node.get("$ref")
    if not isinstance(ref, str) or not ref.startswith(_COMPONENT):
        return node
    target: Any = document
    for part in ref[2:].split("/"):
        target = target[part]
    return dict(target)


def _schema_link(schema: Mapping[str, Any]) -> str:
    """A schema in one line: a link to the served schema or the component, else its type."""
    ref = schema.get("$ref")
    if isinstance(ref, str):
        served = served_schema(ref)
        if served is not None:
            # Bundled from schemas/ and served there: linked at this hub, so the page stays
            # useful without the internet.
            name, pointer = served
            shown = name + ("#" + pointer if pointer else "")
            return f'<a href="/schemas/{_esc(name)}"><code>{_esc(shown)}</code></a>'
        if ref.startswith(_COMPONENT + "schemas/"):
            name = ref.rsplit("/", 1)[1]
            return f'<a href="#schema-{_esc(name)}">{_esc(name)}</a>'
        if ref.startswith(SCHEMA_BASE):
            # Linked at this hub, so the page stays useful without the internet.
            local = "/schemas/" + ref[len(SCHEMA_BASE) :]
            return f'<a href="{_esc(local)}"><code>{_esc(ref[len(SCHEMA_BASE) :])}</code></a>'
        return f"<code>{_esc(ref)}</code>"
    kind = schema.get("type")
    if kind == "array" and isinstance(schema.get("items"), Mapping):
        return "array of " + _schema_link(schema["items"])
    if isinstance(kind, list):
        return " | ".join(_esc(k) for k in kind)
    return _esc(kind or "any")


def _content(content: Mapping[str, Any] | None) -> str:
    if not content:
        return ""
    return "<br>".join(
        f"<code>{_esc(media)}</code>: {_schema_link(media_type.get('schema', {}))}"
        for media, media_type in content.items()
    )


def _parameters(document: Mapping[str, Any], params: list[Mapping[str, Any]]) -> Iterator[str]:
    if not params:
        return
    yield "<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>schema</th><th></th></tr>"
    for raw in params:
        param = _resolve(document, raw)
        required = " <em>(required)</em>" if param.get("required") else ""
        yield (
            f"<tr><td><code>{_esc(param['name'])}</code>{required}</td>"
            f"<td>{_esc(param['in'])}</td><td>{_schema_link(param.get('schema', {}))}</td>"
            f"<td>{_inline(param.get('description', ''))}</td></tr>"
        )
    yield "</table>"


def _operation(
    document: Mapping[str, Any], method: str, path: str, operation: Mapping[str, Any]
) -> Iterator[str]:
    anchor = _esc(operation.get("operationId") or f"{method}-{path}")
    signed = bool(operation.get("security", document.get("security")))
    badge = "signed (RFC 9421)" if signed else "public"
    yield f'<section class="op" id="{anchor}">'
    yield (
        f'<h3><span class="method {method.lower()}">{method}</span> <code>{_esc(path)}</code> '
        f'<span class="badge">{badge}</span><a class="anchor" href="#{anchor}">#</a></h3>'
    )
    yield f"<p><strong>{_inline(operation.get('summary', ''))}</strong></p>"
    if "description" in operation:
        yield _prose(operation["description"])
    shared = document["paths"][path].get("parameters", [])
    yield from _parameters(document, [*shared, *operation.get("parameters", [])])
    body = operation.get("requestBody")
    if body:
        yield f"<h4>Request body</h4><p>{_content(_resolve(document, body).get('content'))}</p>"
    yield "<h4>Responses</h4><table><tr><th>status</th><th>description</th><th>body</th></tr>"
    for status, raw in operation.get("responses", {}).items():
        response = _resolve(document, raw)
        yield (
            f"<tr><td><code>{_esc(status)}</code></td>"
            f"<td>{_inline(response.get('description', ''))}</td>"
            f"<td>{_content(response.get('content'))}</td></tr>"
        )
    yield "</table></section>"


def _components(document: Mapping[str, Any]) -> Iterator[str]:
    components = document.get("components", {})
    yield '<h2 id="security">Security</h2>'
    for name, scheme in components.get("securitySchemes", {}).items():
        yield f'<h3 id="security-{_esc(name)}">{_esc(name)}</h3>'
        yield _prose(scheme.get("description", ""))
    yield '<h2 id="schemas">Schemas</h2>'
    yield (
        "<p>The records themselves are JSON Schema 2020-12 documents served by this hub: "
        '<a href="/schemas/">/schemas/</a>.</p>'
    )
    for name, schema in components.get("schemas", {}).items():
        if served_schema(SCHEMA_COMPONENTS + name) is not None:
            continue  # a record schema, linked above and served at /schemas/
        yield f'<h3 id="schema-{_esc(name)}">{_esc(name)}</h3>'
        yield "<pre>" + _esc(json.dumps(schema, indent=2, ensure_ascii=False)) + "</pre>"


def render(document: Mapping[str, Any]) -> str:
    """The whole page for an OpenAPI 3.1 document. Pure: the same document, the same bytes."""
    info = document.get("info", {})
    ops = operations(document)
    toc = "".join(
        f'<li><a href="#{_esc(op.get("operationId") or f"{method}-{path}")}">'
        f"<code>{method} {_esc(path)}</code></a></li>"
        for method, path, op in ops
    )
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(info.get('title', 'API'))} API</title>",
        f"<style>{_STYLE}</style></head><body>",
        '<nav><strong>Operations</strong> (<a href="/openapi.json">openapi.json</a>, '
        f'<a href="#security">security</a>, <a href="#schemas">schemas</a>)<ul>{toc}</ul></nav>',
        "<main>",
        f"<h1>{_esc(info.get('title', 'API'))} <small>{_esc(info.get('version', ''))}</small></h1>",
        f"<p><em>{_inline(info.get('summary', ''))}</em></p>",
        _prose(info.get("description", "")),
    ]
    known_tags = {tag["name"] for tag in document.get("tags", [])}
    for tag in document.get("tags", []):
        tagged = [op for op in ops if tag["name"] in op[2].get("tags", [])]
        if not tagged:
            continue
        parts.append(f'<h2 id="tag-{_esc(tag["name"])}">{_esc(tag["name"])}</h2>')
        parts.append(_prose(tag.get("description", "")))
        for method, path, op in tagged:
            parts.extend(_operation(document, method, path, op))
    # An operation with no tag, or only tags missing from `tags`, must still appear.
    leftovers = [op for op in ops if not set(op[2].get("tags", [])) & known_tags]
    if leftovers:
        parts.append('<h2 id="tag-other">other</h2>')
        for method, path, op in leftovers:
            parts.extend(_operation(document, method, path, op))
    parts.extend(_components(document))
    parts.append("</main></body></html>")
    return "\n".join(parts)


@functools.cache
def _page() -> tuple[bytes, str]:
    body = render(api_description().document).encode()
    return body, hashlib.sha256(body).hexdigest()[:32]


async def get_docs(request: web.Request) -> web.Response:
    body, etag = _page()
    response = respond_cacheable(request, body, "text/html", etag, CACHE_CONTROL, charset="utf-8")
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response
