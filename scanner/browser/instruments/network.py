"""The network instrument: every request hop, its response or failure, beacons and pixels.

Chromium's events for one request arrive out of order (the ``…ExtraInfo`` events
carrying ``Set-Cookie`` may come before or after the response they belong to), so
hops and raw headers are collected while pages are open and joined at the end.
"""

from __future__ import annotations

import base64
import struct
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlsplit

from ...canaries import KEY_BODY_LIMIT, Matcher, TypedField
from ...models import Initiator, Payload, Phase, Request, TypedLeak
from ...netguard import refusal_text
from ...payloads import MAX_BODY, decode, wants_body
from ...snapshots import dom_snapshot
from .base import HOOKS_URL, MAX_STACK, Frames, Instrument, PageClock, hook_initiator, stack_url

POST_DATA_LIMIT = MAX_BODY
"""``Network.enable``'s ``maxPostDataSize``: bodies up to this size come with the request
event. Only those of known pixel and analytics endpoints are kept, to be decoded
(:mod:`scanner.payloads`); none is kept in the model."""

IMAGE_BODY_LIMIT = 4096
"""Encoded bytes of an image read to tell a 1×1 tracking pixel from a picture."""

NETWORK_ENABLE: dict[str, int] = {
    "maxPostDataSize": POST_DATA_LIMIT,
    # The buffers keep their defaults: ``maxResourceBufferSize`` and
    # ``maxTotalBufferSize`` also bound the request bodies ``Network.getRequestPostData``
    # reads (with 64 KiB, a session recorder's large snapshot on the test web was lost).
}
"""``Network.enable``'s parameters for the visitor's DevTools sessions (page and workers)."""

MAX_POST_BODY = 64 * 1024
"""Characters of a large POST body looked at for a snapshot (``scanner.snapshots``)."""
MAX_POST_READS = 50
"""Large POST bodies read per visitor: a page posting megabytes in a loop costs no more."""


TYPED_BODY_LIMIT = 1024 * 1024
"""Characters of a request body searched for typed values (a key logger's batch or a
session recorder's snapshot is larger than a pixel's body)."""


@dataclass
class _Hop:
    """One URL of a request; redirects make a chain of hops under one request id."""

    url: str
    method: str
    resource_type: str
    frame_url: str | None
    cookie_frame_url: str | None
    initiator: Initiator
    page_index: int
    t_ms: int
    status: int | None = None
    remote_ip: str | None = None
    mime_type: str | None = None
    failed: str | None = None
    responded: bool = False
    response_t_ms: int = 0
    main: bool = False
    """The top-level document of a page visit."""
    body: str | None = None
    """The POST body of a known pixel or analytics hit (bounded), to decode its payload."""
    snapshot: Payload | None = None
    """A POST body that is a serialised page (``scanner.snapshots``): a session recording."""
    unread_body: bool = False
    """A POST body too large to come with the request event: read right after it."""
    typed: tuple[TypedLeak, ...] = ()
    """Values the form-typing step typed that this hop carried (URL or body)."""
    watched: bool = False
    """Started after the form-typing step began: searched for keys sent one by one."""
    key_body: str | None = None
    """Its body, if short enough to be one key (``scanner.canaries.KEY_BODY_LIMIT``)."""


@dataclass(frozen=True)
class SetCookieHeaders:
    """The ``Set-Cookie`` lines of one response, for the cookie instrument."""

    lines: tuple[str, ...]
    blocked: dict[str, tuple[str, ...]]
    """Chromium's reasons for refusing a line, by line."""
    url: str
    """The URL that answered (a redirect hop's own)."""
    page_index: int
    t_ms: int
    frame_url: str | None
    """The frame the cookies belong to: a document's, the one its redirects end in."""


