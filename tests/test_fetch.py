"""robots.txt and sitemaps over the real local test web (HTTPS and HTTP on loopback).

``www.kruimelstad.nl`` is the crawl fixture; edge cases (broken, hostile and huge
sitemaps, redirect chains, slow answers) live in a throw-away web built per module.
"""

from __future__ import annotations

import base64
import gzip
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from scanner.config import CaptureOptions
from scanner.crawl import SiteScope, next_to_visit, plan
from scanner.domains import Domains
from scanner.fetch import (
    Discovery,
    Resolution,
    discover_sitemap_urls,
    discover_sitemaps,
    fetch_bytes,
    fetch_text,
    map_host,
    parse_sitemap,
    resolver,
    sitemaps_in_robots,
)
from scanner.models import Site
from scanner.testweb.server import Listener, TestWeb
from tests.test_crawl import EXPECTED_MAX_10, KRUIMELSTAD, fixture_sitemap_urls, page_links

K = "https://www.kruimelstad.nl"
EDGE = "www.randgeval.nl"
WRONG_SPKI = base64.b64encode(bytes(32)).decode("ascii")
K_SCOPE = SiteScope(KRUIMELSTAD, Domains())


def _scope(host: str) -> SiteScope:
    return SiteScope(Site(host, f"https://{host}/"), Domains())


# --- map_host (pure) --------------------------------------------------------------------

MAP_CASES: list[tuple[str, int, tuple[str, ...], tuple[str, int]]] = [
    ("www.kruimelstad.nl", 443, ("*=127.0.0.1:8443",), ("127.0.0.1", 8443)),
    ("www.kruimelstad.nl", 80, ("*=127.0.0.1:8443",), ("127.0.0.1", 8443)),
    ("www.example.nl", 443, ("*.example.nl=10.0.0.5",), ("10.0.0.5", 443)),
    ("WWW.Example.NL", 80, ("*.example.nl=10.0.0.5",), ("10.0.0.5", 80)),
    ("example.nl", 443, ("*.example.nl=10.0.0.5",), ("example.nl", 443)),
    ("www.other.nl", 443, ("*.example.nl=10.0.0.5",), ("www.other.nl", 443)),
    ("a.example.nl", 443, ("a.example.nl=127.0.0.2", "*=127.0.0.3"), ("127.0.0.2", 443)),
    ("b.example.nl", 443, ("a.example.nl=127.0.0.2", "*=127.0.0.3"), ("127.0.0.3", 443)),
    ("www.example.nl", 443, ("*.example.nl=[::1]:9000",), ("::1", 9000)),
    ("www.example.nl", 443, ("*.example.nl=::1",), ("::1", 443)),
    (
        "www.example.nl",
        443,
        (" *.example.nl = 127.0.0.1:81 ",),
        ("127.0.0.1", 81),
    ),
    ("wwwxexample.nl", 443, ("www.example.nl=127.0.0.1",), ("wwwxexample.nl", 443)),
]


@pytest.mark.parametrize(("host", "port", "rules", "expected"), MAP_CASES)
def test_map_host(host: str, port: int, rules: tuple[str, ...], expected: tuple[str, int]) -> None:
    assert map_host(host, port, rules) == expected


# --- parse_sitemap and robots.txt (pure) ------------------------------------------------

URLSET = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    b"<url><loc> https://www.a.nl/x </loc></url><url><loc>ftp://www.a.nl/y</loc></url>"
    b"<url><loc>https://www.a.nl/z</loc><lastmod>2026-01-01</lastmod></url></urlset>"
)

