"""Turn DevTools events and hook reports of one visitor into model objects.

The recorder only collects while pages are open and builds everything at the
end, because Chromium's events for one request arrive out of order (the
``…ExtraInfo`` events carrying ``Set-Cookie`` may come before or after the
response they belong to). It knows nothing of Playwright: it is fed dicts.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from ..cookies import ParsedCookie, iso, parse_cookie, value_digest
from ..models import (
    ApiCall,
    Certificate,
    Cookie,
    CookieSource,
    DocumentSecurity,
    Initiator,
    MixedContent,
    Phase,
    Request,
    ScriptTag,
    StorageItem,
    StorageKind,
)
from ..netguard import refusal_text
from ..payloads import MAX_BODY, decode, wants_body

_MAX_STACK = 30
_MAX_WRITES = 5000
"""Cookie and storage writes kept per visitor: a page writing more is hostile or broken."""
_MAX_COOKIES = 1000
"""Cookie records per visitor (Chromium itself keeps about 180 per domain)."""
_WRITE_KINDS = frozenset({"cookie", "cookiestore", "storage", "indexeddb"})
_HOOKS_URL = "__privacyscan_hooks__"
"""The ``sourceURL`` of ``hooks.js``: its own frames are not evidence."""
POST_DATA_LIMIT = MAX_BODY
"""``Network.enable``'s ``maxPostDataSize``: bodies up to this size come with the request
event. Only those of known pixel and analytics endpoints are kept, to be decoded
(:mod:`scanner.payloads`); none is kept in the model."""
_SECURITY_HEADERS = {
    "strict-transport-security": "hsts",
    "content-security-policy": "csp",
    "x-content-type-options": "x_content_type_options",
    "x-frame-options": "x_frame_options",
    "referrer-policy": "referrer_policy",
    "permissions-policy": "permissions_policy",
}
"""Response headers of a page's document kept for the security rules, by model field."""
_MIXED_RESOLUTIONS = {
    "MixedContentBlocked": "blocked",
    "MixedContentAutomaticallyUpgraded": "upgraded",
    "MixedContentWarning": "warned",
}
_MAX_PER_PAGE = 50
"""Mixed-content reports, scripts and full-URL referrers kept per page."""


@dataclass
class _DocumentFacts:
    """What the browser received for one page's own document (security facts)."""

    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    details: dict[str, Any] | None = None
    mixed: list[MixedContent] = field(default_factory=list)
    scripts: list[ScriptTag] = field(default_factory=list)
    full_referrer_to: list[str] = field(default_factory=list)


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


@dataclass
class _Write:
    """One attempt to set a cookie, from a header or a script."""

    parsed: ParsedCookie
    source: CookieSource
    stored: bool | None
    blocked: tuple[str, ...]
    page_index: int
    t_ms: int
    set_by: str | None
    initiator: Initiator | None
    frame_url: str | None


@dataclass
class _StorageWrite:
    kind: StorageKind
    origin: str
    key: str
    value: str
    page_index: int
    t_ms: int
    frame_url: str | None
    initiator: Initiator | None


@dataclass
class _ApiUse:
    """Calls of one fingerprinting API by one script in one frame of one page."""

    api: str
    script: str
    page_index: int
    frame_url: str | None
    origin: str
    initiator: Initiator | None
    count: int


