"""robots.txt and sitemaps, fetched by a small client outside the measured browser.

These requests are the scanner's own, not a visitor's: sent through Chromium they
would show up in the capture (and could set cookies). So they go through
``http.client`` and ``ssl`` instead, reaching hosts the way the browser does:
``map_hosts`` rules like Chromium's ``--host-resolver-rules``, and the same
certificate exceptions (``ignore_cert_errors``, ``trust_cert_spki``). Every failure
is ``None`` (or an empty list): a missing sitemap must never stop a scan.

**No server can hold it.** Every operation has one deadline for all of it: DNS (in a
daemon thread that is abandoned when late), connect, TLS handshake, request, headers
and the whole body. Each read is given the time left as its socket timeout and the
clock is checked before every read, so a server that trickles one byte a second ends
at the deadline like one that never answers. Bodies have a size cap before and after
gzip. Plain ``http.client`` was kept rather than adding httpx: httpx's timeouts are
per read (a trickle defeats them, a total needs cancellation around it) and pinning a
certificate by its public key while connecting to a chosen address would need a
custom transport; the deadline here is twenty lines.

**Only where the site may send it** (``scanner.netguard``). With a ``scope``, only
URLs on the site's own registrable domains are fetched, each redirect checked again.
A host is resolved once, each address checked, and the connection made to a checked
address (never a second resolution), so neither an IP literal nor a DNS name pointing
inside reaches loopback, private, link-local (cloud metadata), CGNAT, multicast or
reserved addresses. An address a ``map_hosts`` rule names is the user's choice and is
allowed, like everything with ``allow_private_network``. An internal address a site
names is kept as a :class:`Refusal` (a finding for the report); nothing is sent to it.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import io
import ipaddress
import re
import socket
import ssl
import threading
import time
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import urljoin, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from scanner import __version__
from scanner.config import CaptureOptions
from scanner.domains import SiteScope
from scanner.netguard import address_kind, host_kind, is_map_target

__all__ = [
    "Answer",
    "Deadline",
    "Discovery",
    "Probe",
    "Refusal",
    "Resolution",
    "Resolve",
    "discover_sitemap_urls",
    "discover_sitemaps",
    "fetch_bytes",
    "fetch_text",
    "map_host",
    "parse_sitemap",
    "resolver",
    "sitemaps_in_robots",
]

USER_AGENT = f"privacyscan/{__version__} (robots.txt and sitemap reader)"
"""Honest about being a tool: these requests are not a visitor's."""

MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ROBOTS_MAX_BYTES = 500_000
"""Google reads only the first 500 KiB of a robots.txt; so do we."""
SITEMAP_MAX_BYTES = 10_000_000
"""Per sitemap file after decompression (the protocol allows 50 MB; we need far less)."""
FETCH_TIMEOUT_S = 10.0
"""One file, redirects included: DNS, connect, TLS, headers and the whole body."""
DISCOVERY_TIMEOUT_S = 30.0
"""robots.txt and every sitemap of one site together."""
CHUNK = 65_536
GZIP_MAGIC = b"\x1f\x8b"
NOT_FOUND = "~NOTFOUND"
"""A ``map_hosts`` target meaning "this host does not resolve" (as in Chromium)."""

