"""Hosts, registrable domains and a site's own domains: one answer for crawl and parties."""

from __future__ import annotations

import pytest

from scanner.classify.parties import PartyResolver
from scanner.domains import Domains, SiteScope, clean_host, host_of
from scanner.knowledge import load_knowledge
from scanner.models import Site


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("www.testdorp.nl", "testdorp.nl"),
        ("WWW.Testdorp.NL.", "testdorp.nl"),
        (".testdorp.nl", "testdorp.nl"),
        ("www.gemeente.amsterdam.nl", "amsterdam.nl"),
        ("a.b.example.co.uk", "example.co.uk"),
        ("region1.google-analytics.com", "google-analytics.com"),
        ("www.testdorp.nl:8443", "testdorp.nl"),
        ("127.0.0.1", "127.0.0.1"),
        ("[::1]", "::1"),
        ("localhost", "localhost"),
        ("app.localhost", "localhost"),
        ("tracker.gemeente.test", "gemeente.test"),
        ("", ""),
        # The private section of the Public Suffix List counts: organisations, not hosters.
        ("www.gemeente.github.io", "gemeente.github.io"),
        ("github.io", "github.io"),
        ("d1234abcd.cloudfront.net", "d1234abcd.cloudfront.net"),
    ],
)
def test_registrable_domain(host: str, expected: str) -> None:
    assert Domains().registrable(host) == expected


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://www.example.nl:8443/a?b", "www.example.nl"),
        ("https://www.youtube.com", "www.youtube.com"),
        ("www.example.nl/path", "www.example.nl"),
        ("http://[::1]:8080/", "::1"),
        ("HTTPS://WWW.Example.NL./", "www.example.nl"),
        ("http://[::1", ""),
    ],
)
def test_host_of(url: str, host: str) -> None:
    assert host_of(url) == host


def test_clean_host() -> None:
    assert clean_host(" .Example.NL. ") == "example.nl"
    assert clean_host("[::1]:8080") == "::1"
    assert clean_host("www.x.nl:8443") == "www.x.nl"


@pytest.mark.parametrize(
    ("site_url", "host", "own"),
    [
        ("https://gemeente.github.io/", "gemeente.github.io", True),
        ("https://gemeente.github.io/", "andere.github.io", False),
        ("https://www.testdorp.nl/", "loket.testdorp.nl", True),
        ("https://www.testdorp.nl/", "testdorp.nl.evil.com", False),
        ("http://127.0.0.1:8000/", "127.0.0.1", True),
        ("http://127.0.0.1:8000/", "127.0.0.2", False),
    ],
)
def test_crawl_scope_and_first_party_agree(site_url: str, host: str, own: bool) -> None:
    """The crawl and the classification ask the same scope, so they cannot disagree."""
    domains = Domains()
    site = Site("S", site_url)
    resolver = PartyResolver(domains, load_knowledge())
    assert SiteScope(site, domains).contains(f"https://{host}/") is own
    assert resolver.is_first_party(host, site) is own
    assert resolver.party_for_url(f"https://{host}/x.js", site).first_party is own


def test_scope_including_a_redirect_target() -> None:
    domains = Domains()
    scope = SiteScope(Site("Oud", "https://www.oudedorp.nl/"), domains)
    wider = scope.including("https://www.nieuwestad.nl/")
    assert wider.domains == {"oudedorp.nl", "nieuwestad.nl"}
    assert wider.including("nieuwestad.nl") is wider
    assert scope.domains == {"oudedorp.nl"}
