"""The one data model of privacyscan.

Capture, classification, the store, the JSON export and the report templates all
speak these frozen dataclasses. They import nothing from the rest of the project,
so every layer can depend on them and they depend on none.

Times are ISO 8601 strings in UTC (``2026-11-28T19:03:04.123Z``) so that a value
reads the same in Python, SQLite, JSON and a template. Offsets within a page visit
are milliseconds since the navigation started (``t_ms``), which orders events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import TypeAlias

SCHEMA_VERSION = "1.7"
"""Version of the JSON document written per site and of the export format.

A change that removes or renames a field bumps the major number; adding a field
bumps the minor number. ``docs/schema.md`` describes every field.
"""


class Phase(StrEnum):
    """Which visitor made an observation (see the consent-banner test)."""

    NONE = "none"
    """A first-time visitor who has not clicked anything: the core of every scan."""
    REJECT = "reject"
    """A visitor who refused consent, then browsed the same pages."""
    ACCEPT = "accept"
    """A visitor who accepted consent, then browsed the same pages."""


class CookieSource(StrEnum):
    """How a cookie came to be: the evidence a webmaster needs to find the culprit."""

    HTTP = "http"
    """A ``Set-Cookie`` response header."""
    JS = "js"
    """A ``document.cookie`` or ``cookieStore.set`` write by a script."""
    UNKNOWN = "unknown"
    """Found in the cookie jar without a write we saw (a worker, a service worker)."""


class StorageKind(StrEnum):
    """The browser storage an item lives in."""

    LOCAL = "localStorage"
    SESSION = "sessionStorage"
    INDEXED_DB = "indexedDB"


class SiteStatus(StrEnum):
    """How the visit of one site ended."""

    DONE = "done"
    """Every chosen page was visited."""
    PARTIAL = "partial"
    """Some pages failed; the others were captured."""
    FAILED = "failed"
    """Nothing usable was captured; ``SiteResult.error`` says why."""
    PENDING = "pending"
    """Not scanned yet (an interrupted scan that can be resumed)."""


class Severity(StrEnum):
    """How serious a finding is, from the rule it rests on.

    The members are in order, most serious first: that is the one order of severities
    (sections of a report, sorting of findings, ``diff --fail-on`` thresholds).
    """

    VIOLATION = "violation"
    LIKELY_VIOLATION = "likely_violation"
    REVIEW = "review"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for the most serious, 3 for info: a sort key that puts the worst first."""
        return _SEVERITY_RANK[self]

    def at_least(self, other: Severity) -> bool:
        """As serious as ``other`` or more (``violation`` is at least ``review``)."""
        return self.rank <= other.rank


_SEVERITY_RANK = MappingProxyType({s: i for i, s in enumerate(Severity)})


@dataclass(frozen=True, slots=True)
class Party:
    """Who is behind a cookie, request or storage item (filled in by classification)."""

    first_party: bool
    """The site's own registrable domain or one declared for the same organisation."""
    domain: str
    """The registrable domain (eTLD+1) the judgement rests on, e.g. ``google-analytics.com``."""
    organisation: str | None = None
    """Organisation behind it, e.g. ``Google``; ``None`` when unknown."""
    service: str | None = None
    """Product, e.g. ``Google Analytics``."""
    category: str | None = None
    """Purpose: ``necessary``, ``functional``, ``analytics``, ``advertising``, ``marketing``,
    ``social``, ``video``, ``session_replay``, ``fingerprinting``, ``fonts``, ``cdn``,
    ``consent``, ``maps``, ``security`` or ``None`` when unknown."""
    country: str | None = None
    """ISO 3166 country of the organisation's seat, e.g. ``US``."""
    eea: bool | None = None
    """Whether that country is inside the European Economic Area."""
    source: str | None = None
    """Which knowledge entry identified it (our base, Open Cookie Database, …)."""


@dataclass(frozen=True, slots=True)
class Site:
    """A website to scan: one municipality (or any site given as a URL)."""

    name: str
    """Human name, e.g. ``Aa en Hunze``; the host name for a bare URL."""
    url: str
    """Start URL, always http(s)."""
    province: str | None = None
    """Province, for grouping in the comparison report."""
    code: str | None = None
    """Official code, e.g. the CBS code ``GM1680``."""
    extra_domains: tuple[str, ...] = ()
    """Further registrable domains of the same organisation (first party)."""