_SITEMAP_LINE = re.compile(r"^\s*sitemap\s*:\s*(\S+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Resolution:
    """Where a host is: socket addresses, and whether a ``map_hosts`` rule chose them."""

    addresses: tuple[tuple[str, int], ...]
    mapped: bool = False
    """A rule chose them: the user's choice, not checked. DNS answers are checked."""


Resolve = Callable[[str, int], Resolution]
"""How a host name becomes addresses: ``map_hosts`` rules, then DNS (:func:`resolver`).
A test stands in for it to make a name resolve inside without touching DNS."""


def resolver(map_hosts: Sequence[str]) -> Resolve:
    """``map_hosts`` rules like Chromium's ``MAP``, then DNS (``getaddrinfo``)."""

    def resolve(host: str, port: int) -> Resolution:
        target = _rule_for(host, port, map_hosts)
        if target is not None:
            if target[0] == NOT_FOUND:
                raise OSError(f"{host} does not resolve (map_hosts)")
            return Resolution((target,), mapped=True)
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        found = dict.fromkeys((str(info[4][0]), int(info[4][1])) for info in infos)
        return Resolution(tuple(found))

    return resolve


@dataclass(frozen=True, slots=True)
class Refusal:
    """A URL a site pointed the sitemap reader at, refused because it is internal."""

    url: str
    kind: str
    """The address's range: ``loopback``, ``private``, ``link-local``, … (``scanner.netguard``)."""
    address: str
    """The refused IP address (or ``localhost`` name)."""
    referrer: str
    """The robots.txt, sitemap or redirecting URL that named it."""


@dataclass(frozen=True, slots=True)
class Discovery:
    """What :func:`discover_sitemaps` found: page URLs and refused internal URLs."""

    urls: tuple[str, ...] = ()
    refusals: tuple[Refusal, ...] = ()


class Answer(NamedTuple):
    """One HTTP answer, not followed: what the security probes look at."""

    status: int
    location: str | None
    """The ``Location`` header of a redirect."""
    body: bytes | None
    """The body of a 200 (within the size cap), else ``None``."""
    content_type: str | None


class _Refused(Exception):
    def __init__(self, kind: str, address: str) -> None:
        super().__init__(f"{kind} address {address}")
        self.kind = kind
        self.address = address


class _Deadline:
    """A point in time; ``left()`` is the time until then, or TimeoutError once past."""

    def __init__(self, seconds: float, cap: float | None = None) -> None:
        at = time.monotonic() + seconds
        self.at = min(at, cap) if cap is not None else at

    def left(self) -> float:
        left = self.at - time.monotonic()
        if left <= 0:
            raise TimeoutError("deadline passed")
        return left


class _BoundedIO(io.RawIOBase):
    """A socket's reads, each with the time left as timeout and the clock checked first."""

    def __init__(self, sock: socket.socket, deadline: _Deadline) -> None:
        super().__init__()
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self._sock.settimeout(self._deadline.left())
        return self._sock.recv_into(buffer)


class _BoundedSocket:
    """What ``http.client`` uses of a socket (``sendall``, ``makefile``, ``close``),
    bounded by the deadline however slowly the server answers. ``close`` leaves the
    socket to its owner: ``http.client`` closes the connection of a response marked
    ``Connection: close`` while the body is still to be read."""

    def __init__(self, sock: socket.socket, deadline: _Deadline) -> None:
        self._sock = sock
        self._deadline = deadline

    def sendall(self, data: bytes) -> None:
        self._sock.settimeout(self._deadline.left())
        self._sock.sendall(data)

    def makefile(self, mode: str, *args: Any, **kwargs: Any) -> io.BufferedReader:
        return io.BufferedReader(_BoundedIO(self._sock, self._deadline), CHUNK)

    def close(self) -> None:
        """The caller closes the socket once the response is read."""


def _rule_for(host: str, port: int, rules: Sequence[str]) -> tuple[str, int] | None:
    """The target of the first ``PATTERN=IP[:PORT]`` rule matching ``host``, else ``None``."""
    host = host.lower()
    for rule in rules:
        pattern, eq, target = rule.partition("=")
        if not eq:
            continue
        regex = ".*".join(re.escape(p) for p in pattern.strip().lower().split("*"))
        if not (re.fullmatch(regex, host) or re.fullmatch(regex, f"{host}:{port}")):
            continue
        target = target.strip()
        if target.startswith("["):
            ip, _, rest = target[1:].partition("]")
            new_port = rest.removeprefix(":")
        elif target.count(":") == 1:
            ip, _, new_port = target.partition(":")
        else:
            ip, new_port = target, ""
        return ip, int(new_port) if new_port else port
    return None


def map_host(host: str, port: int, rules: tuple[str, ...]) -> tuple[str, int]:
    """Where to connect for ``host:port`` under ``PATTERN=IP[:PORT]`` rules.

    Like Chromium's ``MAP pattern ip[:port]``: the first rule whose pattern (``*``
    matches anything, dots included) matches the host, or ``host:port``, wins; a port
    in the rule replaces the URL's port whatever the scheme. No match: the host itself.
    """
    return _rule_for(host, port, rules) or (host.lower(), port)


def _spki_sha256(cert_der: bytes) -> str:
    """Base64 SHA-256 of the certificate's public key, as Chromium's SPKI list has it."""
    cert = x509.load_der_x509_certificate(cert_der)
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(spki).digest()).decode("ascii")


