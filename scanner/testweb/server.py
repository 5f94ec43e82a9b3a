"""A local web that plays real hostnames, for tests and the demo.

One server on 127.0.0.1 answers HTTPS and plain HTTP on the same port, so that
Chromium launched with ``--host-resolver-rules=MAP * 127.0.0.1:PORT`` (which sends
every host and every port there) sees a whole internet of municipal sites and
tracker stand-ins. Content is static files under ``hosts/<hostname>/``; special
responses (redirects, ``Set-Cookie``, status codes) come from ``_routes.json``.

A route may also name a hostile ``behaviour`` (see :data:`BEHAVIOURS`): a server
that never answers, one that trickles, one that resets the connection mid-response,
one that never ends its response, or a page padded to a given size.

:class:`Listener` is a bare TCP listener on a loopback address of its own: one that
accepts connections and never says a word, or one that stands for an internal host
and counts what reaches it (tests assert: nothing).
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import hashlib
import http.server
import ipaddress
import json
import shutil
import socket
import ssl
import struct
import tempfile
import threading
import time
import types
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HOSTS_DIR = Path(__file__).resolve().parent / "hosts"
"""Content root: one directory per hostname."""

ROUTES_FILE = "_routes.json"
"""Per-host file that maps a path to a special response."""

CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".gif": "image/gif",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
}
"""Content-Type by file extension; anything else is ``application/octet-stream``."""

FAVICON = base64.b64decode(
    "AAABAAEAAQEAAAEAIAAwAAAAFgAAACgAAAABAAAAAgAAAAEAIAAAAAAACAAAAAAAAAAAAAAAAAAAAAAAAABAgAD/"
    "AAAAAA=="
)
"""A 1x1 icon served as ``/favicon.ico`` on every known host without its own file."""

TLS_RECORD_HANDSHAKE = 0x16
"""First byte of a TLS ClientHello: how HTTPS is told apart from plain HTTP."""

PEEK_TIMEOUT_S = 10.0
"""How long a new connection may stay silent before it is dropped."""

IDLE_TIMEOUT_S = 30.0
"""How long a keep-alive connection may idle between requests."""

BEHAVIOURS = frozenset({"hang", "trickle", "reset", "pad", "endless", "websocket"})
"""Hostile route behaviours: ``hang`` reads the request and never answers; ``trickle``
sends the whole response one byte a second, status line first; ``reset`` sends the
headers and half the body, then a TCP RST; ``pad`` inserts ``size`` bytes of filler
paragraphs at ``<!--PAD-->`` in the body (a huge page without a huge file);
``endless`` sends the headers without a length, then the body again and again, every
50 ms, and never ends it. ``websocket`` is not hostile: a WebSocket endpoint
(:meth:`_Handler._websocket`) that reads what the page sends."""

ENDLESS_INTERVAL_S = 0.05
"""Pause between two copies of an ``endless`` body."""

HOSTILE_MAX_S = 120.0
"""Longest a ``hang`` or ``trickle`` connection is kept open."""

PAD_MARKER = b"<!--PAD-->"
"""Where a ``pad`` route inserts its filler."""

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
"""RFC 6455's magic string: ``Sec-WebSocket-Accept`` is base64(SHA-1(key + this))."""

WS_MAX_FRAME = 1 << 20
"""Longest WebSocket frame the test endpoint reads; a longer one ends the connection."""

WS_METHOD = "WS"
"""The ``method`` under which :meth:`TestWeb.served` lists each WebSocket frame received:
path ``<request path> opcode=<n> bytes=<payload length>``."""