@dataclass(frozen=True, slots=True)
class Initiator:
    """Who caused a request, a cookie or a storage write."""

    type: str
    """``parser`` (HTML), ``script``, ``redirect``, ``preload``, ``http`` or ``other``."""
    url: str | None = None
    """The script, document or redirecting response responsible."""
    line: int | None = None
    """1-based line in ``url`` where known."""
    stack: tuple[str, ...] = ()
    """JavaScript stack, innermost first, as ``function@url:line:column``."""


@dataclass(frozen=True, slots=True)
class Redirect:
    """One hop of a redirect chain."""

    url: str
    status: int
    """HTTP status of the redirecting response (301, 302, …), or 0 for a client redirect."""


@dataclass(frozen=True, slots=True)
class Page:
    """One page visited: the facts a report needs to show what was seen where."""

    url: str
    """The URL the visitor asked for."""
    phase: Phase = Phase.NONE
    final_url: str | None = None
    """Where the browser ended after redirects; ``None`` when navigation failed."""
    status: int | None = None
    """HTTP status of the final document."""
    title: str = ""
    redirects: tuple[Redirect, ...] = ()
    """Redirect chain from ``url`` to ``final_url``, in order."""
    started_at: str = ""
    """Wall-clock time the navigation started (UTC, ISO 8601)."""
    load_ms: int | None = None
    """Milliseconds from navigation start to the ``load`` event."""
    duration_ms: int = 0
    """Milliseconds spent on the page including the settle period."""
    links: tuple[str, ...] = ()
    """Absolute http(s) links found in the rendered DOM (deduplicated, in order)."""
    error: str | None = None
    """Error class when the visit failed (``timeout``, ``dns``, ``tls``, …)."""
    error_message: str | None = None
    """What went wrong, in words a webmaster understands."""


@dataclass(frozen=True, slots=True)
class Cookie:
    """A cookie a page tried to set, and whether the browser stored it.

    One record per cookie identity (name, domain, path) and phase: the first write
    is its provenance; later writes only raise ``writes``.
    """

    name: str
    domain: str
    """Cookie domain as the browser keeps it: ``.example.nl`` for a domain cookie,
    ``www.example.nl`` for a host-only cookie."""
    path: str = "/"
    phase: Phase = Phase.NONE
    source: CookieSource = CookieSource.HTTP
    stored: bool = True
    """The browser accepted it (a refused ``Set-Cookie`` is recorded with ``stored=False``)."""
    blocked_reasons: tuple[str, ...] = ()
    """Chromium's reasons for refusing it, e.g. ``SameSiteNoneInsecure``."""
    in_jar: bool = True
    """Still in the cookie jar at the end of the site visit (not deleted or expired)."""
    expires: str | None = None
    """Expiry (UTC, ISO 8601); ``None`` for a session cookie."""
    lifetime_s: int | None = None
    """Seconds from first write to expiry; ``None`` for a session cookie."""
    secure: bool = False
    http_only: bool = False
    same_site: str | None = None
    """``Strict``, ``Lax``, ``None`` or ``None`` (Python) when the attribute was absent."""
    partitioned: bool = False
    """CHIPS: kept per top-level site."""
    size: int = 0
    """Bytes of name plus value, as Chromium counts them."""
    value_hash: str = ""
    """SHA-256 of the value (hex): compares values without keeping them."""
    value_prefix: str = ""
    """First few characters of the value, enough to recognise a format."""
    value: str | None = None
    """The raw value, only when the user asked for raw values."""
    page_url: str = ""
    """The first page on which the cookie appeared."""
    set_by: str | None = None
    """The response URL (HTTP) or the script URL (JavaScript) that set it."""
    initiator: Initiator | None = None
    """For JavaScript: the script and stack of the write."""
    frame_url: str | None = None
    """URL of the frame in which it was set (differs from the page for iframes)."""
    first_seen_ms: int = 0
    """Milliseconds after the page's navigation start."""
    writes: int = 1
    """How many times it was written during the visit."""
    party: Party | None = None
    """Who is behind it and what for; ``None`` until classified."""


