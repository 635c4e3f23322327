"""The layers as a test: floors of packages, no import cycles, pure rules, an SDK that stands alone.

Imports are read from the source (function-local ones included, `TYPE_CHECKING` ones too), so a
cycle hidden inside a function body still fails here. Cycles are checked between modules and
between packages: two packages whose modules import each other without a module cycle are still
one tangle to a reader.
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
            "vault",
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


# Each package of hub/ on one floor (docs/architecture.md draws them). A package imports packages
# on its own floor or lower, never higher; a new package fails here until it is given a floor.
FLOORS: dict[str, int] = {
    # 0 basics: shared by every floor, importing nothing of the hub above them
    **dict.fromkeys(
        ("hub", "problems", "clock", "settings", "supervisor", "logs", "crypto", "metrics"), 0
    ),
    # 1 pure rules, records and proofs: no database, no HTTP server
    **dict.fromkeys(("domain", "records", "audit", "privacy", "sdk", "adapters"), 1),
    "store": 2,  # every SQL statement
    # 3 what runs on the store alone: trust, keys in use, retention, the statistics rollup
    **dict.fromkeys(("trust", "vault", "retention", "stats"), 3),
    # 4 the HTTP edge and publishing
    **dict.fromkeys(("http", "feeds"), 4),
    "services": 5,  # use cases
    **dict.fromkeys(("platforms", "sweeper"), 6),  # the native path, the deadline sweeper
    "ops": 7,  # what operators see and do
    "api": 8,  # handlers and the route table
    "app": 9,  # the composition root
    **dict.fromkeys(("cli", "demo"), 10),  # what runs a hub
}


def package_of(module: str) -> str:
    """hub.store.events -> store; hub.app -> app; hub -> hub; adapters.taobao -> adapters."""
    parts = module.split(".")
    if parts[0] != "hub":
        return parts[0]
    return parts[1] if len(parts) > 1 else "hub"


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    packages: dict[str, set[str]] = {}
    for module, targets in graph.items():
        source = package_of(module)
        packages.setdefault(source, set()).update(
            target for target in map(package_of, targets) if target != source
        )
    return packages


def upward_imports(graph: dict[str, set[str]], floors: dict[str, int]) -> list[str]:
    """Every module import that reaches a package on a higher floor than its own."""
    return sorted(
        f"{module} ({package_of(module)}, floor {floors[package_of(module)]}) imports {target}"
        f" ({package_of(target)}, floor {floors[package_of(target)]})"
        for module, targets in graph.items()
        for target in targets
        if floors[package_of(target)] > floors[package_of(module)]
    )


def test_every_package_has_a_floor() -> None:
    assert sorted(set(package_graph(GRAPH)) - set(FLOORS)) == []
    assert sorted(set(FLOORS) - set(package_graph(GRAPH))) == []


def test_no_package_imports_a_higher_floor() -> None:
    assert upward_imports(GRAPH, FLOORS) == []


def test_no_package_cycles() -> None:
    assert find_cycles(package_graph(GRAPH)) == []


def test_package_checks_catch_an_upward_import() -> None:
    # The real graph with one import added, as a careless change would add it: the store
    # reaching up for a use case. Both checks must see it.
    tampered = {module: set(targets) for module, targets in GRAPH.items()}
    tampered["hub.store.events"].add("hub.services.intake")
    assert upward_imports(tampered, FLOORS) == [
        "hub.store.events (store, floor 2) imports hub.services.intake (services, floor 5)"
    ]
    cycles = find_cycles(package_graph(tampered))
    assert any({"services", "store"} <= set(cycle) for cycle in cycles)


def test_cycle_finder_finds_a_cycle() -> None:
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_audit_proofs_import_no_server_module() -> None:
    # A court's verifier needs hub.audit and hub.crypto alone; only the publisher (resources) and
    # the HTTP handlers around it may reach the server.
    pure = [m for m in MODULES if m.startswith("hub.audit") and m != "hub.services.audit_log"]
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
