"""Client-side redirects are recorded; reload loops end as a ``redirects`` error.

Ground truth (test web): www.doorstuurdorp.nl sends the visitor on once with a
meta refresh to /nieuw/; www.herlaaddorp.nl refreshes itself forever (meta
refresh 0); www.scriptlus.nl reloads itself forever from a script.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from scanner.browser.session import Browser
from scanner.config import CaptureOptions
from scanner.models import Page, Site
from scanner.runner import capture_site

pytestmark = pytest.mark.browser


def _visit(options: CaptureOptions, url: str) -> Page:
    async def run() -> Page:
        async with Browser(options) as browser:
            result = await capture_site(browser, Site(url, url), [url])
        return result.pages[0]

    return asyncio.run(run())


def test_meta_refresh_is_a_client_redirect(capture_options: CaptureOptions) -> None:
    page = _visit(replace(capture_options, dwell_s=1.5), "https://www.doorstuurdorp.nl/")
    assert page.error is None
    assert page.final_url == "https://www.doorstuurdorp.nl/nieuw/"
    assert page.title == "Gemeente Doorstuurdorp"
    assert [(r.url, r.status) for r in page.redirects] == [("https://www.doorstuurdorp.nl/", 0)]


@pytest.mark.parametrize("url", ["https://www.herlaaddorp.nl/", "https://www.scriptlus.nl/"])
def test_reload_loop_is_cut_off(capture_options: CaptureOptions, url: str) -> None:
    options = replace(capture_options, max_navigations=5, dwell_s=1.0, max_settle_s=30.0)
    page = _visit(options, url)
    assert page.error == "redirects"
    assert page.error_message and "more than 5 navigations" in page.error_message
    assert len(page.redirects) == 4
    assert page.duration_ms < 20_000, "the loop must end the page, not the settle cap"