@dataclass(frozen=True, slots=True)
class Payload:
    """What a known tracking pixel or analytics hit carried, decoded from its URL and body.

    Decoded as the request is captured (``scanner.payloads``). A value that is personal
    data is never kept here: ``personal_data`` names the field and how it was sent. The
    request's URL itself is kept as it was sent.
    """

    vendor: str
    """The format: ``meta`` (Meta pixel), ``google-analytics-4``, ``universal-analytics``,
    ``google-ads``, ``linkedin`` (Insight Tag) or ``tiktok`` (TikTok pixel)."""
    account: str | None = None
    """The site's account with the vendor: pixel id (``id``), measurement or property id
    (``tid``), conversion id, partner id (``pid``), pixel code."""
    events: tuple[str, ...] = ()
    """Events sent, in order: ``PageView``, ``Lead``, ``page_view``, ``pageview``…"""
    params: tuple[tuple[str, str], ...] = ()
    """Other parameters worth reading, as (name, value) in the vendor's own names: the page
    (``dl``, ``url``), the client or browser id (``cid``, ``fbp``), custom data
    (``cd[value]``), event parameters (``ep.form_id``), consent state (``gcs``, ``npa``).
    Values are shortened to 200 characters; at most 40 parameters."""
    personal_data: tuple[tuple[str, str], ...] = ()
    """(field, form) of each field carrying personal data about the visitor: e-mail,
    phone, name, birth date, address, gender or a user id the site assigned.
    ``form`` is ``sha256`` (a SHA-256 hash, as the vendors ask: still personal data,
    the vendor matches it to its users), ``plain`` (as typed) or ``id`` (a user id).
    E.g. ``("ud[em]", "sha256")`` for Meta's advanced matching."""
    flags: tuple[str, ...] = ()
    """What the hit asks for: ``remarketing`` (an audience or remarketing hit),
    ``non-personalised-ads`` (``npa=1``), ``personalised-ads`` (``npa=0``)."""
    from_body: bool = False
    """Part of it was read from the request body (a POST), not only from the URL."""


@dataclass(frozen=True, slots=True)
class TypedLeak:
    """A value the first visitor typed into a form field, found in a request.

    The form-typing step types a fixed, fictional value per kind of field and never
    submits anything: a request that carries such a value sent what the visitor typed
    before the visitor chose to send it (``scanner.canaries``).
    """

    field: str
    """The field as the page names it (``name``, else ``id``, ``aria-label``, ``placeholder``);
    several fields of one kind on a page are joined with ``, ``."""
    kind: str
    """``email``, ``name``, ``phone``, ``postcode`` or ``text`` (search and other text)."""
    encoding: str
    """``plain``, ``url`` (URL-encoded), ``base64``, ``md5``, ``sha1``, ``sha256`` or
    ``sha512``; a hash of the e-mail address in lower case without spaces (what
    advertising vendors ask for) is ``<hash>-normalised``."""
    place: str
    """``url`` or ``body`` (the POST body)."""


@dataclass(frozen=True, slots=True)
class WebSocketSent:
    """What a page sent over a WebSocket: how much, and a fingerprint of how it began.

    The messages themselves are not kept (they may carry personal data); the hash
    compares first messages across sites and scans without keeping them.
    """

    frames_sent: int = 0
    """Data frames (messages) the page sent, text and binary."""
    bytes_sent: int = 0
    """Payload bytes of those frames together (text as UTF-8)."""
    first_bytes_sha256: str | None = None
    """SHA-256 (hex) of the first 64 bytes sent (the frames' payloads in order);
    ``None`` when nothing was sent."""