@dataclass
class NetworkInstrument(Instrument):
    """Requests, redirects, responses and failures; which requests were beacons."""

    cdp_events: ClassVar[frozenset[str]] = frozenset(
        {
            "Network.requestWillBeSent",
            "Network.responseReceived",
            "Network.requestWillBeSentExtraInfo",
            "Network.responseReceivedExtraInfo",
            "Network.loadingFinished",
            "Network.loadingFailed",
        }
    )
    hook_kinds: ClassVar[frozenset[str]] = frozenset({"keepalive", "image", "fetch_later"})

    phase: Phase
    clock: PageClock
    frames: Frames
    refused_kind: Callable[[str, int], str | None] | None = None
    """Which internal address the browser was told to refuse for ``host, port``
    (``scanner.netguard.browser_refusal``): such a request fails as "not resolved"
    and is recorded as refused, with the kind of address."""
    last_activity: float = 0.0
    """When the network last did something: the page is quiet after a while without."""
    main_document_error: str | None = None
    """Chromium's error when the current page's own document failed (e.g. a reset)."""
    _hops: dict[str, list[_Hop]] = field(default_factory=dict)
    _order: list[str] = field(default_factory=list)
    _extra_responses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _extra_requests: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _keepalive: set[str] = field(default_factory=set)
    _deferred: set[tuple[int, str]] = field(default_factory=set)
    """``fetchLater`` calls as (page index, URL): DevTools reports each request when it
    is deferred (never answered); it is sent as the page is left."""
    hop_counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    """Hops recorded by (URL, method): what DevTools saw, for :mod:`.workers`."""
    _pixels: set[str] = field(default_factory=set)
    _script_images: dict[str, Initiator] = field(default_factory=dict)
    _post_reads: int = 0
    _typed_fields: list[TypedField] = field(default_factory=list)
    _matcher: Matcher | None = None
    _bodies_wanted: set[str] = field(default_factory=set)
    _not_sent: set[str] = field(default_factory=set)

    def watch_typed(self, fields: list[TypedField]) -> None:
        """The form-typing step is about to type into ``fields``: from now on, every
        request (of this and later pages) is searched for the values typed so far. A
        value is one per kind of field: a later page's fields of a kind name it."""
        kinds = {f.kind for f in fields}
        self._typed_fields = [f for f in self._typed_fields if f.kind not in kinds]
        self._typed_fields += fields
        self._matcher = Matcher(self._typed_fields)

    @property
    def typed_matcher(self) -> Matcher | None:
        """What the form-typing step typed so far, to search other instruments' requests
        for (:mod:`.leaving`); ``None`` before any typing."""
        return self._matcher

    def not_submitted(self, request_id: str) -> None:
        """A request failed before it was sent (a form submission while typing): what it
        would have carried never left the browser."""
        self._not_sent.add(request_id)

    def start_page(self, now: float) -> None:
        """A new top-level visit starts: it is active, and its document has not failed."""
        self.last_activity = now
        self.main_document_error = None

    def on_cdp(self, method: str, params: dict[str, Any], now: float) -> None:
        if method == "Network.requestWillBeSent":
            self._request_will_be_sent(params, now)
        elif method == "Network.responseReceived":
            self._response_received(params, now)
        elif method == "Network.requestWillBeSentExtraInfo":
            self._extra_requests.setdefault(params["requestId"], []).append(params)
        elif method == "Network.responseReceivedExtraInfo":
            self._response_extra_info(params, now)
        elif method == "Network.loadingFailed":
            self._loading_failed(params, now)
        else:  # Network.loadingFinished
            self.last_activity = now

    def on_hook(
        self, kind: str, report: dict[str, Any], href: str, frame_url: str | None, now: float
    ) -> None:
        if kind == "keepalive":
            self._keepalive.add(str(report.get("url", "")))
        elif kind == "fetch_later":
            self._deferred.add((self.clock.index, str(report.get("url", ""))))
        else:  # a script made an image request (pixel) the parser did not
            initiator = hook_initiator(report, href)
            self._script_images.setdefault(str(report.get("url", "")), initiator)

    def _request_will_be_sent(self, event: dict[str, Any], now: float) -> None:
        """A new request, or the next hop of a redirect."""
        request = event["request"]
        url = str(request["url"]) + str(request.get("urlFragment", ""))
        request_id = event["requestId"]
        self.last_activity = now
        chain = self._hops.get(request_id)
        redirect = event.get("redirectResponse")
        if chain and redirect is not None:
            previous = chain[-1]
            previous.status = int(redirect.get("status", 0)) or None
            previous.remote_ip = redirect.get("remoteIPAddress")
            previous.mime_type = redirect.get("mimeType")
            previous.responded = True
            previous.response_t_ms = self.clock.ms(now)
            initiator = Initiator("redirect", previous.url)
        else:
            initiator = devtools_initiator(event.get("initiator") or {})
        if not is_recorded(url):
            return
        resource_type = str(event.get("type") or "Other")
        frame_id = event.get("frameId")
        if resource_type == "Document":
            # A document belongs to the frame it loads into (an iframe's own URL).
            frame_url: str | None = url
            cookie_frame_url: str | None = url
        else:
            frame_url = self.frames.url(frame_id)
            cookie_frame_url = frame_url
        body = None
        snapshot = None
        unread = False
        if request.get("hasPostData") and redirect is None and wants_body(url):
            body = _post_data(request)
        elif request.get("hasPostData") and redirect is None:
            # Any other body: only a session recording's snapshot is kept (as a payload).
            other = _post_data(request)
            snapshot = dom_snapshot(other)
            unread = other is None
        typed: tuple[TypedLeak, ...] = ()
        key_body = None
        if self._matcher is not None:
            sent = _post_data(request, TYPED_BODY_LIMIT) if redirect is None else None
            typed = self._matcher.find(url, sent)
            if sent is None and request.get("hasPostData") and redirect is None:
                self._bodies_wanted.add(request_id)
            elif sent is not None and len(sent) <= KEY_BODY_LIMIT:
                key_body = sent
        hop = _Hop(
            typed=typed,
            url=url,
            body=body,
            method=str(request.get("method", "GET")),
            resource_type=resource_type,
            frame_url=frame_url,
            cookie_frame_url=cookie_frame_url,
            initiator=initiator,
            page_index=self.clock.index,
            t_ms=self.clock.ms(now),
            main=resource_type == "Document" and frame_id in (self.frames.main, None),
            snapshot=snapshot,
            unread_body=unread,
            watched=self._matcher is not None,
            key_body=key_body,
        )
        self.hop_counts[(hop.url, hop.method)] += 1
        if chain is None:
            self._hops[request_id] = [hop]
            self._order.append(request_id)
        else:
            chain.append(hop)

    def _response_received(self, event: dict[str, Any], now: float) -> None:
        """Status, address and type of the last hop."""
        chain = self._hops.get(event["requestId"])
        if not chain:
            return
        response = event["response"]
        hop = chain[-1]
        hop.status = int(response.get("status", 0)) or None
        hop.remote_ip = response.get("remoteIPAddress")
        hop.mime_type = response.get("mimeType")
        hop.responded = True
        hop.response_t_ms = self.clock.ms(now)
        self.last_activity = now

    def current_document(self, request_id: str) -> str | None:
        """The URL of the request's last hop if it is the current page's own document."""
        chain = self._hops.get(request_id)
        if not chain:
            return None
        hop = chain[-1]
        return hop.url if hop.main and hop.page_index == self.clock.index else None

    def _response_extra_info(self, event: dict[str, Any], now: float) -> None:
        """Raw headers and refused cookies."""
        event = dict(event)
        event["_t"] = self.clock.ms(now)
        event["_page"] = self.clock.index
        self._extra_responses.setdefault(event["requestId"], []).append(event)
        self.last_activity = now

    def _loading_failed(self, event: dict[str, Any], now: float) -> None:
        """Keep Chromium's reason on the hop."""
        request_id = event["requestId"]
        chain = self._hops.get(request_id)
        if chain:
            chain[-1].failed = self._refusal(chain[-1].url, event) or str(
                event.get("errorText") or "failed"
            )
            if event.get("blockedReason"):
                chain[-1].failed += f" ({event['blockedReason']})"
            if chain[-1].main and chain[-1].page_index == self.clock.index:
                self.main_document_error = chain[-1].failed
        self.last_activity = now

    def _refusal(self, url: str, event: dict[str, Any]) -> str | None:
        """The ``failed`` text of a request privacyscan's rules refused, else ``None``."""
        if self.refused_kind is None or event.get("errorText") != "net::ERR_NAME_NOT_RESOLVED":
            return None
        try:
            parts = urlsplit(url)
            host = parts.hostname or ""
            port = parts.port or (443 if parts.scheme in ("https", "wss") else 80)
        except ValueError:
            return None
        kind = self.refused_kind(host, port)
        return refusal_text(kind, host) if kind else None

    def wants_body(self, request_id: str, encoded_length: float) -> bool:
        """Small images are read to tell a 1×1 tracking pixel from a picture."""
        chain = self._hops.get(request_id)
        if not chain:
            return False
        return chain[-1].resource_type == "Image" and encoded_length < IMAGE_BODY_LIMIT

    def image_body(self, request_id: str, body: str, base64_encoded: bool) -> None:
        """Mark a request whose image is 1×1 pixels (or empty) as a pixel beacon."""
        data = base64.b64decode(body) if base64_encoded else body.encode("latin-1", "replace")
        size = image_size(data)
        if (size is None and len(data) == 0) or (
            size is not None and size[0] <= 1 and size[1] <= 1
        ):
            self._pixels.add(request_id)

    def wants_post_body(self, request_id: str) -> bool:
        """A POST body too large for the request event is read right after it (with
        ``Network.getRequestPostData``): to tell a session recording's snapshot
        (``scanner.snapshots``) from other uploads, and, after the form-typing step, to
        look for what was typed in it. Each body is asked for once."""
        chain = self._hops.get(request_id)
        if not chain:
            return False
        typed = request_id in self._bodies_wanted
        self._bodies_wanted.discard(request_id)
        snapshot = chain[-1].unread_body and self._post_reads < MAX_POST_READS
        if snapshot:
            self._post_reads += 1
        chain[-1].unread_body = False
        return typed or snapshot

    def post_body(self, request_id: str, text: str) -> None:
        """A POST body read because :meth:`wants_post_body` said so."""
        chain = self._hops.get(request_id)
        if not chain:
            return
        chain[-1].snapshot = dom_snapshot(text[:MAX_POST_BODY], size=len(text))
        if self._matcher is not None:
            found = self._matcher.find("", text[:TYPED_BODY_LIMIT])
            chain[0].typed += tuple(leak for leak in found if leak not in chain[0].typed)

    # -- results ------------------------------------------------------------

    def deferred_on(self, page_index: int) -> bool:
        """Whether a frame of that page called ``fetchLater`` (sent when it is left)."""
        return any(index == page_index for index, _ in self._deferred)

    def is_deferral(self, request: Request) -> bool:
        """``request`` is DevTools' report of a ``fetchLater`` call, not of its sending:
        never answered, to a URL deferred on that page."""
        return (
            request.status is None
            and request.failed is None
            and any(
                url == request.url and self.clock.url(index) == request.page_url
                for index, url in self._deferred
            )
        )

    def recorded(self, request_id: str) -> bool:
        """Whether DevTools reported the request (``Network.requestWillBeSent``)."""
        return request_id in self._hops

    def _keys(self) -> dict[str, tuple[TypedLeak, ...]]:
        """What key loggers sending one key per request carried, by request id (only
        requests started after the form-typing step began, in the order started)."""
        if self._matcher is None:
            return {}
        watched = [(rid, self._hops[rid][0]) for rid in self._order if self._hops[rid][0].watched]
        found = self._matcher.find_keys([(hop.url, hop.key_body) for _, hop in watched])
        return {rid: leaks for (rid, _), leaks in zip(watched, found, strict=True) if leaks}

    def requests(self) -> list[Request]:
        """Every request hop, in the order Chromium started them."""
        result: list[Request] = []
        keys = self._keys()
        for request_id in self._order:
            chain = self._hops[request_id]
            sent = self._extra_requests.get(request_id, [])
            for index, hop in enumerate(chain):
                cookies_sent: tuple[str, ...] = ()
                if index < len(sent) and len(sent) == len(chain):
                    cookies_sent = tuple(
                        str(c["cookie"]["name"])
                        for c in sent[index].get("associatedCookies", [])
                        if not c.get("blockedReasons") and "cookie" in c
                    )
                beacon = None
                if hop.resource_type == "Ping":
                    beacon = "sendBeacon"
                elif hop.url in self._keepalive:
                    beacon = "keepalive"
                elif request_id in self._pixels and index == len(chain) - 1:
                    beacon = "pixel"
                initiator = hop.initiator
                if initiator.type == "parser" and hop.url in self._script_images:
                    initiator = self._script_images[hop.url]
                result.append(
                    Request(
                        url=hop.url,
                        phase=self.phase,
                        page_url=self.clock.url(hop.page_index),
                        frame_url=hop.frame_url,
                        method=hop.method,
                        resource_type=hop.resource_type,
                        initiator=initiator,
                        status=hop.status,
                        remote_ip=hop.remote_ip or None,
                        mime_type=hop.mime_type or None,
                        beacon=beacon,
                        cookies_sent=cookies_sent,
                        failed=hop.failed if index == len(chain) - 1 else None,
                        t_ms=hop.t_ms,
                        payload=decode(hop.url, hop.method, hop.body) or hop.snapshot,
                        typed=()
                        if request_id in self._not_sent
                        else hop.typed + (keys.get(request_id, ()) if index == 0 else ()),
                    )
                )
        return result

    def set_cookie_headers(self) -> list[SetCookieHeaders]:
        """The ``Set-Cookie`` lines of every response that had some, in request order."""
        found: list[SetCookieHeaders] = []
        for request_id in self._order:
            chain = [hop for hop in self._hops[request_id] if hop.responded]
            # A document's cookies belong to the frame the redirects end in.
            final = self._hops[request_id][-1]
            extras = self._extra_responses.get(request_id, [])
            for hop, extra in zip(chain, extras, strict=False):
                headers = extra.get("headers") or {}
                lines = tuple(
                    line
                    for name, value in headers.items()
                    if name.lower() == "set-cookie"
                    for line in str(value).split("\n")
                    if line.strip()
                )
                blocked = {
                    str(b.get("cookieLine", "")): tuple(str(r) for r in b.get("blockedReasons", []))
                    for b in extra.get("blockedCookies", [])
                }
                found.append(
                    SetCookieHeaders(
                        lines=lines,
                        blocked=blocked,
                        url=hop.url,
                        page_index=hop.page_index,
                        t_ms=hop.response_t_ms or int(extra.get("_t", hop.t_ms)),
                        frame_url=final.url
                        if hop.resource_type == "Document"
                        else hop.cookie_frame_url,
                    )
                )
        return found


