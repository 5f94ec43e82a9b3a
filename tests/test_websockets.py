"""WebSockets recorded as requests (issue 14): where they went, who opened them and
what was sent over them (frames, bytes, a hash of the first bytes), and judged like
any third-party request.

The browser test captures ``www.kletsdorp.nl`` (ground truth: its manifest, written
first) in real Chromium and checks the record against what the test web's WebSocket
endpoint really received.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest

from scanner.browser.instruments.base import Frames, PageClock
from scanner.browser.instruments.websockets import FIRST_BYTES, WebSocketInstrument
from scanner.classify import classify
from scanner.classify.parties import PartyResolver
from scanner.config import CaptureOptions
from scanner.domains import Domains
from scanner.knowledge import load_knowledge
from scanner.models import Page, Phase, Request, Site, SiteResult, WebSocketSent
from scanner.testweb import load_manifest
from scanner.testweb.server import WS_METHOD, TestWeb

PAGE = "https://www.testdorp.nl/"
SOCKET = "wss://live.example-chat.com/socket"
SCRIPT = "https://cdn.example-chat.com/chat.js"


def _instrument() -> WebSocketInstrument:
    clock = PageClock()
    frames = Frames(clock)
    frames.navigated({"id": "main", "url": PAGE})
    clock.page_urls.append(PAGE)
    clock.t0 = 100.0
    return WebSocketInstrument(Phase.NONE, clock, frames)


def _created(instrument: WebSocketInstrument, request_id: str = "ws1") -> None:
    initiator = {
        "type": "script",
        "stack": {"callFrames": [{"functionName": "open", "url": SCRIPT, "lineNumber": 4}]},
    }
    instrument.on_cdp(
        "Network.webSocketCreated",
        {"requestId": request_id, "url": SOCKET, "initiator": initiator},
        100.25,
    )


def _sent(instrument: WebSocketInstrument, opcode: int, data: str, request_id: str = "ws1") -> None:
    frame = {"opcode": opcode, "mask": True, "payloadData": data}
    instrument.on_cdp(
        "Network.webSocketFrameSent", {"requestId": request_id, "response": frame}, 100.5
    )


def test_a_websocket_is_one_request_with_what_was_sent() -> None:
    instrument = _instrument()
    _created(instrument)
    instrument.on_cdp(
        "Network.webSocketWillSendHandshakeRequest",
        {"requestId": "ws1", "request": {"headers": {"Cookie": "sid=1; pref=nl"}}},
        100.3,
    )
    instrument.on_cdp(
        "Network.webSocketHandshakeResponseReceived",
        {"requestId": "ws1", "response": {"status": 101, "headers": {}}},
        100.4,
    )
    first = "x" * 50 + "é"  # 52 bytes in UTF-8
    _sent(instrument, 1, first)
    _sent(instrument, 9, "")  # a ping is not a message
    _sent(instrument, 2, "AQIDBAUGBwgJCgsMDQ4PEA==")  # 16 binary bytes, base64 as DevTools gives
    _sent(instrument, 1, "tail")
    instrument.on_cdp("Network.webSocketClosed", {"requestId": "ws1"}, 101.0)

    (request,) = instrument.requests()
    sent = first.encode() + bytes(range(1, 17)) + b"tail"
    assert request.resource_type == "WebSocket"
    assert (request.url, request.method, request.status, request.failed) == (
        SOCKET,
        "GET",
        101,
        None,
    )
    assert (request.page_url, request.frame_url, request.t_ms) == (PAGE, PAGE, 250)
    assert request.initiator.url == SCRIPT and request.initiator.line == 5
    assert request.cookies_sent == ("sid", "pref")
    assert request.websocket == WebSocketSent(
        frames_sent=3,
        bytes_sent=len(sent),
        first_bytes_sha256=hashlib.sha256(sent[:FIRST_BYTES]).hexdigest(),
    )


def test_a_refused_handshake_and_a_silent_socket() -> None:
    instrument = _instrument()
    _created(instrument, "bad")
    instrument.on_cdp(
        "Network.webSocketFrameError",
        {"requestId": "bad", "errorMessage": "Unexpected response code: 404"},
        100.5,
    )
    instrument.on_cdp("Network.webSocketClosed", {"requestId": "bad"}, 100.6)
    _created(instrument, "gone")
    instrument.on_cdp("Network.webSocketClosed", {"requestId": "gone"}, 100.6)
    # Events of a socket created before the recording are not guessed at.
    _sent(instrument, 1, "late", request_id="unknown")

    bad, gone = instrument.requests()
    assert (bad.status, bad.failed) == (None, "Unexpected response code: 404")
    assert (gone.status, gone.failed) == (None, "closed before the handshake")
    assert bad.websocket == gone.websocket == WebSocketSent(0, 0, None)


def test_a_third_party_websocket_is_judged_like_any_request() -> None:
    """A session recorder's socket is that recorder's traffic: party and rules."""
    knowledge = load_knowledge()
    site = Site("Testdorp", PAGE)
    socket = Request(
        "wss://ws.hotjar.com/api/v2/client/ws",
        page_url=PAGE,
        frame_url=PAGE,
        resource_type="WebSocket",
        status=101,
        websocket=WebSocketSent(2, 300, "ab" * 32),
    )
    result = SiteResult(site=site, pages=(Page(PAGE),), requests=(socket,))
    out = classify(
        result,
        resolver=PartyResolver(Domains(), knowledge),
        knowledge=knowledge,
        now=datetime(2026, 12, 7, tzinfo=UTC),
    )
    (judged,) = out.requests
    assert judged.party is not None and not judged.party.first_party
    assert (judged.party.domain, judged.party.organisation) == ("hotjar.com", "Hotjar")
    assert judged.websocket == socket.websocket
    assert "session-replay-before-consent:Hotjar" in {f.id for f in out.findings}


# -- real Chromium against the test web -------------------------------------------------

KLETSDORP = load_manifest("www.kletsdorp.nl")


@pytest.fixture(scope="module")
def kletsdorp(testweb: TestWeb, capture_options: CaptureOptions) -> tuple[SiteResult, list[Any]]:
    from scanner.browser.session import Browser
    from scanner.runner import capture_site

    site = KLETSDORP["site"]

    async def run() -> SiteResult:
        async with Browser(capture_options) as browser:
            return await capture_site(
                browser, Site(site["name"], site["url"]), [p["url"] for p in KLETSDORP["pages"]]
            )

    testweb.clear_served()
    result = asyncio.run(run())
    return result, [s for s in testweb.served() if s[0] == "live.praatpaal.com"]


@pytest.mark.browser
def test_the_websocket_is_recorded_as_the_manifest_says(
    kletsdorp: tuple[SiteResult, list[Any]],
) -> None:
    result, _ = kletsdorp
    (expected,) = [r for r in KLETSDORP["third_party_requests"] if "websocket" in r]
    found = [r for r in result.requests if r.resource_type == "WebSocket"]
    assert [r.url for r in found] == [expected["url"]]
    socket = found[0]
    assert socket.page_url == expected["page_url"] and socket.frame_url == expected["frame_url"]
    assert socket.initiator.type == "script" and socket.initiator.url == expected["initiator_url"]
    assert any(expected["initiator_url"] in frame for frame in socket.initiator.stack)
    assert (socket.status, socket.failed) == (101, None)
    assert socket.websocket is not None
    assert dataclasses.asdict(socket.websocket) == expected["websocket"]


@pytest.mark.browser
def test_what_was_recorded_is_what_the_endpoint_received(
    kletsdorp: tuple[SiteResult, list[Any]],
) -> None:
    result, served = kletsdorp
    (socket,) = [r for r in result.requests if r.resource_type == "WebSocket"]
    frames = [path for _, method, path in served if method == WS_METHOD]
    assert [f.rsplit(" ", 2)[1:] for f in frames] == [
        ["opcode=1", "bytes=90"],
        ["opcode=2", "bytes=8"],
        ["opcode=1", "bytes=30"],
    ]
    assert socket.websocket is not None
    assert socket.websocket.frames_sent == len(frames)
    assert socket.websocket.bytes_sent == sum(int(f.rsplit("=", 1)[1]) for f in frames)