@dataclass(frozen=True, slots=True)
class Request:
    """One network request made while a page was open."""

    url: str
    phase: Phase = Phase.NONE
    page_url: str = ""
    """The page (top-level document) that was open."""
    frame_url: str | None = None
    """The frame it belongs to: an iframe's URL for requests from embeds; for a
    document, the frame it loads into (so an iframe's own URL)."""
    method: str = "GET"
    resource_type: str = "Other"
    """Chromium's type: ``Document``, ``Script``, ``Image``, ``Ping``, ``XHR``, …"""
    initiator: Initiator = field(default_factory=lambda: Initiator("other"))
    status: int | None = None
    """HTTP status; ``None`` when no response arrived."""
    remote_ip: str | None = None
    mime_type: str | None = None
    beacon: str | None = None
    """``sendBeacon``, ``pixel`` (a 1×1 image), ``keepalive`` (fetch) or ``None``."""
    cookies_sent: tuple[str, ...] = ()
    """Names of cookies the browser attached to the request."""
    failed: str | None = None
    """Chromium's error text when the request failed, e.g. ``net::ERR_ABORTED``."""
    t_ms: int = 0
    """Milliseconds after the page's navigation start."""
    party: Party | None = None
    """Who is behind the host and what for; ``None`` until classified."""
    payload: Payload | None = None
    """What a known pixel or analytics hit sent (event, parameters, personal data);
    ``None`` for any other request."""
    typed: tuple[TypedLeak, ...] = ()
    """Values the form-typing step typed into the page's fields (never submitted) that
    this request carried (``scanner.canaries``); empty for any other request."""
    websocket: WebSocketSent | None = None
    """For a WebSocket (``resource_type`` ``WebSocket``, a ``ws:``/``wss:`` URL): what
    the page sent over it; ``None`` for any other request."""


@dataclass(frozen=True, slots=True)
class StorageItem:
    """A write to localStorage or sessionStorage, or an IndexedDB database."""

    kind: StorageKind
    origin: str
    """Origin that owns the storage, e.g. ``https://www.youtube.com``."""
    key: str
    """Storage key, or the IndexedDB database name."""
    phase: Phase = Phase.NONE
    page_url: str = ""
    frame_url: str | None = None
    initiator: Initiator | None = None
    """The script and stack of the first write, where seen."""
    value_hash: str = ""
    value_prefix: str = ""
    value: str | None = None
    """The raw value, only when the user asked for raw values."""
    size: int = 0
    """Characters of key plus value."""
    first_seen_ms: int = 0
    writes: int = 1
    party: Party | None = None
    """Who is behind the origin; ``None`` until classified."""


@dataclass(frozen=True, slots=True)
class ApiCall:
    """A script reading a browser feature that serves to fingerprint visitors.

    One record per (api, script, frame) and phase; ``count`` says how often.
    """

    api: str
    """What was read, e.g. ``canvas.toDataURL``, ``webgl.getParameter:UNMASKED_RENDERER_WEBGL``,
    ``audio.OfflineAudioContext``, ``navigator.plugins``, ``font.measureText``."""
    phase: Phase = Phase.NONE
    page_url: str = ""
    frame_url: str | None = None
    origin: str = ""
    """Origin of the frame in which the script ran."""
    initiator: Initiator | None = None
    """The script (innermost http(s) stack frame) and stack of the first call."""
    count: int = 1
    party: Party | None = None
    """Who is behind the script; ``None`` until classified."""


@dataclass(frozen=True, slots=True)
class Screenshot:
    """A picture of what the visitor saw: evidence for the report."""

    label: str
    """``page`` (the first page as first seen) or ``banner``."""
    page_url: str
    mime: str = "image/jpeg"
    data: str = ""
    """The image, base64-encoded."""
    phase: Phase = Phase.NONE


@dataclass(frozen=True, slots=True)
class Har:
    """An HTTP Archive (HAR 1.2) of one visitor's traffic, from the browser's DevTools
    network events (``scanner.browser.archive``).

    Every request of every page the visitor opened, from its first navigation to the
    closing of its browser (a refusing or accepting visitor's home page before the
    click included), unless the user asked for none (``--no-har``). Response bodies
    are left out unless asked for too (``--har-content``). The archive itself is kept
    in the scan history, not in the model's exports: ``data`` is filled between
    capture and the store, and by ``ScanStore.har_data``; ``privacyscan evidence`` and
    the files a scan writes hold it.
    """

    phase: Phase = Phase.NONE
    entries: int = 0
    """Requests (``log.entries``) in the archive."""
    size: int = 0
    """Bytes of the archive (UTF-8 JSON)."""
    sha256: str = ""
    """SHA-256 (hex) of those bytes."""
    content: bool = False
    """Response bodies are embedded (``--har-content``)."""
    data: str = ""
    """The archive's JSON text; empty in exports and in a scan read from the history."""


