"""What a page sends as the visitor leaves it: beacons and keepalive requests.

Analytics flush on ``pagehide`` and ``visibilitychange`` (``navigator.sendBeacon``, a
``fetch`` with ``keepalive``), and Chromium sends those only when the page is left.
The page's DevTools ``Network`` domain never reports them (the document is gone), but
request interception does: while the visitor leaves a page, ``Fetch`` pauses every
request (request and response stage), and each pause is continued at once, unchanged
(:meth:`scanner.browser.session.Visitor.leave`). This instrument turns the pauses into
:class:`~scanner.models.Request` records of the page that was left.

* A pause with a ``networkId`` is usually a request the ``Network`` domain sees (and
  the network instrument records): not recorded twice here. Not always: a beacon sent
  on ``pageswap`` has a ``networkId`` but DevTools reports only its extra headers; so
  the question is asked at the end, of the network instrument.
* A request deferred with ``fetchLater`` is reported by DevTools when the page defers
  it (never answered) and paused here when it is sent: one record, this one, with the
  script that deferred it (:class:`~scanner.browser.recorder.Recorder`).
* Only requests that outlive their document are sent: a ``POST`` of type ``Ping`` is a
  ``sendBeacon``; anything else (a keepalive ``fetch``, which DevTools' interception
  names ``XHR``, an image Chromium turned into a keepalive ``Ping``) is ``keepalive``.
  A request the page started as it went but that was cancelled with its document
  (its pause could not be continued) was never sent: it is dropped.
* DevTools names no initiator and no remote address for these requests: the
  initiator is ``other`` without a script, ``remote_ip`` is ``None``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...canaries import Matcher
from ...models import Initiator, Phase, Request
from ...payloads import decode, wants_body
from .base import Frames, PageClock
from .network import _post_data, is_recorded

LEAVING_INITIATOR = Initiator("other")
"""DevTools' interception names no script for a request sent while a page unloads."""
MAX_LEAVING = 500
"""Requests recorded as pages are left, per visitor (a hostile page may send thousands:
the rest are still let through, not recorded)."""


@dataclass
class _LeavingHop:
    url: str
    method: str
    resource_type: str
    frame_url: str | None
    page_index: int
    t_ms: int
    body: str | None
    """The body sent (bounded, :data:`~scanner.payloads.MAX_BODY`), for the payload
    decoder (known endpoints) and anything else that reads what was sent."""
    network_id: str | None = None
    """DevTools' request id, if the pause named one (see the module doc)."""
    status: int | None = None
    failed: str | None = None
    cancelled: bool = False


@dataclass
class LeavingInstrument:
    """Requests paused by ``Fetch`` while the visitor leaves a page (see module doc)."""

    phase: Phase
    clock: PageClock
    frames: Frames
    _frames_before: dict[str, str] = field(default_factory=dict)
    """Each frame's URL as the leaving began (the main frame is on ``about:blank`` soon)."""
    _page_url: str | None = None
    """The main frame's document as the leaving began."""
    _hops: dict[str, list[_LeavingHop]] = field(default_factory=dict)
    _order: list[str] = field(default_factory=list)
    last_pause: float = 0.0
    """When the last pause arrived (``time.monotonic()``): leaving ends when quiet."""

    def begin(self, now: float) -> None:
        """The visitor is about to leave the open page: remember its frames."""
        self._frames_before = {k: url for k, (url, _) in self.frames.known.items() if url}
        self._page_url = self.frames.url(self.frames.main)
        self.last_pause = now

    def paused(self, event: dict[str, Any], now: float) -> bool:
        """A ``Fetch.requestPaused`` event (request or response stage); whether it is
        one of the requests recorded here (the caller continues every pause anyway)."""
        request_id = str(event.get("requestId", ""))
        if "responseStatusCode" in event or "responseErrorReason" in event:
            chain = self._hops.get(request_id)
            if not chain:
                return False
            self.last_pause = now
            status = event.get("responseStatusCode")
            chain[-1].status = int(status) if isinstance(status, int) and status else None
            if event.get("responseErrorReason"):
                chain[-1].failed = f"net::ERR_{event['responseErrorReason']}"
            return True
        resource_type = str(event.get("resourceType") or "Other")
        request = event.get("request") or {}
        url = str(request.get("url", "")) + str(request.get("urlFragment", ""))
        if resource_type == "Document" or not is_recorded(url):
            return False
        if len(self._order) >= MAX_LEAVING and request_id not in self._hops:
            return False
        self.last_pause = now
        frame_url = self._frames_before.get(str(event.get("frameId", "")))
        if not (frame_url or "").startswith(("http:", "https:")):
            frame_url = self._page_url
        method = str(request.get("method", "GET"))
        hop = _LeavingHop(
            url=url,
            method=method,
            resource_type=resource_type,
            frame_url=frame_url,
            page_index=self.clock.index,
            t_ms=self.clock.ms(now),
            body=_post_data(request) if request.get("hasPostData") else None,
            network_id=str(event["networkId"]) if event.get("networkId") else None,
        )
        chain = self._hops.get(request_id)
        if chain is None:
            self._hops[request_id] = [hop]
            self._order.append(request_id)
        else:  # a redirect of the same request
            chain.append(hop)
        return True

    def cancelled(self, request_id: str) -> None:
        """The pause could not be continued: the request went with its document."""
        chain = self._hops.get(request_id)
        if chain and chain[-1].status is None:
            chain[-1].cancelled = True

    def pending(self) -> int:
        """Requests recorded here still waiting for their response (or cancellation)."""
        return sum(
            1
            for chain in self._hops.values()
            if chain[-1].status is None and chain[-1].failed is None and not chain[-1].cancelled
        )

    def requests(
        self,
        typed: Matcher | None = None,
        reported: Callable[[str], bool] = lambda _: False,
    ) -> list[Request]:
        """One record per hop that was sent, in the order the pauses came, less those
        DevTools ``reported`` itself (by request id); with the form-typing step's
        ``typed`` matcher, what each carried of the typed values (a key logger
        flushing as the page goes)."""
        result: list[Request] = []
        for request_id in self._order:
            for hop in self._hops[request_id]:
                if hop.cancelled or (hop.network_id is not None and reported(hop.network_id)):
                    continue
                sendbeacon = hop.resource_type == "Ping" and hop.method == "POST"
                result.append(
                    Request(
                        url=hop.url,
                        phase=self.phase,
                        page_url=self.clock.url(hop.page_index),
                        frame_url=hop.frame_url,
                        method=hop.method,
                        resource_type=hop.resource_type,
                        initiator=LEAVING_INITIATOR,
                        status=hop.status,
                        beacon="sendBeacon" if sendbeacon else "keepalive",
                        failed=hop.failed,
                        t_ms=hop.t_ms,
                        payload=decode(hop.url, hop.method, hop.body)
                        if wants_body(hop.url)
                        else decode(hop.url, hop.method, None),
                        typed=typed.find(hop.url, hop.body) if typed is not None else (),
                    )
                )
        return result
