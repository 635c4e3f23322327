"""Schemas with every `$ref` replaced by its target, for the fast check of valid records.

Resolving `$ref`s through the registry on every validation was most of the cost of accepting an
event (measured: 5.8 ms for a filing, 0.8 ms inlined). Our schemas are not recursive, so each
reference can be replaced by a copy of what it names; a cycle would raise here, at load time.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from referencing import Registry

_DROPPED = ("$id", "$schema", "$defs", "title", "description", "examples")


def inline_refs(
    node: Any, base_uri: str, registry: Registry[Any], _trail: tuple[str, ...] = ()
) -> Any:
    if isinstance(node, list):
        return [inline_refs(item, base_uri, registry, _trail) for item in node]
    if not isinstance(node, dict):
        return node
    inlined = {
        key: inline_refs(value, base_uri, registry, _trail)
        for key, value in node.items()
        if key not in _DROPPED and key != "$ref"
    }
    if "$ref" not in node:
        return inlined
    uri = urljoin(base_uri, node["$ref"])
    if uri in _trail:
        raise ValueError(f"recursive schema reference {uri}; inline_refs cannot flatten it")
    target_doc = registry.resolver(base_uri=base_uri).lookup(uri).contents
    target = inline_refs(target_doc, uri.split("#")[0], registry, (*_trail, uri))
    # Keywords beside a $ref apply together with it (2020-12), as an allOf would.
    return {"allOf": [target, inlined]} if inlined else target
