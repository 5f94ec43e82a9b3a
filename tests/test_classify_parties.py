"""Party resolution: first vs third party, and which service is behind a host or cookie."""

from __future__ import annotations

import pytest

from scanner.classify.parties import PartyResolver
from scanner.domains import Domains
from scanner.knowledge import Knowledge, load_knowledge
from scanner.models import Cookie, Site, StorageItem, StorageKind

SITE = Site("Testdorp", "https://www.testdorp.nl/", extra_domains=("testdorp-loket.nl",))


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge()


@pytest.fixture(scope="module")
def resolver(knowledge: Knowledge) -> PartyResolver:
    return PartyResolver(Domains(), knowledge)


@pytest.mark.parametrize(
    ("host", "first"),
    [
        ("www.testdorp.nl", True),
        ("testdorp.nl", True),
        (".testdorp.nl", True),
        ("formulieren.testdorp-loket.nl", True),
        ("testdorp.nl.evil.com", False),
        ("nottestdorp.nl", False),
        ("www.google-analytics.com", False),
        ("127.0.0.1", False),
    ],
)
def test_is_first_party(resolver: PartyResolver, host: str, first: bool) -> None:
    assert resolver.is_first_party(host, SITE) is first


@pytest.mark.parametrize(
    ("host", "organisation", "service", "category", "country"),
    [
        ("region1.google-analytics.com", "Google", "Google Analytics", "analytics", "US"),
        ("analytics.google.com", "Google", "Google Analytics", "analytics", "US"),
        ("www.googletagmanager.com", "Google", "Google Tag Manager", "functional", "US"),
        ("fonts.gstatic.com", "Google", "Google Fonts", "fonts", "US"),
        ("www.gstatic.com", "Google", "Google Static Content", "cdn", "US"),
        ("i.ytimg.com", "Google", "YouTube", "video", "US"),
        ("connect.facebook.net", "Meta", "Meta Pixel / Facebook SDK", "marketing", "US"),
        ("px.ads.linkedin.com", "LinkedIn", "LinkedIn Ads", "advertising", "US"),
        ("www.linkedin.com", "LinkedIn", "LinkedIn", "social", "US"),
        ("script.hotjar.com", "Hotjar", "Hotjar", "session_replay", "MT"),
        ("x.clarity.ms", "Microsoft", "Microsoft Clarity", "session_replay", "US"),
        ("siteimproveanalytics.io", "Siteimprove", "Siteimprove Analytics", "analytics", "DK"),
        ("gemeente.matomo.cloud", "InnoCraft", "Matomo", "analytics", "NZ"),
        ("consent.cookiebot.com", "Usercentrics", "Cookiebot", "consent", "DE"),
        ("cdn.cookielaw.org", "OneTrust", "OneTrust Cookie Consent", "consent", "US"),
        ("app-eu1.readspeaker.com", "ReadSpeaker", "ReadSpeaker", "functional", "NL"),
        ("cdn.jsdelivr.net", "jsDelivr", "jsDelivr", "cdn", None),
    ],
)
def test_party_for_host_known_services(
    resolver: PartyResolver,
    host: str,
    organisation: str,
    service: str,
    category: str,
    country: str | None,
) -> None:
    party = resolver.party_for_host(host, SITE)
    assert not party.first_party
    assert (party.organisation, party.service, party.category, party.country) == (
        organisation,
        service,
        category,
        country,
    )
    assert party.eea is (None if country is None else country in {"MT", "DK", "DE", "NL"})
    assert party.source == "privacyscan"


def test_party_for_host_unknown_and_first_party(resolver: PartyResolver) -> None:
    unknown = resolver.party_for_host("cdn.unknown-vendor.example", SITE)
    assert unknown.first_party is False
    assert unknown.domain == "unknown-vendor.example"
    assert unknown.organisation is None and unknown.category is None
    own = resolver.party_for_host("www.testdorp.nl", SITE)
    assert own.first_party and own.organisation == "Testdorp" and own.category is None


