"""The application layer: what the commands need, built once from the settings.

One browser discovery: the command line (through ``App``) and the browser layer
(``Browser``, which launches it) find the same executable, also on a machine whose
only Chromium is Playwright's own. Playwright is asked where it keeps that one
(``PLAYWRIGHT_BROWSERS_PATH`` points it at a temporary directory) and a stand-in
script is put there: these tests start Playwright's driver, never a browser.
"""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.app import App, AppSettings
from scanner.browser import discovery
from scanner.browser.discovery import BrowserExecutable, BrowserNotFound
from scanner.browser.session import Browser
from scanner.cli import cli
from scanner.config import CaptureOptions
from scanner.models import Scan
from scanner.serialize import from_dict
from scanner.store import open_store

STAND_IN_VERSION = "Chromium 150.0.7000.1"
FIXTURES = Path(__file__).parent / "fixtures"


def _fixture_scan(name: str) -> Scan:
    """A scan of the golden pair (tests/fixtures/golden.py), as its JSON was saved."""
    return from_dict(Scan, json.loads((FIXTURES / name).read_text("utf-8")))


def golden_scan() -> Scan:
    return _fixture_scan("scan_golden.json")


def previous_scan() -> Scan:
    return _fixture_scan("scan_previous.json")


@pytest.fixture
def no_browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A machine without Chromium: no option, no PRIVACYSCAN_BROWSER, no Debian
    Chromium, nothing on PATH, and Playwright's browsers directory empty. Returns
    where Playwright would keep its own Chromium."""
    from playwright.sync_api import sync_playwright

    monkeypatch.delenv("PRIVACYSCAN_BROWSER", raising=False)
    monkeypatch.setattr(discovery, "DEBIAN_CHROMIUM", str(tmp_path / "no-debian-chromium"))
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "ms-playwright"))
    with sync_playwright() as playwright:
        bundled = Path(playwright.chromium.executable_path)
    assert bundled.is_relative_to(tmp_path / "ms-playwright")
    assert not bundled.exists()
    return bundled


@pytest.fixture
def only_playwrights_chromium(no_browser: Path) -> Path:
    """That machine with Playwright's own Chromium installed (a stand-in that only
    answers ``--version``)."""
    no_browser.parent.mkdir(parents=True)
    no_browser.write_text(f'#!/bin/sh\necho "{STAND_IN_VERSION}"\n', "utf-8")
    no_browser.chmod(0o755)
    return no_browser


def _browser_layer(options: CaptureOptions) -> tuple[BrowserExecutable | None, str]:
    """What ``Browser`` (the layer that launches it) finds, and its version."""

    async def enter() -> tuple[BrowserExecutable | None, str]:
        async with Browser(options) as browser:
            return browser.executable, browser.version

    return asyncio.run(enter())


def test_the_app_and_the_browser_layer_find_playwrights_own_chromium(
    only_playwrights_chromium: Path,
) -> None:
    app = App()
    found = app.find_browser()
    assert found == BrowserExecutable(str(only_playwrights_chromium), "playwright")
    assert app.browser_version() == STAND_IN_VERSION
    assert _browser_layer(CaptureOptions()) == (found, STAND_IN_VERSION)


def test_the_order_is_the_same_for_both(
    only_playwrights_chromium: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Chromium on PATH comes before Playwright's; --browser before both."""
    on_path = tmp_path / "bin" / "chromium"
    on_path.write_text('#!/bin/sh\necho "Chromium 151.0.1.1"\n', "utf-8")
    on_path.chmod(0o755)
    assert App().find_browser() == BrowserExecutable(str(on_path), "PATH")
    assert _browser_layer(CaptureOptions())[0] == App().find_browser()
    explicit = str(only_playwrights_chromium)
    assert App().find_browser(explicit) == BrowserExecutable(explicit, "option")
    assert _browser_layer(CaptureOptions(browser_path=explicit))[0] == App().find_browser(explicit)


def test_without_any_browser_both_say_how_to_get_one(no_browser: Path) -> None:
    with pytest.raises(BrowserNotFound, match="No Chromium found"):
        App().find_browser()
    with pytest.raises(BrowserNotFound, match="No Chromium found"):
        _browser_layer(CaptureOptions())


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_the_command_line_does_not_give_up_before_the_browser_layer(
    only_playwrights_chromium: Path, tmp_path: Path
) -> None:
    """``privacyscan worker`` looks for the browser before it reaches the broker: with
    only Playwright's Chromium it gets past the browser (then stops at a broker that
    is not there, exit 3)."""
    args = ["worker", "--queue", f"redis://127.0.0.1:{_dead_port()}/0"]
    result = CliRunner().invoke(cli, [*args, "--db", str(tmp_path / "w.db")])
    assert result.exit_code == 3, result.output
    assert "No Chromium found" not in result.output
    assert "cannot reach the queue redis://127.0.0.1" in result.output