@dataclass(frozen=True, slots=True)
class Route:
    """A special response for one path of one host, from ``_routes.json``."""

    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    content_type: str | None = None
    delay_ms: int = 0
    behaviour: str | None = None
    """One of :data:`BEHAVIOURS`, or ``None`` for an ordinary response."""
    size: int = 0
    """Filler bytes for ``pad``."""
    cookie_count: int = 0
    """Extra ``Set-Cookie`` headers, made from ``cookie_template`` (``{i}`` is 0, 1, …)."""
    cookie_template: str = "c{i}=1; Path=/"
    expires_in_days: int | None = None
    """Replace :data:`EXPIRES_MARKER` in the body with now plus this many days (UTC,
    ISO 8601): a security.txt that stays valid whenever the tests run."""
    alternate: tuple[bytes, ...] = ()
    """Bodies served in turn, one per browser navigation to this path (a request with
    ``Sec-Fetch-Mode: navigate``), counted per :class:`TestWeb`: the first navigation
    gets the first body, the second the second, and so on round. Any other request
    (a probe, a prefetch) gets the last body and does not count. From ``alternate``,
    a list of files relative to the host directory."""


EXPIRES_MARKER = b"@EXPIRES@"


def load_routes(host_dir: Path) -> dict[str, Route]:
    """Read a host's ``_routes.json``; keys are ``/path`` or ``scheme /path``.

    A route's ``body_file`` is read relative to the host directory; its content type
    follows its extension unless ``content_type`` says otherwise.
    """
    path = host_dir / ROUTES_FILE
    if not path.is_file():
        return {}
    raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    routes: dict[str, Route] = {}
    for key, spec in raw.items():
        if key.startswith("_"):  # "_comment" and the like
            continue
        body: bytes | None = None
        content_type: str | None = spec.get("content_type")
        if "body_file" in spec:
            # Relative to the host directory; ``../../shared/…`` is one file that
            # several sites serve (a vendor script), not a copy per site.
            body_path = host_dir / spec["body_file"]
            body = body_path.read_bytes()
            content_type = content_type or content_type_for(body_path)
        elif "body" in spec:
            body = str(spec["body"]).encode("utf-8")
        routes[key] = Route(
            status=int(spec.get("status", 200)),
            headers=tuple((str(k), str(v)) for k, v in spec.get("headers", [])),
            body=body,
            content_type=content_type,
            delay_ms=int(spec.get("delay_ms", 0)),
            behaviour=_behaviour(spec.get("behaviour"), key),
            size=int(spec.get("size", 0)),
            cookie_count=int(spec.get("cookie_count", 0)),
            cookie_template=str(spec.get("cookie_template", "c{i}=1; Path=/")),
            expires_in_days=int(spec["expires_in_days"]) if "expires_in_days" in spec else None,
            alternate=tuple((host_dir / name).read_bytes() for name in spec.get("alternate", [])),
        )
    return routes


def _behaviour(value: Any, key: str) -> str | None:
    if value is None:
        return None
    if value not in BEHAVIOURS:
        raise ValueError(f"route {key!r}: unknown behaviour {value!r}")
    return str(value)