@dataclass
class Recorder:
    """Collects the raw evidence of one visitor (one site, one phase)."""

    phase: Phase
    raw_values: bool = False
    refused_kind: Callable[[str, int], str | None] | None = None
    """Which internal address the browser was told to refuse for ``host, port``
    (``scanner.netguard.browser_refusal``): such a request fails as "not resolved"
    and is recorded as refused, with the kind of address."""
    page_urls: list[str] = field(default_factory=list)
    _page_t0: float = 0.0
    _frames: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    _main_frame: str | None = None
    _hops: dict[str, list[_Hop]] = field(default_factory=dict)
    _order: list[str] = field(default_factory=list)
    _extra_responses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _extra_requests: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _keepalive: set[str] = field(default_factory=set)
    _pixels: set[str] = field(default_factory=set)
    _script_images: dict[str, Initiator] = field(default_factory=dict)
    _writes: list[_Write] = field(default_factory=list)
    _storage: list[_StorageWrite] = field(default_factory=list)
    _storage_stacks: dict[tuple[str, str, str], Initiator] = field(default_factory=dict)
    _jars: list[tuple[int, float, list[dict[str, Any]]]] = field(default_factory=list)
    _api: dict[tuple[int, str, str, str], _ApiUse] = field(default_factory=dict)
    last_activity: float = 0.0
    main_commits: list[str] = field(default_factory=list)
    """Documents committed in the main frame during the current page visit."""
    main_document_error: str | None = None
    """Chromium's error when the current page's own document failed (e.g. a reset)."""
    dropped_writes: int = 0
    """Cookie and storage writes not kept because a page made too many."""
    _documents: dict[int, _DocumentFacts] = field(default_factory=dict)

    def fresh(self, *, keep_page: bool = False) -> Recorder:
        """A new recorder for the same browser: frames are known, nothing else is kept.

        With ``keep_page`` the open page stays the current page (same URL and clock),
        so events from now on are recorded on it rather than on no page.
        """
        new = Recorder(phase=self.phase, raw_values=self.raw_values, refused_kind=self.refused_kind)
        new._frames = dict(self._frames)
        new._main_frame = self._main_frame
        if keep_page and self.page_urls:
            new.page_urls = [self.page_urls[-1]]
            new._page_t0 = self._page_t0
            new.last_activity = self.last_activity
        return new

    # -- page bookkeeping -------------------------------------------------

    def start_page(self, url: str, now: float) -> None:
        """A new top-level visit starts; later events belong to it."""
        self.page_urls.append(url)
        self._page_t0 = now
        self.last_activity = now
        self.main_commits = []
        self.main_document_error = None

    @property
    def _page(self) -> int:
        return max(len(self.page_urls) - 1, 0)

    def _t(self, now: float) -> int:
        return int((now - self._page_t0) * 1000)

    # -- frames -----------------------------------------------------------

    def frame_navigated(self, frame: dict[str, Any]) -> None:
        """``Page.frameNavigated``: remember every frame's URL and parent."""
        url = str(frame.get("url", "")) + str(frame.get("urlFragment", ""))
        parent = frame.get("parentId")
        self._frames[frame["id"]] = (url, parent)
        if parent is None:
            self._main_frame = frame["id"]
            if self.page_urls and url.startswith(("http:", "https:")):
                self.main_commits.append(url)

    def frame_attached(self, frame_id: str, parent_id: str | None) -> None:
        """``Page.frameAttached``: an iframe exists before its document is requested."""
        if frame_id not in self._frames:
            self._frames[frame_id] = ("", parent_id)

    def frame_tree(self, tree: dict[str, Any]) -> None:
        """``Page.getFrameTree`` at start, so frames that exist already are known."""
        self.frame_navigated(tree["frame"])
        for child in tree.get("childFrames", []):
            self.frame_tree(child)

    def _frame_url(self, frame_id: str | None) -> str | None:
        if frame_id is None:
            return None
        return self._frames.get(frame_id, ("", None))[0] or None

    # -- network ----------------------------------------------------------

    def request_will_be_sent(self, event: dict[str, Any], now: float) -> None:
        """``Network.requestWillBeSent``: a new request, or the next hop of a redirect."""
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
            previous.response_t_ms = self._t(now)
            initiator = Initiator("redirect", previous.url)
        else:
            initiator = _initiator(event.get("initiator") or {})
        if not url.startswith(("http:", "https:", "ws:", "wss:")):
            return
        if self.phase is Phase.NONE:
            self._note_referrer(url, request.get("headers") or {})
        resource_type = str(event.get("type") or "Other")
        frame_id = event.get("frameId")
        if resource_type == "Document":
            # A document belongs to the frame it loads into (an iframe's own URL).
            frame_url: str | None = url
            cookie_frame_url: str | None = url
        else:
            frame_url = self._frame_url(frame_id)
            cookie_frame_url = frame_url
        body = None
        if request.get("hasPostData") and redirect is None and wants_body(url):
            body = _post_data(request)
        hop = _Hop(
            url=url,
            body=body,
            method=str(request.get("method", "GET")),
            resource_type=resource_type,
            frame_url=frame_url,
            cookie_frame_url=cookie_frame_url,
            initiator=initiator,
            page_index=self._page,
            t_ms=self._t(now),
            main=resource_type == "Document" and frame_id in (self._main_frame, None),
        )
        if chain is None:
            self._hops[request_id] = [hop]
            self._order.append(request_id)
        else:
            chain.append(hop)

    def response_received(self, event: dict[str, Any], now: float) -> None:
        """``Network.responseReceived``: status, address and type of the last hop."""
        chain = self._hops.get(event["requestId"])
        if not chain:
            return
        response = event["response"]
        hop = chain[-1]
        if hop.main and hop.page_index == self._page and self.phase is Phase.NONE:
            self._document_response(hop.url, response)
        hop.status = int(response.get("status", 0)) or None
        hop.remote_ip = response.get("remoteIPAddress")
        hop.mime_type = response.get("mimeType")
        hop.responded = True
        hop.response_t_ms = self._t(now)
        self.last_activity = now

    def request_extra_info(self, event: dict[str, Any]) -> None:
        """``Network.requestWillBeSentExtraInfo``: the cookies the browser attached."""
        self._extra_requests.setdefault(event["requestId"], []).append(event)

    def response_extra_info(self, event: dict[str, Any], now: float) -> None:
        """``Network.responseReceivedExtraInfo``: raw headers and refused cookies."""
        event = dict(event)
        event["_t"] = self._t(now)
        event["_page"] = self._page
        self._extra_responses.setdefault(event["requestId"], []).append(event)
        self.last_activity = now

    def loading_finished(self, now: float) -> None:
        """``Network.loadingFinished``."""
        self.last_activity = now

    def loading_failed(self, event: dict[str, Any], now: float) -> None:
        """``Network.loadingFailed``: keep Chromium's reason on the hop."""
        request_id = event["requestId"]
        chain = self._hops.get(request_id)
        if chain:
            chain[-1].failed = self._refusal(chain[-1].url, event) or str(
                event.get("errorText") or "failed"
            )
            if event.get("blockedReason"):
                chain[-1].failed += f" ({event['blockedReason']})"
            if chain[-1].main and chain[-1].page_index == self._page:
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

    # -- security facts (first visitor only) --------------------------------

    def _facts(self) -> _DocumentFacts:
        return self._documents.setdefault(self._page, _DocumentFacts())

    def _document_response(self, url: str, response: dict[str, Any]) -> None:
        """The page's own document answered: keep its security headers and TLS details.

        A later document of the same visit (after a redirect) replaces an earlier one.
        """
        facts = self._facts()
        facts.url = url
        facts.headers = {}
        for name, value in (response.get("headers") or {}).items():
            key = _SECURITY_HEADERS.get(str(name).lower())
            if key is not None:
                values = [v.strip() for v in str(value).split("\n") if v.strip()]
                facts.headers[key] = ", ".join(values)
        details = response.get("securityDetails")
        facts.details = details if isinstance(details, dict) else None

    def _note_referrer(self, url: str, headers: dict[str, Any]) -> None:
        """A request to another origin that carries a page's full URL as ``Referer``."""
        referer = next((str(v) for k, v in headers.items() if str(k).lower() == "referer"), "")
        if not referer:
            return
        try:
            ref, target = urlsplit(referer), urlsplit(url)
        except ValueError:
            return
        if (ref.scheme, ref.netloc) == (target.scheme, target.netloc):
            return
        if ref.path in ("", "/") and not ref.query:
            return
        facts = self._facts()
        if len(facts.full_referrer_to) < _MAX_PER_PAGE and url not in facts.full_referrer_to:
            facts.full_referrer_to.append(url)

    def audit_issue(self, event: dict[str, Any]) -> None:
        """``Audits.issueAdded``: Chromium's mixed-content reports (images it upgraded,
        scripts it blocked, forms it warned about) name the insecure URL as written."""
        issue = event.get("issue") or {}
        if issue.get("code") != "MixedContentIssue" or self.phase is not Phase.NONE:
            return
        details = (issue.get("details") or {}).get("mixedContentIssueDetails") or {}
        url = str(details.get("insecureURL") or "")
        resolution = _MIXED_RESOLUTIONS.get(str(details.get("resolutionStatus")), "warned")
        if not url:
            return
        found = MixedContent(url, str(details.get("resourceType") or "Other"), resolution)
        facts = self._facts()
        if found not in facts.mixed and len(facts.mixed) < _MAX_PER_PAGE:
            facts.mixed.append(found)

    def page_scripts(self, scripts: list[Any]) -> None:
        """``security.js`` at the end of a page: scripts from other origins, SRI or not."""
        facts = self._facts()
        for item in scripts[:_MAX_PER_PAGE]:
            if isinstance(item, list) and len(item) == 2 and isinstance(item[0], str):
                tag = ScriptTag(item[0], bool(item[1]))
                if tag not in facts.scripts:
                    facts.scripts.append(tag)

    def documents(self) -> list[DocumentSecurity]:
        """The security facts of each page's document, in visiting order."""
        out = []
        for index, facts in sorted(self._documents.items()):
            if not facts.url or index >= len(self.page_urls):
                continue
            details = facts.details or {}
            certificate = None
            if facts.details is not None:
                certificate = Certificate(
                    subject=str(details.get("subjectName") or ""),
                    san=tuple(str(n) for n in details.get("sanList") or ()),
                    issuer=str(details.get("issuer") or ""),
                    valid_from=_epoch_iso(details.get("validFrom")),
                    valid_to=_epoch_iso(details.get("validTo")),
                )
            out.append(
                DocumentSecurity(
                    page_url=self.page_urls[index],
                    url=facts.url,
                    tls_protocol=details.get("protocol") or None,
                    tls_cipher=details.get("cipher") or None,
                    tls_key_exchange=details.get("keyExchange")
                    or details.get("keyExchangeGroup")
                    or None,
                    certificate=certificate,
                    mixed_content=tuple(facts.mixed),
                    scripts=tuple(facts.scripts),
                    full_referrer_to=tuple(facts.full_referrer_to),
                    **facts.headers,
                )
            )
        return out

    def wants_body(self, request_id: str, encoded_length: float) -> bool:
        """Small images are read to tell a 1×1 tracking pixel from a picture."""
        chain = self._hops.get(request_id)
        if not chain:
            return False
        return chain[-1].resource_type == "Image" and encoded_length < 4096

    def image_body(self, request_id: str, body: str, base64_encoded: bool) -> None:
        """Mark a request whose image is 1×1 pixels (or empty) as a pixel beacon."""
        data = base64.b64decode(body) if base64_encoded else body.encode("latin-1", "replace")
        size = image_size(data)
        if (size is None and len(data) == 0) or (
            size is not None and size[0] <= 1 and size[1] <= 1
        ):
            self._pixels.add(request_id)

    # -- hooks in the page -------------------------------------------------

    def hook_report(self, report: dict[str, Any], frame_url: str | None, now: float) -> None:
        """A record sent by ``hooks.js`` from any frame."""
        kind = report.get("kind")
        if kind in _WRITE_KINDS and self._full():
            return
        href = str(report.get("href") or frame_url or "")
        initiator = _hook_initiator(report, href)
        t_ms = self._t(now)
        if kind == "cookie":
            parsed = parse_cookie(str(report.get("value", "")), href, datetime.now(UTC))
            if parsed is not None:
                visible = report.get("visible")
                self._writes.append(
                    _Write(
                        parsed=parsed,
                        source=CookieSource.JS,
                        stored=True if visible is True else None,
                        blocked=(),
                        page_index=self._page,
                        t_ms=t_ms,
                        set_by=initiator.url,
                        initiator=initiator,
                        frame_url=href or frame_url,
                    )
                )
        elif kind == "cookiestore":
            options = report.get("options") or {}
            text = f"{options.get('name', '')}={options.get('value', '')}"
            if options.get("domain"):
                text += f"; Domain={options['domain']}"
            if options.get("path"):
                text += f"; Path={options['path']}"
            if options.get("expires"):
                seconds = (float(options["expires"]) / 1000) - datetime.now(UTC).timestamp()
                text += f"; Max-Age={int(seconds)}"
            parsed = parse_cookie(text + "; Secure", href, datetime.now(UTC))
            if parsed is not None:
                self._writes.append(
                    _Write(
                        parsed,
                        CookieSource.JS,
                        None,
                        (),
                        self._page,
                        t_ms,
                        initiator.url,
                        initiator,
                        href or frame_url,
                    )
                )
        elif kind == "storage":
            area = report.get("area")
            if area in ("localStorage", "sessionStorage"):
                key = (
                    str(area),
                    _origin(str(report.get("origin", ""))),
                    str(report.get("key", "")),
                )
                self._storage_stacks.setdefault(key, initiator)
                self._storage.append(
                    _StorageWrite(
                        StorageKind(area),
                        key[1],
                        key[2],
                        str(report.get("value", "")),
                        self._page,
                        t_ms,
                        href or frame_url,
                        initiator,
                    )
                )
        elif kind == "indexeddb":
            origin = _origin(str(report.get("origin", "")))
            self._storage.append(
                _StorageWrite(
                    StorageKind.INDEXED_DB,
                    origin,
                    str(report.get("name", "")),
                    "",
                    self._page,
                    t_ms,
                    href or frame_url,
                    initiator,
                )
            )
        elif kind in ("api", "api_count"):
            self._api_report(report, href, initiator if kind == "api" else None)
        elif kind == "keepalive":
            self._keepalive.add(str(report.get("url", "")))
        elif kind == "image":
            self._script_images.setdefault(str(report.get("url", "")), initiator)

    def _api_report(self, report: dict[str, Any], href: str, initiator: Initiator | None) -> None:
        """Sum the counts ``hooks.js`` sends per (api, script, frame) into one record.

        Counts sent after the visitor moved on (the once-a-second flush) still belong
        to the page on which the frame ran, so they go to the latest record that has
        the same api, script and frame.
        """
        api = str(report.get("api") or "")
        if not api:
            return
        script = str(report.get("by") or (initiator.url if initiator else None) or href)
        try:
            count = max(int(report.get("count", 1)), 0)
        except (TypeError, ValueError):
            count = 1
        key = (self._page, api, script, href)
        use = self._api.get(key)
        if use is None and initiator is None:
            earlier = [k for k in self._api if k[1:] == key[1:]]
            use = self._api[max(earlier)] if earlier else None
        if use is None:
            if initiator is not None and initiator.url != script:
                initiator = Initiator(initiator.type, script, None, initiator.stack)
            use = self._api[key] = _ApiUse(
                api=api,
                script=script,
                page_index=self._page,
                frame_url=href or None,
                origin=str(report.get("origin") or _origin(href)),
                initiator=initiator or Initiator("script", script),
                count=0,
            )
        elif initiator is not None and use.initiator is not None and not use.initiator.stack:
            use.initiator = initiator
        use.count += count

    def dom_storage_write(self, event: dict[str, Any], now: float) -> None:
        """``DOMStorage.domStorageItemAdded/Updated``: every write, even without setItem."""
        if self._full():
            return
        storage_id = event.get("storageId") or {}
        origin = _origin(
            str(storage_id.get("securityOrigin") or storage_id.get("storageKey") or "")
        )
        kind = StorageKind.LOCAL if storage_id.get("isLocalStorage") else StorageKind.SESSION
        key = str(event.get("key", ""))
        value = str(event.get("newValue", ""))
        self._storage.append(
            _StorageWrite(kind, origin, key, value, self._page, self._t(now), None, None)
        )

    def indexeddb_databases(self, origin: str, names: list[str], frame_url: str | None) -> None:
        """Databases listed by ``indexedDB.databases()`` in a frame at the end of a page."""
        for name in names:
            self._storage.append(
                _StorageWrite(
                    StorageKind.INDEXED_DB,
                    _origin(origin),
                    name,
                    "",
                    self._page,
                    self._t(self._page_t0),
                    frame_url,
                    None,
                )
            )

    def cookie_jar(self, cookies: list[dict[str, Any]], now: float) -> None:
        """``Storage.getCookies`` after a page: what the browser really kept."""
        self._jars.append((self._page, now, cookies))

    # -- results ------------------------------------------------------------

    def requests(self) -> list[Request]:
        """Every request hop, in the order Chromium started them."""
        result: list[Request] = []
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
                        page_url=self.page_urls[hop.page_index] if self.page_urls else "",
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
                        payload=decode(hop.url, hop.method, hop.body),
                    )
                )
        return result

    def api_calls(self) -> list[ApiCall]:
        """One record per (page, api, script, frame), in the order first seen."""
        return [
            ApiCall(
                api=use.api,
                phase=self.phase,
                page_url=self.page_urls[use.page_index] if self.page_urls else "",
                frame_url=use.frame_url,
                origin=use.origin,
                initiator=use.initiator,
                count=use.count,
            )
            for use in self._api.values()
            if use.count > 0
        ]

    def cookies(self) -> list[Cookie]:
        """One record per cookie identity: its first write, whether it was kept."""
        writes = self._http_writes() + self._writes
        writes.sort(key=lambda w: (w.page_index, w.t_ms))
        in_any_jar: set[tuple[str, str, str]] = set()
        for _, _, jar in self._jars:
            in_any_jar.update(_jar_key(c) for c in jar)
        last_jar = {_jar_key(c): c for c in self._jars[-1][2]} if self._jars else {}
        records: dict[tuple[str, str, str], tuple[_Write, list[_Write]]] = {}
        written: set[tuple[str, str, str]] = set()
        for write in writes:
            key = (write.parsed.name, write.parsed.domain, write.parsed.path)
            written.add(key)
            if key in records:
                records[key][1].append(write)
            elif not write.parsed.deletes and len(records) < _MAX_COOKIES:
                records[key] = (write, [write])
        result = [
            self._cookie(first, all_writes, key in in_any_jar, last_jar.get(key))
            for key, (first, all_writes) in records.items()
        ]
        # Cookies in the jar that no write explains (service workers, workers).
        seen = written
        for page_index, when, jar in self._jars:
            for raw in jar:
                key = _jar_key(raw)
                if key in seen or len(result) >= _MAX_COOKIES:
                    continue
                seen.add(key)
                result.append(self._jar_only(raw, page_index, when, last_jar.get(key)))
        return result

    def storage(self) -> list[StorageItem]:
        """One record per (kind, origin, key), first write first."""
        merged: dict[tuple[str, str, str], list[_StorageWrite]] = {}
        for write in sorted(self._storage, key=lambda w: (w.page_index, w.t_ms)):
            merged.setdefault((write.kind.value, write.origin, write.key), []).append(write)
        result = []
        for key, writes in merged.items():
            first = writes[0]
            initiator = next((w.initiator for w in writes if w.initiator is not None), None)
            frame_url = next((w.frame_url for w in writes if w.frame_url), None)
            value = next((w.value for w in writes if w.value), first.value)
            digest, prefix = value_digest(value)
            counted = [w for w in writes if w.initiator is not None] or writes
            if first.kind is not StorageKind.INDEXED_DB:
                # A setItem is reported twice (hook and DevTools); count the hook's.
                writes_count = len(counted)
            else:
                writes_count = len([w for w in writes if w.initiator is not None]) or 1
            result.append(
                StorageItem(
                    kind=first.kind,
                    origin=first.origin,
                    key=first.key,
                    phase=self.phase,
                    page_url=self.page_urls[first.page_index] if self.page_urls else "",
                    frame_url=frame_url or self._storage_frame(first.origin),
                    initiator=initiator or self._storage_stacks.get(key),
                    value_hash=digest if first.kind is not StorageKind.INDEXED_DB else "",
                    value_prefix=prefix if first.kind is not StorageKind.INDEXED_DB else "",
                    value=value
                    if self.raw_values and first.kind is not StorageKind.INDEXED_DB
                    else None,
                    size=len(first.key) + len(value),
                    first_seen_ms=first.t_ms,
                    writes=writes_count,
                )
            )
        return result

    # -- internals ----------------------------------------------------------

    def _full(self) -> bool:
        """Memory stays bounded whatever a page writes; what is dropped is counted."""
        if len(self._writes) + len(self._storage) < _MAX_WRITES:
            return False
        self.dropped_writes += 1
        return True

    def _storage_frame(self, origin: str) -> str | None:
        for url, _ in self._frames.values():
            if _origin(url) == origin:
                return url
        return None

    def _http_writes(self) -> list[_Write]:
        writes: list[_Write] = []
        for request_id in self._order:
            chain = [hop for hop in self._hops[request_id] if hop.responded]
            # A document's cookies belong to the frame the redirects end in.
            final = self._hops[request_id][-1]
            extras = self._extra_responses.get(request_id, [])
            for hop, extra in zip(chain, extras, strict=False):
                headers = extra.get("headers") or {}
                lines = [
                    line
                    for name, value in headers.items()
                    if name.lower() == "set-cookie"
                    for line in str(value).split("\n")
                    if line.strip()
                ]
                blocked = {
                    str(b.get("cookieLine", "")): tuple(str(r) for r in b.get("blockedReasons", []))
                    for b in extra.get("blockedCookies", [])
                }
                now = datetime.now(UTC)
                for line in lines:
                    parsed = parse_cookie(line, hop.url, now)
                    if parsed is None:
                        continue
                    reasons = blocked.get(line, ())
                    writes.append(
                        _Write(
                            parsed=parsed,
                            source=CookieSource.HTTP,
                            stored=not reasons,
                            blocked=reasons,
                            page_index=hop.page_index,
                            t_ms=hop.response_t_ms or int(extra.get("_t", hop.t_ms)),
                            set_by=hop.url,
                            initiator=Initiator("http", hop.url),
                            frame_url=final.url
                            if hop.resource_type == "Document"
                            else hop.cookie_frame_url,
                        )
                    )
        return writes

    def _cookie(
        self,
        first: _Write,
        writes: list[_Write],
        ever_in_jar: bool,
        jar: dict[str, Any] | None,
    ) -> Cookie:
        parsed = first.parsed
        stored = any(w.stored for w in writes) or ever_in_jar
        blocked = () if stored else tuple(dict.fromkeys(r for w in writes for r in w.blocked))
        latest = next((w for w in reversed(writes) if not w.parsed.deletes), first)
        value = latest.parsed.value
        digest, prefix = value_digest(value)
        expires = iso(parsed.expires)
        secure, http_only, same_site = parsed.secure, parsed.http_only, parsed.same_site
        partitioned, size = parsed.partitioned, len(parsed.name) + len(value)
        if jar is not None:
            secure = bool(jar.get("secure"))
            http_only = bool(jar.get("httpOnly"))
            partitioned = bool(jar.get("partitionKey"))
            size = int(jar.get("size", size))
            if not jar.get("session") and float(jar.get("expires", -1)) > 0:
                expires = iso(datetime.fromtimestamp(float(jar["expires"]), tz=UTC))
        return Cookie(
            name=parsed.name,
            domain=parsed.domain,
            path=parsed.path,
            phase=self.phase,
            source=first.source,
            stored=stored,
            blocked_reasons=blocked,
            in_jar=jar is not None,
            expires=expires,
            lifetime_s=parsed.lifetime_s,
            secure=secure,
            http_only=http_only,
            same_site=same_site,
            partitioned=partitioned,
            size=size,
            value_hash=digest,
            value_prefix=prefix,
            value=value if self.raw_values else None,
            page_url=self.page_urls[first.page_index] if self.page_urls else "",
            set_by=first.set_by,
            initiator=first.initiator,
            frame_url=first.frame_url,
            first_seen_ms=first.t_ms,
            writes=len(writes),
        )

    def _jar_only(
        self, raw: dict[str, Any], page_index: int, when: float, last: dict[str, Any] | None
    ) -> Cookie:
        value = str(raw.get("value", ""))
        digest, prefix = value_digest(value)
        expires_at = float(raw.get("expires", -1))
        session = bool(raw.get("session")) or expires_at <= 0
        now = datetime.now(UTC)
        same_site = raw.get("sameSite")
        return Cookie(
            name=str(raw.get("name", "")),
            domain=str(raw.get("domain", "")),
            path=str(raw.get("path", "/")),
            phase=self.phase,
            source=CookieSource.UNKNOWN,
            stored=True,
            in_jar=last is not None,
            expires=None if session else iso(datetime.fromtimestamp(expires_at, tz=UTC)),
            lifetime_s=None if session else int(expires_at - now.timestamp()),
            secure=bool(raw.get("secure")),
            http_only=bool(raw.get("httpOnly")),
            same_site=str(same_site) if same_site else None,
            partitioned=bool(raw.get("partitionKey")),
            size=int(raw.get("size", 0)),
            value_hash=digest,
            value_prefix=prefix,
            value=value if self.raw_values else None,
            page_url=self.page_urls[page_index] if self.page_urls else "",
            first_seen_ms=0,
            writes=0,
        )


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