def _unverified_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _connect(address: tuple[str, int], deadline: _Deadline) -> socket.socket:
    sock = socket.create_connection(address, timeout=deadline.left())
    sock.settimeout(deadline.left())
    return sock


def _tls(
    context: ssl.SSLContext, address: tuple[str, int], host: str, deadline: _Deadline
) -> ssl.SSLSocket:
    # CPython bounds the whole handshake by the socket's timeout, not each read.
    return context.wrap_socket(_connect(address, deadline), server_hostname=host)


def _open(
    scheme: str, host: str, address: tuple[str, int], options: CaptureOptions, deadline: _Deadline
) -> socket.socket:
    """A connected socket; for https a TLS one with SNI ``host``, checked as Chromium would."""
    if scheme == "http":
        return _connect(address, deadline)
    if options.ignore_cert_errors:
        return _tls(_unverified_context(), address, host, deadline)
    if options.trust_cert_spki:
        # Handshake without verification, then accept only a pinned public key; any other
        # certificate must pass the normal checks on a fresh connection below.
        tls = _tls(_unverified_context(), address, host, deadline)
        der = tls.getpeercert(binary_form=True)
        if der and _spki_sha256(der) in options.trust_cert_spki:
            return tls
        tls.close()
    return _tls(ssl.create_default_context(), address, host, deadline)


def _within(resolve: Resolve, host: str, port: int, deadline: _Deadline) -> Resolution:
    """``resolve`` in a daemon thread: ``getaddrinfo`` has no timeout, a late one is left."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["resolution"] = resolve(host, port)
        except Exception as exc:  # reported to the caller below
            box["error"] = exc

    thread = threading.Thread(target=run, name="privacyscan-dns", daemon=True)
    thread.start()
    thread.join(deadline.left())
    if "error" in box:
        raise box["error"]
    if "resolution" not in box:
        raise TimeoutError(f"resolving {host} took too long")
    resolution: Resolution = box["resolution"]
    return resolution


def _read(response: http.client.HTTPResponse, max_bytes: int) -> bytes | None:
    """The body, or ``None`` when it exceeds ``max_bytes`` (the deadline is in the socket)."""
    length = response.getheader("Content-Length")
    if length and length.strip().isdigit() and int(length) > max_bytes:
        return None
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = response.read(CHUNK)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > max_bytes:
            return None
        chunks.append(chunk)


def _gunzip(data: bytes, max_bytes: int) -> bytes | None:
    """Decompress gzip with a limit on the output: a small file can hide a huge one."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, max_bytes + 1)
    except zlib.error:
        return None
    if len(out) > max_bytes or inflater.unconsumed_tail:
        return None
    return out


def _ip_literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


