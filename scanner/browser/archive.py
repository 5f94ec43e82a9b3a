"""The visitor's HTTP Archive (HAR 1.2), written from the DevTools network events the
visitor receives anyway.

Why not Playwright's recorder (``record_har_path``): to fill in sizes it reads every
response's body through DevTools, bodies left out or not (a round trip, and the
body copied into the automation, for every request a page makes). This archive
costs no call into the browser unless bodies are asked for (``--har-content``):
then each finished response's body is read once, as Playwright would.

One archive per visitor, from its first navigation until its browser closes: every
request of its page and of the page's workers (their request ids are prefixed with
the worker's DevTools session, so they cannot clash), each redirect hop an entry of
its own, failed and unfinished requests included (status 0, ``_failureText``).
Requests DevTools never saw (a worker's first, a service worker's script) come from
the automation's view (:meth:`Archive.missed`), with what it knows.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..models import Har, Phase
from .instruments.network import _post_data
from .instruments.workers import SeenRequest

ARCHIVE_EVENTS = frozenset(
    {
        "Network.requestWillBeSent",
        "Network.requestWillBeSentExtraInfo",
        "Network.responseReceived",
        "Network.responseReceivedExtraInfo",
        "Network.loadingFinished",
        "Network.loadingFailed",
    }
)
"""The DevTools events an archive is written from."""

_PROTOCOLS = {"http/1.0": "HTTP/1.0", "http/1.1": "HTTP/1.1", "h2": "HTTP/2", "h3": "HTTP/3"}


@dataclass
class _Entry:
    """One request hop as it is being recorded."""

    started: float
    """Wall time (s since the epoch) the request started."""
    method: str
    url: str
    headers: dict[str, str]
    post: dict[str, str] | None
    resource_type: str
    request_time: float | None = None
    """DevTools' monotonic clock (s) when it started, to time the phases against."""
    sent_headers: dict[str, str] | None = None
    """The headers as sent (cookies included), when DevTools told them."""
    response: dict[str, Any] | None = None
    raw_headers: dict[str, str] | None = None
    """The response's headers as received (``Set-Cookie`` included), when told."""
    redirect_url: str = ""
    body_size: int = -1
    finished_at: float | None = None
    failure: str | None = None
    content: dict[str, Any] = field(default_factory=dict)


