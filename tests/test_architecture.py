"""The layers as a test: no import cycles, pure rules, an SDK that stands alone.

Imports are read from the source (function-local ones included, `TYPE_CHECKING` ones too), so a
cycle hidden inside a function body still fails here.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("hub", "adapters")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }


MODULES = _modules()


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base.pop()
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _imported(name: str) -> str | None:
    """The project module an import names, or None for a library."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(module: str) -> Iterator[str]:
    """Every module `module` imports, at any depth of its source, as dotted names."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, is_package, node)
            yield base
            # `from hub.api import events` imports the module hub.api.events.
            yield from (f"{base}.{alias.name}" for alias in node.names)


def project_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module in MODULES:
        targets = {_imported(name) for name in imports_of(module)}
        graph[module] = {t for t in targets if t is not None and t != module}
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


GRAPH = project_graph()


def _is_package_init(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def test_no_import_cycles() -> None:
    # A package's __init__ re-exporting its own modules is not a cycle of layers.
    graph = {
        module: {
            t for t in targets if not (t.startswith(module + ".") and _is_package_init(module))
        }
        for module, targets in GRAPH.items()
    }
    graph = {
        module: {t for t in targets if not (module.startswith(t + ".") and _is_package_init(t))}
        for module, targets in graph.items()
    }
    assert find_cycles(graph) == []


def _all_imports(prefix: str) -> Iterator[tuple[str, str]]:
    for module in MODULES:
        if module == prefix or module.startswith(prefix + "."):
            for name in imports_of(module):
                yield module, name


def _offending(prefix: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{module} imports {name}"
        for module, name in _all_imports(prefix)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    )


@pytest.mark.parametrize("layer", ["hub.domain", "hub.records"])
def test_rules_do_no_io(layer: str) -> None:
    assert _offending(layer, ("aiohttp", "asyncpg", "hub.store", "hub.api", "hub.http")) == []


def test_sdk_imports_no_server_module() -> None:
    server = tuple(
        f"hub.{name}"
        for name in (
            "api",
            "app",
            "cli",
            "domain",
            "feeds",
            "http",
            "ops",
            "platforms",
            "privacy",
            "records",
            "services",
            "settings",
            "store",
            "sweeper",
            "trust",
            "problems",
        )
    )
    assert _offending("hub.sdk", (*server, "aiohttp.web")) == []


def test_adapters_import_no_server_module() -> None:
    assert (
        _offending("adapters", ("hub.store", "hub.api", "hub.http", "aiohttp.web", "asyncpg")) == []
    )


def test_store_does_not_reach_up() -> None:
    upper = ("hub.app", "hub.api", "hub.http", "hub.services", "hub.feeds", "hub.cli")
    assert _offending("hub.store", upper) == []


def test_cycle_finder_finds_a_cycle() -> None:
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_audit_proofs_import_no_server_module() -> None:
    # A court's verifier needs hub.audit and hub.crypto alone; only the publisher (resources) and
    # the HTTP handlers around it may reach the server.
    pure = [m for m in MODULES if m.startswith("hub.audit") and m != "hub.audit.resources"]
    offending = sorted(
        f"{module} imports {name}"
        for module in pure
        for name in imports_of(module)
        if name.split(".")[0] in ("aiohttp", "asyncpg")
        or (
            name.startswith("hub.")
            and not name.startswith(("hub.audit", "hub.crypto"))
            and _imported(name) is not None
        )
    )
    assert pure
    assert offending == []
