"""The visitor's HTTP Archive built from DevTools events (``scanner.browser.archive``).

What Chromium really sends is tested in ``test_har.py`` (real Chromium, the test web's
ground truth); here the bookkeeping that real pages rarely reach: extra-info headers
that come before their request, a redirect hop, a failure, the size bound.
"""

from __future__ import annotations

import json
from typing import Any

from scanner.browser.archive import Archive
from scanner.browser.instruments.workers import SeenRequest
from scanner.models import Phase

URL = "https://www.testdorp.nl/"


def _archive(limit: int = 1_000_000, content: bool = False) -> Archive:
    return Archive(content=content, browser_version="156", creator_version="0", limit=limit)


def _sent(archive: Archive, url: str, request_id: str = "1", **extra: Any) -> None:
    request = {"url": url, "method": "GET", "headers": {"Accept": "*/*"}}
    archive.event(
        "Network.requestWillBeSent",
        {
            "requestId": request_id,
            "request": request,
            "wallTime": 1.7e9,
            "timestamp": 10.0,
            "type": "Document",
            **extra,
        },
    )


def _entries(archive: Archive) -> list[dict[str, Any]]:
    har = archive.har(Phase.NONE)
    assert har is not None
    entries: list[dict[str, Any]] = json.loads(har.data)["log"]["entries"]
    assert har.entries == len(entries)
    return entries


def test_a_redirect_is_a_hop_of_its_own_and_early_headers_find_their_request() -> None:
    archive = _archive()
    archive.event(
        "Network.requestWillBeSentExtraInfo",
        {"requestId": "1", "headers": {"Cookie": "a=1; b=2", "Accept": "*/*"}},
    )
    _sent(archive, "http://www.testdorp.nl/?x=1")
    redirect = {
        "status": 301,
        "statusText": "Moved",
        "headers": {"Location": URL},
        "protocol": "http/1.1",
    }
    _sent(archive, URL, redirectResponse=redirect)
    archive.event(
        "Network.responseReceived",
        {
            "requestId": "1",
            "response": {
                "status": 200,
                "statusText": "OK",
                "protocol": "h2",
                "headers": {"Set-Cookie": "c=3; Path=/\nd=4"},
                "remoteIPAddress": "127.0.0.1",
                "encodedDataLength": 100,
            },
        },
    )
    archive.event(
        "Network.loadingFinished", {"requestId": "1", "encodedDataLength": 600, "timestamp": 10.5}
    )
    hop, page = _entries(archive)
    assert (hop["response"]["status"], hop["response"]["redirectURL"]) == (301, URL)
    assert hop["request"]["cookies"] == [{"name": "a", "value": "1"}, {"name": "b", "value": "2"}]
    assert hop["request"]["queryString"] == [{"name": "x", "value": "1"}]
    assert (page["response"]["status"], page["response"]["httpVersion"]) == (200, "HTTP/2")
    assert page["response"]["cookies"] == [{"name": "c", "value": "3"}, {"name": "d", "value": "4"}]
    assert page["response"]["bodySize"] == 500 and page["serverIPAddress"] == "127.0.0.1"
    assert page["timings"]["wait"] == 500.0  # no resource timing: start to finish


def test_failures_and_requests_devtools_missed_are_entries_too() -> None:
    archive = _archive()
    _sent(archive, URL)
    archive.event("Network.loadingFailed", {"requestId": "1", "errorText": "net::ERR_FAILED"})
    archive.missed(
        SeenRequest(URL + "sw.js", "GET", "script", URL + "sw.js", 200, "127.0.0.1"), 1.7e9
    )
    failed, missed = _entries(archive)
    assert (failed["response"]["status"], failed["response"]["_failureText"]) == (
        0,
        "net::ERR_FAILED",
    )
    assert (missed["request"]["url"], missed["response"]["status"]) == (URL + "sw.js", 200)


def test_bodies_past_the_limit_are_not_held_and_the_archive_is_not_kept() -> None:
    small, large = _archive(limit=2000, content=True), _archive(limit=2000, content=True)
    for archive, body in ((small, "x" * 100), (large, "x" * 2001)):
        _sent(archive, URL)
        archive.event("Network.responseReceived", {"requestId": "1", "response": {"status": 200}})
        assert archive.wants_body("1")
        archive.body("1", body, False)
    (entry,) = _entries(small)
    assert entry["response"]["content"] == {"size": 100, "mimeType": "x-unknown", "text": "x" * 100}
    assert large.har(Phase.NONE) is None
    assert not _archive().wants_body("1")  # bodies only with --har-content