class Archive:
    """Entries built from :data:`ARCHIVE_EVENTS` (:meth:`event`), then :meth:`har`."""

    def __init__(
        self, *, content: bool, browser_version: str, creator_version: str, limit: int
    ) -> None:
        self.content = content
        self.limit = limit
        """Bytes of bodies beyond which the archive is not kept (a scan's memory stays
        bounded): the bodies stop being held as soon as they pass it."""
        self._browser = browser_version
        self._creator = creator_version
        self._entries: list[_Entry] = []
        self._current: dict[str, _Entry] = {}
        """The latest hop of each request (a redirect's next hop replaces it)."""
        self._early_sent: dict[str, dict[str, str]] = {}
        self._early_received: dict[str, dict[str, str]] = {}
        """Extra-info headers that came before their request or response."""
        self._body_bytes = 0

    def event(self, method: str, params: dict[str, Any], source: str = "") -> None:
        """A DevTools network event; ``source``: the worker session it came from."""
        request_id = params.get("requestId")
        if not isinstance(request_id, str):
            return
        key = f"{source}:{request_id}" if source else request_id
        if method == "Network.requestWillBeSent":
            self._request(key, params)
        elif method == "Network.requestWillBeSentExtraInfo":
            headers = _headers(params.get("headers"))
            entry = self._current.get(key)
            if entry is not None and entry.sent_headers is None:
                entry.sent_headers = headers
            else:
                self._early_sent[key] = headers
        elif method == "Network.responseReceived":
            entry = self._current.get(key)
            if entry is not None and isinstance(params.get("response"), dict):
                entry.response = params["response"]
                if key in self._early_received:
                    entry.raw_headers = self._early_received.pop(key)
        elif method == "Network.responseReceivedExtraInfo":
            headers = _headers(params.get("headers"))
            entry = self._current.get(key)
            if entry is not None and entry.response is not None and entry.raw_headers is None:
                entry.raw_headers = headers
            else:
                self._early_received[key] = headers
        elif method == "Network.loadingFinished":
            entry = self._current.get(key)
            if entry is not None:
                entry.finished_at = _number(params.get("timestamp"))
                received = _number(params.get("encodedDataLength"))
                head = _number((entry.response or {}).get("encodedDataLength")) or 0
                if received is not None:
                    entry.body_size = max(0, int(received - head))
        elif method == "Network.loadingFailed":
            entry = self._current.get(key)
            if entry is not None:
                entry.finished_at = _number(params.get("timestamp"))
                entry.failure = str(params.get("errorText") or "failed")

    def _request(self, key: str, params: dict[str, Any]) -> None:
        request = params.get("request")
        if not isinstance(request, dict):
            return
        previous = self._current.get(key)
        redirect = params.get("redirectResponse")
        if previous is not None and isinstance(redirect, dict):
            previous.response = redirect
            previous.redirect_url = str(request.get("url", ""))
            previous.finished_at = _number(params.get("timestamp"))
            previous.body_size = 0
        entry = _Entry(
            started=_number(params.get("wallTime")) or 0.0,
            method=str(request.get("method", "GET")),
            url=str(request.get("url", "")) + str(request.get("urlFragment", "")),
            headers=_headers(request.get("headers")),
            post=_post(request),
            resource_type=str(params.get("type", "Other")).lower(),
            request_time=_number(params.get("timestamp")),
        )
        if key in self._early_sent:
            entry.sent_headers = self._early_sent.pop(key)
        self._entries.append(entry)
        self._current[key] = entry

    def wants_body(self, request_id: str) -> bool:
        """Whether the body of this finished response belongs in the archive."""
        entry = self._current.get(request_id)
        return self.content and entry is not None and entry.response is not None

    def body(self, request_id: str, body: str, base64_encoded: bool) -> None:
        """A response's body as DevTools gave it (``Network.getResponseBody``)."""
        entry = self._current.get(request_id)
        if entry is None or self._body_bytes > self.limit:
            return
        self._body_bytes += len(body)
        if self._body_bytes > self.limit:
            return
        entry.content = {"text": body, **({"encoding": "base64"} if base64_encoded else {})}
        size = len(base64.b64decode(body)) if base64_encoded else len(body.encode("utf-8"))
        entry.content["size"] = size

    def missed(self, seen: SeenRequest, wall: float) -> None:
        """A request DevTools did not see, as the automation saw it finish (started at
        ``wall``, seconds since the epoch)."""
        entry = _Entry(
            started=wall,
            method=seen.method,
            url=seen.url,
            headers={},
            post=None,
            resource_type=seen.resource_type,
            failure=seen.failed,
        )
        if seen.status is not None:
            entry.response = {"status": seen.status, "statusText": "", "headers": {}}
            if seen.remote_ip:
                entry.response["remoteIPAddress"] = seen.remote_ip
        self._entries.append(entry)

    def har(self, phase: Phase) -> Har | None:
        """The archive as HAR 1.2 JSON; ``None`` when larger than :attr:`limit` bytes
        (with bodies, a huge site's)."""
        limit = self.limit
        if self._body_bytes > limit:
            return None
        document = {
            "log": {
                "version": "1.2",
                "creator": {"name": "privacyscan", "version": self._creator},
                "browser": {"name": "Chromium", "version": self._browser},
                "entries": [_har_entry(e) for e in self._entries],
            }
        }
        data = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if len(data) > limit:
            return None
        return Har(
            phase=phase,
            entries=len(self._entries),
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            content=self.content,
            data=data.decode("utf-8"),
        )


