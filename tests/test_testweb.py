"""The local test web, checked without a browser: plain sockets, SNI and Host headers."""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import http.client
import re
import socket
import ssl
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from scanner.testweb import HOSTS_DIR, TestWeb, load_manifest, manifest_names
from scanner.testweb.server import load_routes

Response = tuple[int, list[tuple[str, str]], bytes]
RESOURCE_TYPES = (
    "Script",
    "Image",
    "Stylesheet",
    "Font",
    "Document",
    "Ping",
    "Fetch",
    "XHR",
    "WebSocket",
)


@pytest.fixture(scope="module")
def web() -> Iterator[TestWeb]:
    with TestWeb() as running:
        yield running


@functools.cache
def _client_context() -> ssl.SSLContext:
    """No CA bundle (slow to load): the test checks the certificate by its SPKI instead."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _connect(web: TestWeb, scheme: str, host: str) -> http.client.HTTPConnection:
    """A connection to 127.0.0.1:port that speaks TLS with SNI ``host`` for https."""
    sock: socket.socket = socket.create_connection(("127.0.0.1", web.port), timeout=5)
    if scheme == "https":
        sock = _client_context().wrap_socket(sock, server_hostname=host)
    conn = http.client.HTTPConnection(host, web.port, timeout=5)
    conn.sock = sock
    return conn


def fetch(web: TestWeb, url: str, method: str = "GET", host_header: str | None = None) -> Response:
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    conn = _connect(web, parts.scheme, host)
    try:
        body = b"{}" if method == "POST" else None
        conn.request(method, target, body=body, headers={"Host": host_header or host})
        resp = conn.getresponse()
        return resp.status, resp.getheaders(), resp.read()
    finally:
        conn.close()


def websocket_handshake(web: TestWeb, url: str, frames: tuple[bytes, ...] = ()) -> tuple[int, str]:
    """Open a WebSocket (``wss:`` is TLS, ``ws:`` plain) on the test web, send each of
    ``frames`` as a masked text frame, then close; the status and ``Sec-WebSocket-Accept``."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    sock: socket.socket = socket.create_connection(("127.0.0.1", web.port), timeout=5)
    if parts.scheme == "wss":
        sock = _client_context().wrap_socket(sock, server_hostname=host)
    key = base64.b64encode(b"privacyscan-test").decode()
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request = (
        f"GET {target} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    with sock:
        sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(1)
            if not chunk:
                break
            head += chunk
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
        accept = next(
            (
                ln.split(":", 1)[1].strip()
                for ln in lines
                if ln.lower().startswith("sec-websocket-accept:")
            ),
            "",
        )
        if status == 101:
            mask = b"\x01\x02\x03\x04"
            for data in frames:  # short frames only (< 126 bytes)
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
                sock.sendall(bytes([0x81, 0x80 | len(data)]) + mask + payload)
            sock.sendall(bytes([0x88, 0x80]) + mask)  # close, no payload
            sock.recv(16)  # the server's close
    return status, accept


def header_values(headers: list[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in headers if k.lower() == name.lower()]


def title_of(body: bytes) -> str:
    found = re.search(rb"<title>(.*?)</title>", body, re.S)
    return html.unescape(found.group(1).decode("utf-8").strip()) if found else ""


def test_https_and_http_on_one_port(web: TestWeb) -> None:
    for scheme in ("https", "http"):
        status, headers, body = fetch(web, f"{scheme}://www.schoondorp.nl/afval/")
        assert status == 200
        assert header_values(headers, "Content-Type") == ["text/html; charset=utf-8"]
        assert header_values(headers, "Cache-Control") == ["no-store"]
        assert b"Afval en grondstoffen" in body


def test_host_routing_and_port_in_host_header(web: TestWeb) -> None:
    assert title_of(fetch(web, "https://www.trackstad.nl/")[2]) == "Gemeente Trackstad"
    assert title_of(fetch(web, "https://www.dieplanden.nl/")[2]) == "Gemeente Dieplanden"
    with_port = fetch(web, "https://www.dieplanden.nl/", host_header="www.dieplanden.nl:443")
    assert title_of(with_port[2]) == "Gemeente Dieplanden"


def test_unknown_host_and_path_are_404(web: TestWeb) -> None:
    assert fetch(web, "https://www.bestaat-niet.nl/")[0] == 404
    assert fetch(web, "http://www.bestaat-niet.nl/")[0] == 404
    assert fetch(web, "https://www.trackstad.nl/bestaat-niet/")[0] == 404
    assert fetch(web, "https://www.trackstad.nl/../www.schoondorp.nl/")[0] == 404
    assert fetch(web, "https://www.trackstad.nl/_routes.json")[0] == 404


def test_directory_without_slash_redirects(web: TestWeb) -> None:
    status, headers, _ = fetch(web, "https://www.trackstad.nl/nieuws")
    assert status == 301
    assert header_values(headers, "Location") == ["/nieuws/"]


def test_favicon_everywhere(web: TestWeb) -> None:
    status, headers, body = fetch(web, "https://www.youtube.com/favicon.ico")
    assert status == 200
    assert header_values(headers, "Content-Type") == ["image/x-icon"]
    assert body[:4] == b"\x00\x00\x01\x00"


def test_route_with_several_set_cookies(web: TestWeb) -> None:
    status, headers, body = fetch(web, "https://www.laatdorp.nl/")
    assert status == 200
    assert title_of(body) == "Gemeente Laatdorp"
    assert header_values(headers, "Set-Cookie") == [
        "insecure_none=1; Path=/; SameSite=None",
        "foreign=1; Domain=example-ander.nl; Path=/",
    ]


def test_redirect_route_replaces_file_response(web: TestWeb) -> None:
    status, headers, body = fetch(web, "https://www.redirectveen.nl/")
    assert status == 302
    assert header_values(headers, "Location") == ["/home/"]
    assert header_values(headers, "Set-Cookie") == ["route=a; Path=/; Secure; HttpOnly"]
    assert body == b""


def test_scheme_specific_routes(web: TestWeb) -> None:
    plain = fetch(web, "http://gemeente-twee.nl/")
    secure = fetch(web, "https://gemeente-twee.nl/")
    assert (plain[0], header_values(plain[1], "Location")) == (301, ["https://gemeente-twee.nl/"])
    assert (secure[0], header_values(secure[1], "Location")) == (
        301,
        ["https://www.gemeente-twee.nl/"],
    )


def test_route_bodies_and_content_types(web: TestWeb) -> None:
    status, headers, body = fetch(web, "https://www.facebook.com/tr?id=111222333&ev=PageView")
    assert status == 200
    assert header_values(headers, "Content-Type") == ["image/gif"]
    assert body.startswith(b"GIF89a")
    assert header_values(headers, "Set-Cookie")[0].startswith("fr=")
    status, headers, body = fetch(web, "https://www.googletagmanager.com/gtag/js?id=G-TEST123")
    assert status == 200
    assert header_values(headers, "Content-Type") == ["text/javascript; charset=utf-8"]
    assert b"_ga_TEST123" in body
    status, headers, _ = fetch(web, "https://fonts.gstatic.com/s/roboto/v1/roboto.woff2")
    assert status == 200
    assert header_values(headers, "Content-Type") == ["font/woff2"]
    assert header_values(headers, "Access-Control-Allow-Origin") == ["*"]


def test_shared_body_file_is_one_file_served_by_several_sites(web: TestWeb) -> None:
    shared = HOSTS_DIR.parent / "shared" / "bannerdorp" / "banner.js"
    for host in ("www.bannerdorp-goed.nl", "www.bannerdorp-muur.nl"):
        status, headers, body = fetch(web, f"https://{host}/js/banner.js")
        assert status == 200
        assert header_values(headers, "Content-Type") == ["text/javascript; charset=utf-8"]
        assert body == shared.read_bytes()
    assert fetch(web, "https://www.trackstad.nl/js/banner.js")[0] == 404


def test_post_beacon_and_head(web: TestWeb) -> None:
    url = "https://in.hotjar.com/api/v2/client/sites/3344/visit-data?sv=7"
    assert fetch(web, url, method="POST")[0] == 204
    status, headers, body = fetch(web, "https://www.schoondorp.nl/", method="HEAD")
    assert status == 200 and body == b""
    assert int(header_values(headers, "Content-Length")[0]) > 0


def test_keep_alive_serves_several_requests(web: TestWeb) -> None:
    conn = _connect(web, "https", "www.matomorijk.nl")
    try:
        for path in ("/", "/afval/", "/css/site.css"):
            conn.request("GET", path, headers={"Host": "www.matomorijk.nl"})
            resp = conn.getresponse()
            resp.read()
            assert resp.status == 200
    finally:
        conn.close()


def test_served_log(web: TestWeb) -> None:
    fetch(web, "https://www.frameburg.nl/meldingen/?x=1")
    assert ("www.frameburg.nl", "GET", "/meldingen/?x=1") in web.served()


def test_spki_hash_matches_served_certificate(web: TestWeb) -> None:
    raw = socket.create_connection(("127.0.0.1", web.port), timeout=5)
    with _client_context().wrap_socket(raw, server_hostname="www.trackstad.nl") as tls:
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    cert = x509.load_der_x509_certificate(der)
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert web.spki_hash == base64.b64encode(hashlib.sha256(spki).digest()).decode()
    assert web.host_rules == f"MAP * 127.0.0.1:{web.port}"
    assert f"--ignore-certificate-errors-spki-list={web.spki_hash}" in web.chromium_args


def _check_manifest_shape(m: dict[str, Any]) -> None:
    assert set(m) >= {"site", "story", "pages", "cookies", "storage", "third_party_requests"}
    assert all(set(f) == {"id", "severity"} for f in m["expected_findings"])
    assert m["expected_grade"] in tuple("ABCDEF")
    assert m["site"]["name"] and m["site"]["url"].startswith("http")
    assert isinstance(m["site"]["extra_domains"], list)
    assert m["pages"] and m["pages"][0]["url"] == m["site"]["url"]
    page_urls = {p["url"] for p in m["pages"]}
    for c in m["cookies"]:
        assert c["source"] in ("http", "js")
        assert c["stored"] == (not c["blocked_reasons"])
        assert c["same_site"] in (None, "Strict", "Lax", "None")
        assert c["page_url"] in page_urls
    identities = [(c["name"], c["domain"], c["path"]) for c in m["cookies"]]
    assert len(identities) == len(set(identities))
    for s in m["storage"]:
        assert s["kind"] in ("localStorage", "sessionStorage", "indexedDB")
        assert s["page_url"] in page_urls
    for r in m["third_party_requests"]:
        assert r["match"] in ("exact", "prefix")
        assert r["beacon"] in (None, "sendBeacon", "pixel", "keepalive")
        assert r["resource_type"] in RESOURCE_TYPES
        assert r["page_url"] in page_urls


def _registrable(host: str) -> str:
    return ".".join(host.split(".")[-2:])


@pytest.mark.parametrize("name", manifest_names())
def test_manifest_pages_are_served_as_stated(web: TestWeb, name: str) -> None:
    m = load_manifest(name)
    _check_manifest_shape(m)
    for page in m["pages"]:
        url, hops = page["url"], []
        for _ in range(10):
            status, headers, body = fetch(web, url)
            if status not in (301, 302, 303, 307, 308):
                break
            hops.append({"url": url, "status": status})
            url = urllib.parse.urljoin(url, header_values(headers, "Location")[0])
        assert hops == page["redirects"], page["url"]
        assert url == page["final_url"]
        assert status == page["status"]
        # A script may change the title; the capture reads it after scripts ran.
        assert title_of(body) == page.get("served_title", page["title"])


def test_websocket_endpoint_answers_the_handshake_and_lists_frames(web: TestWeb) -> None:
    """The ``websocket`` route behaviour: RFC 6455's accept value, each frame listed."""
    web.clear_served()
    url = "wss://live.praatpaal.com/kanaal?gemeente=test"
    status, accept = websocket_handshake(web, url, (b"hallo", b"x" * 100))
    key = base64.b64encode(b"privacyscan-test")
    magic = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
    assert (status, accept) == (101, base64.b64encode(hashlib.sha1(key + magic).digest()).decode())
    frames = [p for h, m, p in web.served() if (h, m) == ("live.praatpaal.com", "WS")]
    assert frames == [
        "/kanaal?gemeente=test opcode=1 bytes=5",
        "/kanaal?gemeente=test opcode=1 bytes=100",
    ]
    # Anything but a WebSocket handshake there is refused.
    assert fetch(web, "https://live.praatpaal.com/kanaal")[0] == 426


@pytest.mark.parametrize("name", manifest_names())
def test_manifest_third_party_urls_exist(web: TestWeb, name: str) -> None:
    m = load_manifest(name)
    own = {_registrable(urllib.parse.urlsplit(m["site"]["url"]).hostname or "")}
    own |= set(m["site"]["extra_domains"])
    for r in m["third_party_requests"]:
        host = urllib.parse.urlsplit(r["url"]).hostname or ""
        assert _registrable(host) not in own, r["url"]
        assert (HOSTS_DIR / host).is_dir(), host
        if r["resource_type"] == "WebSocket":
            assert websocket_handshake(web, r["url"])[0] == 101, r["url"]
            continue
        # A hop of a redirect chain (cookie syncing) answers with its redirect.
        ok = (200, 204, 302) if r["initiator_url"] != m["site"]["url"] else (200, 204)
        assert fetch(web, r["url"], method=r["method"])[0] in ok, r["url"]


def test_stop_releases_port_and_connections() -> None:
    web = TestWeb().start()
    port = web.port
    idle = socket.create_connection(("127.0.0.1", port), timeout=5)
    idle.sendall(b"GET /afval/ HTTP/1.1\r\nHost: www.schoondorp.nl\r\n\r\n")
    assert idle.recv(12).startswith(b"HTTP/1.1 200")
    began = time.monotonic()
    web.stop()
    assert time.monotonic() - began < 1.0
    idle.settimeout(2)
    while idle.recv(65536):  # drains the rest, then sees the server close it
        pass
    idle.close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    again = TestWeb(port=port).start()  # the same port can be bound again at once
    try:
        assert again.port == port
    finally:
        again.stop()


def test_certificate_files_removed_once_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str] = []
    real_mkdtemp = tempfile.mkdtemp

    def recording_mkdtemp(*args: Any, **kwargs: Any) -> str:
        made.append(real_mkdtemp(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(tempfile, "mkdtemp", recording_mkdtemp)
    with TestWeb() as running:
        assert running.spki_hash
        assert made and not any(Path(d).exists() for d in made)


def _raw(web: TestWeb, host: str, seconds: float, scheme: str = "http") -> tuple[bytes, str]:
    """Bytes a raw GET of ``/`` receives within ``seconds``, and how the read ended."""
    sock: socket.socket = socket.create_connection(("127.0.0.1", web.port), timeout=seconds)
    if scheme == "https":
        sock = _client_context().wrap_socket(sock, server_hostname=host)
    got, ended, deadline = b"", "eof", time.monotonic() + seconds
    try:
        sock.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        while time.monotonic() < deadline:
            sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                data = sock.recv(65536)
            except TimeoutError:
                ended = "timeout"
                break
            if not data:
                break
            got += data
        else:
            ended = "timeout"
    except ConnectionResetError:
        ended = "reset"
    finally:
        sock.close()
    return got, ended


def test_hang_route_never_answers_and_stop_ends_it() -> None:
    with TestWeb() as web:
        got, ended = _raw(web, "www.stilteveen.nl", 1.0, "https")
        assert (got, ended) == (b"", "timeout")
        sock = socket.create_connection(("127.0.0.1", web.port), timeout=5)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: www.stilteveen.nl\r\n\r\n")
        time.sleep(0.3)
        started = time.monotonic()
    # Leaving the block stops the web: the hanging connection is closed, promptly.
    assert sock.recv(1) == b""
    assert time.monotonic() - started < 5
    sock.close()


def test_trickle_route_sends_a_byte_a_second(web: TestWeb) -> None:
    got, ended = _raw(web, "www.druppelstad.nl", 2.5)
    assert ended == "timeout"
    assert got in (b"HT", b"HTT"), got


def test_reset_route_cuts_the_body_with_a_reset(web: TestWeb) -> None:
    got, ended = _raw(web, "www.afgebroken.nl", 5.0)
    head, _, body = got.partition(b"\r\n\r\n")
    length = int(re.search(rb"Content-Length: (\d+)", head).group(1))  # type: ignore[union-attr]
    assert head.startswith(b"HTTP/1.1 200")
    assert ended == "reset"
    assert 0 < len(body) < length
    assert b"Gemeente Afgebroken" in body


def test_pad_route_and_generated_set_cookies(web: TestWeb) -> None:
    status, _, body = fetch(web, "https://www.zwaargewicht.nl/")
    assert status == 200 and len(body) > 30 * 1024 * 1024
    assert title_of(body[:400]) == "Gemeente Zwaargewicht"
    assert body.rstrip().endswith(b"</html>") and b"<!--PAD-->" not in body
    got, _ = _raw(web, "www.koekjesregen.nl", 5.0, "https")  # http.client stops at 100
    head = got.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    cookies = [line.split(": ", 1)[1] for line in head if line.startswith("Set-Cookie: ")]
    assert head[0].startswith("HTTP/1.1 200") and len(cookies) == 2500
    assert cookies[0] == "regen0=1; Path=/; Max-Age=3600" and cookies[-1].startswith("regen2499=")


def test_unknown_behaviour_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "_routes.json").write_text('{"/": {"behaviour": "explode"}}')
    with pytest.raises(ValueError, match="explode"):
        load_routes(tmp_path)


def test_hostile_ground_truth_names_served_hosts(web: TestWeb) -> None:
    import json

    cases = json.loads((HOSTS_DIR.parent / "hostile.json").read_text("utf-8"))["cases"]
    hosts = set(web.hosts())
    for case in cases:
        host = urllib.parse.urlsplit(case["url"]).hostname
        assert case["status"] in ("done", "partial", "failed") and case["story"]
        assert case.get("resolve") in ("notfound", "silent") or host in hosts, host


def test_security_ground_truth_names_served_hosts(web: TestWeb) -> None:
    """Every site of security.json is served; demo sites need no special listener."""
    import json

    sites = json.loads((HOSTS_DIR.parent / "security.json").read_text("utf-8"))["sites"]
    hosts = set(web.hosts())
    for site in sites:
        assert urllib.parse.urlsplit(site["url"]).hostname in hosts, site["url"]
        assert not (site.get("demo") and site["listener"] != "main"), site["name"]


def test_expires_route_puts_a_date_ahead(web: TestWeb) -> None:
    import datetime

    status, headers, body = fetch(web, "https://www.veiligdorp.nl/.well-known/security.txt")
    assert status == 200 and header_values(headers, "Content-Type")[0].startswith("text/plain")
    expires = re.search(rb"Expires: (\S+)", body)
    assert expires is not None
    when = datetime.datetime.fromisoformat(expires.group(1).decode().replace("Z", "+00:00"))
    ahead = when - datetime.datetime.now(datetime.UTC)
    assert datetime.timedelta(days=179) < ahead <= datetime.timedelta(days=180)