PARSE_CASES: list[tuple[bytes, tuple[list[str], list[str]] | None]] = [
    (URLSET, (["https://www.a.nl/x", "https://www.a.nl/z"], [])),
    (
        b"<sitemapindex><sitemap><loc>https://www.a.nl/s1.xml</loc></sitemap></sitemapindex>",
        ([], ["https://www.a.nl/s1.xml"]),
    ),
    (b"\xef\xbb\xbf<urlset><url><loc>http://a.nl/</loc></url></urlset>", (["http://a.nl/"], [])),
    (
        b"https://www.a.nl/1\n\nhttps://www.a.nl/2\r\nnot a url\n",
        (["https://www.a.nl/1", "https://www.a.nl/2"], []),
    ),
    (
        b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY x "https://www.a.nl/">]>'
        b"<urlset><url><loc>&x;</loc></url></urlset>",
        None,
    ),
    (b'<!doctype urlset SYSTEM "http://evil.example/x.dtd"><urlset/>', None),
    (b'<urlset><!ENTITY x "y"><url><loc>https://www.a.nl/</loc></url></urlset>', None),
    ("<urlset><url><loc>https://www.a.nl/</loc></url></urlset>".encode("utf-16"), None),
    (b"<urlset><url><loc>https://www.a.nl/</loc></url>", None),  # not well-formed
    (b"<html><body>Not found</body></html>", None),
    (b"<rss><channel/></rss>", None),
]


@pytest.mark.parametrize(("data", "expected"), PARSE_CASES)
def test_parse_sitemap(data: bytes, expected: tuple[list[str], list[str]] | None) -> None:
    assert parse_sitemap(data) == expected


def test_sitemaps_in_robots() -> None:
    robots = (
        "User-agent: *\nDisallow: /zoeken/\n"
        "Sitemap: https://www.a.nl/sitemap-index.xml\n"
        "SITEMAP:/relatief.xml # comment\n"
        "  sitemap :  https://www.a.nl/sitemap-index.xml\n"
        "Sitemap: ftp://www.a.nl/s.xml\n"
        "# Sitemap: https://www.a.nl/commented.xml\n"
    )
    assert sitemaps_in_robots(robots, "https://www.a.nl/robots.txt") == [
        "https://www.a.nl/sitemap-index.xml",
        "https://www.a.nl/relatief.xml",
    ]


# --- The crawl fixture over HTTPS -------------------------------------------------------


def test_robots_txt_with_pinned_spki(testweb: TestWeb, capture_options: CaptureOptions) -> None:
    text = fetch_text(f"{K}/robots.txt", capture_options)
    assert text is not None
    assert "Sitemap: https://www.kruimelstad.nl/sitemap-index.xml" in text
    # The real host name went out as Host (the server routes by it).
    assert ("www.kruimelstad.nl", "GET", "/robots.txt") in testweb.served()


def test_wrong_spki_is_rejected(testweb: TestWeb) -> None:
    options = CaptureOptions(
        map_hosts=(f"*=127.0.0.1:{testweb.port}",), trust_cert_spki=(WRONG_SPKI,)
    )
    assert fetch_text(f"{K}/robots.txt", options) is None


def test_unknown_certificate_is_rejected_without_exceptions(testweb: TestWeb) -> None:
    options = CaptureOptions(map_hosts=(f"*=127.0.0.1:{testweb.port}",))
    assert fetch_text(f"{K}/robots.txt", options) is None


def test_ignore_cert_errors(testweb: TestWeb) -> None:
    options = CaptureOptions(map_hosts=(f"*=127.0.0.1:{testweb.port}",), ignore_cert_errors=True)
    text = fetch_text(f"{K}/robots.txt", options)
    assert text is not None and "Sitemap:" in text


def test_http_redirects_to_https(testweb: TestWeb, capture_options: CaptureOptions) -> None:
    text = fetch_text("http://www.kruimelstad.nl/robots.txt", capture_options)
    assert text is not None and "sitemap-index.xml" in text


def test_not_found_and_bad_urls_are_none(capture_options: CaptureOptions) -> None:
    assert fetch_text(f"{K}/sitemap.xml", capture_options) is None  # 404
    assert fetch_text("ftp://www.kruimelstad.nl/robots.txt", capture_options) is None
    assert fetch_text("file:///etc/passwd", capture_options) is None
    assert fetch_text("niet een url", capture_options) is None
    assert fetch_text("https://[bad/", capture_options) is None


def test_a_closed_port_is_none() -> None:
    options = CaptureOptions(map_hosts=("*=127.0.0.1:1",), ignore_cert_errors=True)
    assert fetch_text(f"{K}/robots.txt", options, timeout_s=2) is None