def _har_entry(entry: _Entry) -> dict[str, Any]:
    response = entry.response or {}
    sent = entry.sent_headers if entry.sent_headers is not None else entry.headers
    received = (
        entry.raw_headers if entry.raw_headers is not None else _headers(response.get("headers"))
    )
    version = _PROTOCOLS.get(str(response.get("protocol", "")).lower(), "")
    mime = str(response.get("mimeType", "")) or _header(received, "content-type")
    timings = _timings(entry, response)
    har: dict[str, Any] = {
        "startedDateTime": _iso(entry.started),
        # HAR's connect includes its ssl: not counted twice.
        "time": round(sum(v for k, v in timings.items() if v > 0 and k != "ssl"), 3),
        "request": {
            "method": entry.method,
            "url": entry.url,
            "httpVersion": version,
            "cookies": _request_cookies(_header(sent, "cookie")),
            "headers": _pairs(sent),
            "queryString": [
                {"name": k, "value": v}
                for k, v in parse_qsl(urlsplit(entry.url).query, keep_blank_values=True)
            ],
            "headersSize": -1,
            "bodySize": len(entry.post["text"].encode("utf-8")) if entry.post else 0,
        },
        "response": {
            "status": int(response.get("status", 0) or 0),
            "statusText": str(response.get("statusText", "")),
            "httpVersion": version,
            "cookies": _response_cookies(_header(received, "set-cookie")),
            "headers": _pairs(received),
            "content": {
                "size": entry.body_size,
                "mimeType": mime or "x-unknown",
                **entry.content,
            },
            "redirectURL": entry.redirect_url or _header(received, "location"),
            "headersSize": -1,
            "bodySize": entry.body_size,
        },
        "cache": {},
        "timings": timings,
        "_resourceType": entry.resource_type,
    }
    if entry.post is not None:
        har["request"]["postData"] = entry.post
    if response.get("remoteIPAddress"):
        har["serverIPAddress"] = str(response["remoteIPAddress"])
    if response.get("connectionId"):
        har["connection"] = str(response["connectionId"])
    if entry.failure is not None:
        har["response"]["_failureText"] = entry.failure
    return har


def _timings(entry: _Entry, response: dict[str, Any]) -> dict[str, float]:
    """HAR's phases from DevTools' resource timing (ms from its ``requestTime``); a
    phase it did not report is -1 (dns, connect, ssl, blocked) or 0 (send, wait,
    receive, which HAR requires)."""
    timing = response.get("timing")
    out = {"blocked": -1.0, "dns": -1.0, "connect": -1.0, "ssl": -1.0}
    out.update(send=0.0, wait=0.0, receive=0.0)
    if not isinstance(timing, dict):
        if entry.request_time is not None and entry.finished_at is not None:
            out["wait"] = round(max(0.0, (entry.finished_at - entry.request_time) * 1000), 3)
        return out

    def span(start: str, end: str) -> float:
        a, b = _number(timing.get(start)), _number(timing.get(end))
        return round(b - a, 3) if a is not None and b is not None and a >= 0 and b >= a else -1.0

    out["dns"] = span("dnsStart", "dnsEnd")
    out["connect"] = span("connectStart", "connectEnd")
    out["ssl"] = span("sslStart", "sslEnd")
    firsts = [_number(timing.get(k)) for k in ("dnsStart", "connectStart", "sendStart")]
    first = next((v for v in firsts if v is not None and v >= 0), None)
    out["blocked"] = round(first, 3) if first is not None else -1.0
    out["send"] = max(0.0, span("sendStart", "sendEnd"))
    out["wait"] = max(0.0, span("sendEnd", "receiveHeadersEnd"))
    started = _number(timing.get("requestTime"))
    headers_end = _number(timing.get("receiveHeadersEnd"))
    if started is not None and headers_end is not None and entry.finished_at is not None:
        out["receive"] = round(max(0.0, (entry.finished_at - started) * 1000 - headers_end), 3)
    return out


def _headers(value: Any) -> dict[str, str]:
    """DevTools' headers object (several values of one name joined by newlines)."""
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items()}


def _pairs(headers: dict[str, str]) -> list[dict[str, str]]:
    return [
        {"name": name, "value": one} for name, value in headers.items() for one in value.split("\n")
    ]


def _header(headers: dict[str, str], name: str) -> str:
    return next((v for k, v in headers.items() if k.lower() == name), "")


def _request_cookies(header: str) -> list[dict[str, str]]:
    pairs = (part.strip().partition("=") for part in header.split(";") if part.strip())
    return [{"name": name, "value": value} for name, _, value in pairs]


def _response_cookies(header: str) -> list[dict[str, str]]:
    cookies = []
    for line in header.split("\n"):
        name, eq, value = line.split(";", 1)[0].strip().partition("=")
        if eq:
            cookies.append({"name": name, "value": value})
    return cookies


def _post(request: dict[str, Any]) -> dict[str, str] | None:
    if not request.get("hasPostData"):
        return None
    mime = _header(_headers(request.get("headers")), "content-type")
    return {"mimeType": mime, "text": _post_data(request) or ""}


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _iso(wall: float) -> str:
    moment = datetime.datetime.fromtimestamp(wall, tz=datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