@dataclass(frozen=True, slots=True)
class BannerButton:
    """A button on the first layer of a consent banner."""

    text: str
    role: str
    """``accept``, ``reject``, ``settings``, ``save`` or ``other``."""
    rule: str | None = None
    """Which detector rule gave it that role (for the report's "why")."""


@dataclass(frozen=True, slots=True)
class Banner:
    """The consent banner a first-time visitor saw on the home page."""

    page_url: str
    cmp: str
    """Consent manager recognised by the autoconsent rules, or ``custom``."""
    method: str
    """``autoconsent`` or ``heuristic``: how it was found."""
    frame_url: str | None = None
    """The frame it lives in (a CMP's own iframe differs from the page)."""
    buttons: tuple[BannerButton, ...] = ()
    reject_on_first_layer: bool = False
    """The AP requires refusing to be as easy as accepting."""
    accept_on_first_layer: bool = False
    settings_on_first_layer: bool = False
    blocks_page: bool = False
    """A layer covers the page until a choice is made (a cookie wall if it cannot be refused)."""
    in_shadow_dom: bool = False
    text: str = ""
    """The banner's text (shortened)."""
    screenshot: str | None = None
    """JPEG of the banner, base64."""


@dataclass(frozen=True, slots=True)
class ConsentChoice:
    """What happened when a visitor refused (or accepted) on the banner."""

    phase: Phase
    """``reject`` or ``accept``."""
    clicked: bool
    method: str | None = None
    """``autoconsent`` or ``heuristic``."""
    element_text: str | None = None
    """The text of the element clicked."""
    rule: str | None = None
    reason: str = ""
    """Why that element was chosen, or why nothing could be clicked."""
    layer: int | None = None
    """1 for the first layer, 2 when the choice was behind "Instellingen"."""
    banner_closed: bool = False
    banner_on_next_page: bool = False
    """The banner came back on the next page: the choice was not remembered."""


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where a finding was seen: enough to reproduce it."""

    page_url: str
    phase: Phase = Phase.NONE
    subject: str = ""
    """The cookie, request URL or storage key concerned."""
    initiator: Initiator | None = None


ParamValue: TypeAlias = str | int | bool | tuple[str, ...] | None
"""A finding parameter: a name, a number, a flag, absent, or a list of names."""


@dataclass(frozen=True, slots=True)
class Finding:
    """A conclusion about one site: the rule it rests on, what it is about, and where.

    Classification writes no words: ``variant`` and ``params`` are what a finding's
    title, explanation, fix and legal basis are rendered from, in the reader's
    language, when a report or an export is made (``scanner.messages.findings``).
    ``title`` … ``legal_url`` are that rendering: empty in a finding as classification
    made it (and as the store keeps it), filled in an export. A finding without
    ``params`` comes from a scan made before schema 1.2, when the words were written
    at scan time; it keeps them and is shown as written.
    """

    id: str
    """Stable across scans: rule plus subject,
    e.g. ``cookie-tracking-before-consent:_ga@.example.nl``."""
    rule: str
    """Rule identifier, e.g. ``cookie-tracking-before-consent``."""
    severity: Severity
    subject: str
    """What the finding is about: a cookie, an organisation, a host."""
    title: str = ""
    """One line a non-specialist understands (rendered; see above)."""
    explanation: str = ""
    """Why it matters, for the privacy officer (rendered)."""
    fix: str = ""
    """What the webmaster should change (rendered)."""
    legal_basis: str = ""
    """Article or guidance it rests on, e.g. ``Telecommunicatiewet art. 11.7a`` (rendered)."""
    legal_url: str = ""
    """Link to the text of ``legal_basis`` (rendered, from the rule)."""
    organisation: str | None = None
    category: str | None = None
    country: str | None = None
    evidence: tuple[Evidence, ...] = ()
    variant: str = ""
    """Which of the rule's texts applies (e.g. ``self-hosted`` for analytics on the
    site's own server); ``""`` for the rule's own."""
    params: tuple[tuple[str, ParamValue], ...] = ()
    """The facts its text is rendered from, as (name, value) pairs sorted by name, e.g.
    ``("cookie", "_ga")``, ``("hosts", ("a.example", "b.example"))``; see
    ``docs/rules.md`` for each rule's. Empty only for findings of scans before 1.2."""

    seen_in: int = 1
    """In how many of the site's ``visits`` the finding was seen (``--visits N``: the
    first visitor is repeated N times in fresh profiles, findings merged by ``id``)."""
    visits: int = 1
    """How many visits it could have been seen in: the first visitor's visits whose
    home page loaded; 1 for a finding of the refusing or accepting visitor (they are
    not repeated), and for scans made with one visit or before schema 1.6."""

    @property
    def in_majority(self) -> bool:
        """Seen in more than half of the visits: what the score, the verdicts and the
        comparison count (always true for a single visit)."""
        return 2 * self.seen_in > self.visits

    def param(self, name: str) -> ParamValue:
        """The value of one parameter, ``None`` when the finding has none of that name."""
        return next((v for k, v in self.params if k == name), None)