@dataclass
class _Client:
    """One site's fetches: its scope, its address checks and the refusals they made."""

    options: CaptureOptions
    scope: SiteScope | None = None
    resolve: Resolve | None = None
    refusals: list[Refusal] = field(default_factory=list)
    requests: int = 0
    """Requests tried (refused and out-of-scope URLs are never tried)."""

    def fetch(
        self, url: str, *, max_bytes: int, deadline: _Deadline, referrer: str = ""
    ) -> bytes | None:
        """The body of an http(s) URL after at most 5 redirects; ``None`` unless it ends
        in 200, or when it is out of scope or internal (then kept in ``refusals``)."""
        current = url.strip()
        previous = referrer
        try:
            for _ in range(MAX_REDIRECTS + 1):
                result = self._request(current, max_bytes, deadline, previous)
                if result is None:
                    return None
                status, location, body, _ = result
                if status == 200:
                    return body
                if status not in REDIRECT_STATUSES or not location:
                    return None
                previous, current = current, urljoin(current, location.strip())
                if urlsplit(current).scheme.lower() not in ("http", "https"):
                    return None
        except Exception:  # any network, TLS, HTTP or parsing failure: no sitemap, no problem
            return None
        return None

    def _refuse(self, url: str, kind: str, address: str, referrer: str) -> None:
        refusal = Refusal(url=url, kind=kind, address=address, referrer=referrer)
        if refusal not in self.refusals:
            self.refusals.append(refusal)

    def _addresses(self, host: str, port: int, deadline: _Deadline) -> list[tuple[str, int]]:
        """Where ``host:port`` may be reached, checked; :class:`_Refused` when nowhere."""
        options = self.options
        rules = options.map_hosts
        guard = not options.allow_private_network
        kind = host_kind(host)
        if guard and kind is not None and not is_map_target(host, port, rules):
            explicit = [r for r in rules if "*" not in r.partition("=")[0]]
            if _rule_for(host, port, explicit) is None:  # only a rule naming this very host
                raise _Refused(kind, _ip_literal(host) or host)
        resolve = self.resolve or resolver(rules)
        resolution = _within(resolve, host, port, deadline)
        if resolution.mapped or not guard:
            return list(resolution.addresses)
        allowed: list[tuple[str, int]] = []
        refused: tuple[str, str] | None = None
        for address, address_port in resolution.addresses:
            address_range = address_kind(address)
            if address_range is None or is_map_target(address, address_port, rules):
                allowed.append((address, address_port))
            elif refused is None:
                refused = (address_range, address)
        if not allowed and refused is not None:
            raise _Refused(*refused)
        return allowed

    def _request(
        self, url: str, max_bytes: int, deadline: _Deadline, referrer: str
    ) -> Answer | None:
        """One GET: (status, Location, body of a 200, Content-Type), or ``None`` when
        refused or failed."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").lower()
        if scheme not in ("http", "https") or not host:
            return None
        default_port = 443 if scheme == "https" else 80
        port = parts.port or default_port
        internal = host_kind(host)
        if self.scope is not None and not self.scope.contains(url):
            if internal is not None and not self.options.allow_private_network:
                self._refuse(url, internal, _ip_literal(host) or host, referrer)
            return None
        try:
            addresses = self._addresses(host, port, deadline)
        except _Refused as refused:
            self._refuse(url, refused.kind, refused.address, referrer)
            return None
        sock: socket.socket | None = None
        self.requests += 1 if addresses else 0
        for address in addresses:
            try:
                sock = _open(scheme, host, address, self.options, deadline)
                break
            except TimeoutError:
                raise
            except OSError:
                continue
        if sock is None:
            return None
        connection = http.client.HTTPConnection(host, port)
        connection.sock = _BoundedSocket(sock, deadline)
        try:
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            name = f"[{host}]" if ":" in host else host
            connection.putrequest("GET", target, skip_host=True, skip_accept_encoding=True)
            connection.putheader("Host", name if port == default_port else f"{name}:{port}")
            connection.putheader("User-Agent", USER_AGENT)
            connection.putheader("Accept", "*/*")
            connection.putheader("Accept-Encoding", "gzip")
            connection.putheader("Connection", "close")
            connection.endheaders()
            response = connection.getresponse()
            content_type = response.getheader("Content-Type")
            if response.status != 200:
                return Answer(response.status, response.getheader("Location"), None, content_type)
            if max_bytes < 0:  # the answer only, not its body
                return Answer(200, None, None, content_type)
            body = _read(response, max_bytes)
            if body is None:
                return None
            encoding = (response.getheader("Content-Encoding") or "").strip().lower()
            if encoding in ("gzip", "x-gzip") or body.startswith(GZIP_MAGIC):
                body = _gunzip(body, max_bytes)
                if body is not None and body.startswith(GZIP_MAGIC):  # .xml.gz sent gzipped
                    body = _gunzip(body, max_bytes)
            elif encoding not in ("", "identity"):
                return None
            return Answer(200, None, body, content_type)
        finally:
            connection.close()
            sock.close()


Deadline = _Deadline
"""A deadline for one operation and everything in it (see the module docstring)."""


class Probe:
    """The security probes' access to one site's hosts, through this module's rules.

    Same scope (only the site's own domains), address checks (no internal address
    unless ``--map-host`` or ``--allow-private-network`` says so), ``--map-host``
    resolution and deadlines as the sitemap reader; :mod:`scanner.probe` decides what
    to ask. A refused or unreachable host raises ``OSError`` (``ConnectionRefusedError``
    for an address this module refuses), never reaches anything else.
    """

    def __init__(
        self, options: CaptureOptions, scope: SiteScope, resolve: Resolve | None = None
    ) -> None:
        self._client = _Client(options, scope, resolve)
        self.options = options

    def answer(self, url: str, *, max_bytes: int, deadline: _Deadline) -> Answer | None:
        """One request, redirects not followed; ``None`` when out of scope, refused or
        unanswered. A negative ``max_bytes`` reads no body. Network errors propagate
        (``OSError``, ``TimeoutError``)."""
        return self._client._request(url, max_bytes, deadline, "")

    def handshake(
        self, host: str, port: int, context: ssl.SSLContext, deadline: _Deadline
    ) -> ssl.SSLSocket:
        """A TLS handshake with ``host`` (SNI) under ``context``, on a checked address.

        The caller closes the socket. ``ConnectionRefusedError`` when the host is out of
        scope or internal; ``ssl.SSLError`` when the server refused the handshake.
        """
        scope = self._client.scope
        if scope is not None and not scope.contains(f"https://{host}/"):
            raise ConnectionRefusedError(f"{host} is not one of the site's hosts")
        try:
            addresses = self._client._addresses(host, port, deadline)
        except _Refused as refused:
            raise ConnectionRefusedError(str(refused)) from None
        error: OSError = ConnectionRefusedError(f"{host} has no address")
        for address in addresses:
            try:
                sock = _connect(address, deadline)
            except TimeoutError:
                raise
            except OSError as exc:
                error = exc
                continue
            try:
                return context.wrap_socket(sock, server_hostname=host)
            except BaseException:
                sock.close()
                raise
        raise error

    @staticmethod
    def spki(cert_der: bytes) -> str:
        """Base64 SHA-256 of a certificate's public key (``--trust-cert-spki``'s form)."""
        return _spki_sha256(cert_der)


def fetch_bytes(
    url: str,
    options: CaptureOptions,
    *,
    max_bytes: int = 5_000_000,
    timeout_s: float = FETCH_TIMEOUT_S,
    scope: SiteScope | None = None,
    resolve: Resolve | None = None,
) -> bytes | None:
    """The body of an http(s) URL after at most 5 redirects; ``None`` unless it ends in 200.

    ``timeout_s`` bounds the whole fetch, redirects included, however slowly the server
    answers; ``max_bytes`` bounds the body before and after gzip decompression. With a
    ``scope`` only URLs on the site's domains are fetched; internal addresses are never
    reached (see the module docstring).
    """
    client = _Client(options, scope, resolve)
    return client.fetch(url, max_bytes=max_bytes, deadline=_Deadline(timeout_s))


def fetch_text(
    url: str,
    options: CaptureOptions,
    *,
    max_bytes: int = 5_000_000,
    timeout_s: float = FETCH_TIMEOUT_S,
    scope: SiteScope | None = None,
    resolve: Resolve | None = None,
) -> str | None:
    """``fetch_bytes`` decoded as UTF-8 (bad bytes replaced); ``None`` on any failure."""
    body = fetch_bytes(
        url, options, max_bytes=max_bytes, timeout_s=timeout_s, scope=scope, resolve=resolve
    )
    return None if body is None else body.decode("utf-8", errors="replace")


def sitemaps_in_robots(robots: str, robots_url: str) -> list[str]:
    """The ``Sitemap:`` URLs of a robots.txt (any case), absolute, http(s), in order."""
    found: list[str] = []
    for line in robots.splitlines():
        match = _SITEMAP_LINE.match(line.split("#", 1)[0])
        if match is None:
            continue
        url = urljoin(robots_url, match.group(1))
        if urlsplit(url).scheme.lower() in ("http", "https") and url not in found:
            found.append(url)
    return found


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _locs(root: ET.Element, item: str) -> list[str]:
    urls: list[str] = []
    for element in root:
        if _local(element.tag) != item:
            continue
        for child in element:
            text = (child.text or "").strip()
            if _local(child.tag) == "loc" and text.lower().startswith(("http://", "https://")):
                urls.append(text)
    return urls


def parse_sitemap(data: bytes) -> tuple[list[str], list[str]] | None:
    """(page URLs, child sitemap URLs) of a sitemap, sitemap index or text sitemap.

    ``None`` for anything else, and for any document with a DOCTYPE or an ENTITY:
    without defusedxml, refusing them is what keeps entity expansion and external
    entities out.
    """
    if b"\x00" in data:  # UTF-16/32 would hide a DOCTYPE from the byte check below
        return None
    lowered = data.lower()
    if b"<!doctype" in lowered or b"<!entity" in lowered:
        return None
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<"):
        text = data.decode("utf-8", errors="replace")
        lines = (line.strip() for line in text.splitlines())
        return [u for u in lines if u.lower().startswith(("http://", "https://"))], []
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return None
    kind = _local(root.tag)
    if kind == "urlset":
        return _locs(root, "url"), []
    if kind == "sitemapindex":
        return [], _locs(root, "sitemap")
    return None


def discover_sitemaps(
    home_url: str,
    options: CaptureOptions,
    *,
    scope: SiteScope,
    resolve: Resolve | None = None,
    max_files: int = 10,
    max_urls: int = 5000,
    timeout_s: float = DISCOVERY_TIMEOUT_S,
) -> Discovery:
    """Page URLs from the site's sitemaps: robots.txt ``Sitemap:`` lines, then ``/sitemap.xml``.

    Sitemap indexes are followed depth first, so the files robots.txt names are read
    before the ``/sitemap.xml`` guess. At most ``max_files`` files are fetched
    (robots.txt and refused URLs not counted), at most ``max_urls`` URLs returned, in document order
    without duplicates, all within ``timeout_s`` (each file within
    :data:`FETCH_TIMEOUT_S`). Only files in ``scope`` (widened to the home page's
    domain) are fetched; internal addresses named on the way are in ``refusals``. Page
    URLs are returned as found; the crawl normalises them and keeps those in scope.
    """
    try:
        parts = urlsplit(home_url.strip())
        host = parts.hostname
        port = parts.port
    except ValueError:
        return Discovery()
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        return Discovery()
    total = time.monotonic() + timeout_s
    client = _Client(options, scope.including(home_url), resolve)
    origin = f"{scheme}://{f'[{host}]' if ':' in host else host}" + (f":{port}" if port else "")
    robots_url = f"{origin}/robots.txt"
    robots = client.fetch(
        robots_url, max_bytes=ROBOTS_MAX_BYTES, deadline=_Deadline(FETCH_TIMEOUT_S, total)
    )
    text = robots.decode("utf-8", errors="replace") if robots is not None else ""
    queue = [(url, robots_url) for url in sitemaps_in_robots(text, robots_url)]
    if all(url != f"{origin}/sitemap.xml" for url, _ in queue):
        queue.append((f"{origin}/sitemap.xml", home_url))
    queued = {url for url, _ in queue}
    urls: list[str] = []
    seen: set[str] = set()
    files = 0
    while queue and files < max_files and len(urls) < max_urls and time.monotonic() < total:
        url, referrer = queue.pop(0)
        tried = client.requests
        data = client.fetch(
            url,
            max_bytes=SITEMAP_MAX_BYTES,
            deadline=_Deadline(FETCH_TIMEOUT_S, total),
            referrer=referrer,
        )
        files += client.requests > tried  # a refused URL costs no file
        parsed = parse_sitemap(data) if data is not None else None
        if parsed is None:
            continue
        pages, children = parsed
        fresh = [c for c in dict.fromkeys(children) if c not in queued]
        queued.update(fresh)
        queue[:0] = [(c, url) for c in fresh]  # an index's sitemaps first: depth first
        for page in pages:
            if page not in seen:
                seen.add(page)
                urls.append(page)
                if len(urls) >= max_urls:
                    break
    return Discovery(tuple(urls), tuple(client.refusals))


def discover_sitemap_urls(
    home_url: str,
    options: CaptureOptions,
    *,
    scope: SiteScope,
    resolve: Resolve | None = None,
    max_files: int = 10,
    max_urls: int = 5000,
    timeout_s: float = DISCOVERY_TIMEOUT_S,
) -> list[str]:
    """The page URLs of :func:`discover_sitemaps`."""
    return list(
        discover_sitemaps(
            home_url,
            options,
            scope=scope,
            resolve=resolve,
            max_files=max_files,
            max_urls=max_urls,
            timeout_s=timeout_s,
        ).urls
    )
