"""Cookie strings read as a browser reads them (RFC 6265), table-driven."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from scanner.browser.instruments.network import image_size
from scanner.config import CaptureOptions, check_url, validate_capture_options
from scanner.cookies import default_path, iso, parse_cookie, value_digest
from scanner.errors import ConfigError
from scanner.failures import classify_failure

NOW = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)
PAGE = "https://www.example.nl/loket/melding/index.html"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("a=1", {"name": "a", "value": "1", "domain": "www.example.nl", "path": "/loket/melding"}),
        ("a=1; Domain=example.nl", {"domain": ".example.nl"}),
        ("a=1; domain=.Example.NL; path=/", {"domain": ".example.nl", "path": "/"}),
        ("a=1; Path=relative", {"path": "/loket/melding"}),
        ("a=1; Max-Age=3600", {"lifetime_s": 3600}),
        ("a=1; Max-Age=3600; Expires=Thu, 01 Jan 2099 00:00:00 GMT", {"lifetime_s": 3600}),
        ("a=1; Expires=Sat, 28 Nov 2026 13:00:00 GMT", {"lifetime_s": 3600}),
        ("a=1; Max-Age=0", {"lifetime_s": 0}),
        ("a=1; Max-Age=-5", {"lifetime_s": 0}),
        ("a=1; Max-Age=abc", {"lifetime_s": None}),
        ("a=1", {"lifetime_s": None, "expires": None}),
        ("a=1; Secure; HttpOnly", {"secure": True, "http_only": True}),
        ("a=1; SameSite=none", {"same_site": "None"}),
        ("a=1; SameSite=LAX", {"same_site": "Lax"}),
        ("a=1; SameSite=bogus", {"same_site": None}),
        ("a=1; Partitioned; Secure", {"partitioned": True}),
        ("novalue", {"name": "", "value": "novalue"}),
        ("  sp = x y ; path=/", {"name": "sp", "value": "x y"}),
        ("<img/src/onerror=alert(1)>=v", {"name": "<img/src/onerror", "value": "alert(1)>=v"}),
    ],
)
def test_parse_cookie(line: str, expected: dict[str, object]) -> None:
    parsed = parse_cookie(line, PAGE, NOW)
    assert parsed is not None
    for key, value in expected.items():
        assert getattr(parsed, key) == value, key


@pytest.mark.parametrize("line", ["", ";", "=;"])
def test_parse_cookie_ignores_nothing(line: str) -> None:
    assert parse_cookie(line, PAGE, NOW) is None


@pytest.mark.parametrize(
    ("line", "deletes"), [("a=; Max-Age=0", True), ("a=1; Max-Age=10", False), ("a=1", False)]
)
def test_deletion(line: str, deletes: bool) -> None:
    parsed = parse_cookie(line, PAGE, NOW)
    assert parsed is not None and parsed.deletes is deletes


@pytest.mark.parametrize(
    ("path", "expected"), [("", "/"), ("/", "/"), ("/a", "/"), ("/a/", "/a"), ("/a/b/c", "/a/b")]
)
def test_default_path(path: str, expected: str) -> None:
    assert default_path(path) == expected


def test_value_digest_keeps_only_a_prefix() -> None:
    digest, prefix = value_digest("GA1.1.1234567890.1700000000")
    assert prefix == "GA1.1.12" and len(digest) == 64 and "1700000000" not in prefix


def test_iso() -> None:
    assert iso(NOW) == "2026-11-28T12:00:00.000Z"
    assert iso(None) is None


@pytest.mark.parametrize(
    ("data", "size"),
    [
        (b"GIF89a\x01\x00\x01\x00\x80\x00\x00", (1, 1)),
        (b"GIF87a\x10\x00\x20\x00", (16, 32)),
        (b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (1).to_bytes(4, "big") * 2, (1, 1)),
        (b"<html>", None),
    ],
)
def test_image_size(data: bytes, size: tuple[int, int] | None) -> None:
    assert image_size(data) == size


@pytest.mark.parametrize(
    ("text", "cls"),
    [
        ("net::ERR_NAME_NOT_RESOLVED at https://x.nl/", "dns"),
        ("net::ERR_CERT_AUTHORITY_INVALID at https://x.nl/", "tls"),
        ("net::ERR_TOO_MANY_REDIRECTS", "redirects"),
        ("net::ERR_CONNECTION_REFUSED", "connection"),
        ("Timeout 30000ms exceeded.", "timeout"),
        ("Target crashed", "browser_crash"),
        ("something odd", "error"),
    ],
)
def test_classify_failure(text: str, cls: str) -> None:
    assert classify_failure(text)[0] == cls


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "chrome://settings", "javascript:alert(1)", "https://", "x"]
)
def test_only_http_urls(url: str) -> None:
    with pytest.raises(ConfigError):
        check_url(url)


@pytest.mark.parametrize(
    "options",
    [
        CaptureOptions(map_hosts=("nonsense",)),
        CaptureOptions(map_hosts=("*=not-an-ip",)),
        CaptureOptions(map_hosts=("*=127.0.0.1:99999",)),
        CaptureOptions(trust_cert_spki=("abc",)),
        CaptureOptions(page_timeout_s=0),
    ],
)
def test_bad_capture_options(options: CaptureOptions) -> None:
    with pytest.raises(ConfigError):
        validate_capture_options(options)


def test_host_resolver_rules() -> None:
    """The user's rules come last, behind the internal-address refusals (scanner.netguard)."""
    options = CaptureOptions(map_hosts=("*=127.0.0.1:8443", "www.x.nl=10.0.0.5"))
    assert validate_capture_options(options) is options
    rules = (options.host_resolver_rules() or "").split(", ")
    assert rules[:2] == ["MAP 127.0.0.1:8443 127.0.0.1:8443", "MAP 10.0.0.5 10.0.0.5"]
    assert "MAP 169.254.* ~NOTFOUND" in rules and "MAP localhost ~NOTFOUND" in rules
    assert rules[-2:] == ["MAP * 127.0.0.1:8443", "MAP www.x.nl 10.0.0.5"]
    allowed = replace(options, allow_private_network=True)
    assert allowed.host_resolver_rules() == "MAP * 127.0.0.1:8443, MAP www.x.nl 10.0.0.5"
    assert CaptureOptions(allow_private_network=True).host_resolver_rules() is None