@dataclass(frozen=True, slots=True)
class Verdicts:
    """What classification concluded about the site as a whole (``scanner.classify.verdicts``).

    Judged once, from the classified observations and the findings; the comparison,
    the site report and the exports only read them.
    """

    tracks_before_consent: bool = False
    """A first-time visitor is tracked before any choice: a third party with a tracking
    purpose (analytics, advertising, marketing, social, session replay, fingerprinting) was
    contacted, or a tracking rule found a (likely) violation before consent."""
    non_eea_before_consent: bool = False
    """A third party seated outside the EEA was contacted before any choice."""
    no_banner_while_tracking: bool = False
    """It tracks before consent and no consent banner was found."""
    refusal_tried: bool = False
    """A banner was found and the refusing visitor tried it (clicked or not)."""
    refusal_works: bool | None = None
    """Refusing was clicked and the refusing visitor was not tracked (as
    ``tracks_before_consent``, after the refusal); ``None`` when not tried."""
    tracks_after_refusal: bool = False
    """The refusing visitor was tracked (as ``tracks_before_consent``, after refusal)."""
    cookie_wall: bool = False
    """The banner blocks the page and cannot be refused: no refusal on its first layer,
    and the refusing visitor found none to click."""
    tracking_cookies_after_refusal: tuple[str, ...] = ()
    """Names of cookies with a tracking purpose set for the visitor who refused."""


@dataclass(frozen=True, slots=True)
class KnowledgeShare:
    """How much of what a site did the knowledge lists could name (``scanner.classify``).

    Counted over every visitor. A third-party domain or a cookie counts as known when
    its organisation *and* its purpose are known; everything else is work for a person.
    """

    known_domains: tuple[str, ...] = ()
    """Third-party registrable domains (requests, cookies, storage) with a known
    organisation and purpose, sorted."""
    unknown_domains: tuple[str, ...] = ()
    """Third-party registrable domains without, sorted: the ones to look up by hand."""
    cookies: int = 0
    """Stored cookies, one per identity (name, domain, path)."""
    cookies_known: int = 0
    """Of those, the ones with a known organisation and purpose."""


@dataclass(frozen=True, slots=True)
class Certificate:
    """A website's TLS certificate (the leaf), as the browser or a direct probe saw it."""

    subject: str = ""
    """Subject (common name), e.g. ``www.gemeente.nl``."""
    san: tuple[str, ...] = ()
    """Subject alternative names: the host names (and addresses) it is valid for."""
    issuer: str = ""
    """Who issued it (common name or organisation)."""
    valid_from: str = ""
    """Start of validity (UTC, ISO 8601)."""
    valid_to: str = ""
    """End of validity (UTC, ISO 8601)."""


@dataclass(frozen=True, slots=True)
class MixedContent:
    """A plain-``http:`` subresource an ``https:`` page asked for (Chromium's report)."""

    url: str
    """The insecure URL as the page wrote it."""
    resource_type: str
    """What it was: ``Image``, ``Script``, ``Stylesheet``, ``Form``, … (Chromium's words)."""
    resolution: str
    """What Chromium did: ``blocked`` (active content), ``upgraded`` (fetched over https
    instead) or ``warned`` (allowed, with a warning, e.g. a form)."""