def is_recorded(url: str) -> bool:
    """Requests to these schemes are recorded (not ``data:``, ``blob:``, …)."""
    return url.startswith(("http:", "https:", "ws:", "wss:"))


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a GIF, PNG or WebP from its header; ``None`` if unknown."""
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and data[12:16] == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def devtools_initiator(raw: dict[str, Any]) -> Initiator:
    """DevTools' initiator: parser (with document URL and line) or script (with stack)."""
    kind = str(raw.get("type") or "other")
    frames: list[str] = []
    stack = raw.get("stack")
    while stack and len(frames) < MAX_STACK:
        for call in stack.get("callFrames", []):
            if len(frames) >= MAX_STACK:
                break
            if call.get("url") == HOOKS_URL:
                continue
            frames.append(
                f"{call.get('functionName') or '(anonymous)'}@{call.get('url', '')}:"
                f"{int(call.get('lineNumber', 0)) + 1}:{int(call.get('columnNumber', 0)) + 1}"
            )
        stack = stack.get("parent")
    url = raw.get("url")
    line = raw.get("lineNumber")
    if (not url or url == HOOKS_URL) and frames:
        url, line = stack_url(frames), None
        for frame in frames:
            parts = frame.rsplit(":", 2)
            if url and frame.split("@", 1)[-1].startswith(url) and parts[1].isdigit():
                line = int(parts[1]) - 1
                break
    return Initiator(
        type=kind,
        url=str(url) if url else None,
        line=int(line) + 1 if isinstance(line, (int, float)) else None,
        stack=tuple(frames),
    )


def _post_data(request: dict[str, Any], limit: int = POST_DATA_LIMIT) -> str | None:
    """The POST body CDP sent with the request (``postData``, else the entries), cut at
    ``limit``; ``None`` when it was too large to come along."""
    text = request.get("postData")
    if not isinstance(text, str):
        entries = request.get("postDataEntries") or []
        try:
            chunks = [
                base64.b64decode(e["bytes"])
                for e in entries
                if isinstance(e, dict) and "bytes" in e
            ]
        except ValueError:
            return None
        if not chunks:
            return None
        text = b"".join(chunks).decode("utf-8", "replace")
    return text[:limit]
