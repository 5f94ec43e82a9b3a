"""The reports, proven in the real browser: scanned test-web sites, rendered, opened.

Three test-web sites are scanned once (www.vijandig.nl is hostile: a title that closes
``<title>``, cookie names and a storage key made of HTML, cookies that look like
spreadsheet formulas, a ``javascript:`` link), classified and written as reports in
Dutch and English. Every page is then opened from ``file://`` in Chromium, which must
show the hostile strings as text, run nothing of theirs, load nothing, log no error,
and pass axe-core's WCAG 2.1 A/AA rules without serious or critical violations.
"""

from __future__ import annotations

import asyncio
import base64
import csv
import io
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import (
    BrowserContext,
    ConsoleMessage,
    Dialog,
    Page,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Request as PlaywrightRequest

from reports import diff_scans, make_env, render_diff_html, write_report
from reports.env import LANGUAGES
from scanner.config import CaptureOptions
from scanner.models import Phase, Scan, Site, SiteResult
from scanner.serialize import from_dict
from tests.test_reports import with_screenshots

if TYPE_CHECKING:  # a dev dependency: imported where used, so that collection never needs it
    from axe_playwright_python.sync_playwright import Axe

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/lib/chromium/chromium"
FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)

SITES: tuple[tuple[Site, tuple[str, ...]], ...] = (
    (
        Site(name="Trackstad", url="https://www.trackstad.nl/", province="Utrecht", code="GM9001"),
        ("https://www.trackstad.nl/", "https://www.trackstad.nl/nieuws/"),
    ),
    (
        Site(name="Iframegem", url="https://www.iframegem.nl/", province="Utrecht", code="GM9002"),
        ("https://www.iframegem.nl/",),
    ),
    (
        Site(name="Vijandig", url="https://www.vijandig.nl/", province="Drenthe", code="GM9003"),
        ("https://www.vijandig.nl/",),
    ),
)

HOSTILE_TITLE = "</title><script>alert(1)</script>"
HOSTILE_COOKIES = ("<script>alert(1)</script>", "<img/src/onerror")
HOSTILE_STORAGE_KEY = "<img src=x onerror=alert(1)>"
FORMULA_COOKIE = "+cmd|' /C calc'!A0"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = frozenset({"serious", "critical"})


@dataclass
class PageCheck:
    """What one report page did when Chromium opened it."""

    url: str
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    body_text: str = ""
    injected: list[str] = field(default_factory=list)
    scripts: int = 0
    violations: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture(scope="module")
def scan(capture_options: CaptureOptions) -> Scan:
    """The three sites captured by one browser (a fresh visitor each) and classified."""
    from scanner.browser.session import Browser
    from scanner.classify import PartyResolver, classify
    from scanner.domains import Domains
    from scanner.knowledge import load_knowledge
    from scanner.runner import capture_site

    async def run() -> tuple[str, list[SiteResult]]:
        # A shorter dwell than a real scan: loopback is fast and the report, not the
        # capture, is under test here.
        async with Browser(replace(capture_options, dwell_s=2.0)) as browser:
            results = await asyncio.gather(
                *(capture_site(browser, site, urls) for site, urls in SITES)
            )
            return browser.version, list(results)

    version, results = asyncio.run(run())
    knowledge = load_knowledge()
    resolver = PartyResolver(Domains(), knowledge)
    classified = tuple(
        classify(r, resolver=resolver, knowledge=knowledge, now=NOW) for r in results
    )
    return Scan(
        id="browser-test",
        started_at=min(r.started_at for r in classified),
        finished_at=max(r.finished_at or r.started_at for r in classified),
        tool_version="test",
        browser=version,
        options=(("map_hosts", ",".join(capture_options.map_hosts)),),
        lists=knowledge.versions,
        sites=classified,
    )