def test_sitemap_index_to_sitemaps_to_urls(
    testweb: TestWeb, capture_options: CaptureOptions
) -> None:
    urls = discover_sitemap_urls(f"{K}/", capture_options, scope=K_SCOPE)
    assert urls == fixture_sitemap_urls()
    assert len(urls) == 40
    assert f"{K}/verborgen-formulier/" in urls  # linked from nowhere
    served = testweb.served()
    assert ("www.kruimelstad.nl", "GET", "/sitemap.xml") in served  # tried, 404


def test_sitemap_bounds(capture_options: CaptureOptions) -> None:
    # Two files: the index and the page sitemap, not the news sitemap.
    assert len(discover_sitemap_urls(f"{K}/", capture_options, scope=K_SCOPE, max_files=2)) == 10
    assert (
        discover_sitemap_urls(f"{K}/", capture_options, scope=K_SCOPE, max_urls=5)
        == (fixture_sitemap_urls()[:5])
    )
    assert discover_sitemap_urls(f"{K}/", capture_options, scope=K_SCOPE, max_files=0) == []
    assert discover_sitemap_urls("mailto:info@kruimelstad.nl", capture_options, scope=K_SCOPE) == []


def test_crawl_of_the_fixture_without_a_browser(capture_options: CaptureOptions) -> None:
    """The engine's loop with this client standing in for the browser: same ground truth."""
    scope = SiteScope(KRUIMELSTAD, Domains())
    home = f"{K}/"
    sitemap = discover_sitemap_urls(home, capture_options, scope=scope)
    visited = [home]
    links = page_links(home)
    while True:
        chosen, coverage = plan(home, links, sitemap, scope, 10, visited=visited)
        url = next_to_visit(chosen, visited)
        if url is None:
            break
        assert fetch_text(url, capture_options) is not None, url  # the page is really served
        visited.append(url)
        links += page_links(url)
    assert chosen == EXPECTED_MAX_10
    assert coverage.from_sitemap == 40


# --- Edge cases on a throw-away web ------------------------------------------------------


def _write(root: Path, rel: str, data: bytes | str) -> None:
    path = root / EDGE / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def _urlset(*paths: str) -> str:
    locs = "".join(f"<url><loc>https://{EDGE}{p}</loc></url>" for p in paths)
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'


@pytest.fixture(scope="module")
def edge_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestWeb]:
    root = tmp_path_factory.mktemp("edgeweb")
    _write(
        root,
        "robots.txt",
        "sitemap: https://www.randgeval.nl/doctype.xml\n"
        "SITEMAP: https://www.randgeval.nl/gz/sitemap.xml.gz\n"
        "SiteMap: https://www.randgeval.nl/encoded.xml\n"
        "Sitemap: https://www.randgeval.nl/missing.xml\n",
    )
    _write(
        root,
        "doctype.xml",
        '<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY e "/geheim/">]>'
        f"<urlset><url><loc>https://{EDGE}&e;</loc></url></urlset>",
    )
    _write(root, "gz/sitemap.xml.gz", gzip.compress(_urlset("/uit-gz/").encode()))
    _write(root, "encoded.xml", gzip.compress(_urlset("/uit-encoding/").encode()))
    _write(root, "sitemap.xml", _urlset("/uit-standaard/"))
    _write(root, "groot.txt", "x" * 200_000)
    _write(root, "bom.xml.gz", gzip.compress(b" " * 2_000_000))
    _write(root, "eind.txt", "eind")
    routes: dict[str, object] = {
        "/encoded.xml": {
            "headers": [["Content-Encoding", "gzip"]],
            "content_type": "application/xml",
        },
        "/lus": {"status": 302, "headers": [["Location", "/lus"]]},
        "/naar-ftp": {"status": 301, "headers": [["Location", "ftp://www.randgeval.nl/"]]},
        "/traag.txt": {"body": "laat", "delay_ms": 3000},
        "/fout": {"status": 500, "body": "kapot"},
    }
    for n in range(6):
        following = f"/r{n + 1}" if n < 5 else "/eind.txt"
        routes[f"/r{n}"] = {"status": 302, "headers": [["Location", following]]}
    _write(root, "_routes.json", json.dumps(routes))
    with TestWeb(base_dir=root) as web:
        yield web


