"""Data flows one way; only scanner/browser/ may import Playwright."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_FILES = sorted([*ROOT.glob("scanner/**/*.py"), *ROOT.glob("reports/**/*.py")])


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", PACKAGE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_browser_layer_imports_playwright(path: Path) -> None:
    uses = any(name.split(".")[0] == "playwright" for name in _imports(path))
    inside = path.relative_to(ROOT).parts[:2] == ("scanner", "browser")
    assert inside or not uses


@pytest.mark.parametrize(
    "path",
    sorted(ROOT.glob("scanner/classify/**/*.py")),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_classification_is_pure(path: Path) -> None:
    """No browser, store, report, network or clock inside the rules."""
    forbidden = {"playwright", "sqlite3", "urllib.request", "http.client", "socket", "reports"}
    text = path.read_text("utf-8")
    assert not (_imports(path) & forbidden)
    if path.name != "lists.py":  # the list updater is given its fetch and time
        assert "datetime.now(" not in text and "time.time(" not in text