@pytest.fixture(scope="module")
def golden(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The hand-built golden scan (failed and partial sites, changes, screenshots, hostile
    strings) written in Dutch with its diff page: states the live scan does not reach."""
    data = json.loads((FIXTURES / "scan_golden.json").read_text(encoding="utf-8"))
    previous_data = json.loads((FIXTURES / "scan_previous.json").read_text(encoding="utf-8"))
    scan, previous = from_dict(Scan, data), from_dict(Scan, previous_data)
    out = tmp_path_factory.mktemp("browser-report-golden")
    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )
    shots = {"Assen": [("page", Phase.NONE, png), ("banner", Phase.REJECT, png)]}
    index = write_report(with_screenshots(scan, shots), out, lang="nl", previous=previous)
    diff = out / "diff.html"
    diff.write_text(render_diff_html(diff_scans(previous, scan), env=make_env("nl")), "utf-8")
    return [*_pages(index), diff]


@pytest.fixture(scope="module")
def reports(scan: Scan, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The report directory per language, written once."""
    return {
        lang: write_report(scan, tmp_path_factory.mktemp(f"browser-report-{lang}"), lang=lang)
        for lang in LANGUAGES
    }


def _pages(index: Path) -> list[Path]:
    return [index, *sorted((index.parent / "sites").glob("*.html"))]


_INJECTED_JS = """() => {
  const found = [];
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.getAttributeNames()) {
      const value = (el.getAttribute(attr) || "").trim().toLowerCase();
      if (attr.startsWith("on")) found.push(el.tagName + "[" + attr + "]");
      if (value.startsWith("javascript:")) found.push(el.tagName + "[" + attr + "=javascript:]");
    }
  }
  for (const sel of ["img:not([src^='data:'])", "iframe", "object", "embed", "svg [onload]",
                     "base", "link", "meta[http-equiv='refresh']", "form"]) {
    for (const el of document.querySelectorAll(sel)) found.push(sel + ": " + el.outerHTML);
  }
  const html = "http://www.w3.org/1999/xhtml";
  const titles = [...document.getElementsByTagName("title")].filter(t => t.namespaceURI === html);
  if (titles.length !== 1 || titles[0].parentNode !== document.head) found.push("titles");
  return found;
}"""


_START_AXE_JS = """options => {
  document.querySelectorAll("details").forEach(d => { d.open = true; });
  window.__axeViolations = axe.run(document, options).then(r => r.violations);
}"""
"""Open every ``<details>`` (axe skips hidden content, the evidence is folded) and start
the audit without waiting, so that the pages' audits run side by side."""


def _watch(context: BrowserContext, axe: Axe, url: str) -> tuple[Page, PageCheck]:
    """Open ``url`` in a new tab, record what it did, and start its axe-core audit."""
    check = PageCheck(url)
    page = context.new_page()

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            check.errors.append(f"console: {msg.text}")

    def on_error(exc: PlaywrightError) -> None:
        check.errors.append(f"pageerror: {exc}")

    def on_request(req: PlaywrightRequest) -> None:
        if req.url != url and not req.url.startswith("data:"):
            check.requests.append(req.url)

    def on_dialog(dialog: Dialog) -> None:
        check.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("console", on_console)
    page.on("pageerror", on_error)
    page.on("request", on_request)
    page.on("dialog", on_dialog)
    page.goto(url, wait_until="load")
    check.body_text = page.inner_text("body")
    check.injected = list(page.evaluate(_INJECTED_JS))
    check.scripts = int(page.evaluate("document.scripts.length"))
    page.evaluate(axe.axe_script)  # through the DevTools protocol: the page's CSP allows it
    page.evaluate(_START_AXE_JS, {"runOnly": {"type": "tag", "values": AXE_TAGS}})
    return page, check


def _open(context: BrowserContext, axe: Axe, urls: list[str]) -> list[PageCheck]:
    """Open every URL in its own tab, watched, then collect the axe-core violations."""
    opened: list[tuple[Page, PageCheck]] = []
    try:
        for url in urls:
            opened.append(_watch(context, axe, url))
        for page, check in opened:
            check.violations = list(page.evaluate("() => window.__axeViolations"))
    finally:
        for page, _check in opened:
            page.close()
    return [check for _page, check in opened]


@pytest.fixture(scope="module")
def chromium() -> Iterator[tuple[BrowserContext, Axe]]:
    """A plain headless Chromium (no test-web mapping) and an axe-core runner."""
    from axe_playwright_python.sync_playwright import Axe

    root = os.geteuid() == 0 if hasattr(os, "geteuid") else False
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"] if root else []
        )
        try:
            context = browser.new_context(offline=True)  # belt and braces: no traffic out
            yield context, Axe()
            context.close()
        finally:
            browser.close()


@pytest.fixture(scope="module")
def checked(
    reports: dict[str, Path], golden: list[Path], chromium: tuple[BrowserContext, Axe]
) -> dict[str, PageCheck]:
    """Every written page opened once from file://, watched and audited."""
    context, axe = chromium
    pages = {
        f"{lang}:{path.relative_to(index.parent).as_posix()}": path
        for lang, index in reports.items()
        for path in _pages(index)
    }
    pages |= {f"golden:{path.relative_to(golden[0].parent).as_posix()}": path for path in golden}
    checks = _open(context, axe, [path.as_uri() for path in pages.values()])
    return dict(zip(pages, checks, strict=True))


