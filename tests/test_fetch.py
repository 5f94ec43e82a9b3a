"""robots.txt and sitemaps over the real local test web (HTTPS and HTTP on loopback).

``www.kruimelstad.nl`` is the crawl fixture; edge cases (broken, hostile and huge
sitemaps, redirect chains, slow answers) live in a throw-away web built per module.
"""

from __future__ import annotations

import base64
import gzip
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.config import CaptureOptions
from scanner.crawl import SiteScope, next_to_visit, plan
from scanner.domains import Domains
from scanner.fetch import (
    discover_sitemap_urls,
    fetch_bytes,
    fetch_text,
    map_host,
    parse_sitemap,
    sitemaps_in_robots,
)
from scanner.testweb.server import TestWeb
from tests.test_crawl import EXPECTED_MAX_10, KRUIMELSTAD, fixture_sitemap_urls, page_links

K = "https://www.kruimelstad.nl"
EDGE = "www.randgeval.nl"
WRONG_SPKI = base64.b64encode(bytes(32)).decode("ascii")


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
    urls = discover_sitemap_urls(f"{K}/", capture_options)
    assert urls == fixture_sitemap_urls()
    assert len(urls) == 40
    assert f"{K}/verborgen-formulier/" in urls  # linked from nowhere
    served = testweb.served()
    assert ("www.kruimelstad.nl", "GET", "/sitemap.xml") in served  # tried, 404


def test_sitemap_bounds(capture_options: CaptureOptions) -> None:
    # Two files: the index and the page sitemap, not the news sitemap.
    assert len(discover_sitemap_urls(f"{K}/", capture_options, max_files=2)) == 10
    assert (
        discover_sitemap_urls(f"{K}/", capture_options, max_urls=5) == (fixture_sitemap_urls()[:5])
    )
    assert discover_sitemap_urls(f"{K}/", capture_options, max_files=0) == []
    assert discover_sitemap_urls("mailto:info@kruimelstad.nl", capture_options) == []


def test_crawl_of_the_fixture_without_a_browser(capture_options: CaptureOptions) -> None:
    """The engine's loop with this client standing in for the browser: same ground truth."""
    scope = SiteScope(KRUIMELSTAD, Domains())
    home = f"{K}/"
    sitemap = discover_sitemap_urls(home, capture_options)
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
    urls = discover_sitemap_urls(f"https://{EDGE}/", edge_options)
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
    assert discover_sitemap_urls("https://www.zonderrobots.nl/", edge_options) == [
        "https://www.zonderrobots.nl/a/"
    ]