def test_the_command_line_without_any_browser_exits_3(no_browser: Path, tmp_path: Path) -> None:
    args = ["worker", "--queue", f"redis://127.0.0.1:{_dead_port()}/0"]
    result = CliRunner().invoke(cli, [*args, "--db", str(tmp_path / "w.db")])
    assert result.exit_code == 3, result.output
    assert "No Chromium found" in result.output
    assert "Traceback" not in result.output


# -- the history ---------------------------------------------------------------------


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """A SQLite history with the golden pair of scans: previous, then latest."""
    db = tmp_path / "history.db"
    with open_store(db) as store:
        for scan in (previous_scan(), golden_scan()):
            store.create_scan(scan, [r.site for r in scan.sites])
    return db


def test_the_app_reads_the_history_as_the_commands_do(history: Path, tmp_path: Path) -> None:
    app = App(AppSettings(db=history))
    assert [s.id for s in app.scans()] == [golden_scan().id, previous_scan().id]
    latest, before = app.scan_and_previous("latest")
    assert (latest.id, before and before.id) == (golden_scan().id, previous_scan().id)
    assert app.scan_and_previous("previous")[1] is None  # the oldest has none

    report = CliRunner().invoke(
        cli, ["report", "--db", str(history), "--out", str(tmp_path / "r"), "--lang", "en"]
    )
    assert report.exit_code == 0, report.output
    index = Path(report.output.strip())
    assert index == tmp_path / "r" / "index.html"
    text = index.read_text("utf-8")  # compared with the scan before:
    assert 'href="#changes"' in text and "28 October 2026, 19:00 UTC" in text

    outputs = app.write_outputs(latest, before, tmp_path / "o", lang="en", report=False)
    assert outputs.report is None and not (tmp_path / "o" / "index.html").exists()
    documents = sorted(p.name for p in outputs.json_dir.glob("*.json"))
    assert len(documents) == len(latest.sites)
    pages = sorted(p.name.replace(".html", ".json") for p in (tmp_path / "r" / "sites").iterdir())
    assert documents == pages  # one name per site, the report's


def test_export_to_stdout_is_the_file(history: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    printed = runner.invoke(cli, ["export", "--db", str(history), "--lang", "en"])
    written = runner.invoke(
        cli, ["export", "--db", str(history), "--lang", "en", "--out", str(tmp_path / "s.json")]
    )
    assert printed.exit_code == written.exit_code == 0
    assert written.output.strip() == str(tmp_path / "s.json")
    assert printed.output == (tmp_path / "s.json").read_text("utf-8")
    assert json.loads(printed.output)["scan"]["id"] == golden_scan().id


def test_diff_exit_code_follows_fail_on(history: Path) -> None:
    app = App(AppSettings(db=history))
    result = app.diff("previous", "latest")
    # New: Assen's YouTube embed before consent, a likely violation.
    assert app.diff_exit_code(result, "likely") == 1
    assert app.diff_exit_code(result, "violation") == 0
    assert app.diff_exit_code(result, None) == 0
    for fail_on, code in (("likely", 1), ("violation", 0)):
        args = ["diff", "previous", "latest", "--db", str(history), "--fail-on", fail_on]
        shown = CliRunner().invoke(cli, [*args, "--format", "json"])
        assert shown.exit_code == code, shown.output
        assert json.loads(shown.output)["new_scan"]["id"] == golden_scan().id


def test_an_unknown_scan_and_a_foreign_database_are_usage_errors(
    history: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    unknown = runner.invoke(cli, ["report", "nonexistent", "--db", str(history)])
    assert unknown.exit_code == 2
    foreign = runner.invoke(cli, ["scans", "--db", "mysql://u@127.0.0.1/d"])
    assert foreign.exit_code == 2 and "unsupported database URL" in foreign.output
    queue_on_sqlite = runner.invoke(
        cli,
        ["scan", "https://www.x.nl/", "--queue", "redis://127.0.0.1:6379/0", "--db", "x.db"],
    )
    assert queue_on_sqlite.exit_code == 2
    assert "--queue needs a database every worker reaches" in queue_on_sqlite.output
