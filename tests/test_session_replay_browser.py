"""Session recording found by its behaviour, in real Chromium on the test web (issue #14).

``www.opnamedorp.nl`` (ground truth: its manifest, ``snapshots`` included) loads an
rrweb-like recorder from a public CDN (knowledge says ``cdn``) that observes the whole
document and posts a full snapshot of each page to a fictional collector: a few
kilobytes on the home page (the body comes with the request event), more than 16 KiB on
``/nieuws/`` (read with ``Network.getRequestPostData``). The site's own notices script
observes one list, and its callback runs (a first-party witness request): no record,
no finding. One capture of the site serves every test here.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from scanner.classify import classify
from scanner.classify.parties import PartyResolver
from scanner.config import CaptureOptions
from scanner.domains import Domains
from scanner.knowledge import load_knowledge
from scanner.models import Request, Site, SiteResult
from scanner.snapshots import VENDOR
from tests.conftest import load_manifests

pytestmark = pytest.mark.browser

MANIFEST = load_manifests()["www.opnamedorp.nl"]
RECORDER = "https://opnamekit.akamaized.net/opname/1.0/opname.min.js"
OWN_OBSERVER = "https://www.opnamedorp.nl/js/meldingen.js"
NOW = datetime(2026, 12, 7, tzinfo=UTC)


@pytest.fixture(scope="module")
def capture(capture_options: CaptureOptions) -> SiteResult:
    from scanner.browser.session import Browser
    from scanner.runner import capture_site

    site = Site(MANIFEST["site"]["name"], MANIFEST["site"]["url"])

    async def run() -> SiteResult:
        async with Browser(capture_options) as browser:
            return await capture_site(browser, site, [p["url"] for p in MANIFEST["pages"]])

    return asyncio.run(run())


def _snapshots(result: SiteResult) -> list[Request]:
    return [r for r in result.requests if r.payload is not None and r.payload.vendor == VENDOR]


def test_whole_document_observer_recorded_with_script_and_stack(capture: SiteResult) -> None:
    calls = [a for a in capture.api_calls if a.api.startswith("dom.observe")]
    expected = [a for a in MANIFEST["api_calls"] if a["api"].startswith("dom.observe")]
    assert sorted((a.api, a.initiator.url, a.frame_url, a.page_url) for a in calls) == sorted(
        (e["api"], e["script"], e["frame_url"], e["page_url"]) for e in expected
    )
    for call in calls:
        assert any(RECORDER in frame for frame in call.initiator.stack)


def test_observer_on_one_element_is_not_recorded(capture: SiteResult) -> None:
    # The site's observer ran (its callback's witness request went out) ...
    witnesses = [r for r in capture.requests if "/meldingen/gezien?aantal=2" in r.url]
    assert witnesses and witnesses[0].status == 204
    # ... and was not recorded: one element is not the whole document.
    assert not [a for a in capture.api_calls if a.initiator.url == OWN_OBSERVER]


def test_snapshots_as_the_manifest_says(capture: SiteResult) -> None:
    found = _snapshots(capture)
    assert len(found) == len(MANIFEST["snapshots"])
    for expected in MANIFEST["snapshots"]:
        (request,) = [r for r in found if r.page_url == expected["page_url"]]
        assert request.url == expected["url"]
        assert request.method == "POST"
        assert request.initiator.url == RECORDER
        assert request.payload is not None
        params = dict(request.payload.params)
        assert params["format"] == expected["format"]
        size = int(params["bytes"])
        assert size >= expected["min_bytes"]
        assert expected["max_bytes"] is None or size <= expected["max_bytes"]


def test_no_other_request_is_a_snapshot(capture: SiteResult) -> None:
    """Scripts and pages are not POST bodies; the witness GET is no snapshot."""
    others = [r for r in capture.requests if r not in _snapshots(capture)]
    assert others and all(r.payload is None for r in others)


def test_the_recording_is_found_though_knowledge_says_cdn(capture: SiteResult) -> None:
    knowledge = load_knowledge()
    resolver = PartyResolver(Domains(), knowledge)
    classified = classify(capture, resolver=resolver, knowledge=knowledge, now=NOW)
    assert resolver.party_for_url(RECORDER, capture.site).category == "cdn"
    findings = {f.id: f for f in classified.findings if f.rule == "session-replay"}
    (finding,) = findings.values()
    assert finding.id == "session-replay:opnameleverancier.nl"
    assert finding.severity.value == "likely_violation"
    assert finding.param("scripts") == (RECORDER,)
    assert finding.param("snapshots") == 2
    assert [e.page_url for e in finding.evidence] == [p["url"] for p in MANIFEST["pages"]]


def test_observe_wrapper_keeps_the_original_behaviour(
    capture_options: CaptureOptions, testweb: Any
) -> None:
    """The hooked observe() keeps its name, length, errors and the observation itself."""
    from scanner.browser.session import Browser

    probe = """async () => {
      const observe = MutationObserver.prototype.observe;
      let error = null;
      try { new MutationObserver(() => {}).observe(null); } catch (e) { error = e.name; }
      const seen = [];
      const el = document.createElement("div");
      const mo = new MutationObserver((records) => seen.push(records.length));
      mo.observe(el, { childList: true });
      el.appendChild(document.createElement("span"));
      await new Promise((resolve) => setTimeout(resolve, 0));
      return { name: observe.name, length: observe.length, error, seen,
        text: Function.prototype.toString.call(observe).includes("[native code]") };
    }"""

    async def run() -> dict[str, Any]:
        async with Browser(capture_options) as browser, browser.visitor() as visitor:
            await visitor.visit(MANIFEST["site"]["url"])
            page = visitor._page
            assert page is not None
            result: dict[str, Any] = await page.evaluate(probe)
            return result

    assert asyncio.run(run()) == {
        "name": "observe",
        "length": 1,
        "error": "TypeError",
        "seen": [1],
        "text": True,
    }