def _epoch_iso(seconds: Any) -> str:
    """DevTools' certificate times (seconds since 1970) as ISO 8601 UTC."""
    try:
        return iso(datetime.fromtimestamp(float(seconds), tz=UTC)) or ""
    except (TypeError, ValueError, OverflowError, OSError):
        return ""


def _jar_key(raw: dict[str, Any]) -> tuple[str, str, str]:
    return str(raw.get("name", "")), str(raw.get("domain", "")), str(raw.get("path", "/"))


def _origin(url: str) -> str:
    """``https://host[:port]`` of a URL or a storage key (``https://x/^0…`` partitions)."""
    url = url.split("^", 1)[0]
    split = urlsplit(url)
    if not split.scheme or not split.netloc:
        return url.rstrip("/")
    return f"{split.scheme}://{split.netloc}"


def _initiator(raw: dict[str, Any]) -> Initiator:
    """DevTools' initiator: parser (with document URL and line) or script (with stack)."""
    kind = str(raw.get("type") or "other")
    frames: list[str] = []
    stack = raw.get("stack")
    while stack and len(frames) < _MAX_STACK:
        for call in stack.get("callFrames", []):
            if len(frames) >= _MAX_STACK:
                break
            if call.get("url") == _HOOKS_URL:
                continue
            frames.append(
                f"{call.get('functionName') or '(anonymous)'}@{call.get('url', '')}:"
                f"{int(call.get('lineNumber', 0)) + 1}:{int(call.get('columnNumber', 0)) + 1}"
            )
        stack = stack.get("parent")
    url = raw.get("url")
    line = raw.get("lineNumber")
    if (not url or url == _HOOKS_URL) and frames:
        url, line = _stack_url(frames), None
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


