"""What a tracking pixel or analytics hit sent: its event, parameters and personal data.

A request to ``facebook.com/tr`` is more than a URL in a table: it names the event
(``PageView``, ``Lead``…), the page, custom data and possibly *advanced matching*
fields, a hashed e-mail address or phone number. Google Analytics and Ads hits carry
the client id, the page, remarketing and ad-personalisation flags. This module reads
the formats of the pixels a municipal site meets most (Meta, Google Analytics 4 and
Universal Analytics, Google Ads, LinkedIn Insight, TikTok) from a request's URL and,
for a POST, its body, into a :class:`~scanner.models.Payload`.

Pure code: no browser, no network, no clock. The recorder calls :func:`wants_body` to
keep a POST body only for these endpoints (bounded), and :func:`decode` once per
request. Personal data never leaves this module as a value: a payload names the field
and how it was sent (hashed with SHA-256 as the vendors ask, in plain text, or a user
id), which is what a finding and a report need.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import parse_qsl, urlsplit

from .models import Payload

__all__ = ["MAX_BODY", "decode", "wants_body"]

MAX_BODY = 16 * 1024
"""Longest POST body read (bytes of text); a longer one is cut there (pixel payloads are
far smaller; the cut keeps a hostile page from making the recorder hold megabytes)."""

MAX_VALUE = 200
"""Characters kept of a parameter value."""

MAX_PARAMS = 40
"""Parameters kept per payload."""

_SHA256_RE = re.compile(r"^[0-9a-f]{64}$", re.IGNORECASE)
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)

PERSONAL_KEYS = frozenset(
    {
        "em", "email", "e_mail", "hashed_email", "hashedemail", "sha256_email", "hem",
        "ph", "phone", "phone_number", "sha256_phone_number", "hashed_phone",
        "fn", "first_name", "firstname", "ln", "last_name", "lastname",
        "db", "birthdate", "date_of_birth", "ge", "gender", "zp", "zip", "postcode",
        "street", "address",
    }
)  # fmt: skip
"""Field names (the last part of a nested name, lower case) that carry personal data."""

USER_ID_KEYS = frozenset({"uid", "user_id", "userid", "external_id", "externalid"})
"""Field names of a user id the site assigned: personal data (it names a person)."""


@dataclass(slots=True)
class _Builder:
    """Collects one payload while a format is read."""

    vendor: str
    account: str | None = None
    from_body: bool = False
    events: list[str] = field(default_factory=list)
    params: dict[str, str] = field(default_factory=dict)
    personal: dict[str, str] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)

    def event(self, name: str | None) -> None:
        if name:
            self.events.append(_short(name))

    def param(self, name: str, value: object) -> None:
        if value is None or value == "" or len(self.params) >= MAX_PARAMS:
            return
        self.params.setdefault(_short(name), _short(str(value)))

    def flag(self, name: str) -> None:
        if name not in self.flags:
            self.flags.append(name)

    def personal_field(self, name: str, value: object, *, user_id: bool = False) -> None:
        """Record that ``name`` carried personal data; its value is not kept."""
        if value is None or value == "" or value == []:
            return
        self.personal.setdefault(_short(name), "id" if user_id else _form(value))

    def scan_values(self, items: Iterable[tuple[str, object]]) -> None:
        """Personal data a vendor put where its format does not say so: an e-mail
        address as any value, a hash or a value under a personal field name."""
        for name, value in items:
            key = _leaf(name)
            email = isinstance(value, str) and bool(_EMAIL_RE.match(value.strip()))
            if key in USER_ID_KEYS or key in PERSONAL_KEYS or email:
                self.personal_field(name, value, user_id=key in USER_ID_KEYS)

    def build(self) -> Payload:
        return Payload(
            vendor=self.vendor,
            account=_short(self.account) if self.account else None,
            events=tuple(self.events),
            params=tuple(self.params.items()),
            personal_data=tuple(self.personal.items()),
            flags=tuple(self.flags),
            from_body=self.from_body,
        )


def _short(text: str) -> str:
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def _leaf(name: str) -> str:
    """``ud[em]`` → ``em``; ``context.user.email`` → ``email``; ``ep.user_id`` → ``user_id``."""
    leaf = re.split(r"[.\[\]]", name.rstrip("]"))[-1]
    return leaf.lower()


def _form(value: object) -> str:
    """How a personal value was sent: ``sha256`` when every part is a SHA-256 hex digest
    (Google's ``tv.1~em.<hash>`` included), else ``plain``."""
    text = json.dumps(value) if isinstance(value, (list, dict)) else str(value)
    parts = [p for p in re.split(r"[~.,\[\]\"\s]+", text) if len(p) >= 32]
    if parts and all(_SHA256_RE.match(p) for p in parts):
        return "sha256"
    return "plain"


# ------------------------------------------------------------------ which endpoints


@dataclass(frozen=True, slots=True)
class _Target:
    host: str
    path: str
    query: list[tuple[str, str]]


def _target(url: str) -> _Target | None:
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        query = parse_qsl(parts.query, keep_blank_values=True)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    return _Target(host, parts.path or "/", query)


def _on(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


_GOOGLE_RE = re.compile(r"(^|\.)google(\.com?)?\.[a-z]{2,3}$")


def _is_google(host: str) -> bool:
    """``google.com``, ``www.google.nl``, ``google.co.uk``… (Ads tags post to the local one)."""
    return bool(_GOOGLE_RE.search(host))


def _vendor(t: _Target) -> str | None:
    """Which format a request is in, by host and path (and GA's own version marker)."""
    path = t.path.rstrip("/")
    query = dict(t.query)
    if _on(t.host, "facebook.com") and path == "/tr":
        return "meta"
    if path.endswith("/g/collect") and query.get("v") == "2":
        # Google Analytics 4, also through a server-side tag manager on the site's own domain.
        return "google-analytics-4"
    if _on(t.host, "google-analytics.com") and path.endswith(("/collect", "/batch")):
        return "universal-analytics"
    ads_hosts = ("doubleclick.net", "googleadservices.com", "googlesyndication.com")
    if (any(_on(t.host, d) for d in ads_hosts) or _is_google(t.host)) and path.startswith(
        ("/pagead/", "/ads/ga-audiences")
    ):
        return "google-ads"
    if _on(t.host, "ads.linkedin.com") and (path.endswith("/collect") or path == "/wa"):
        return "linkedin"
    if _on(t.host, "analytics.tiktok.com") and path.startswith("/api/v2/pixel"):
        return "tiktok"
    return None


def wants_body(url: str) -> bool:
    """Whether a POST to ``url`` is a pixel or analytics hit whose body :func:`decode` reads."""
    t = _target(url)
    return t is not None and _vendor(t) is not None


def decode(url: str, method: str = "GET", body: str | None = None) -> Payload | None:
    """What a request to a known pixel or analytics endpoint sent; ``None`` for others.

    ``body`` is the POST body as text (at most :data:`MAX_BODY` characters are read).
    A body that cannot be read is ignored: the URL alone still says a lot.
    """
    t = _target(url)
    vendor = _vendor(t) if t is not None else None
    if t is None or vendor is None:
        return None
    text = body[:MAX_BODY] if body and method.upper() != "GET" else None
    b = _Builder(vendor)
    _DECODERS[vendor](b, t, text)
    return b.build()


# ----------------------------------------------------------------------- body forms


def _body_fields(text: str | None) -> list[tuple[str, str]]:
    """Name/value pairs of a URL-encoded or multipart form body; ``[]`` otherwise."""
    if not text:
        return []
    stripped = text.lstrip()
    if stripped.startswith("--"):
        return _multipart(stripped)
    if stripped.startswith(("{", "[")):
        return []
    try:
        return parse_qsl(stripped.replace("\r\n", "&").replace("\n", "&"), keep_blank_values=True)
    except ValueError:
        return []


_PART_RE = re.compile(r'name="([^"]*)"\r?\n(?:[^\r\n]+\r?\n)*\r?\n(.*?)\r?\n--', re.DOTALL)


def _multipart(text: str) -> list[tuple[str, str]]:
    """Fields of a ``multipart/form-data`` body (``FormData``), text parts only."""
    return [(m.group(1), m.group(2)) for m in _PART_RE.finditer(text)]


def _json(text: str | None) -> object:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _flatten(value: object, prefix: str = "") -> Iterator[tuple[str, object]]:
    """Leaves of a JSON document as (``a.b.c``, value); lists of scalars stay one value."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _flatten(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        for i, v in enumerate(value):
            yield from _flatten(v, f"{prefix}[{i}]")
    else:
        yield prefix, value


# --------------------------------------------------------------------------- vendors


def _meta(b: _Builder, t: _Target, body: str | None) -> None:
    """Meta pixel (``facebook.com/tr``): ``id`` pixel, ``ev`` event, ``cd[…]`` custom data,
    ``ud[…]`` advanced matching (personal data, normally SHA-256 hashed by the pixel)."""
    fields = list(t.query)
    form = _body_fields(body)
    if form:
        b.from_body = True
        fields += form
    for name, value in fields:
        if name == "id":
            b.account = b.account or value
        elif name == "ev":
            if value not in b.events:
                b.event(value)
        elif name.startswith("ud[") and name.endswith("]"):
            b.personal_field(name, value)
        elif name in ("dl", "rl", "fbp", "fbc", "eid") or name.startswith("cd["):
            b.param(name, value)
    b.scan_values((n, v) for n, v in fields if not n.startswith("ud["))


_GOOGLE_PARAMS = frozenset(
    {"cid", "sid", "dl", "dr", "dt", "dp", "gcs", "gcd", "dma", "_p", "aip", "ul", "ec", "ea", "el"}
)
"""Google Analytics parameters shown: client and session id, page, consent state, event."""


def _google_fields(b: _Builder, name: str, value: str) -> None:
    """A parameter of a Google Analytics or Ads hit."""
    if name in ("tid",):
        b.account = b.account or value
    elif name == "npa":
        b.flag("non-personalised-ads" if value == "1" else "personalised-ads")
        b.param(name, value)
    elif name == "em" or name.startswith("ep.user_data"):
        b.personal_field(name, value)
    elif name in _GOOGLE_PARAMS or name.startswith(("ep.", "epn.", "up.", "upn.", "pr")):
        b.param(name, value)


def _ga4(b: _Builder, t: _Target, body: str | None) -> None:
    """Google Analytics 4 (``/g/collect?v=2``): ``tid`` measurement id, ``en`` event (one
    per body line when batched), ``cid`` client id, ``uid`` user id, ``ep.*`` event
    parameters; hits to ``stats.g.doubleclick.net`` feed Google's ad audiences."""
    if _on(t.host, "doubleclick.net"):
        b.flag("remarketing")
    fields = list(t.query)
    lines = [ln for ln in (body or "").replace("\r\n", "\n").split("\n") if ln.strip()]
    url_events = [v for k, v in fields if k == "en"]
    for v in url_events:
        b.event(v)
    for line in lines:
        try:
            parsed = parse_qsl(line.strip(), keep_blank_values=True)
        except ValueError:
            continue
        if parsed:
            b.from_body = True
            fields += parsed
            b.event(next((v for k, v in parsed if k == "en"), None))
    for name, value in fields:
        if name != "en":
            _google_fields(b, name, value)
    b.scan_values(fields)


def _universal(b: _Builder, t: _Target, body: str | None) -> None:
    """Universal Analytics (``/collect?v=1``): ``t`` hit type (the event), ``tid``
    property, ``cid`` client id, ``uid`` user id, ``ec``/``ea`` event category and action."""
    fields = list(t.query)
    form = _body_fields(body)
    if form:
        b.from_body = True
        fields += form
    for name, value in fields:
        if name == "t":
            b.event(value)
        else:
            _google_fields(b, name, value)
    b.scan_values(fields)


_ADS_ID_RE = re.compile(
    r"/pagead/(?:viewthroughconversion|conversion|1p-user-list|1p-conversion)/(\d+)"
)


def _ads(b: _Builder, t: _Target, body: str | None) -> None:
    """Google Ads conversion and remarketing tags (``/pagead/…/<conversion id>/``):
    remarketing hits (``viewthroughconversion``, ``1p-user-list``, GA audiences) are
    flagged; ``label``, ``value``, ``url``; ``em`` carries enhanced-conversion data."""
    path = t.path
    found = _ADS_ID_RE.search(path)
    if found:
        b.account = f"AW-{found.group(1)}"
    if "viewthroughconversion" in path or "1p-user-list" in path or "ga-audiences" in path:
        b.flag("remarketing")
    b.event("conversion" if "/conversion/" in path or "1p-conversion" in path else None)
    fields = list(t.query) + _body_fields(body)
    for name, value in fields:
        if name == "data":
            for part in value.split(";"):
                key, _, val = part.partition("=")
                if key == "event":
                    b.event(val)
        elif name in ("label", "value", "currency_code", "url", "ref", "tiba", "rmkt"):
            b.param(name, value)
        else:
            _google_fields(b, name, value)
    b.scan_values(fields)


def _linkedin(b: _Builder, t: _Target, body: str | None) -> None:
    """LinkedIn Insight Tag: ``/collect?pid=…&conversionId=…&url=…`` (an image) or a JSON
    POST to ``/wa/`` (``pids``, ``url``, hashed e-mail ``hem``)."""
    query = dict(t.query)
    b.account = query.get("pid")
    if "conversionId" in query:
        b.event(f"conversion {query['conversionId']}")
    else:
        b.event("pageview")
    for name in ("url", "fmt", "li_fat_id"):
        b.param(name, query.get(name))
    document = _json(body)
    if isinstance(document, dict):
        b.from_body = True
        pids = document.get("pids")
        if isinstance(pids, list) and pids:
            b.account = b.account or ",".join(str(p) for p in pids)
        leaves = list(_flatten(document))
        for name, value in leaves:
            if name in ("url", "pageUrl", "domain", "liFatId", "pageTitle"):
                b.param(name, value)
        b.scan_values(leaves)
    b.scan_values(t.query)


def _tiktok(b: _Builder, t: _Target, body: str | None) -> None:
    """TikTok pixel: JSON POSTs to ``/api/v2/pixel`` (``event``, ``pixel_code``,
    ``context.page.url``, ``context.user`` with hashed e-mail, phone and external id;
    ``batch`` for several events)."""
    query = dict(t.query)
    b.account = query.get("sdkid") or query.get("pixel_code")
    b.event(query.get("event"))
    document = _json(body)
    events = []
    if isinstance(document, dict):
        batch = document.get("batch")
        events = (
            [e for e in batch if isinstance(e, dict)] if isinstance(batch, list) else [document]
        )
    for event in events:
        b.from_body = True
        b.event(str(event.get("event") or "") or None)
        b.account = b.account or str(event.get("pixel_code") or "") or None
        leaves = list(_flatten(event))
        for name, value in leaves:
            if name.startswith("context.user.") and _leaf(name) != "anonymous_id":
                b.personal_field(name, value, user_id=_leaf(name) in USER_ID_KEYS)
            elif name in ("context.page.url", "context.page.referrer", "event_id") or (
                name.startswith("properties.")
            ):
                b.param(name, value)
        b.scan_values(leaves)
    b.scan_values(t.query)


_Decoder = Callable[[_Builder, _Target, str | None], None]

_DECODERS: Mapping[str, _Decoder] = MappingProxyType(
    {
        "meta": _meta,
        "google-analytics-4": _ga4,
        "universal-analytics": _universal,
        "google-ads": _ads,
        "linkedin": _linkedin,
        "tiktok": _tiktok,
    }
)
"""Format → its reader; the keys are the values of ``Payload.vendor``."""
