"""Data flows one way: only scanner/browser/ imports Playwright, and no module imports
itself through others (an import cycle)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("scanner", "reports")
PACKAGE_FILES = sorted(f for p in PACKAGES for f in ROOT.glob(f"{p}/**/*.py"))


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in PACKAGE_FILES}


def _imported(path: Path) -> Iterator[str]:
    """Every module ``path`` imports, anywhere in it (also inside functions and
    ``TYPE_CHECKING`` blocks: a dependency is a dependency), relative ones resolved.
    ``from package import name`` counts as importing ``package.name`` when that is a
    module, and as importing ``package`` when a name is not: a package's
    ``__init__`` runs before any of its modules, so ``from . import sibling`` is no
    dependency on the package (else a package that re-exports its modules would be a
    cycle with each of them)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            submodules = [
                f"{module}.{a.name}" for a in node.names if f"{module}.{a.name}" in MODULES
            ]
            # ``from . import schema`` in scanner/store/sql.py imports the submodule; its
            # own package (an ancestor) is being imported already, so that is no edge.
            own_package = name.startswith(f"{module}.")
            if not (own_package and len(submodules) == len(node.names)):
                yield module
            yield from submodules


@cache
def _graph() -> dict[str, frozenset[str]]:
    return {
        name: frozenset(m for m in _imported(path) if m in MODULES and m != name)
        for name, path in MODULES.items()
    }


def _cycles(graph: dict[str, frozenset[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


@pytest.mark.parametrize("path", PACKAGE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_browser_layer_imports_playwright(path: Path) -> None:
    uses = any(name.split(".")[0] == "playwright" for name in _imported(path))
    inside = path.relative_to(ROOT).parts[:2] == ("scanner", "browser")
    assert inside or not uses


def test_no_import_cycles() -> None:
    assert _cycles(_graph()) == []


def test_the_checks_would_catch_a_cycle_and_playwright() -> None:
    """The graph is really built: known edges exist, and a planted cycle is found."""
    graph = _graph()
    assert "scanner.models" in graph["scanner.classify.rules"]
    assert "scanner.store.base" in graph["scanner.store.sql"]  # relative, resolved
    assert "scanner.rows" in graph["scanner.store.sql"]  # from .. import rows
    assert "scanner.store.schema" in graph["scanner.store.sql"]  # from . import schema
    assert "scanner.store" not in graph["scanner.store.sql"]  # ... is no edge to the package
    assert "scanner" in graph["scanner.engine"]  # from . import __version__: a name
    planted = {**graph, "scanner.models": graph["scanner.models"] | {"scanner.classify.rules"}}
    assert any({"scanner.classify.rules", "scanner.models"} <= set(c) for c in _cycles(planted))
    session = ROOT / "scanner" / "browser" / "session.py"
    assert any(m.split(".")[0] == "playwright" for m in _imported(session))


CLI_MAY_IMPORT = frozenset(
    {
        "scanner",  # __version__
        "scanner.app",  # builds everything a command needs
        "scanner.config",  # the capture options it parses
        "scanner.errors",
        "scanner.models",
        "scanner.capacity",  # --memory-budget sizes
        "scanner.progress",  # the terminal's progress display
        "scanner.serialize",  # scans --json
    }
)


def test_the_cli_only_parses_and_delegates() -> None:
    """The command line builds no lists, resolver, store, browser, engine, queue,
    export or report itself: ``scanner/app.py`` does, from the settings it parsed."""
    imported = _graph()["scanner.cli"]
    assert "scanner.app" in imported
    assert imported <= CLI_MAY_IMPORT, sorted(imported - CLI_MAY_IMPORT)


@pytest.mark.parametrize(
    "path",
    sorted(ROOT.glob("scanner/classify/**/*.py")),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_classification_is_pure(path: Path) -> None:
    """No browser, store, report, network, knowledge lists or clock inside the rules."""
    forbidden = {"playwright", "sqlite3", "urllib.request", "http.client", "socket"}
    text = path.read_text("utf-8")
    imported = set(_imported(path))
    assert not (imported & forbidden)
    assert not any(m.split(".")[0] == "reports" for m in imported)
    assert not any(m.startswith(("scanner.store", "scanner.knowledge.lists")) for m in imported)
    assert "datetime.now(" not in text and "time.time(" not in text
