"""Consent banners on the test web: detect, reject, accept, compared with banners.json.

Each banner site is visited twice by fresh visitors: one rejects (then opens the
next page: the banner must be gone and only the expected cookies there), the other
accepts. Everything runs once, concurrently, in a module fixture; the tests read it.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import importlib.util
import json
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from scanner.browser.consent import choose, detect_banner
from scanner.config import CaptureOptions
from scanner.models import Banner, ConsentChoice, Phase

pytestmark = pytest.mark.browser

TRUTH: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[1] / "scanner" / "testweb" / "banners.json").read_text(
        "utf-8"
    )
)
SITES: dict[str, dict[str, Any]] = TRUTH["sites"]
HAS_AUTOCONSENT = importlib.util.find_spec("duckduckgo_autoconsent") is not None
NO_BANNER_LIMIT_S = 3.0


@dataclass(frozen=True)
class Run:
    """One visitor: banner on the first page, the choice made, what the next page shows."""

    banner: Banner | None
    detect_s: float
    """How long detecting the banner took."""
    choice: ConsentChoice
    banner_next: Banner | None
    cookies_before: list[str]
    cookies_after: list[str]


@dataclass(frozen=True)
class Outcome:
    reject: Run
    accept: Run


@dataclass(frozen=True)
class NoBanner:
    banner: Banner | None
    seconds: float


def first_party(cookies: Sequence[Mapping[str, object]], url: str) -> list[str]:
    host = url.split("/")[2]
    site = host.removeprefix("www.")
    names = {
        str(c["name"])
        for c in cookies
        if str(c["domain"]).lstrip(".") == site or str(c["domain"]).lstrip(".").endswith("." + site)
    }
    return sorted(names)


@pytest.fixture(scope="module")
def outcomes(capture_options: CaptureOptions) -> tuple[dict[str, Outcome], list[NoBanner]]:
    from scanner.browser.session import Browser

    # Short dwell: the banner sites fire everything at load or on the click.
    options = dataclasses.replace(
        capture_options, dwell_s=0.5, quiet_s=0.3, max_settle_s=2.0, scroll=False
    )

    async def one_run(browser: Browser, truth: dict[str, Any], choice: str) -> Run:
        async with browser.visitor() as visitor:
            await visitor.visit(truth["url"])
            page = visitor._page
            assert page is not None
            before = first_party(await page.context.cookies(), truth["url"])
            t0 = time.monotonic()
            banner = await detect_banner(page)
            detect_s = time.monotonic() - t0
            result = await choose(page, Phase(choice))
            await visitor.visit(truth["next_url"])
            after = first_party(await page.context.cookies(), truth["url"])
            banner_next = await detect_banner(page)
        return Run(banner, detect_s, result, banner_next, before, after)

    async def no_banner(browser: Browser, url: str) -> NoBanner:
        async with browser.visitor() as visitor:
            await visitor.visit(url)
            assert visitor._page is not None
            t0 = time.monotonic()
            banner = await detect_banner(visitor._page)
            return NoBanner(banner, time.monotonic() - t0)

    async def run() -> tuple[dict[str, Outcome], list[NoBanner]]:
        async with Browser(options) as browser:
            limit = asyncio.Semaphore(3)

            async def site(name: str, truth: dict[str, Any]) -> tuple[str, Outcome]:
                async with limit:
                    reject = await one_run(browser, truth, "reject")
                async with limit:
                    accept = await one_run(browser, truth, "accept")
                return name, Outcome(reject, accept)

            pairs = await asyncio.gather(*(site(n, t) for n, t in SITES.items()))
            # Timed alone, not while other browsers compete for the two cores.
            clean = [await no_banner(browser, url) for url in TRUTH["no_banner"]]
        return dict(pairs), clean

    return asyncio.run(run())


def _skip_without_autoconsent(truth: dict[str, Any]) -> None:
    if truth["cmp"] != "custom" and not HAS_AUTOCONSENT:
        pytest.skip("duckduckgo-autoconsent-py is not installed")


@pytest.mark.parametrize("name", sorted(SITES))
def test_detect_matches_ground_truth(
    name: str, outcomes: tuple[dict[str, Outcome], list[NoBanner]]
) -> None:
    truth = SITES[name]
    _skip_without_autoconsent(truth)
    run = outcomes[0][name].reject
    banner = run.banner
    assert banner is not None, "banner not found"
    assert banner.cmp == truth["cmp"]
    assert banner.method == ("heuristic" if truth["cmp"] == "custom" else "autoconsent")
    expected_frame = truth["url"] if truth["frame"] == "main" else truth["frame"]
    assert banner.frame_url == expected_frame
    assert banner.blocks_page is truth["blocks_page"]
    assert banner.reject_on_first_layer is truth["reject_on_first_layer"]
    found = {b.role: b.text for b in banner.buttons if b.role != "other"}
    assert found == truth["first_layer"]
    assert banner.in_shadow_dom is (name == "www.bannerdorp-schaduw.nl")
    # Klaro's own Dutch text speaks of "toestemming" and "diensten", never of cookies.
    assert re.search(r"cookie|toestemming", banner.text, re.IGNORECASE), banner.text
    assert banner.screenshot is not None
    assert base64.b64decode(banner.screenshot)[:3] == b"\xff\xd8\xff"
    assert run.detect_s < 5.0


@pytest.mark.parametrize("choice", ["reject", "accept"])
@pytest.mark.parametrize("name", sorted(SITES))
def test_choice_matches_ground_truth(
    name: str, choice: str, outcomes: tuple[dict[str, Outcome], list[NoBanner]]
) -> None:
    truth = SITES[name]
    _skip_without_autoconsent(truth)
    run = getattr(outcomes[0][name], choice)
    want = truth[choice]
    result = run.choice
    assert result.phase is Phase(choice)
    assert result.clicked is want["clicked"], result.reason
    assert result.layer == want["layer"], result.reason
    assert result.element_text == want["element_text"], result.reason
    if want["clicked"]:
        assert result.banner_closed, result.reason
        # A first-layer button is clicked like a visitor would; autoconsent's rule is for
        # a known CMP's deeper layers (some rules call the CMP's API, no click at all).
        by_rule = truth["cmp"] != "custom" and want["layer"] > 1
        assert result.method == ("autoconsent" if by_rule else "heuristic")
        assert result.rule
        assert result.element_text and result.element_text in result.reason
        # Every banner of the test web takes the mouse where its button is.
        assert "scripted click" not in result.reason
    else:
        assert result.method is None
        assert result.reason.startswith(f"no {choice} button")
    # The choice is remembered: the next page shows no banner (a wall stays).
    assert (run.banner_next is not None) is truth[f"banner_after_{choice}"]


@pytest.mark.parametrize("choice", ["reject", "accept"])
@pytest.mark.parametrize("name", sorted(SITES))
def test_cookies_match_ground_truth(
    name: str, choice: str, outcomes: tuple[dict[str, Outcome], list[NoBanner]]
) -> None:
    truth = SITES[name]
    _skip_without_autoconsent(truth)
    run = getattr(outcomes[0][name], choice)
    cookies = truth["first_party_cookies"]
    assert run.cookies_before == cookies["before"]
    expected_after = cookies[f"after_{choice}"]
    if expected_after is None:  # no such choice possible: nothing changes
        expected_after = cookies["before"]
    assert run.cookies_after == expected_after


def test_no_banner_is_quick(outcomes: tuple[dict[str, Outcome], list[NoBanner]]) -> None:
    for clean in outcomes[1]:
        assert clean.banner is None
        assert clean.seconds <= NO_BANNER_LIMIT_S, f"took {clean.seconds:.2f} s"


def test_the_cmp_is_the_one_the_page_loaded(capture_options: CaptureOptions) -> None:
    """Autoconsent's Complianz rules match Osano's cookieconsent markup (Complianz's
    legacy banner reuses it): the banner's CMP is the one whose code the page loaded."""
    from scanner.browser.consent import _loaded_cmp
    from scanner.browser.session import Browser

    truth = SITES["www.bannerdorp-osano.nl"]
    options = dataclasses.replace(capture_options, dwell_s=0.5, quiet_s=0.3, max_settle_s=2.0)

    async def run() -> list[str]:
        async with Browser(options) as browser, browser.visitor() as visitor:
            await visitor.visit(truth["url"])
            page = visitor._page
            assert page is not None
            frame = page.main_frame
            seen = [
                await _loaded_cmp(frame, "Complianz optin"),
                await _loaded_cmp(frame, "Klaro"),  # markup no other CMP shares
            ]
            # Complianz sets cmplz_* cookies: with its evidence, its rule stands.
            await page.evaluate("document.cookie = 'cmplz_marketing=deny; path=/'")
            seen.append(await _loaded_cmp(frame, "Complianz optin"))
            return seen

    assert asyncio.run(run()) == ["osano-cookieconsent", "Klaro", "Complianz optin"]