def padded(body: bytes, size: int) -> bytes:
    """``body`` with ``size`` bytes of filler paragraphs at :data:`PAD_MARKER` (or the end)."""
    line = b"<p>" + b"Opvulling van een veel te grote gemeentepagina. " * 20 + b"</p>\n"
    filler = (line * (size // len(line) + 1))[:size]
    if PAD_MARKER in body:
        return body.replace(PAD_MARKER, filler, 1)
    return body + filler


def content_type_for(path: Path) -> str:
    """Content-Type from the file extension."""
    return CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")


def spki_sha256(cert_der: bytes) -> str:
    """Base64 SHA-256 of a certificate's SubjectPublicKeyInfo, as Chromium's SPKI list wants."""
    cert = x509.load_der_x509_certificate(cert_der)
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(spki).digest()).decode("ascii")


def make_certificate(
    hosts: list[str],
    directory: Path,
    *,
    valid_days: tuple[int, int] = (-1, 30),
    common_name: str = "privacyscan test web",
) -> tuple[Path, Path, str]:
    """Write a fresh self-signed ECDSA P-256 cert and key; return paths and the SPKI hash.

    ``valid_days`` is (start, end) in days from now: ``(-30, -2)`` makes one that
    expired two days ago.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    names += [x509.DNSName(h) for h in hosts]
    names.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + datetime.timedelta(days=valid_days[0]))
        .not_valid_after(now + datetime.timedelta(days=valid_days[1]))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / "cert.pem"
    key_path = directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path, spki_sha256(cert.public_bytes(serialization.Encoding.DER))


class _Handler(http.server.BaseHTTPRequestHandler):
    """Answers one connection's requests from the host directories."""

    protocol_version = "HTTP/1.1"
    server_version = "privacyscan-testweb"
    sys_version = ""
    timeout = IDLE_TIMEOUT_S
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Stay silent: test output must stay clean."""

    def do_GET(self) -> None:
        self._answer()

    def do_HEAD(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def do_PUT(self) -> None:
        self._answer()

    def do_OPTIONS(self) -> None:
        """Answer CORS preflights permissively: stand-ins accept any origin."""
        self._read_body()
        self._record(self._host())
        self.send_response(204)
        self.send_header("Access-Control-Allow-Origin", self.headers.get("Origin") or "*")
        self.send_header("Access-Control-Allow-Credentials", "true")
        self.send_header("Access-Control-Allow-Methods", "GET, POST, HEAD, OPTIONS")
        allow = self.headers.get("Access-Control-Request-Headers")
        if allow:
            self.send_header("Access-Control-Allow-Headers", allow)
        self.send_header("Content-Length", "0")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()

    def _host(self) -> str:
        host = (self.headers.get("Host") or "").strip().lower()
        if host.startswith("["):
            return host.split("]")[0] + "]"
        return host.rsplit(":", 1)[0] if ":" in host else host

    def _record(self, host: str) -> None:
        self.server.web._record(host, self.command, self.path)

    def _read_body(self) -> None:
        """Consume a request body so the connection can be reused."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self.close_connection = True
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > 0:
            self.rfile.read(length)

    def _answer(self) -> None:
        self._read_body()
        host = self._host()
        self._record(host)
        web = self.server.web
        host_dir = web.base_dir / host
        if not host or "/" in host or host.startswith(".") or not host_dir.is_dir():
            self._send(404, [], b"unknown host\n", "text/plain; charset=utf-8")
            return
        path = urllib.parse.urlsplit(self.path).path or "/"
        scheme = "https" if isinstance(self.connection, ssl.SSLSocket) else "http"
        routes = web._routes(host)
        route = routes.get(f"{scheme} {path}") or routes.get(path)
        if route is not None and route.delay_ms > 0:
            time.sleep(route.delay_ms / 1000)
        file = self._resolve(host_dir, path)
        if route is not None:
            self._send_route(route, file if isinstance(file, Path) else None)
            return
        if isinstance(file, str):  # a directory asked for without its slash
            self._send(301, [("Location", file)], b"", None)
            return
        if file is not None:
            self._send(200, [], file.read_bytes(), content_type_for(file))
        elif path == "/favicon.ico":
            self._send(200, [], FAVICON, "image/x-icon")
        else:
            self._send(404, [], b"not found\n", "text/plain; charset=utf-8")

    def _resolve(self, host_dir: Path, path: str) -> Path | str | None:
        """Map a URL path to a file under the host directory, never outside it."""
        rel = urllib.parse.unquote(path).lstrip("/")
        target = (host_dir / rel).resolve()
        if not target.is_relative_to(host_dir.resolve()):
            return None
        if target.is_dir():
            if not path.endswith("/"):
                query = urllib.parse.urlsplit(self.path).query
                return path + "/" + (f"?{query}" if query else "")
            target = target / "index.html"
        if not target.is_file() or target.name == ROUTES_FILE:
            return None
        return target

    def _send_route(self, route: Route, file: Path | None) -> None:
        """Body from the route, else the file (200 only), else headers alone."""
        if route.behaviour == "hang":
            self._hang()
            return
        if route.behaviour == "websocket":
            self._websocket()
            return
        ctype: str | None
        if route.alternate:
            navigating = self.headers.get("Sec-Fetch-Mode") == "navigate"
            path = urllib.parse.urlsplit(self.path).path
            turn = self.server.web._turn(self._host(), path) if navigating else -1
            body = route.alternate[turn % len(route.alternate)]
            ctype = route.content_type or "text/html; charset=utf-8"
        elif route.body is not None:
            body = route.body
            ctype = route.content_type or "text/html; charset=utf-8"
        elif route.status == 200 and file is not None:
            body = file.read_bytes()
            ctype = route.content_type or content_type_for(file)
        else:
            body = b""
            ctype = route.content_type
        headers = list(route.headers)
        headers += [
            ("Set-Cookie", route.cookie_template.format(i=i)) for i in range(route.cookie_count)
        ]
        if route.behaviour == "pad":
            body = self.server.web._padded(body, route.size)
        if route.expires_in_days is not None:
            when = datetime.datetime.now(datetime.UTC) + datetime.timedelta(
                days=route.expires_in_days
            )
            body = body.replace(EXPIRES_MARKER, when.strftime("%Y-%m-%dT%H:%M:%SZ").encode())
        head = self._head(route.status, headers, len(body), ctype)
        if route.behaviour == "endless":
            self._endless(self._head(route.status, headers, -1, ctype), body)
        elif route.behaviour == "trickle":
            self._trickle(head + body)
        elif route.behaviour == "reset":
            self._reset(head + body[: len(body) // 2])
        else:
            self._send(route.status, headers, body, ctype)

    def _head(
        self, status: int, headers: list[tuple[str, str]], length: int, ctype: str | None
    ) -> bytes:
        """Status line and headers as bytes, for behaviours that write them by hand."""
        lines = [f"{self.protocol_version} {status} {self.responses.get(status, ('',))[0]}"]
        names = {k.lower() for k, _ in headers}
        if ctype and "content-type" not in names:
            lines.append(f"Content-Type: {ctype}")
        lines += [f"{k}: {v}" for k, v in headers]
        # A negative length: none, the body ends when the connection does.
        lines += [f"Content-Length: {length}" if length >= 0 else "Connection: close"]
        lines += ["Cache-Control: no-store", "", ""]
        return "\r\n".join(lines).encode("latin-1")

    def _hang(self) -> None:
        """Read and discard whatever comes; never answer, until the client or we give up."""
        self.close_connection = True
        web = self.server.web
        deadline = time.monotonic() + HOSTILE_MAX_S
        with contextlib.suppress(OSError, ValueError):
            self.connection.settimeout(0.25)
            while time.monotonic() < deadline and not web._stopping.is_set():
                try:
                    if not self.connection.recv(4096):
                        return  # the client closed the connection
                except TimeoutError:
                    continue

    def _websocket(self) -> None:
        """A WebSocket endpoint (RFC 6455), enough for the test web: answer the opening
        handshake, then read the client's frames until it closes or goes away, recording
        each data frame (:data:`WS_METHOD`); answer a close with a close and a ping with
        a pong. It sends no message of its own: a collector that only listens."""
        self.close_connection = True
        key = (self.headers.get("Sec-WebSocket-Key") or "").strip()
        if (self.headers.get("Upgrade") or "").lower() != "websocket" or not key:
            self._send(426, [("Upgrade", "websocket")], b"", None)
            return
        accept = base64.b64encode(hashlib.sha1(key.encode("ascii") + WS_GUID).digest())
        head = (
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept.decode('ascii')}\r\n\r\n"
        )
        host, web = self._host(), self.server.web
        deadline = time.monotonic() + HOSTILE_MAX_S
        with contextlib.suppress(OSError, ValueError):
            self.wfile.write(head.encode("ascii"))
            self.wfile.flush()
            while time.monotonic() < deadline and not web._stopping.is_set():
                frame = self._ws_frame()
                if frame is None:
                    return
                opcode, payload = frame
                if opcode in (0, 1, 2):
                    web._record(
                        host, WS_METHOD, f"{self.path} opcode={opcode} bytes={len(payload)}"
                    )
                elif opcode == 8:
                    self.wfile.write(bytes([0x88, min(len(payload), 2)]) + payload[:2])
                    self.wfile.flush()
                    return
                elif opcode == 9 and len(payload) < 126:
                    self.wfile.write(bytes([0x8A, len(payload)]) + payload)
                    self.wfile.flush()

    def _ws_frame(self) -> tuple[int, bytes] | None:
        """One client frame as (opcode, unmasked payload); ``None`` at the end."""
        head = self.rfile.read(2)
        if len(head) < 2:
            return None
        length = head[1] & 0x7F
        if length == 126:
            length = int.from_bytes(self.rfile.read(2), "big")
        elif length == 127:
            length = int.from_bytes(self.rfile.read(8), "big")
        if length > WS_MAX_FRAME:
            return None
        mask = self.rfile.read(4) if head[1] & 0x80 else b"\0\0\0\0"
        data = self.rfile.read(length)
        if len(mask) < 4 or len(data) < length:
            return None
        return head[0] & 0x0F, bytes(b ^ mask[i % 4] for i, b in enumerate(data))

    def _trickle(self, data: bytes) -> None:
        """Write ``data`` one byte a second until done, the client leaves or we stop."""
        self.close_connection = True
        web = self.server.web
        deadline = time.monotonic() + HOSTILE_MAX_S
        with contextlib.suppress(OSError, ValueError):
            for i in range(len(data)):
                if time.monotonic() > deadline or web._stopping.wait(1.0 if i else 0.0):
                    return
                self.connection.sendall(data[i : i + 1])

    def _endless(self, head: bytes, body: bytes) -> None:
        """Write ``head``, then ``body`` over and over until the client leaves or we stop."""
        self.close_connection = True
        web = self.server.web
        deadline = time.monotonic() + HOSTILE_MAX_S
        with contextlib.suppress(OSError, ValueError):
            self.connection.sendall(head)
            while time.monotonic() < deadline and not web._stopping.wait(ENDLESS_INTERVAL_S):
                self.connection.sendall(body or b" ")

    def _reset(self, data: bytes) -> None:
        """Write ``data``, then abort the connection with a TCP RST (linger 0)."""
        self.close_connection = True
        with contextlib.suppress(OSError, ValueError):
            self.connection.sendall(data)
            time.sleep(0.2)  # let the browser start on the part it got
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()

    def _send(
        self, status: int, headers: list[tuple[str, str]], body: bytes, ctype: str | None
    ) -> None:
        self.send_response(status)
        names = {k.lower() for k, _ in headers}
        if ctype and "content-type" not in names:
            self.send_header("Content-Type", ctype)
        if "cache-control" not in names:
            self.send_header("Cache-Control", "no-store")
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)


class _Server(http.server.ThreadingHTTPServer):
    """Threaded server that tells TLS from plain HTTP by the first byte."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, web: TestWeb, address: tuple[str, int], context: ssl.SSLContext) -> None:
        self.web = web
        self.context = context
        super().__init__(address, _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        """Peek at the first byte, wrap TLS if it is a ClientHello, then serve."""
        sock: socket.socket = request
        self.web._track(sock, True)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no Nagle stalls
            sock.settimeout(PEEK_TIMEOUT_S)
            first = sock.recv(1, socket.MSG_PEEK)
            if not first:
                return
            if first[0] == TLS_RECORD_HANDSHAKE:
                tls = self.context.wrap_socket(sock, server_side=True)
                self.web._track(sock, False)
                sock = tls
                self.web._track(sock, True)
            _Handler(sock, client_address, self)
        except (OSError, ValueError):
            pass  # client went away, bad handshake, or we are stopping
        finally:
            self.web._track(sock, False)
            with contextlib.suppress(OSError):
                sock.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Swallow per-connection errors: a browser dropping a socket is normal."""


class Listener:
    """A TCP listener on a loopback address that counts who reaches it.

    ``answer=False``: it accepts connections and never sends or reads a byte (a server
    that holds its clients). ``answer=True``: it reads a request and answers ``200 ok``
    (an internal host, such as a router's admin page or cloud metadata, played on
    loopback); ``requests`` keeps the first line of each request it read.
    """

    __test__ = False

    def __init__(self, host: str = "127.0.0.1", *, answer: bool = True) -> None:
        self.host = host
        self.answer = answer
        self.connections = 0
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._sock: socket.socket | None = None
        self._open: list[socket.socket] = []

    @property
    def port(self) -> int:
        if self._sock is None:
            raise RuntimeError("Listener is not running")
        return int(self._sock.getsockname()[1])

    def __enter__(self) -> Listener:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, 0))
        sock.listen(64)
        sock.settimeout(0.1)
        self._sock = sock
        threading.Thread(target=self._serve, name=f"listener-{self.port}", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        with self._lock:
            sockets = [*self._open, *([self._sock] if self._sock else [])]
            self._open.clear()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.close()

    def _serve(self) -> None:
        assert self._sock is not None
        while not self._stopping.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._open.append(conn)
            if self.answer:
                threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            conn.settimeout(5)
            data = conn.recv(65536)
            with self._lock:
                self.requests.append(data.split(b"\r\n", 1)[0].decode("latin-1"))
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
                b"Access-Control-Allow-Origin: *\r\nConnection: close\r\n\r\nok"
            )
            conn.close()


