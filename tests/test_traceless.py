"""The visitor leaves no trace a page could see, in the real Chromium.

``www.spiegeldorp.nl`` has fields (one with a style of its own, one in a shadow root),
CSS animations, a cookie banner and a witness script (``js/getuige.js``) that logs
every mutation and animation event a page script can observe. After a capture's visit
(screenshot, scroll, settle) and after its banner detection (autoconsent, the
heuristic, the banner's screenshot), the page must be what a plain Chromium that only
loaded it shows: the same DOM, the same attributes and computed style of every field,
the same window properties, and the witness log of the ground truth
(``scanner/testweb/traceless.json``).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from scanner.config import CaptureOptions

TRUTH = json.loads(
    (Path(__file__).resolve().parents[1] / "scanner/testweb/traceless.json").read_text("utf-8")
)

# Read-only: what any page script can read about the document and its fields.
_SNAPSHOT_JS = """(fields) => {
  const find = (selector) => {
    let root = document, el = null;
    for (const part of selector.split(" >>> ")) {
      el = root.querySelector(part);
      root = el && el.shadowRoot;
    }
    return el;
  };
  const out = { fields: {}, globals: Object.getOwnPropertyNames(window).sort(),
    log: window.getuige.log.slice().sort(),
    html: document.documentElement.outerHTML,
    shadow: document.querySelector("#postcode").shadowRoot.innerHTML };
  for (const selector of fields) {
    const el = find(selector);
    const computed = getComputedStyle(el);
    const style = {};
    for (const name of computed) style[name] = computed.getPropertyValue(name);
    out.fields[selector] = {
      attributes: Object.fromEntries([...el.attributes].map((a) => [a.name, a.value])), style };
  }
  return out;
}"""


@pytest.fixture(scope="module")
def snapshots(capture_options: CaptureOptions) -> dict[str, Any]:
    """The page as its scripts see it: in a plain Chromium, and in a capture's visitor
    after the visit and after banner detection."""
    from playwright.async_api import async_playwright

    from scanner.browser.session import Browser, launch_args

    url = TRUTH["url"]
    fields = TRUTH["fields"]

    async def run() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with Browser(capture_options) as browser:
            async with browser.visitor() as visitor:
                await visitor.visit(url)
                page = visitor._page
                assert page is not None
                out["visited"] = await page.evaluate(_SNAPSHOT_JS, fields)
                out["banner"] = await visitor.detect_banner()
                out["detected"] = await page.evaluate(_SNAPSHOT_JS, fields)
            assert browser.executable is not None
            executable = browser.executable.path
        async with async_playwright() as pw:
            plain = await pw.chromium.launch(
                executable_path=executable, args=launch_args(capture_options)
            )
            try:
                context = await plain.new_context(
                    viewport={
                        "width": capture_options.viewport[0],
                        "height": capture_options.viewport[1],
                    }
                )
                page = await context.new_page()
                await page.goto(url, wait_until="load")
                await asyncio.sleep(capture_options.dwell_s)
                out["plain"] = await page.evaluate(_SNAPSHOT_JS, fields)
            finally:
                await plain.close()
        return out

    return asyncio.run(run())


@pytest.mark.browser
def test_plain_chromium_matches_the_ground_truth(snapshots: dict[str, Any]) -> None:
    plain = snapshots["plain"]
    assert plain["log"] == sorted(TRUTH["witness_log"])
    for selector, attributes in TRUTH["field_attributes"].items():
        assert plain["fields"][selector]["attributes"] == attributes, selector
    assert plain["fields"]["#zoek"]["style"]["caret-color"] != "rgba(0, 0, 0, 0)"


@pytest.mark.browser
@pytest.mark.parametrize("moment", ["visited", "detected"])
def test_fields_and_dom_as_in_a_plain_chromium(snapshots: dict[str, Any], moment: str) -> None:
    """No ``style`` attribute or ``caret-color`` on fields (Playwright's screenshot
    default), no finished or cancelled animation (``animations="disabled"``)."""
    plain, seen = snapshots["plain"], snapshots[moment]
    if moment == "detected":
        assert (snapshots["banner"] is not None) is TRUTH["banner"]
    assert seen["log"] == plain["log"] == sorted(TRUTH["witness_log"])
    for selector in TRUTH["fields"]:
        assert seen["fields"][selector] == plain["fields"][selector], selector
    assert seen["shadow"] == plain["shadow"]
    assert seen["html"] == plain["html"]


@pytest.mark.browser
def test_no_window_property_after_the_visit(snapshots: dict[str, Any]) -> None:
    """The hooks' reporting binding is gone and nothing else was added."""
    assert snapshots["visited"]["globals"] == snapshots["plain"]["globals"]


@pytest.mark.browser
@pytest.mark.xfail(
    strict=True,
    reason="not yet: banner detection runs autoconsent and consent_detect.js in the page's "
    "own world (window.autoconsentSendMessage, __privacyscanAutoconsent, "
    "__privacyscanConsent); they belong in an isolated world (NOTES-issue-14.md)",
)
def test_no_window_property_after_banner_detection(snapshots: dict[str, Any]) -> None:
    assert snapshots["detected"]["globals"] == snapshots["plain"]["globals"]
