"""The knowledge share: how much of a site's third parties and cookies we can name."""

from __future__ import annotations

from datetime import UTC, datetime

from scanner.classify import classify
from scanner.classify.coverage import knowledge_share, scan_knowledge_share
from scanner.classify.parties import PartyResolver
from scanner.domains import Domains
from scanner.knowledge import load_knowledge
from scanner.models import (
    Cookie,
    KnowledgeShare,
    Party,
    Phase,
    Request,
    Site,
    SiteResult,
    SiteStatus,
    StorageItem,
    StorageKind,
)

SITE = Site(name="Proefdorp", url="https://www.proefdorp.nl/")
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _p(domain: str, org: str | None = None, category: str | None = None) -> Party:
    return Party(domain == "proefdorp.nl", domain, organisation=org, category=category)


def test_share_counts_domains_over_every_visitor_and_cookies_once() -> None:
    result = SiteResult(
        site=SITE,
        requests=(
            Request("https://www.proefdorp.nl/", party=_p("proefdorp.nl", "Proefdorp")),
            # google.com is known by one of its requests (reCAPTCHA), unknown by another.
            Request("https://www.google.com/x", party=_p("google.com", "Google")),
            Request(
                "https://www.google.com/recaptcha/api.js",
                party=_p("google.com", "Google", "security"),
            ),
            Request(
                "https://track.adform.net/x",
                phase=Phase.ACCEPT,
                party=_p("adform.net", "Adform", "advertising"),
            ),
            Request("https://cdn.onbekend.example/a.js", party=_p("onbekend.example")),
        ),
        cookies=(
            Cookie("uid", ".adform.net", party=_p("adform.net", "Adform", "advertising")),
            Cookie("uid", ".adform.net", phase=Phase.REJECT, party=_p("adform.net", "Adform")),
            Cookie("sessie", "www.proefdorp.nl", party=_p("proefdorp.nl", "Proefdorp")),
            Cookie("geweigerd", ".proefdorp.nl", stored=False, party=_p("proefdorp.nl")),
            Cookie("x", ".vreemd.example", party=_p("vreemd.example")),
        ),
        storage=(
            StorageItem(
                StorageKind.LOCAL,
                "https://embed.ander.example",
                "k",
                party=_p("ander.example", "Ander", None),
            ),
        ),
    )
    assert knowledge_share(result) == KnowledgeShare(
        known_domains=("adform.net", "google.com"),
        unknown_domains=("ander.example", "onbekend.example", "vreemd.example"),
        cookies=3,
        cookies_known=1,
    )


def test_no_share_for_a_site_that_was_not_measured() -> None:
    failed = SiteResult(site=SITE, status=SiteStatus.FAILED, error="dns")
    assert knowledge_share(failed) is None
    knowledge = load_knowledge()
    resolver = PartyResolver(Domains(), knowledge)
    assert classify(failed, resolver=resolver, knowledge=knowledge, now=NOW).knowledge is None


def test_classify_fills_the_share_from_the_parties_it_resolved() -> None:
    knowledge = load_knowledge()
    resolver = PartyResolver(Domains(), knowledge)
    result = SiteResult(
        site=SITE,
        requests=(
            Request("https://track.adform.net/serving/x"),
            Request("https://match.adsrvr.org/track/cmf/generic"),
            Request("https://cdn.nergens-bekend.example/a.js"),
        ),
        cookies=(Cookie("TDID", ".adsrvr.org"), Cookie("uid", ".proefdorp.nl")),
    )
    classified = classify(result, resolver=resolver, knowledge=knowledge, now=NOW)
    assert classified.knowledge == KnowledgeShare(
        known_domains=("adform.net", "adsrvr.org"),
        unknown_domains=("nergens-bekend.example",),
        cookies=2,
        cookies_known=1,  # TDID; a first-party 'uid' is nobody's we know
    )


def test_scan_share_counts_distinct_domains_and_sums_cookies() -> None:
    a = SiteResult(
        site=SITE,
        knowledge=KnowledgeShare(("adform.net",), ("x.example", "y.example"), 4, 3),
    )
    b = SiteResult(
        site=Site("B", "https://b.example/"),
        knowledge=KnowledgeShare(("x.example", "adform.net"), ("z.example",), 2, 0),
    )
    c = SiteResult(site=Site("C", "https://c.example/"), status=SiteStatus.FAILED)
    assert scan_knowledge_share([a, b, c]) == KnowledgeShare(
        known_domains=("adform.net", "x.example"),
        unknown_domains=("y.example", "z.example"),
        cookies=6,
        cookies_known=3,
    )