CERTIFICATE_KINDS: dict[str, tuple[tuple[int, int], bool]] = {
    "expired": ((-60, -2), True),
    "expiring": ((-60, 5), True),
    "wrong-name": ((-1, 30), False),
    "untrusted": ((-1, 30), True),
}
"""Special certificates a :class:`TlsProfile` can give a host: (validity in days from
now, whether the host's own name is on it). ``untrusted`` is an ordinary one whose key
is left out of :attr:`TestWeb.spki_hashes`, so nobody pins it."""


@dataclass(frozen=True, slots=True)
class TlsProfile:
    """How a second test-web listener speaks TLS (the security test's special hosts)."""

    legacy: bool = False
    """Also accept TLS 1.0 and 1.1 (at OpenSSL security level 0, which Debian's
    OpenSSL 3 allows for a context that asks for it)."""
    certificates: tuple[tuple[str, str], ...] = ()
    """(host, kind of :data:`CERTIFICATE_KINDS`): a certificate of its own, chosen by SNI."""


def _server_context(cert: Path, key: Path, legacy: bool) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.set_alpn_protocols(["http/1.1"])
    if legacy:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            context.set_ciphers("DEFAULT:@SECLEVEL=0")
            context.minimum_version = ssl.TLSVersion.TLSv1
    return context


