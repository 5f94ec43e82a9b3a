"""robots.txt and sitemaps, fetched by a small client outside the measured browser.

These requests are the scanner's own, not a visitor's: sent through Chromium they
would show up in the capture (and could set cookies). So they go through
``http.client`` and ``ssl`` instead, reaching hosts the way the browser does:
``map_hosts`` rules like Chromium's ``--host-resolver-rules``, and the same
certificate exceptions (``ignore_cert_errors``, ``trust_cert_spki``). Every failure
is ``None`` (or an empty list): a missing sitemap must never stop a scan.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import re
import socket
import ssl
import time
import xml.etree.ElementTree as ET
import zlib
from urllib.parse import urljoin, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from scanner import __version__
from scanner.config import CaptureOptions

__all__ = [
    "discover_sitemap_urls",
    "fetch_bytes",
    "fetch_text",
    "map_host",
    "parse_sitemap",
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
CHUNK = 65_536
GZIP_MAGIC = b"\x1f\x8b"

_SITEMAP_LINE = re.compile(r"^\s*sitemap\s*:\s*(\S+)", re.IGNORECASE)


def map_host(host: str, port: int, rules: tuple[str, ...]) -> tuple[str, int]:
    """Where to connect for ``host:port`` under ``PATTERN=IP[:PORT]`` rules.

    Like Chromium's ``MAP pattern ip[:port]``: the first rule whose pattern (``*``
    matches anything, dots included) matches the host, or ``host:port``, wins; a port
    in the rule replaces the URL's port whatever the scheme. No match: the host itself.
    """
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
    return host, port


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


def _connect(address: tuple[str, int], timeout: float) -> socket.socket:
    sock = socket.create_connection(address, timeout=timeout)
    sock.settimeout(timeout)
    return sock


def _open(
    scheme: str, host: str, address: tuple[str, int], options: CaptureOptions, timeout: float
) -> socket.socket | None:
    """A connected socket; for https a TLS one with SNI ``host``, checked as Chromium would."""
    if scheme == "http":
        return _connect(address, timeout)
    if options.ignore_cert_errors:
        return _unverified_context().wrap_socket(_connect(address, timeout), server_hostname=host)
    if options.trust_cert_spki:
        # Handshake without verification, then accept only a pinned public key; any other
        # certificate must pass the normal checks on a fresh connection below.
        tls = _unverified_context().wrap_socket(_connect(address, timeout), server_hostname=host)
        der = tls.getpeercert(binary_form=True)
        if der and _spki_sha256(der) in options.trust_cert_spki:
            return tls
        tls.close()
    context = ssl.create_default_context()
    return context.wrap_socket(_connect(address, timeout), server_hostname=host)


def _read(response: http.client.HTTPResponse, max_bytes: int, deadline: float) -> bytes | None:
    """The body, or ``None`` when it exceeds ``max_bytes`` or the deadline passes."""
    length = response.getheader("Content-Length")
    if length and length.strip().isdigit() and int(length) > max_bytes:
        return None
    chunks: list[bytes] = []
    total = 0
    while True:
        if time.monotonic() > deadline:
            return None
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


def _request(
    url: str, options: CaptureOptions, max_bytes: int, deadline: float
) -> tuple[int, str | None, bytes | None] | None:
    """One GET: (status, Location, body of a 200) or ``None`` when it failed."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in ("http", "https") or not host:
        return None
    default_port = 443 if scheme == "https" else 80
    port = parts.port or default_port
    address = map_host(host, port, options.map_hosts)
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return None
    sock = _open(scheme, host, address, options, remaining)
    if sock is None:
        return None
    connection = http.client.HTTPConnection(host, address[1], timeout=remaining)
    connection.sock = sock
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
        if response.status != 200:
            return response.status, response.getheader("Location"), None
        body = _read(response, max_bytes, deadline)
        if body is None:
            return None
        encoding = (response.getheader("Content-Encoding") or "").strip().lower()
        if encoding in ("gzip", "x-gzip") or body.startswith(GZIP_MAGIC):
            body = _gunzip(body, max_bytes)
            if body is not None and body.startswith(GZIP_MAGIC):  # .xml.gz sent gzipped
                body = _gunzip(body, max_bytes)
        elif encoding not in ("", "identity"):
            return None
        return 200, None, body
    finally:
        connection.close()


def fetch_bytes(
    url: str, options: CaptureOptions, *, max_bytes: int = 5_000_000, timeout_s: float = 10
) -> bytes | None:
    """The body of an http(s) URL after at most 5 redirects; ``None`` unless it ends in 200.

    ``timeout_s`` bounds the whole fetch, redirects included; ``max_bytes`` bounds
    the body before and after gzip decompression.
    """
    deadline = time.monotonic() + timeout_s
    current = url.strip()
    try:
        for _ in range(MAX_REDIRECTS + 1):
            result = _request(current, options, max_bytes, deadline)
            if result is None:
                return None
            status, location, body = result
            if status == 200:
                return body
            if status not in REDIRECT_STATUSES or not location:
                return None
            current = urljoin(current, location.strip())
            if urlsplit(current).scheme.lower() not in ("http", "https"):
                return None
    except Exception:  # any network, TLS, HTTP or parsing failure: no sitemap, no problem
        return None
    return None


def fetch_text(
    url: str, options: CaptureOptions, *, max_bytes: int = 5_000_000, timeout_s: float = 10
) -> str | None:
    """``fetch_bytes`` decoded as UTF-8 (bad bytes replaced); ``None`` on any failure."""
    body = fetch_bytes(url, options, max_bytes=max_bytes, timeout_s=timeout_s)
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


def discover_sitemap_urls(
    home_url: str, options: CaptureOptions, *, max_files: int = 10, max_urls: int = 5000
) -> list[str]:
    """Page URLs from the site's sitemaps: robots.txt ``Sitemap:`` lines, then ``/sitemap.xml``.

    Sitemap indexes are followed depth first, so the files robots.txt names are read
    before the ``/sitemap.xml`` guess. At most ``max_files`` files are
    fetched (robots.txt not counted) and at most ``max_urls`` URLs returned, in
    document order without duplicates. URLs are returned as found; the crawl
    normalises them and keeps those in scope.
    """
    try:
        parts = urlsplit(home_url.strip())
        host = parts.hostname
        port = parts.port
    except ValueError:
        return []
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        return []
    origin = f"{scheme}://{f'[{host}]' if ':' in host else host}" + (f":{port}" if port else "")
    robots_url = f"{origin}/robots.txt"
    robots = fetch_text(robots_url, options, max_bytes=ROBOTS_MAX_BYTES)
    queue = sitemaps_in_robots(robots, robots_url) if robots else []
    if f"{origin}/sitemap.xml" not in queue:
        queue.append(f"{origin}/sitemap.xml")
    queued = set(queue)
    urls: list[str] = []
    seen: set[str] = set()
    files = 0
    while queue and files < max_files and len(urls) < max_urls:
        files += 1
        data = fetch_bytes(queue.pop(0), options, max_bytes=SITEMAP_MAX_BYTES)
        parsed = parse_sitemap(data) if data is not None else None
        if parsed is None:
            continue
        pages, children = parsed
        fresh = [c for c in dict.fromkeys(children) if c not in queued]
        queued.update(fresh)
        queue[:0] = fresh  # an index's sitemaps before the next listed file: depth first
        for url in pages:
            if url not in seen:
                seen.add(url)
                urls.append(url)
                if len(urls) >= max_urls:
                    break
    return urls
