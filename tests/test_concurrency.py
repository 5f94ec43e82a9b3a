"""A scan's findings do not depend on how many visitors run at once.

The same sites are scanned at concurrency 1 (one browser at a time: the refusing
and accepting visitors start after the first visitor is done, as before visitors
overlapped) and at the default (visitors in flight follow the machine; the
refusing and accepting visitors start as soon as the banner is known and follow
the first visitor's pages while it browses). Each site gets the same findings,
pages and choices either way.

Sites: two banner sites (three visitors each; Klaro writes its choice to
localStorage at the click), Laatdorp, whose cookie is set 3 s after ``load`` (the
late tracker the dwell must wait for), Trackstad (trackers on the first page) and
Iframegem (trackers in iframes). At the default they are scanned side by side, so a
site's results are compared with those it got alone in its browser. The banner site
is also scanned on its own at the default, so that its refusing visitor is certain
to get a slot while the first visitor is still browsing (the pace starts with two
slots and CPU pressure never takes it below two).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from scanner.classify.parties import PartyResolver
from scanner.config import CaptureOptions
from scanner.domains import Domains
from scanner.engine import Engine, Progress, ScanSettings
from scanner.knowledge import load_knowledge
from scanner.models import Phase, Site, SiteResult
from scanner.store.memory import MemoryStore

pytestmark = pytest.mark.browser

BANNER = Site("Bannerdorp Goed", "https://www.bannerdorp-goed.nl/")
LATE = Site("Laatdorp", "https://www.laatdorp.nl/")
SITES = [
    BANNER,
    LATE,
    Site("Bannerdorp Klaro-opslag", "https://www.bannerdorp-klaroopslag.nl/"),
    Site("Trackstad", "https://www.trackstad.nl/"),
    Site("Iframegem", "https://www.iframegem.nl/"),
]


def _scan(
    options: CaptureOptions, sites: list[Site], concurrency: int
) -> tuple[dict[str, SiteResult], list[tuple[float, Progress]]]:
    knowledge = load_knowledge()
    events: list[tuple[float, Progress]] = []
    engine = Engine(
        MemoryStore(),
        options,
        ScanSettings(max_pages=2, concurrency=concurrency),
        knowledge=knowledge,
        resolver=PartyResolver(Domains(), knowledge),
        on_progress=lambda event: events.append((time.monotonic(), event)),
    )
    scan = asyncio.run(engine.run(engine.create(sites)))
    return {r.site.name: r for r in scan.sites}, events


def _outcome(result: SiteResult) -> dict[str, Any]:
    return {
        "status": result.status,
        "findings": sorted(f.id for f in result.findings),
        "pages": sorted((p.phase.value, p.url, p.final_url or "") for p in result.pages),
        "cookies": sorted({(c.phase.value, c.name, c.domain) for c in result.cookies}),
        "storage": sorted({(s.phase.value, s.kind.value, s.origin, s.key) for s in result.storage}),
        "choices": sorted(
            (c.phase.value, c.clicked, c.layer, c.element_text) for c in result.choices
        ),
    }


@pytest.fixture(scope="module")
def one_at_a_time(capture_options: CaptureOptions) -> dict[str, SiteResult]:
    results, events = _scan(capture_options, SITES, concurrency=1)
    assert max(e.visitors for _, e in events) == 1
    return results


@pytest.fixture(scope="module")
def default(capture_options: CaptureOptions) -> dict[str, Any]:
    _alone, events = _scan(capture_options, [BANNER], concurrency=0)
    together, together_events = _scan(capture_options, SITES, concurrency=0)
    assert max(e.visitors for _, e in together_events) >= 3, "sites ran side by side"
    return {"results": together, "events": events}


def test_the_refusing_visitor_follows_the_first_visitor_at_the_default(
    default: dict[str, Any],
) -> None:
    events: list[tuple[float, Progress]] = default["events"]
    first_done = max(t for t, e in events if e.page is not None and e.page.phase is Phase.NONE)
    two_at_once = min(t for t, e in events if e.event == "visitors" and e.visitors >= 2)
    assert two_at_once < first_done, "a second visitor of the site ran beside the first"
    reject_pages = [
        e.page for _, e in events if e.page is not None and e.page.phase is Phase.REJECT
    ]
    assert reject_pages, "the refusing visitor clicked and browsed"


@pytest.mark.parametrize("name", [site.name for site in SITES])
def test_same_findings_at_concurrency_one_and_at_the_default(
    one_at_a_time: dict[str, SiteResult], default: dict[str, Any], name: str
) -> None:
    assert _outcome(default["results"][name]) == _outcome(one_at_a_time[name])


def test_the_late_cookie_is_found_at_both(
    one_at_a_time: dict[str, SiteResult], default: dict[str, Any]
) -> None:
    for results in (one_at_a_time, default["results"]):
        names = {c.name for c in results[LATE.name].cookies}
        assert "late_cookie" in names, sorted(names)