@pytest.mark.parametrize(
    ("url", "service", "category"),
    [
        ("https://www.google.com/recaptcha/api.js", "Google reCAPTCHA", "security"),
        ("https://www.gstatic.com/recaptcha/releases/x/recaptcha__nl.js", "Google reCAPTCHA",
         "security"),
        ("https://www.google.com/maps/embed?pb=1", "Google Maps", "maps"),
        ("https://www.google.com/pagead/1p-user-list/123", "Google Ads", "advertising"),
        ("https://www.google.com/search?q=x", "Google", "marketing"),
        ("https://www.facebook.com/tr/?id=1&ev=PageView", "Meta Pixel", "marketing"),
        ("https://www.facebook.com/plugins/page.php", "Facebook", "social"),
    ],
)  # fmt: skip
def test_party_for_url_path_entries(
    resolver: PartyResolver, url: str, service: str, category: str
) -> None:
    party = resolver.party_for_url(url, SITE)
    assert (party.service, party.category) == (service, category)


@pytest.mark.parametrize(
    ("name", "domain", "first", "organisation", "service", "category"),
    [
        # First party by domain, Google Analytics by service.
        ("_ga", ".testdorp.nl", True, "Google", "Google Analytics", "analytics"),
        ("_ga_ABC123", ".testdorp.nl", True, "Google", "Google Analytics", "analytics"),
        ("_fbp", ".testdorp.nl", True, "Meta", "Meta Pixel", "marketing"),
        ("_hjSessionUser_12345", ".testdorp.nl", True, "Hotjar", "Hotjar", "session_replay"),
        ("_pk_id.1.a2b3", "www.testdorp.nl", True, "Matomo", "Matomo", "analytics"),
        ("PHPSESSID", "www.testdorp.nl", True, "Testdorp", "PHP session", "necessary"),
        ("CookieConsent", "www.testdorp.nl", True, "Usercentrics", "Cookiebot", "consent"),
        ("eigen_voorkeur", "www.testdorp.nl", True, "Testdorp", None, None),
        ("IDE", ".doubleclick.net", False, "Google", "Google Ads / DoubleClick", "advertising"),
        ("YSC", ".youtube.com", False, "Google", "YouTube", "video"),
        ("__cf_bm", ".vimeo.com", False, "Vimeo", "Vimeo", "necessary"),
        ("bcookie", ".linkedin.com", False, "LinkedIn", "LinkedIn", "social"),
        ("xyz", ".unknown-vendor.example", False, None, None, None),
        ("_ga", ".other-site.example", False, "Google", "Google Analytics", "analytics"),
    ],
)
def test_party_for_cookie(
    resolver: PartyResolver,
    name: str,
    domain: str,
    first: bool,
    organisation: str | None,
    service: str | None,
    category: str | None,
) -> None:
    party = resolver.party_for_cookie(Cookie(name, domain), SITE)
    assert party.first_party is first
    assert (party.organisation, party.service, party.category) == (organisation, service, category)


def test_first_party_cookie_of_google_analytics_has_google_country(
    resolver: PartyResolver,
) -> None:
    party = resolver.party_for_cookie(Cookie("_ga", ".testdorp.nl"), SITE)
    assert party.domain == "testdorp.nl"
    assert party.country == "US" and party.eea is False


def test_party_for_origin_and_storage(resolver: PartyResolver) -> None:
    yt = resolver.party_for_origin("https://www.youtube-nocookie.com", SITE)
    assert not yt.first_party and yt.category == "video"
    own = resolver.party_for_origin("https://www.testdorp.nl:443", SITE)
    assert own.first_party
    item = StorageItem(StorageKind.LOCAL, "https://www.testdorp.nl", "_hjSessionUser_1")
    assert resolver.party_for_storage(item, SITE).service == "Hotjar"