@pytest.fixture(scope="module")
def edge_options(edge_web: TestWeb) -> CaptureOptions:
    return CaptureOptions(
        map_hosts=(f"*=127.0.0.1:{edge_web.port}",), trust_cert_spki=(edge_web.spki_hash,)
    )


def test_edge_sitemaps(edge_options: CaptureOptions) -> None:
    """DOCTYPE rejected, .xml.gz and Content-Encoding gzip read, /sitemap.xml added last."""
    urls = discover_sitemap_urls(f"https://{EDGE}/", edge_options, scope=_scope(EDGE))
    assert urls == [
        f"https://{EDGE}/uit-gz/",
        f"https://{EDGE}/uit-encoding/",
        f"https://{EDGE}/uit-standaard/",
    ]


def test_size_limit(edge_options: CaptureOptions) -> None:
    assert fetch_text(f"https://{EDGE}/groot.txt", edge_options, max_bytes=100_000) is None
    text = fetch_text(f"https://{EDGE}/groot.txt", edge_options, max_bytes=300_000)
    assert text is not None and len(text) == 200_000


def test_size_limit_after_decompression(edge_options: CaptureOptions) -> None:
    url = f"https://{EDGE}/bom.xml.gz"
    assert fetch_bytes(url, edge_options, max_bytes=1_000_000) is None
    body = fetch_bytes(url, edge_options, max_bytes=3_000_000)
    assert body is not None and len(body) == 2_000_000


def test_redirect_limit(edge_options: CaptureOptions) -> None:
    assert fetch_text(f"https://{EDGE}/r1", edge_options) == "eind"  # five redirects
    assert fetch_text(f"https://{EDGE}/r0", edge_options) is None  # six
    assert fetch_text(f"https://{EDGE}/lus", edge_options) is None
    assert fetch_text(f"https://{EDGE}/naar-ftp", edge_options) is None


def test_only_200_counts(edge_options: CaptureOptions) -> None:
    assert fetch_text(f"https://{EDGE}/fout", edge_options) is None
    assert fetch_text(f"https://{EDGE}/bestaat-niet", edge_options) is None


def test_timeout(edge_options: CaptureOptions) -> None:
    started = time.monotonic()
    assert fetch_text(f"https://{EDGE}/traag.txt", edge_options, timeout_s=0.5) is None
    assert time.monotonic() - started < 2.5


def test_site_without_robots_uses_sitemap_xml(
    edge_web: TestWeb, edge_options: CaptureOptions
) -> None:
    """Another host of the edge web has no robots.txt: /sitemap.xml alone is read."""
    root = edge_web.base_dir
    other = root / "www.zonderrobots.nl"
    other.mkdir(exist_ok=True)
    (other / "sitemap.xml").write_text(
        "<urlset><url><loc>https://www.zonderrobots.nl/a/</loc></url></urlset>", "utf-8"
    )
    assert discover_sitemap_urls(
        "https://www.zonderrobots.nl/", edge_options, scope=_scope("www.zonderrobots.nl")
    ) == ["https://www.zonderrobots.nl/a/"]


# --- No server holds the reader (issue 11) ------------------------------------------------

SLOW = "www.traagkaart.nl"


@pytest.fixture(scope="module")
def slow_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestWeb]:
    """Servers that answer too slowly: a trickle, a body that never ends, slow sitemaps."""
    root = tmp_path_factory.mktemp("slowweb")
    host = root / SLOW
    host.mkdir()
    (host / "robots.txt").write_text(
        "".join(f"Sitemap: https://{SLOW}/kaart-{n}.xml\n" for n in range(5)), "utf-8"
    )
    routes: dict[str, object] = {
        "/druppel.txt": {"behaviour": "trickle", "body": "x" * 200},
        "/eindeloos.xml": {
            "behaviour": "endless",
            "body": f"<url><loc>https://{SLOW}/nog-een/</loc></url>\n",
            "content_type": "application/xml",
        },
    }
    for n in range(5):
        routes[f"/kaart-{n}.xml"] = {"behaviour": "trickle", "body": "<urlset/>"}
    (host / "_routes.json").write_text(json.dumps(routes), "utf-8")
    with TestWeb(base_dir=root) as web:
        yield web