@dataclass(frozen=True, slots=True)
class ScriptTag:
    """A ``<script src>`` loaded from another origin than the page's."""

    src: str
    """The script's URL."""
    integrity: bool
    """It carries a Subresource Integrity hash (``integrity`` attribute)."""


@dataclass(frozen=True, slots=True)
class DocumentSecurity:
    """The security facts of one visited page's own document, as the browser got them.

    Recorded for the first visitor (``Phase.NONE``) only. Header values are as received
    (several headers of one name joined with ``, ``); ``None`` when absent.
    """

    page_url: str
    """The page visit (``Page.url``)."""
    url: str
    """The document's own URL (after redirects)."""
    hsts: str | None = None
    """``Strict-Transport-Security``."""
    csp: str | None = None
    """``Content-Security-Policy`` (not the report-only one)."""
    x_content_type_options: str | None = None
    """``X-Content-Type-Options``."""
    x_frame_options: str | None = None
    """``X-Frame-Options``."""
    referrer_policy: str | None = None
    """``Referrer-Policy`` (the header; a ``<meta name=referrer>`` is not included)."""
    permissions_policy: str | None = None
    """``Permissions-Policy``."""
    tls_protocol: str | None = None
    """The TLS version the browser negotiated, e.g. ``TLS 1.3``; ``None`` over http."""
    tls_cipher: str | None = None
    """The negotiated cipher, e.g. ``AES_128_GCM``."""
    tls_key_exchange: str | None = None
    """The key exchange (``ECDHE_RSA``) or, for TLS 1.3, its group (``X25519``)."""
    certificate: Certificate | None = None
    """The certificate the browser was shown; ``None`` over http."""
    mixed_content: tuple[MixedContent, ...] = ()
    """Plain-http subresources and form targets of the page."""
    scripts: tuple[ScriptTag, ...] = ()
    """Scripts from other origins (in the page's own DOM), with their SRI state."""
    full_referrer_to: tuple[str, ...] = ()
    """Requests to other origins that carried the page's full URL (path or query) in
    their ``Referer`` header, as the browser sent them (at most 50)."""


@dataclass(frozen=True, slots=True)
class SecurityTxt:
    """``/.well-known/security.txt`` of a host (RFC 9116), fetched and validated."""

    url: str
    """The URL asked for."""
    found: bool = False
    """A 200 answer with a body was found (redirects followed on the site's domains)."""
    final_url: str | None = None
    """Where it was found after redirects."""
    status: int | None = None
    """HTTP status of the last answer; ``None`` when no answer came."""
    content_type: str | None = None
    """The ``Content-Type`` it was served with."""
    errors: tuple[str, ...] = ()
    """Problems that make it invalid, as Internet.nl's ``sectxt`` codes them
    (``no_expire``, ``expired``, ``no_contact``, ``invalid_media``, …)."""
    recommendations: tuple[str, ...] = ()
    """Advice codes of ``sectxt`` (``not_signed``, ``long_expiry``, ``no_encryption``…)."""
    expires: str | None = None
    """The ``Expires`` field as written."""
    contacts: tuple[str, ...] = ()
    """The ``Contact`` fields."""
    signed: bool = False
    """It is an OpenPGP cleartext-signed file."""


@dataclass(frozen=True, slots=True)
class HostProbe:
    """What privacyscan's own direct probes found about one host of the site.

    The probes are TLS handshakes per protocol version, one certificate check, an
    ``http://`` request for the first redirect hop and a fetch of security.txt, made
    outside the browser, only to the site's own hosts, bounded in time.
    """

    host: str
    """The host probed, e.g. ``www.gemeente.nl``."""
    checked_at: str = ""
    """When (UTC, ISO 8601): the moment expiry dates are judged against."""
    tls_versions: tuple[tuple[str, bool | None], ...] = ()
    """(version, accepted) for ``TLS 1.0`` … ``TLS 1.3``; accepted is ``None`` when it
    could not be tested (the local TLS library cannot offer that version, or the host
    could not be reached)."""
    certificate: Certificate | None = None
    """The certificate served for this host name (SNI)."""
    certificate_trust: str = ""
    """``public`` (a publicly trusted chain), ``pinned`` (trusted by ``--trust-cert-spki``),
    ``ignored`` (``--ignore-cert-errors``), ``untrusted`` or ``""`` (not reached)."""
    certificate_error: str | None = None
    """Why the public trust store refused it (e.g. ``certificate has expired``)."""
    name_match: bool | None = None
    """The certificate names this host; ``None`` when there was no certificate."""
    http_status: int | None = None
    """Status of the answer to ``http://HOST/``; ``None`` when nothing answered."""
    http_location: str | None = None
    """Its ``Location`` (the first redirect hop, not followed)."""
    http_error: str | None = None
    """Why ``http://HOST/`` gave no answer (``refused``, ``timeout``, …)."""
    security_txt: SecurityTxt | None = None
    """security.txt of this host; ``None`` when not looked for."""
    error: str | None = None
    """Why the host could not be probed over https at all."""