def _hook_initiator(report: dict[str, Any], href: str) -> Initiator:
    """The script responsible for a hooked write: the innermost http(s) stack frame."""
    frames = tuple(_v8_frame(line) for line in report.get("stack", [])[:_MAX_STACK])
    url = _stack_url(frames) or report.get("script") or href or None
    line = None
    for frame in frames:
        if url and frame.split("@", 1)[-1].startswith(url):
            tail = frame.rsplit(":", 2)
            if len(tail) == 3 and tail[1].isdigit():
                line = int(tail[1])
            break
    return Initiator("script", str(url) if url else None, line, frames)


def _v8_frame(line: str) -> str:
    """``fn (https://x/y.js:1:2)`` or ``https://x/y.js:1:2`` → ``fn@https://x/y.js:1:2``."""
    line = str(line)
    if line.endswith(")") and " (" in line:
        name, _, location = line[:-1].partition(" (")
        return f"{name}@{location}"
    return f"(anonymous)@{line}"


def _stack_url(frames: tuple[str, ...] | list[str]) -> str | None:
    for frame in frames:
        location = frame.split("@", 1)[-1]
        if location.startswith(("http://", "https://")):
            parts = location.rsplit(":", 2)
            if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
                return parts[0]
            return location
    return None


def _post_data(request: dict[str, Any]) -> str | None:
    """The POST body CDP sent with the request (``postData``, else the entries), cut at
    :data:`POST_DATA_LIMIT`; ``None`` when it was too large to come along."""
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
    return text[:POST_DATA_LIMIT]