@pytest.fixture(scope="module")
def slow_options(slow_web: TestWeb) -> CaptureOptions:
    return CaptureOptions(
        map_hosts=(f"*=127.0.0.1:{slow_web.port}",), trust_cert_spki=(slow_web.spki_hash,)
    )


@pytest.mark.parametrize("path", ["/druppel.txt", "/eindeloos.xml"])
def test_a_trickling_or_endless_answer_ends_at_the_deadline(
    slow_options: CaptureOptions, path: str
) -> None:
    """One byte a second (headers too), or a body that never ends: read until the
    deadline, not a moment longer."""
    started = time.monotonic()
    assert fetch_bytes(f"https://{SLOW}{path}", slow_options, timeout_s=1.5) is None
    assert 1.4 <= time.monotonic() - started < 3.0


def test_a_server_that_never_answers_ends_at_the_deadline() -> None:
    """It accepts the connection and says nothing: no TLS handshake, no status line."""
    with Listener(answer=False) as silent:
        options = CaptureOptions(map_hosts=(f"*=127.0.0.1:{silent.port}",))
        for url in ("https://www.zwijgt.nl/robots.txt", "http://www.zwijgt.nl/robots.txt"):
            started = time.monotonic()
            assert fetch_text(url, options, timeout_s=1.0) is None
            assert time.monotonic() - started < 2.5
        assert silent.connections == 2


def test_dns_that_never_answers_ends_at_the_deadline() -> None:
    def stuck(host: str, port: int) -> Resolution:
        time.sleep(60)  # a daemon thread: left behind, never waited for
        return Resolution(())

    started = time.monotonic()
    assert (
        fetch_text("https://www.nergens.nl/", CaptureOptions(), timeout_s=1.0, resolve=stuck)
        is None
    )
    assert time.monotonic() - started < 2.5


def test_discovery_has_one_deadline_for_all_its_files(slow_options: CaptureOptions) -> None:
    """Five trickling sitemaps would take five fetch timeouts; the discovery has one."""
    started = time.monotonic()
    found = discover_sitemaps(f"https://{SLOW}/", slow_options, scope=_scope(SLOW), timeout_s=2.0)
    assert found == Discovery()
    assert time.monotonic() - started < 4.0


# --- Only where the site may send it (issue 19) -------------------------------------------

LEK = "www.lekdorp.nl"


@dataclass
class Ssrf:
    """The leaking site on its own web, an internal listener and a stand-in for DNS."""

    web: TestWeb
    inside: Listener
    options: CaptureOptions
    asked: list[str]

    def resolve(self, host: str, port: int) -> Resolution:
        """DNS as a hostile site's zone would answer: two of its names point inside."""
        self.asked.append(host)
        inward = {
            "intern.lekdorp.nl": ("127.0.0.2", self.inside.port),
            "beheer.lekdorp.nl": ("10.20.30.40", 443),
        }
        if host in inward:
            return Resolution((inward[host],))
        return resolver(self.options.map_hosts)(host, port)


@pytest.fixture(scope="module")
def ssrf(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ssrf]:
    root = tmp_path_factory.mktemp("ssrfweb")
    host = root / LEK
    host.mkdir()
    with Listener("127.0.0.2") as inside:
        (host / "robots.txt").write_text(
            "Sitemap: http://127.0.0.1/latest/meta-data/sitemap.xml\n"
            "Sitemap: http://169.254.169.254/latest/meta-data/\n"
            "Sitemap: http://[::1]/sitemap.xml\n"
            "Sitemap: http://localhost/sitemap.xml\n"
            "Sitemap: https://intern.lekdorp.nl/sitemap.xml\n"
            "Sitemap: https://www.anderedomein.nl/sitemap.xml\n"
            f"Sitemap: https://{LEK}/sitemap-index.xml\n",
            "utf-8",
        )
        children = [
            "https://beheer.lekdorp.nl/sitemap.xml",
            f"https://{LEK}/doorsturen.xml",
            f"https://{LEK}/doorsturen-ip.xml",
            f"https://{LEK}/paginas.xml",
        ]
        (host / "sitemap-index.xml").write_text(
            "<sitemapindex>"
            + "".join(f"<sitemap><loc>{c}</loc></sitemap>" for c in children)
            + "</sitemapindex>",
            "utf-8",
        )
        (host / "paginas.xml").write_text(
            f"<urlset><url><loc>https://{LEK}/a/</loc></url>"
            f"<url><loc>https://{LEK}/b/</loc></url></urlset>",
            "utf-8",
        )
        routes = {
            "/doorsturen.xml": {
                "status": 302,
                "headers": [["Location", "https://intern.lekdorp.nl/geheim.xml"]],
            },
            "/doorsturen-ip.xml": {
                "status": 302,
                "headers": [["Location", f"http://127.0.0.2:{inside.port}/geheim.xml"]],
            },
        }
        (host / "_routes.json").write_text(json.dumps(routes), "utf-8")
        with TestWeb(base_dir=root) as web:
            options = CaptureOptions(
                map_hosts=(f"*=127.0.0.1:{web.port}",), trust_cert_spki=(web.spki_hash,)
            )
            yield Ssrf(web, inside, options, [])


