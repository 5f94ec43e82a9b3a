"""The browser layer's shape, without a browser: every page script is a ``.js`` file,
and the recorder's instruments share the page, the frames and the write budget the
way one recorder did (restarting at the consent click keeps the open page)."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest

from scanner.browser.instruments.base import MAX_WRITES
from scanner.browser.recorder import Recorder
from scanner.models import CookieSource, Phase, StorageKind

BROWSER = Path(__file__).resolve().parents[1] / "scanner" / "browser"
MODULES = sorted(BROWSER.rglob("*.py"))
SCRIPT_CALLS = {"evaluate", "evaluate_handle", "add_init_script", "wait_for_function"}
"""Playwright calls whose first argument is JavaScript run in the page."""
LOOKS_LIKE_JS = re.compile(r"=>|\bfunction\s*\(|\b(window|document|location)\.\w")


def _docstrings(tree: ast.AST) -> set[int]:
    """``id`` of every docstring node (module, class, function, attribute)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for stmt in body:
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
                found.add(id(stmt.value))
    return found


def _page_scripts_named(tree: ast.AST) -> list[str]:
    return [
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "page_script"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(BROWSER)))
def test_no_page_script_is_written_in_python(path: Path) -> None:
    """JavaScript lives in ``scanner/browser/*.js``: no string in the browser layer's
    Python is JavaScript, and no script argument is written inline."""
    tree = ast.parse(path.read_text("utf-8"))
    docstrings = _docstrings(tree)
    inline = [
        f"line {node.lineno}: {node.value[:60]!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and LOOKS_LIKE_JS.search(node.value)
    ]
    assert not inline, "JavaScript in a Python string; make it a .js file: " + "; ".join(inline)
    literal_scripts = [
        f"line {node.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in SCRIPT_CALLS
        and node.args
        and isinstance(node.args[0], (ast.Constant, ast.JoinedStr, ast.BinOp))
    ]
    assert not literal_scripts, "a script written inline: " + ", ".join(literal_scripts)


def test_every_page_script_exists_and_is_used() -> None:
    named = {name for path in MODULES for name in _page_scripts_named(ast.parse(path.read_text()))}
    files = {p.name for p in BROWSER.glob("*.js")}
    assert named - files == set(), "page_script() names a file that does not exist"
    assert files - named == set(), "a .js file no code runs"


# ------------------------------------------------------------------ the recorder

SITE = "https://www.bannerdorp.nl/"


def _frame_tree() -> dict[str, Any]:
    return {
        "frame": {"id": "main", "url": SITE},
        "childFrames": [
            {"frame": {"id": "cmp", "parentId": "main", "url": "https://cmp.example/banner"}}
        ],
    }


def _storage_event(key: str, value: str = "1") -> dict[str, Any]:
    return {
        "storageId": {"securityOrigin": SITE.rstrip("/"), "isLocalStorage": True},
        "key": key,
        "newValue": value,
    }


def _cookie_hook(name: str) -> dict[str, Any]:
    return {"kind": "cookie", "value": f"{name}=1; path=/", "href": SITE, "visible": True}


def test_restart_at_the_click_keeps_the_open_page() -> None:
    """What the page did before the click is gone; what it does from the click on is
    recorded on the same page, on the same clock, with the frames still known."""
    before = Recorder(phase=Phase.REJECT)
    before.frame_tree(_frame_tree())
    before.start_page(SITE, 10.0)
    before.cdp_event("DOMStorage.domStorageItemAdded", _storage_event("seen"), 11.0)
    before.hook_report(_cookie_hook("early"), SITE, 11.5)
    before.cdp_event(
        "Network.requestWillBeSent",
        {
            "requestId": "1",
            "request": {"url": "https://cmp.example/consent.js", "method": "GET"},
            "type": "Script",
            "frameId": "cmp",
        },
        12.0,
    )

    after = before.fresh(keep_page=True)
    assert (after.storage(), after.cookies(), after.requests()) == ([], [], [])
    assert after.page_urls == [SITE] and after.last_activity == 12.0
    after.cdp_event("DOMStorage.domStorageItemAdded", _storage_event("klaro", "{}"), 13.0)
    after.hook_report(_cookie_hook("choice"), SITE, 13.5)
    after.cdp_event(
        "Network.requestWillBeSent",
        {
            "requestId": "2",
            "request": {"url": "https://cmp.example/saved", "method": "POST"},
            "type": "XHR",
            "frameId": "cmp",
        },
        14.0,
    )
    [item] = after.storage()
    assert (item.kind, item.key, item.page_url, item.first_seen_ms) == (
        StorageKind.LOCAL,
        "klaro",
        SITE,
        3000,
    )
    [cookie] = after.cookies()
    assert (cookie.name, cookie.source, cookie.page_url, cookie.first_seen_ms) == (
        "choice",
        CookieSource.JS,
        SITE,
        3500,
    )
    [request] = after.requests()
    assert (request.page_url, request.frame_url, request.t_ms) == (
        SITE,
        "https://cmp.example/banner",
        4000,
    )

    # Without keep_page, nothing is open until the next visit starts.
    cold = before.fresh()
    assert cold.page_urls == [] and cold.last_activity == 0.0
    cold.hook_report(_cookie_hook("orphan"), SITE, 13.0)
    [orphan] = cold.cookies()
    assert orphan.page_url == ""


def test_cookies_and_storage_share_one_write_budget() -> None:
    """A page that writes too much is cut off at MAX_WRITES writes in all, cookies and
    storage together, and what was dropped is counted."""
    recorder = Recorder(phase=Phase.NONE)
    recorder.start_page(SITE, 0.0)
    for i in range(MAX_WRITES - 1):
        recorder.cdp_event("DOMStorage.domStorageItemAdded", _storage_event(f"k{i}"), 0.1)
    recorder.hook_report(_cookie_hook("last"), SITE, 0.2)  # the 5,000th write: kept
    recorder.hook_report(_cookie_hook("one-too-many"), SITE, 0.3)
    recorder.cdp_event("DOMStorage.domStorageItemAdded", _storage_event("too-late"), 0.4)
    recorder.hook_report({"kind": "api", "api": "canvas.toDataURL", "href": SITE}, SITE, 0.5)
    assert [c.name for c in recorder.cookies()] == ["last"]
    assert len(recorder.storage()) == MAX_WRITES - 1
    assert recorder.dropped_writes == 2
    assert [a.api for a in recorder.api_calls()] == ["canvas.toDataURL"]  # not a write


def test_security_facts_are_the_first_visitors() -> None:
    document = {
        "requestId": "d",
        "request": {"url": SITE, "method": "GET"},
        "type": "Document",
        "frameId": "main",
    }
    response = {
        "requestId": "d",
        "response": {"status": 200, "headers": {"Strict-Transport-Security": "max-age=60"}},
    }
    seen = {}
    for phase in Phase:
        recorder = Recorder(phase=phase)
        recorder.frame_tree(_frame_tree())
        recorder.start_page(SITE, 0.0)
        recorder.cdp_event("Network.requestWillBeSent", document, 0.1)
        recorder.cdp_event("Network.responseReceived", response, 0.2)
        seen[phase] = [(d.url, d.hsts) for d in recorder.documents()]
        assert [r.status for r in recorder.requests()] == [200]
    assert seen == {Phase.NONE: [(SITE, "max-age=60")], Phase.REJECT: [], Phase.ACCEPT: []}
