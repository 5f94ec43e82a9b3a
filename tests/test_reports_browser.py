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
import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from reports import write_report
from reports.env import LANGUAGES
from scanner.config import CaptureOptions
from scanner.models import Scan, Site, SiteResult

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/lib/chromium/chromium"
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
    from scanner.classify import PartyResolver, classify, load_knowledge, make_extractor
    from scanner.runner import capture_site

    async def run() -> tuple[str, list[SiteResult]]:
        async with Browser(capture_options) as browser:
            results = await asyncio.gather(
                *(capture_site(browser, site, urls) for site, urls in SITES)
            )
            return browser.version, list(results)

    version, results = asyncio.run(run())
    knowledge = load_knowledge()
    resolver = PartyResolver(make_extractor(), knowledge)
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


@pytest.fixture(scope="module")
def checked(reports: dict[str, Path]) -> Iterator[dict[str, PageCheck]]:
    """Every written page opened once in Chromium from file://, watched and audited."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import ConsoleMessage, Dialog, Error, Request, sync_playwright

    axe = Axe()
    axe_options = {
        "runOnly": {"type": "tag", "values": AXE_TAGS},
        "resultTypes": ["violations"],
    }
    out: dict[str, PageCheck] = {}
    root = os.geteuid() == 0 if hasattr(os, "geteuid") else False
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox"] if root else [],
        )
        try:
            context = browser.new_context(java_script_enabled=True, offline=True)
            for lang, index in reports.items():
                for path in _pages(index):
                    url = path.as_uri()
                    check = PageCheck(url)
                    page = context.new_page()

                    def on_console(msg: ConsoleMessage, check: PageCheck = check) -> None:
                        if msg.type == "error":
                            check.errors.append(f"console: {msg.text}")

                    def on_error(exc: Error, check: PageCheck = check) -> None:
                        check.errors.append(f"pageerror: {exc}")

                    def on_request(req: Request, check: PageCheck = check) -> None:
                        if req.url != check.url and not req.url.startswith("data:"):
                            check.requests.append(req.url)

                    def on_dialog(dialog: Dialog, check: PageCheck = check) -> None:
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
                    result = axe.run(page, options=axe_options)
                    check.violations = list(result.response["violations"])
                    page.close()
                    out[f"{lang}:{path.relative_to(index.parent).as_posix()}"] = check
            context.close()
        finally:
            browser.close()
    yield out


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


def test_every_page_was_opened(reports: dict[str, Path], checked: dict[str, PageCheck]) -> None:
    assert len(checked) == sum(len(_pages(index)) for index in reports.values())
    assert len(checked) == len(LANGUAGES) * (1 + len(SITES))


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