@dataclass(frozen=True, slots=True)
class SecurityFacts:
    """The site's security basics as measured: from the browser and the direct probes."""

    documents: tuple[DocumentSecurity, ...] = ()
    """Each visited page's document (first visitor), in visiting order."""
    hosts: tuple[HostProbe, ...] = ()
    """The probed hosts: the start URL's host, then where the home page lives."""
    probed: bool = False
    """The direct probes ran and finished in time (otherwise the TLS versions, the
    ``http://`` redirect and security.txt were not measured)."""


@dataclass(frozen=True, slots=True)
class SiteResult:
    """Everything captured and concluded for one site in one scan."""

    site: Site
    status: SiteStatus = SiteStatus.DONE
    error: str | None = None
    """Error class when the site failed (``dns``, ``tls``, ``timeout``, ``http``, …)."""
    error_message: str | None = None
    started_at: str = ""
    finished_at: str = ""
    pages: tuple[Page, ...] = ()
    cookies: tuple[Cookie, ...] = ()
    requests: tuple[Request, ...] = ()
    storage: tuple[StorageItem, ...] = ()
    api_calls: tuple[ApiCall, ...] = ()
    screenshots: tuple[Screenshot, ...] = ()
    banner: Banner | None = None
    """The consent banner on the home page, ``None`` when none was found."""
    choices: tuple[ConsentChoice, ...] = ()
    """The refusal and acceptance tried on that banner."""
    pages_discovered: int = 0
    """Distinct in-scope page URLs found (links and sitemaps): the crawl's coverage.
    Visited and failed pages are ``pages`` and those with an ``error``."""
    findings: tuple[Finding, ...] = ()
    score: int | None = None
    """0–100 derived only from the findings (see ``docs/scoring.md``)."""
    grade: str | None = None
    """``A`` (best) to ``F``, derived from ``score``."""
    verdicts: Verdicts | None = None
    """The site as a whole: does it track before consent, does refusing work, …;
    ``None`` until classified, and for a site that could not be measured."""
    knowledge: KnowledgeShare | None = None
    """How much of its third parties and cookies the knowledge lists could name;
    ``None`` until classified, and for a site that could not be measured."""
    security: SecurityFacts | None = None
    """The website's security basics as measured; ``None`` when not measured (a scan
    made before schema 1.4, or a capture without them)."""
    security_score: int | None = None
    """0–100 from the security findings alone (``docs/scoring.md``); ``None`` when
    security was not measured or the site could not be."""
    security_grade: str | None = None
    """``A`` (best) to ``F``, derived from ``security_score``."""
    hars: tuple[Har, ...] = ()
    """One HTTP Archive per visitor (without its ``data`` outside capture and the store);
    none for a scan made before schema 1.5."""


@dataclass(frozen=True, slots=True)
class Scan:
    """One run over one or more sites, with the conditions that make it evidence."""

    id: str
    started_at: str
    finished_at: str | None = None
    tool_version: str = ""
    browser: str = ""
    """Browser product and version, e.g. ``Chromium 156.0.8078.108``."""
    options: tuple[tuple[str, str], ...] = ()
    """The options the scan ran with, as (name, value) pairs."""
    lists: tuple[tuple[str, str], ...] = ()
    """Knowledge lists used and their versions, as (name, version) pairs."""
    sites: tuple[SiteResult, ...] = ()
