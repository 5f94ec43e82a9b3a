"""The engine finishes a scan whatever one site does."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from scanner.classify.parties import PartyResolver
from scanner.config import CaptureOptions
from scanner.domains import Domains
from scanner.engine import (
    BUDGET_MESSAGE,
    Engine,
    ScanSettings,
    options_from_pairs,
    options_pairs,
)
from scanner.knowledge import load_knowledge
from scanner.models import Party, Site, SiteStatus
from scanner.store.memory import MemoryStore

TRACKSTAD = Site("Trackstad", "https://www.trackstad.nl/")
SCHOONDORP = Site("Schoondorp", "https://www.schoondorp.nl/")


class _BrokenForTrackstad(PartyResolver):
    """Classification that fails on one site: stands for any bug a site's data triggers."""

    def party_for_host(self, host: str, site: Site) -> Party:
        if "trackstad" in site.url:
            raise ValueError("unexpected data from the site")
        return super().party_for_host(host, site)


@pytest.mark.browser
def test_an_error_in_one_site_is_recorded_and_the_scan_finishes(
    capture_options: CaptureOptions,
) -> None:
    knowledge = load_knowledge()
    engine = Engine(
        MemoryStore(),
        replace(capture_options, dwell_s=1.0),
        ScanSettings(max_pages=1, concurrency=2),
        knowledge=knowledge,
        resolver=_BrokenForTrackstad(Domains(), knowledge),
    )
    scan_id = engine.create([TRACKSTAD, SCHOONDORP])
    scan = asyncio.run(engine.run(scan_id))
    by_name = {r.site.name: r for r in scan.sites}
    assert by_name["Trackstad"].status is SiteStatus.FAILED
    assert by_name["Trackstad"].error == "error"
    assert "unexpected data from the site" in (by_name["Trackstad"].error_message or "")
    assert by_name["Schoondorp"].status is SiteStatus.DONE
    assert scan.finished_at


def test_options_survive_the_round_trip_for_resume() -> None:
    options = CaptureOptions(
        map_hosts=("*=127.0.0.1:8443",), trust_cert_spki=("x" * 44,), dwell_s=2.5, raw_values=True
    )
    settings = ScanSettings(max_pages=3, concurrency=2, lang="en")
    assert options_from_pairs(options_pairs(options, settings)) == (options, settings)


def test_a_feed_is_followed_page_by_page_and_completed_from_the_result() -> None:
    from scanner.runner import UrlFeed

    async def run() -> list[str | None]:
        feed = UrlFeed()
        got: list[str | None] = []

        async def follower() -> None:
            for index in range(4):
                got.append(await feed.get(index))

        task = asyncio.create_task(follower())
        await asyncio.sleep(0)
        assert got == [], "the follower waits for the first visitor's home page"
        feed.put("https://a.nl/")
        await asyncio.sleep(0)
        assert got == ["https://a.nl/"]
        # The first visitor's result has one more loaded page than was fed (a crash
        # ends its loop before the page is handed on): completing adds it, then ends.
        feed.complete(["https://a.nl/", "https://a.nl/b/"])
        await task
        return got

    assert asyncio.run(run()) == ["https://a.nl/", "https://a.nl/b/", None, None]


def test_waiting_for_the_first_visitor_does_not_count_against_a_budget() -> None:
    from scanner.engine import _FeedWithinBudget
    from scanner.runner import UrlFeed

    async def run(pause: bool) -> str | None:
        feed = UrlFeed()
        asyncio.get_running_loop().call_later(0.4, feed.put, "https://a.nl/")
        async with asyncio.timeout(0.2) as budget:
            source = _FeedWithinBudget(feed, budget) if pause else feed
            return await source.get(0)

    assert asyncio.run(run(pause=True)) == "https://a.nl/"
    with pytest.raises(TimeoutError):
        asyncio.run(run(pause=False))


@pytest.mark.browser
def test_a_site_out_of_budget_keeps_what_it_captured(capture_options: CaptureOptions) -> None:
    """Issue 11: the budget (1 s) runs out during the home page's visit (which dwells
    1.5 s): no further page is started, and the home page with its cookies is kept as a
    partial site instead of an empty failed one."""
    knowledge = load_knowledge()
    engine = Engine(
        MemoryStore(),
        replace(capture_options, dwell_s=1.5),
        ScanSettings(max_pages=3, concurrency=1, site_timeout_s=1.0, phases="none"),
        knowledge=knowledge,
        resolver=PartyResolver(Domains(), knowledge),
    )
    scan = asyncio.run(engine.run(engine.create([TRACKSTAD])))
    (result,) = scan.sites
    assert (result.status, result.error) == (SiteStatus.PARTIAL, "timeout")
    assert result.error_message == BUDGET_MESSAGE
    assert [p.url for p in result.pages] == [TRACKSTAD.url]
    assert {"_ga", "_fbp"} <= {c.name for c in result.cookies}
    assert result.findings, "what was captured is classified too"
