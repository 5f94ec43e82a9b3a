"""Three visitors per site through the engine: no choice, refuses, accepts.

Ground truth: ``scanner/testweb/banners.json`` (written before the banner code),
per banner site: the first-party cookies before a choice, after refusing and
after accepting, what is clicked on which layer, and whether the banner comes
back on the next page.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from scanner.classify.parties import PartyResolver
from scanner.config import CaptureOptions
from scanner.domains import Domains
from scanner.engine import Engine, ScanSettings
from scanner.knowledge import load_knowledge
from scanner.models import Phase, Scan, Site, SiteResult
from scanner.store.memory import MemoryStore

pytestmark = pytest.mark.browser

BANNERS: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[1] / "scanner" / "testweb" / "banners.json").read_text(
        "utf-8"
    )
)
CASES = BANNERS["sites"]


def _run(options: CaptureOptions, sites: list[Site], phases: str = "all") -> Scan:
    knowledge = load_knowledge()
    engine = Engine(
        MemoryStore(),
        replace(options, dwell_s=1.5),
        ScanSettings(max_pages=2, concurrency=2, phases=phases),
        knowledge=knowledge,
        resolver=PartyResolver(Domains(), knowledge),
    )
    return asyncio.run(engine.run(engine.create(sites)))


@pytest.fixture(scope="module")
def scanned(capture_options: CaptureOptions) -> dict[str, SiteResult]:
    sites = [Site(host, case["url"]) for host, case in CASES.items()]
    sites += [Site(urlsplit(url).hostname or url, url) for url in BANNERS["no_banner"]]
    scan = _run(capture_options, sites)
    return {r.site.name: r for r in scan.sites}


def _first_party_names(result: SiteResult, phase: Phase) -> list[str]:
    host = urlsplit(result.site.url).hostname or ""
    own = host.removeprefix("www.")
    return sorted(
        {c.name for c in result.cookies if c.phase is phase and c.domain.lstrip(".").endswith(own)}
    )


@pytest.mark.parametrize("host", list(CASES))
def test_banner_and_choices(scanned: dict[str, SiteResult], host: str) -> None:
    case = CASES[host]
    result = scanned[host]
    assert result.banner is not None
    assert result.banner.reject_on_first_layer is case["reject_on_first_layer"]
    assert result.banner.blocks_page is case["blocks_page"]
    by_phase = {c.phase: c for c in result.choices}
    assert set(by_phase) == {Phase.REJECT, Phase.ACCEPT}
    for phase, key in ((Phase.REJECT, "reject"), (Phase.ACCEPT, "accept")):
        expected, made = case[key], by_phase[phase]
        assert made.clicked is expected["clicked"], made.reason
        if expected["clicked"]:
            assert made.layer == expected["layer"]
            if "element_text" in expected:
                assert made.element_text == expected["element_text"]
            assert made.banner_on_next_page is case[f"banner_after_{key}"]
            # The refusing and accepting visitors choose without a detection of their
            # own: a known CMP's deeper layer must still go by autoconsent's rule.
            by_rule = case["cmp"] != "custom" and expected["layer"] > 1
            assert made.method == ("autoconsent" if by_rule else "heuristic"), made.reason


@pytest.mark.parametrize("host", list(CASES))
def test_cookies_per_visitor(scanned: dict[str, SiteResult], host: str) -> None:
    case = CASES[host]
    result = scanned[host]
    cookies = case["first_party_cookies"]
    assert _first_party_names(result, Phase.NONE) == sorted(cookies["before"])
    for phase, key in ((Phase.REJECT, "reject"), (Phase.ACCEPT, "accept")):
        expected = sorted(cookies[f"after_{key}"]) if case[key]["clicked"] else []
        assert _first_party_names(result, phase) == expected


def _first_party_storage(result: SiteResult, phase: Phase) -> list[str]:
    own = (urlsplit(result.site.url).hostname or "").removeprefix("www.")
    return sorted(
        {
            f"{s.kind.value} {s.key}"
            for s in result.storage
            if s.phase is phase and (urlsplit(s.origin).hostname or "").endswith(own)
        }
    )


@pytest.mark.parametrize("host", [h for h, case in CASES.items() if "first_party_storage" in case])
def test_storage_per_visitor(scanned: dict[str, SiteResult], host: str) -> None:
    """What a consent manager writes at the moment of the click (Klaro with
    ``storageMethod: 'localStorage'``) belongs to the visitor who clicked."""
    case = CASES[host]
    result = scanned[host]
    storage = case["first_party_storage"]
    assert _first_party_storage(result, Phase.NONE) == sorted(storage["before"])
    for phase, key in ((Phase.REJECT, "reject"), (Phase.ACCEPT, "accept")):
        assert _first_party_storage(result, phase) == sorted(storage[f"after_{key}"]), key
        written = [s for s in result.storage if s.phase is phase and s.key == "klaro"]
        # Seen as the write it was: on the page where the visitor clicked, by Klaro.
        assert all(s.page_url == case["url"] for s in written), written
        assert any(
            s.initiator is not None and "klaro.js" in (s.initiator.url or "") for s in written
        ), written


@pytest.mark.parametrize("url", BANNERS["no_banner"])
def test_no_banner_means_one_visitor(scanned: dict[str, SiteResult], url: str) -> None:
    result = scanned[urlsplit(url).hostname or url]
    assert result.banner is None and result.choices == ()
    assert {p.phase for p in result.pages} == {Phase.NONE}


def test_phases_none_skips_the_banner(capture_options: CaptureOptions) -> None:
    case = CASES["www.bannerdorp-goed.nl"]
    (result,) = _run(capture_options, [Site("goed", case["url"])], phases="none").sites
    assert result.banner is None and result.choices == ()
    assert {c.phase for c in result.cookies} <= {Phase.NONE}


CONSENT_RULES = {
    "no-banner-while-tracking",
    "reject-not-on-first-layer",
    "cookie-wall",
    "refusal-not-possible",
    "consent-not-remembered",
    "tracking-after-refusal",
    "cookie-kept-after-refusal",
}
"""The consent-banner rules of docs/rules.md that judge the banner and the refusal."""

EXPECTED_CONSENT_FINDINGS = {
    "www.bannerdorp-goed.nl": set(),
    "www.bannerdorp-laag.nl": {"reject-not-on-first-layer"},
    "www.bannerdorp-negeert.nl": {"tracking-after-refusal"},
    "www.bannerdorp-vooraf.nl": {"tracking-after-refusal"},
    "www.bannerdorp-schaduw.nl": set(),
    "www.bannerdorp-muur.nl": {"cookie-wall"},
    "www.bannerdorp-frame.nl": set(),
    "www.bannerdorp-cc.nl": set(),
    "www.bannerdorp-ccverstopt.nl": {"reject-not-on-first-layer"},
    "www.bannerdorp-klaro.nl": set(),
    "www.bannerdorp-klaroopslag.nl": set(),
    "www.bannerdorp-osano.nl": set(),
}
"""From each banner site's story in banners.json: which consent rules must fire."""


@pytest.mark.parametrize("host", list(EXPECTED_CONSENT_FINDINGS))
def test_consent_findings(scanned: dict[str, SiteResult], host: str) -> None:
    fired = {f.rule for f in scanned[host].findings} & CONSENT_RULES
    assert fired == EXPECTED_CONSENT_FINDINGS[host]


def test_accept_phase_never_makes_a_violation(scanned: dict[str, SiteResult]) -> None:
    for result in scanned.values():
        for finding in result.findings:
            phases = {e.phase for e in finding.evidence}
            if phases == {Phase.ACCEPT}:
                assert finding.severity.value == "info", finding.id