# ------------------------------------------------------------------------------ tests


def test_scan_saw_the_hostile_site(scan: Scan) -> None:
    """Guard: the hostile strings really reached the scan, else the checks prove nothing."""
    by_name = {r.site.name: r for r in scan.sites}
    assert {r.status.value for r in scan.sites} == {"done"}
    hostile = by_name["Vijandig"]
    assert [p.title for p in hostile.pages] == [HOSTILE_TITLE]
    names = {c.name for c in hostile.cookies if c.stored}
    assert {*HOSTILE_COOKIES, FORMULA_COOKIE, "formule"} <= names
    assert HOSTILE_STORAGE_KEY in {s.key for s in hostile.storage}
    assert any(f.subject.startswith(FORMULA_COOKIE) for f in hostile.findings)
    assert by_name["Trackstad"].findings and by_name["Iframegem"].findings


def test_every_page_was_opened(
    reports: dict[str, Path], golden: list[Path], checked: dict[str, PageCheck]
) -> None:
    assert len(checked) == sum(len(_pages(index)) for index in reports.values()) + len(golden)
    assert len(reports) == len(LANGUAGES)
    assert sum(key.startswith(LANGUAGES) for key in checked) == len(LANGUAGES) * (1 + len(SITES))


def test_no_console_errors(checked: dict[str, PageCheck]) -> None:
    assert {k: c.errors for k, c in checked.items() if c.errors} == {}


def test_loads_nothing_but_itself(checked: dict[str, PageCheck]) -> None:
    assert {k: c.requests for k, c in checked.items() if c.requests} == {}


def test_hostile_script_never_runs(checked: dict[str, PageCheck]) -> None:
    assert {k: c.dialogs for k, c in checked.items() if c.dialogs} == {}
    assert {k: c.injected for k, c in checked.items() if c.injected} == {}
    # The report's own enhancement script and nothing else.
    assert {k: c.scripts for k, c in checked.items() if c.scripts != 1} == {}


def test_hostile_strings_show_as_text(checked: dict[str, PageCheck]) -> None:
    for lang in LANGUAGES:
        text = checked[f"{lang}:sites/vijandig.html"].body_text
        assert HOSTILE_TITLE in text, lang
        for name in HOSTILE_COOKIES:
            assert name in text, (lang, name)
        assert HOSTILE_STORAGE_KEY in text, lang
        assert FORMULA_COOKIE in text, lang
        assert "Vijandig" in checked[f"{lang}:index.html"].body_text


def test_csv_cells_are_neutralised(reports: dict[str, Path]) -> None:
    for lang, index in reports.items():
        raw = (index.parent / "findings.csv").read_text(encoding="utf-8-sig")
        rows = list(csv.reader(io.StringIO(raw)))
        cells = [cell for row in rows[1:] for cell in row]
        assert [c for c in cells if c.startswith(FORMULA_START)] == [], lang
        assert any(c.startswith("'" + FORMULA_COOKIE) for c in cells), lang


def test_axe_wcag21_aa_no_serious_violations(checked: dict[str, PageCheck]) -> None:
    problems = {
        key: [
            f"{v['id']} ({v['impact']}): "
            + "; ".join(", ".join(map(str, n["target"])) for n in v["nodes"][:5])
            for v in c.violations
            if v.get("impact") in BLOCKING_IMPACTS
        ]
        for key, c in checked.items()
    }
    assert {k: v for k, v in problems.items() if v} == {}


def test_the_watchers_would_notice(
    reports: dict[str, Path], chromium: tuple[BrowserContext, Axe], tmp_path: Path
) -> None:
    """Negative control: the page with its escaping undone and no CSP trips every check."""
    page = reports["nl"].parent / "sites" / "vijandig.html"
    html = page.read_text(encoding="utf-8")
    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    broken = html.replace("&lt;", "<").replace("&gt;", ">").replace("&#34;", '"')
    broken = broken.replace('<span class="url">', '<img src="x.png"><span>', 1)
    target = tmp_path / "broken.html"
    target.write_text(broken, encoding="utf-8")
    context, axe = chromium
    [check] = _open(context, axe, [target.as_uri()])
    assert check.dialogs  # the hostile alert(1) ran
    assert check.injected and check.scripts > 1
    assert check.requests  # x.png
    assert "image-alt" in {v["id"] for v in check.violations}  # axe-core really audits
    assert HOSTILE_TITLE not in check.body_text
