"""What the browser itself must do for the capture to be right, in real Chromium.

Ground truth: a default desktop Chrome accepts a ``SameSite=None; Secure``
third-party cookie from an iframe and from an image pixel; a visitor who has not
been to a site before carries nothing from another site; a site sees an ordinary
Dutch Chrome, not an automated one.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from typing import Any

import pytest

from scanner.browser.session import Browser
from scanner.config import CaptureOptions
from scanner.models import Cookie, Site, SiteResult
from scanner.runner import capture_site
from scanner.testweb.server import TestWeb

pytestmark = pytest.mark.browser

IFRAMEGEM = Site("Iframegem", "https://www.iframegem.nl/")
TRACKSTAD = Site("Trackstad", "https://www.trackstad.nl/")
SCHOONDORP = Site("Schoondorp", "https://www.schoondorp.nl/")


def _capture(options: CaptureOptions, visits: list[tuple[Site, list[str]]]) -> list[SiteResult]:
    async def run() -> list[SiteResult]:
        async with Browser(options) as browser:
            return [await capture_site(browser, site, urls) for site, urls in visits]

    return asyncio.run(run())


def _cookie(result: SiteResult, name: str) -> Cookie:
    return next(c for c in result.cookies if c.name == name)


@pytest.fixture(scope="module")
def third_party_runs(capture_options: CaptureOptions) -> dict[bool, list[SiteResult]]:
    """The same two visits with third-party cookies allowed (default) and blocked."""
    visits = [
        (IFRAMEGEM, ["https://www.iframegem.nl/"]),
        (TRACKSTAD, ["https://www.trackstad.nl/nieuws/"]),
    ]
    return {
        allowed: _capture(replace(capture_options, third_party_cookies=allowed), visits)
        for allowed in (True, False)
    }


@pytest.mark.parametrize(
    ("index", "name", "how"),
    [(0, "VISITOR_INFO1_LIVE", "iframe"), (1, "lidc", "pixel")],
)
def test_third_party_cookie_is_stored_by_default(
    third_party_runs: dict[bool, list[SiteResult]], index: int, name: str, how: str
) -> None:
    cookie = _cookie(third_party_runs[True][index], name)
    assert cookie.same_site == "None" and cookie.secure
    assert cookie.stored and cookie.in_jar and cookie.blocked_reasons == (), how


@pytest.mark.parametrize(("index", "name"), [(0, "VISITOR_INFO1_LIVE"), (1, "lidc")])
def test_blocked_third_party_cookie_is_recorded_with_reason(
    third_party_runs: dict[bool, list[SiteResult]], index: int, name: str
) -> None:
    """The control: without the profile setting Chromium refuses them, and we say why."""
    cookie = _cookie(third_party_runs[False][index], name)
    assert not cookie.stored and not cookie.in_jar
    assert cookie.blocked_reasons, "a refused Set-Cookie must carry Chromium's reason"


def test_each_site_gets_a_fresh_visitor(capture_options: CaptureOptions) -> None:
    tracked, clean = _capture(
        capture_options,
        [(TRACKSTAD, ["https://www.trackstad.nl/"]), (SCHOONDORP, ["https://www.schoondorp.nl/"])],
    )
    assert {"_ga", "_fbp", "fr"} <= {c.name for c in tracked.cookies}
    assert {c.name for c in clean.cookies} == {"PHPSESSID"}
    assert all(not r.cookies_sent for r in clean.requests if "schoondorp" not in r.url)


def test_site_sees_an_ordinary_dutch_chrome(capture_options: CaptureOptions) -> None:
    (result,) = _capture(
        capture_options,
        [(Site("Kijkdoos", "https://www.kijkdoos.nl/"), ["https://www.kijkdoos.nl/"])],
    )
    facts: dict[str, Any] = json.loads(result.pages[0].title)
    assert facts["webdriver"] is False
    assert "HeadlessChrome" not in facts["userAgent"] and "Chrome/" in facts["userAgent"]
    assert not any("Headless" in brand for brand in facts["brands"])
    assert facts["language"] == "nl-NL"
    assert facts["timeZone"] == "Europe/Amsterdam"
    assert facts["cookieEnabled"] is True


def test_a_visitor_browser_renders_nothing_but_its_page(capture_options: CaptureOptions) -> None:
    """Chromium 156 preloads browser UI (the omnibox popup's WebUI) in a renderer of its
    own at every start, about a CPU-second per visitor; a headless visitor never sees it."""
    from scanner.models import Phase

    async def targets() -> list[tuple[str, str]]:
        async with Browser(capture_options) as browser, browser.visitor(Phase.NONE) as visitor:
            assert visitor._cdp is not None
            await asyncio.sleep(1.0)  # the preloading starts just after the launch
            found = await visitor._cdp.send("Target.getTargets")
            return [(t["type"], t["url"]) for t in found["targetInfos"]]

    assert asyncio.run(targets()) == [("page", "about:blank")]


IDN_HOSTS = ["www.gemeente-straße.nl", "www.STRAẞE.nl", "ελληνικός.gr", "www.fryslân.nl"]
"""Names whose IDNA 2003 and UTS #46 (IDNA 2008) forms differ, and a plain one."""


def test_international_hosts_become_what_chromium_visits(capture_options: CaptureOptions) -> None:
    """Start URLs are converted the way Chromium converts them (issue 11): same host."""
    from playwright.async_api import async_playwright

    from scanner.sites import site_from_url

    async def chromium_hosts() -> list[str]:
        async with Browser(capture_options) as browser, async_playwright() as pw:
            assert browser.executable is not None
            chromium = await pw.chromium.launch(executable_path=browser.executable.path)
            page = await chromium.new_page()
            hosts: list[str] = await page.evaluate(
                "(hosts) => hosts.map((h) => new URL('https://' + h + '/').hostname)", IDN_HOSTS
            )
            await chromium.close()
            return hosts

    ours = [site_from_url(f"https://{host}/").name for host in IDN_HOSTS]
    assert ours == asyncio.run(chromium_hosts())
    assert ours[0] == "www.xn--gemeente-strae-dgb.nl"


WERKERDORP = "https://www.werkerdorp.nl/"
SW_REGISTERED = "Gemeente Werkerdorp (service worker geregistreerd)"


@pytest.mark.parametrize("trust", ["spki", "ignore-cert-errors"])
def test_service_workers_run_under_both_certificate_options(
    testweb: TestWeb, capture_options: CaptureOptions, trust: str
) -> None:
    """Issue 11: with Playwright's ignore_https_errors alone Chromium refused to register
    a service worker ("An SSL certificate error occurred when fetching the script"), so
    everything it does went missing from acceptance scans."""
    options = capture_options
    if trust == "ignore-cert-errors":
        options = replace(capture_options, trust_cert_spki=(), ignore_cert_errors=True)
    testweb.clear_served()
    (result,) = _capture(options, [(Site("Werkerdorp", WERKERDORP), [WERKERDORP])])
    assert result.pages[0].title == SW_REGISTERED
    # The worker's own request arrived: it really runs.
    assert ("www.werkerdorp.nl", "GET", "/sw-actief?van=service-worker") in testweb.served()