class TestWeb:
    """The local test web: ``with TestWeb() as web: ...`` then point Chromium at it."""

    __test__ = False  # not a pytest test class despite the name

    def __init__(
        self, port: int = 0, base_dir: Path | None = None, tls: TlsProfile | None = None
    ) -> None:
        self.tls = tls or TlsProfile()
        self._pins: list[str] = []
        self._want_port = port
        self.base_dir: Path = (base_dir or HOSTS_DIR).resolve()
        self._lock = threading.Lock()
        self._served: list[tuple[str, str, str]] = []
        self._sockets: set[socket.socket] = set()
        self._route_cache: dict[str, dict[str, Route]] = {}
        self._pad_cache: dict[tuple[int, int], bytes] = {}
        self._turns: dict[tuple[str, str], int] = {}
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._spki = ""

    @property
    def port(self) -> int:
        """The TCP port everything is served on."""
        if self._server is None:
            raise RuntimeError("TestWeb is not running")
        return int(self._server.server_address[1])

    @property
    def spki_hash(self) -> str:
        """Value for Chromium's ``--ignore-certificate-errors-spki-list``."""
        if not self._spki:
            raise RuntimeError("TestWeb is not running")
        return self._spki

    @property
    def spki_hashes(self) -> tuple[str, ...]:
        """Every certificate's SPKI to trust: the main one and the special ones of a
        :class:`TlsProfile`, except ``untrusted``."""
        return (self.spki_hash, *self._pins)

    @property
    def host_rules(self) -> str:
        """Value for Chromium's ``--host-resolver-rules``: every host to this port."""
        return f"MAP * 127.0.0.1:{self.port}"

    @property
    def chromium_args(self) -> list[str]:
        """The Chromium switches that make it browse this web instead of the internet."""
        return [
            f"--host-resolver-rules={self.host_rules}",
            f"--ignore-certificate-errors-spki-list={self.spki_hash}",
        ]

    def hosts(self) -> list[str]:
        """Hostnames this web answers for."""
        return sorted(p.name for p in self.base_dir.iterdir() if p.is_dir())

    def start(self) -> TestWeb:
        """Make the certificate, bind the port and serve in a daemon thread."""
        if self._server is not None:
            return self
        self._stopping.clear()
        tmp = Path(tempfile.mkdtemp(prefix="privacyscan-testweb-"))
        try:
            cert, key, self._spki = make_certificate(self.hosts(), tmp)
            context = _server_context(cert, key, self.tls.legacy)
            by_host: dict[str, ssl.SSLContext] = {}
            self._pins = []
            for i, (host, kind) in enumerate(self.tls.certificates):
                days, named = CERTIFICATE_KINDS[kind]
                names = [host] if named else [f"andere-naam.{host}"]
                folder = tmp / str(i)
                folder.mkdir()
                c, k, pin = make_certificate(names, folder, valid_days=days, common_name=names[0])
                by_host[host] = _server_context(c, k, self.tls.legacy)
                if kind != "untrusted":
                    self._pins.append(pin)
            if by_host:

                def choose(sock: ssl.SSLObject | ssl.SSLSocket, name: str | None, _: Any) -> None:
                    special = by_host.get((name or "").lower())
                    if special is not None:
                        sock.context = special

                context.sni_callback = choose
            self._server = _Server(self, ("127.0.0.1", self._want_port), context)
        finally:
            # The context holds cert and key in memory: remove the files at once so
            # that even a killed process leaves nothing behind.
            shutil.rmtree(tmp, ignore_errors=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"testweb-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and drop open connections promptly."""
        server, self._server = self._server, None
        self._stopping.set()  # ends hanging and trickling connections
        if server is not None:
            server.shutdown()
            server.server_close()
            with self._lock:
                open_sockets = list(self._sockets)
                self._sockets.clear()
            for sock in open_sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        self._spki = ""

    def __enter__(self) -> TestWeb:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        self.stop()

    def url(self, host: str, path: str = "/", scheme: str = "https") -> str:
        """URL a browser uses for a page of this web (the real hostname, default port)."""
        return f"{scheme}://{host}{path}"

    def served(self) -> list[tuple[str, str, str]]:
        """Every request answered so far as (host, method, path with query), in order."""
        with self._lock:
            return list(self._served)

    def clear_served(self) -> None:
        """Forget the requests served so far (between test cases)."""
        with self._lock:
            self._served.clear()

    def _record(self, host: str, method: str, path: str) -> None:
        with self._lock:
            self._served.append((host, method, path))

    def _track(self, sock: socket.socket, add: bool) -> None:
        with self._lock:
            if add:
                self._sockets.add(sock)
            else:
                self._sockets.discard(sock)

    def _turn(self, host: str, path: str) -> int:
        """How many navigations to ``host`` ``path`` came before this one (0 for the
        first): which body of an ``alternate`` route it gets."""
        with self._lock:
            turn = self._turns.get((host, path), 0)
            self._turns[(host, path)] = turn + 1
        return turn

    def _padded(self, body: bytes, size: int) -> bytes:
        """:func:`padded`, built once per body and size (a 30 MB page is asked for often)."""
        key = (hash(body), size)
        with self._lock:
            cached = self._pad_cache.get(key)
        if cached is None:
            cached = padded(body, size)
            with self._lock:
                self._pad_cache[key] = cached
        return cached

    def _routes(self, host: str) -> dict[str, Route]:
        with self._lock:
            cached = self._route_cache.get(host)
        if cached is None:
            cached = load_routes(self.base_dir / host)
            with self._lock:
                self._route_cache[host] = cached
        return cached
