"""Workers' traffic recorded (issue 14): what dedicated and service workers fetch, with
the worker as initiator, and a service worker's own script.

The browser test captures ``www.werkerdorp.nl`` (ground truth: its manifest, written
first) in real Chromium: a dedicated worker fetches a third party as it starts, a
service worker fetches a first-party URL when it installs.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

import pytest

from scanner.browser.instruments.workers import Missed, SeenRequest, Worker, worker_params
from scanner.config import CaptureOptions
from scanner.models import Initiator, Phase, Site, SiteResult
from scanner.testweb import load_manifest
from scanner.testweb.server import HOSTS_DIR, TestWeb

PAGE = "https://www.testdorp.nl/"
DEDICATED = Worker("S1", "https://www.testdorp.nl/js/w.js", "worker")
SERVICE = Worker("S2", "https://www.testdorp.nl/sw.js", "service_worker")


def _request(initiator: dict[str, Any], frame_id: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "requestId": "7.1",
        "request": {"url": "https://x.example/a", "method": "GET"},
        "initiator": initiator,
    }
    if frame_id is not None:
        event["frameId"] = frame_id
    return event


def test_a_workers_events_are_the_pages_with_the_worker_as_initiator() -> None:
    bare = worker_params(DEDICATED, "Network.requestWillBeSent", _request({"type": "other"}), "F")
    assert bare["requestId"] == "S1:7.1"  # never meets a page request's id
    assert bare["initiator"] == {"type": "script", "url": DEDICATED.url}
    assert bare["frameId"] == "F"  # a dedicated worker's request belongs to the page
    stack = {"callFrames": [{"url": "https://cdn.example/lib.js", "lineNumber": 1}]}
    own = worker_params(
        SERVICE, "Network.requestWillBeSent", _request({"type": "script", "stack": stack}), "F"
    )
    assert own["initiator"]["stack"] == stack  # a script of its own is kept
    assert own["frameId"] is None  # a service worker has no frame
    done = worker_params(DEDICATED, "Network.loadingFinished", {"requestId": "7.1"}, "F")
    assert done == {"requestId": "S1:7.1"}


def test_what_devtools_missed_is_a_workers_request() -> None:
    missed = Missed()
    recorded: Counter[tuple[str, str]] = Counter({("https://x.example/a", "GET"): 1})
    seen = SeenRequest("https://x.example/a", "GET", "fetch", None, 204, "127.0.0.1")
    # Without a worker, an unrecorded request is nobody's.
    assert missed.unrecorded(seen.url, "GET", recorded) is False  # DevTools has it
    assert missed.unrecorded(seen.url, "GET", recorded) is True  # a second one it has not
    assert missed.request(seen, Phase.NONE, PAGE, PAGE, 5) is None
    missed.started(DEDICATED)
    missed.started(SERVICE)
    request = missed.request(seen, Phase.NONE, PAGE, PAGE, 5)
    assert request is not None
    assert (request.resource_type, request.status, request.remote_ip) == ("Fetch", 204, "127.0.0.1")
    assert request.initiator == Initiator("script", DEDICATED.url)
    assert request.frame_url == PAGE
    script = SeenRequest(SERVICE.url, "GET", "script", SERVICE.url, 200, "127.0.0.1")
    own = missed.request(script, Phase.NONE, PAGE, PAGE, 9)
    assert own is not None and own.initiator == Initiator("other") and own.frame_url is None
    missed.started(Worker("S3", "https://www.testdorp.nl/js/other.js", "shared_worker"))
    two = missed.request(seen, Phase.NONE, PAGE, PAGE, 5)
    assert two is not None and two.initiator == Initiator("other")  # which one is not known


# -- real Chromium against the test web -------------------------------------------------

WERKERDORP = load_manifest("www.werkerdorp.nl")
HOME = "https://www.werkerdorp.nl/"
SW_SCRIPT = "https://www.werkerdorp.nl/sw.js"
SW_FETCH = "https://www.werkerdorp.nl/sw-actief?van=service-worker"


@pytest.fixture(scope="module")
def werkerdorp(testweb: TestWeb, capture_options: CaptureOptions) -> tuple[SiteResult, list[Any]]:
    from scanner.browser.session import Browser
    from scanner.runner import capture_site

    site = WERKERDORP["site"]

    async def run() -> SiteResult:
        async with Browser(capture_options) as browser:
            return await capture_site(
                browser, Site(site["name"], site["url"]), [p["url"] for p in WERKERDORP["pages"]]
            )

    testweb.clear_served()
    result = asyncio.run(run())
    return result, testweb.served()


@pytest.mark.browser
def test_the_dedicated_workers_request_is_recorded(
    werkerdorp: tuple[SiteResult, list[Any]],
) -> None:
    result, served = werkerdorp
    (expected,) = WERKERDORP["third_party_requests"]
    found = [r for r in result.requests if r.url == expected["url"]]
    assert len(found) == 1, [r.url for r in result.requests]
    request = found[0]
    assert (request.resource_type, request.method) == (expected["resource_type"], "GET")
    assert (request.page_url, request.frame_url) == (expected["page_url"], expected["frame_url"])
    assert request.initiator.url == expected["initiator_url"]
    assert (request.status, request.remote_ip) == (204, "127.0.0.1")
    assert ("statistiek.werkteller.com", "GET", "/v1/tel?bron=worker&gemeente=werkerdorp") in served


@pytest.mark.browser
def test_the_service_worker_and_its_script_are_recorded(
    werkerdorp: tuple[SiteResult, list[Any]],
) -> None:
    result, _ = werkerdorp
    assert result.pages[0].title == WERKERDORP["pages"][0]["title"]  # it did register
    scripts = [r for r in result.requests if r.url == SW_SCRIPT]
    assert scripts, "the service worker's script is a request"
    assert scripts[0].resource_type == "Script" and scripts[0].page_url == HOME
    assert scripts[0].frame_url is None
    (fetch,) = [r for r in result.requests if r.url == SW_FETCH]
    assert fetch.initiator.url == SW_SCRIPT
    assert (fetch.frame_url, fetch.page_url, fetch.status) == (None, HOME, 404)


# -- the hooks inside a worker (www.peilwerk.nl) --------------------------------------

PEILWERK = json.loads((HOSTS_DIR.parent / "worker_hooks.json").read_text("utf-8"))


@pytest.mark.browser
def test_a_fingerprinter_inside_a_worker_is_seen(capture_options: CaptureOptions) -> None:
    """Ground truth: ``worker_hooks.json`` (written first)."""
    from datetime import UTC, datetime

    from scanner.browser.session import Browser
    from scanner.classify import classify
    from scanner.classify.parties import PartyResolver
    from scanner.domains import Domains
    from scanner.knowledge import load_knowledge
    from scanner.runner import capture_site

    site = Site(name=PEILWERK["site"]["name"], url=PEILWERK["site"]["url"])

    async def run() -> SiteResult:
        async with Browser(capture_options) as browser:
            return await capture_site(browser, site, PEILWERK["pages"])

    result = asyncio.run(run())
    assert [p.error for p in result.pages] == [None]
    found = Counter((a.api, a.initiator.url, a.frame_url) for a in result.api_calls)
    assert found == Counter(tuple(call) for call in PEILWERK["api_calls"])
    knowledge = load_knowledge()
    resolver = PartyResolver(Domains(), knowledge)
    now = datetime(2026, 12, 7, tzinfo=UTC)
    classified = classify(result, resolver=resolver, knowledge=knowledge, now=now)
    fired = {f.id: f.severity.value for f in classified.findings if f.rule == "fingerprinting-api"}
    assert fired == PEILWERK["findings"]