def test_the_sitemap_reader_never_reaches_inside(
    ssrf: Ssrf, outbound: Callable[[], list[str]]
) -> None:
    ssrf.web.clear_served()
    ssrf.asked.clear()
    found = discover_sitemaps(
        f"https://{LEK}/", ssrf.options, scope=_scope(LEK), resolve=ssrf.resolve
    )
    assert found.urls == (f"https://{LEK}/a/", f"https://{LEK}/b/")  # the site still scans
    port = ssrf.inside.port
    assert {(r.url, r.kind, r.address) for r in found.refusals} == {
        ("http://127.0.0.1/latest/meta-data/sitemap.xml", "loopback", "127.0.0.1"),
        ("http://169.254.169.254/latest/meta-data/", "link-local", "169.254.169.254"),
        ("http://[::1]/sitemap.xml", "loopback", "::1"),
        ("http://localhost/sitemap.xml", "loopback", "localhost"),
        ("https://intern.lekdorp.nl/sitemap.xml", "loopback", "127.0.0.2"),
        ("https://beheer.lekdorp.nl/sitemap.xml", "private", "10.20.30.40"),
        ("https://intern.lekdorp.nl/geheim.xml", "loopback", "127.0.0.2"),
        (f"http://127.0.0.2:{port}/geheim.xml", "loopback", "127.0.0.2"),
    }
    by_url = {r.url: r.referrer for r in found.refusals}
    assert by_url["https://intern.lekdorp.nl/geheim.xml"] == f"https://{LEK}/doorsturen.xml"
    assert by_url["https://beheer.lekdorp.nl/sitemap.xml"] == f"https://{LEK}/sitemap-index.xml"
    # Nothing arrived inside: not at the listener, not at the web playing every other
    # address, and no connection outside loopback was even tried.
    assert (ssrf.inside.connections, ssrf.inside.requests) == (0, [])
    assert {h for h, _, _ in ssrf.web.served()} == {LEK}
    assert outbound() == []
    # Out of scope, a name is not even looked up.
    assert "www.anderedomein.nl" not in ssrf.asked


def test_the_internal_listener_would_see_a_leak(ssrf: Ssrf) -> None:
    """The check above can fail: allowed in, the same URL reaches the listener."""
    allowed = replace(ssrf.options, allow_private_network=True)
    before = len(ssrf.inside.requests)
    url = f"http://intern.lekdorp.nl:{ssrf.inside.port}/sitemap.xml"
    assert fetch_text(url, allowed, resolve=ssrf.resolve) == "ok"
    assert ssrf.inside.requests[before:] == ["GET /sitemap.xml HTTP/1.1"]


def test_a_map_host_target_is_the_users_choice(ssrf: Ssrf) -> None:
    """Everything here is on 127.0.0.1 through --map-host, and so allowed."""
    assert fetch_text(f"https://{LEK}/paginas.xml", ssrf.options) is not None
    literal = f"https://127.0.0.1:{ssrf.web.port}/paginas.xml"
    assert fetch_text(literal, ssrf.options) is None  # 404 for host 127.0.0.1, but reached
    assert ("127.0.0.1", "GET", "/paginas.xml") in ssrf.web.served()
