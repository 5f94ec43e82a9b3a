"""Rules: for every rule, observations that must fire it and ones that must not."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from scanner.classify import classify
from scanner.classify.context import make_context
from scanner.classify.parties import PartyResolver
from scanner.classify.rules import RULES, rule_behaviour_tracking, rule_fingerprinting_api
from scanner.domains import Domains
from scanner.knowledge import Knowledge, load_knowledge
from scanner.messages import LANGUAGES, load_messages, translator
from scanner.messages.findings import FindingText, finding_text, tidy
from scanner.models import (
    ApiCall,
    Certificate,
    Cookie,
    CookieSource,
    DocumentSecurity,
    Finding,
    HostProbe,
    Initiator,
    MixedContent,
    Page,
    Payload,
    Phase,
    Request,
    ScriptTag,
    SecurityFacts,
    SecurityTxt,
    Severity,
    Site,
    SiteResult,
    SiteStatus,
    StorageItem,
    StorageKind,
    TypedLeak,
)
from scanner.payloads import decode

SITE = Site("Testdorp", "https://www.testdorp.nl/")
P1 = "https://www.testdorp.nl/"
P2 = "https://www.testdorp.nl/afval"
NOW = datetime(2026, 5, 20, tzinfo=UTC)
V = Severity.VIOLATION
LV = Severity.LIKELY_VIOLATION
R = Severity.REVIEW
I = Severity.INFO  # noqa: E741


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge()


@pytest.fixture(scope="module")
def resolver(knowledge: Knowledge) -> PartyResolver:
    return PartyResolver(Domains(), knowledge)


def ck(name: str, domain: str = ".testdorp.nl", **kw: Any) -> Cookie:
    """A well-behaved cookie unless the test says otherwise."""
    kw.setdefault("page_url", P1)
    kw.setdefault("secure", True)
    kw.setdefault("same_site", "Lax")
    kw.setdefault("http_only", True)
    return Cookie(name, domain, **kw)


def rq(url: str, **kw: Any) -> Request:
    kw.setdefault("page_url", P1)
    return Request(url, **kw)


def st(origin: str, key: str, **kw: Any) -> StorageItem:
    kw.setdefault("page_url", P1)
    return StorageItem(StorageKind.LOCAL, origin, key, **kw)


def ac(api: str, script: str | None, **kw: Any) -> ApiCall:
    """A fingerprinting API read by ``script`` in the page's own frame."""
    kw.setdefault("page_url", P1)
    kw.setdefault("frame_url", kw["page_url"])
    kw.setdefault("origin", "https://www.testdorp.nl")
    stack = (f"(anonymous)@{script}:1:1",) if script else ()
    return ApiCall(api, initiator=Initiator("script", script, 1, stack), **kw)


_SWEEP = (
    "plugins",
    "mimeTypes",
    "hardwareConcurrency",
    "deviceMemory",
    "languages",
    "language",
    "platform",
    "maxTouchPoints",
    "doNotTrack",
    "vendor",
    "cookieEnabled",
)
"""Navigator properties a fingerprinting script sweeps (``hooks.js`` hooks these and more)."""


RECORDER = "https://opnamekit.akamaized.net/opname/1.0/opname.min.js"
COLLECTOR = "https://verzamel.opnameleverancier.nl/v1/opnames"


def snapshot(url: str, script: str) -> Request:
    """A POST whose body was a snapshot of the page (``scanner.snapshots``), sent by ``script``."""
    return rq(
        url,
        method="POST",
        resource_type="Fetch",
        initiator=Initiator("script", script, 3, (f"verstuur@{script}:3:9",)),
        payload=Payload(
            "dom-snapshot",
            params=(("format", "rrweb"), ("elements", "40"), ("bytes", "6000")),
            from_body=True,
        ),
    )


def site_result(
    cookies: Any = (),
    requests: Any = (),
    storage: Any = (),
    api_calls: Any = (),
    security: SecurityFacts | None = None,
    pages: Any = None,
) -> SiteResult:
    return SiteResult(
        site=SITE,
        security=security,
        pages=tuple(pages) if pages is not None else (Page(P1), Page(P2)),
        cookies=tuple(cookies),
        requests=tuple(requests),
        storage=tuple(storage),
        api_calls=tuple(api_calls),
    )


def run(resolver: PartyResolver, knowledge: Knowledge, **obs: Any) -> tuple[Finding, ...]:
    out = classify(site_result(**obs), resolver=resolver, knowledge=knowledge, now=NOW)
    return out.findings


def by_id(findings: tuple[Finding, ...]) -> dict[str, Severity]:
    return {f.id: f.severity for f in findings}


def text(f: Finding, lang: str = "nl") -> FindingText:
    """The finding's words as a report in ``lang`` renders them."""
    return finding_text(f, translator(lang))


CHECKED = "2026-05-20T09:00:00Z"
CERT = Certificate(
    "www.testdorp.nl", ("www.testdorp.nl", "testdorp.nl"), "Test CA",
    "2026-01-01T00:00:00Z", "2026-12-31T00:00:00Z",
)  # fmt: skip
SECTXT = "https://www.testdorp.nl/.well-known/security.txt"
THIRD_JS = "https://cdn.scriptleverancier.nl/widget.js"


def doc(**kw: Any) -> DocumentSecurity:
    """The home page's document with every security header well set, unless changed."""
    base: dict[str, Any] = {
        "hsts": "max-age=63072000; includeSubDomains; preload",
        "csp": "default-src 'self'; frame-ancestors 'self'",
        "x_content_type_options": "nosniff",
        "referrer_policy": "strict-origin-when-cross-origin",
        "permissions_policy": "camera=(), microphone=()",
        "tls_protocol": "TLS 1.3",
        "tls_cipher": "AES_128_GCM",
        "tls_key_exchange": "X25519",
        "certificate": CERT,
    }
    base.update(kw)
    return DocumentSecurity(P1, P1, **base)


def probe(**kw: Any) -> HostProbe:
    """A well-kept host, unless changed."""
    base: dict[str, Any] = {
        "checked_at": CHECKED,
        "tls_versions": (("TLS 1.0", False), ("TLS 1.1", False), ("TLS 1.2", True),
                         ("TLS 1.3", True)),
        "certificate": CERT,
        "certificate_trust": "public",
        "name_match": True,
        "http_status": 301,
        "http_location": "https://www.testdorp.nl/",
        "security_txt": SecurityTxt(SECTXT, found=True, final_url=SECTXT, status=200,
                                    content_type="text/plain", expires="2026-12-01T00:00:00Z",
                                    contacts=("mailto:security@testdorp.nl",)),
    }  # fmt: skip
    base.update(kw)
    return HostProbe("www.testdorp.nl", **base)


def sec(document: DocumentSecurity | None = None, host: HostProbe | None = None,
        probed: bool = True) -> SecurityFacts:  # fmt: skip
    return SecurityFacts(
        documents=(document or doc(),), hosts=(host or probe(),) if probed else (), probed=probed
    )


SECURITY_IDS = {r.id for r in RULES if r.grade == "security"}


YT_FRAME = "https://www.youtube.com/embed/abc"
FP_SCRIPT = "https://cdn.vingerafdruk-analytics.com/v2/va.js"
CHART = "https://www.testdorp.nl/js/grafiek.js"
GMAPS_FRAME = "https://www.google.com/maps/embed?pb=1"

# (case name, observations, {finding id: severity} that must be present, rule ids that must not)
ADFORM_JS = "https://s2.adform.net/banners/scripts/st/trackpoint-async.js"
_HOP_URLS = (
    "https://cm.adform.net/cookie?redirect_url=https%3A%2F%2Fmatch.adsrvr.org%2F",
    "https://match.adsrvr.org/track/cmf/generic?ttd_pid=adform&ttd_tpi=1",
    "https://ib.adnxs.com/setuid?entity=158&code=ttd5e6f7a8b9c0d1",
)
SYNC_HOPS = tuple(
    rq(url, resource_type="Image", t_ms=100 + i,
       initiator=Initiator("redirect", _HOP_URLS[i - 1]) if i else Initiator("script", ADFORM_JS))
    for i, url in enumerate(_HOP_URLS)
)  # fmt: skip
SYNC_COOKIES = (
    ck("CM", ".adform.net", set_by=_HOP_URLS[0], lifetime_s=86400),
    ck("TDID", ".adsrvr.org", set_by=_HOP_URLS[1], lifetime_s=86400),
    ck("uuid2", ".adnxs.com", set_by=_HOP_URLS[2], lifetime_s=86400),
)
_EM = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"
META_AM = f"https://www.facebook.com/tr/?id=111222333&ev=Lead&ud[em]={_EM}&ud[ph]={_EM}"
META_PV = "https://www.facebook.com/tr/?id=111222333&ev=PageView"
GA4_HIT = "https://region1.google-analytics.com/g/collect?v=2&tid=G-1&cid=1.2"

CASES: list[tuple[str, dict[str, Any], dict[str, Severity], set[str]]] = [
    # 1. tracking cookies
    ("third-party marketing cookie", {"cookies": [ck("IDE", ".doubleclick.net")]},
     {"cookie-tracking-before-consent:IDE@.doubleclick.net": V}, set()),
    ("first-party _fbp by pattern", {"cookies": [ck("_fbp")]},
     {"cookie-tracking-before-consent:_fbp@.testdorp.nl": V}, set()),
    ("social cookie", {"cookies": [ck("bcookie", ".linkedin.com")]},
     {"cookie-tracking-before-consent:bcookie@.linkedin.com": V}, set()),
    ("necessary first-party cookie", {"cookies": [ck("PHPSESSID", "www.testdorp.nl")]},
     {}, {"cookie-tracking-before-consent", "cookie-unknown-third-party"}),
    ("consent cookie", {"cookies": [ck("CookieConsent", "www.testdorp.nl")]},
     {}, {"cookie-tracking-before-consent"}),
    ("analytics cookie is not rule 1", {"cookies": [ck("_ga")]},
     {}, {"cookie-tracking-before-consent"}),
    ("necessary cookie of a third party", {"cookies": [ck("__cf_bm", ".vimeo.com")]},
     {}, {"cookie-tracking-before-consent", "cookie-unknown-third-party", "embed-before-consent"}),
    ("unknown third-party cookie", {"cookies": [ck("zz", ".unknown-vendor.example")]},
     {"cookie-unknown-third-party:zz@.unknown-vendor.example": R}, set()),
    ("unknown first-party cookie", {"cookies": [ck("voorkeur", "www.testdorp.nl")]},
     {}, {"cookie-unknown-third-party", "cookie-tracking-before-consent"}),
    # storage
    ("tracking storage", {"storage": [st("https://www.testdorp.nl", "_fbp")]},
     {"storage-tracking-before-consent:_fbp@https://www.testdorp.nl": V}, set()),
    ("functional storage", {"storage": [st("https://www.testdorp.nl", "theme")]},
     {}, {"storage-tracking-before-consent"}),
    # 2. tracker requests
    ("meta pixel beacon", {"requests": [rq("https://www.facebook.com/tr/?ev=PageView",
                                           beacon="pixel", resource_type="Image")]},
     {"tracker-request-before-consent:Meta": V}, set()),
    ("tracker script without cookie",
     {"requests": [rq("https://snap.licdn.com/li.lms-analytics/insight.min.js")]},
     {"tracker-request-before-consent:LinkedIn": V}, set()),
    ("fingerprinting service", {"requests": [rq("https://api.fpjs.io/agent")]},
     {"tracker-request-before-consent:Fingerprint": V}, set()),
    ("cdn request is not a tracker",
     {"requests": [rq("https://cdn.jsdelivr.net/npm/jquery@3/dist/jquery.min.js")]},
     {}, {"tracker-request-before-consent", "transfer-outside-eea-before-consent"}),
    ("first-party request is not a tracker",
     {"requests": [rq("https://www.testdorp.nl/js/app.js?uid=12345678")]},
     {}, {"tracker-request-before-consent", "identifier-in-url"}),
    ("analytics request is not rule 2",
     {"requests": [rq("https://region1.google-analytics.com/g/collect?v=2")]},
     {}, {"tracker-request-before-consent"}),
    # 2b. cookie syncing
    ("cookie-sync chain between three ad exchanges",
     {"requests": list(SYNC_HOPS), "cookies": list(SYNC_COOKIES)},
     {"cookie-sync-before-consent:adform.net+adnxs.com+adsrvr.org": V},
     {"cookie-tracking-before-consent", "tracker-request-before-consent", "identifier-in-url",
      "cookie-unknown-third-party"}),
    ("the same hops without the redirects are three trackers",
     {"requests": [replace(h, initiator=Initiator("script", ADFORM_JS)) for h in SYNC_HOPS],
      "cookies": list(SYNC_COOKIES)},
     {"tracker-request-before-consent:Adform": V,
      "tracker-request-before-consent:The Trade Desk": V,
      "tracker-request-before-consent:AppNexus": V,
      "cookie-tracking-before-consent:TDID@.adsrvr.org": V},
     {"cookie-sync-before-consent"}),
    ("a redirect within one ad domain is no sync",
     {"requests": [SYNC_HOPS[0], rq("https://track.adform.net/x?uid=abcdef123",
                                    initiator=Initiator("redirect", SYNC_HOPS[0].url))],
      "cookies": list(SYNC_COOKIES[:1])},
     {"tracker-request-before-consent:Adform": V}, {"cookie-sync-before-consent"}),
    # 2c. personal data in a pixel's payload
    ("meta pixel with hashed advanced matching",
     {"requests": [rq(META_AM, payload=decode(META_AM), resource_type="Image")]},
     {"personal-data-before-consent:Meta": V, "tracker-request-before-consent:Meta": V},
     set()),
    ("ga4 with a user id in the body",
     {"requests": [rq(GA4_HIT, method="POST",
                      payload=decode(GA4_HIT, "POST", "en=login&uid=k42"))]},
     {"personal-data-before-consent:Google": V}, set()),
    ("a pixel without personal data",
     {"requests": [rq(META_PV, payload=decode(META_PV))]},
     {"tracker-request-before-consent:Meta": V}, {"personal-data-before-consent"}),
    # 3. analytics
    ("google analytics", {"cookies": [ck("_ga")],
                          "requests": [rq("https://region1.google-analytics.com/g/collect?v=2")]},
     {"analytics-before-consent:Google Analytics": R}, set()),
    ("self-hosted matomo", {"cookies": [ck("_pk_id.1.ab12", "www.testdorp.nl"),
                                        ck("_pk_ses.1.ab12", "www.testdorp.nl")],
                            "requests": [rq("https://www.testdorp.nl/matomo.php?idsite=1")]},
     {"analytics-before-consent:Matomo": I}, set()),
    ("matomo cloud", {"cookies": [ck("_pk_id.1.ab12", "www.testdorp.nl")],
                      "requests": [rq("https://testdorp.matomo.cloud/matomo.php?idsite=1")]},
     {"analytics-before-consent:Matomo": R}, set()),
    ("piwik pro with _pk cookies",
     {"cookies": [ck("_pk_id.1.ab12", "www.testdorp.nl")],
      "requests": [rq("https://testdorp.containers.piwik.pro/ppms.php")]},
     {"analytics-before-consent:Matomo": R, "analytics-before-consent:Piwik PRO Tag Manager": R},
     set()),
    ("siteimprove first-party cookie", {"cookies": [ck("nmstat")]},
     {"analytics-before-consent:Siteimprove Analytics": R}, set()),
    # 4. session replay
    ("hotjar", {"cookies": [ck("_hjSessionUser_123")],
                "requests": [rq("https://script.hotjar.com/modules.js")]},
     {"session-replay-before-consent:Hotjar": V},
     {"cookie-tracking-before-consent", "analytics-before-consent"}),
    ("clarity cookie", {"cookies": [ck("_clck")]},
     {"session-replay-before-consent:Microsoft Clarity": V}, set()),
    ("no replay for a functional service",
     {"requests": [rq("https://app-eu1.readspeaker.com/js/ReadSpeaker.js")]},
     {}, {"session-replay-before-consent", "transfer-outside-eea-before-consent"}),
    # 5. fingerprinting API reads
    ("third-party canvas read", {"api_calls": [ac("canvas.toDataURL", FP_SCRIPT)]},
     {"fingerprinting-api:vingerafdruk-analytics.com": LV}, set()),
    ("third-party webgl and audio on two pages",
     {"api_calls": [ac("webgl.getParameter:UNMASKED_RENDERER_WEBGL", FP_SCRIPT),
                    ac("audio.OfflineAudioContext", FP_SCRIPT, page_url=P2)]},
     {"fingerprinting-api:vingerafdruk-analytics.com": LV}, set()),
    ("first-party chart canvas read is review",
     {"api_calls": [ac("canvas.toDataURL", CHART)]},
     {"fingerprinting-api:testdorp.nl": R}, set()),
    ("inline script in a third-party frame is judged by the frame",
     {"api_calls": [ac("canvas.getImageData", None,
                       frame_url="https://widget.vingerafdruk-analytics.com/frame.html",
                       origin="https://widget.vingerafdruk-analytics.com")]},
     {"fingerprinting-api:vingerafdruk-analytics.com": LV}, set()),
    ("third-party script in the site's frame is still third party",
     {"api_calls": [ac("canvas.toBlob", "https://cdn.jsdelivr.net/npm/fp@1/fp.js")]},
     {"fingerprinting-api:jsdelivr.net": LV}, set()),
    ("bot protection reading canvas is review",
     {"api_calls": [ac("canvas.toDataURL", "https://www.google.com/recaptcha/api2/x.js")]},
     {"fingerprinting-api:google.com": R}, set()),
    ("known fingerprinting vendor",
     {"requests": [rq("https://fpnpmcdn.net/v3/agent.js")],
      "api_calls": [ac("canvas.toDataURL", "https://fpnpmcdn.net/v3/agent.js")]},
     {"fingerprinting-api:fpnpmcdn.net": LV, "tracker-request-before-consent:Fingerprint": V},
     set()),
    ("youtube-nocookie with no api calls",
     {"requests": [rq("https://www.youtube-nocookie.com/embed/abc", resource_type="Document")]},
     {}, {"fingerprinting-api"}),
    ("font measuring alone does not fire",
     {"api_calls": [ac("font.measureText", FP_SCRIPT, count=400)]},
     {}, {"fingerprinting-api"}),
    ("one navigator.language read is no fingerprint",
     {"api_calls": [ac("navigator.language", FP_SCRIPT)]},
     {}, {"fingerprinting-api"}),
    ("a realtime AudioContext alone is no fingerprint",
     {"api_calls": [ac("audio.AudioContext", FP_SCRIPT)]},
     {}, {"fingerprinting-api"}),
    ("two weak signals of one script",
     {"api_calls": [ac("audio.AudioContext", FP_SCRIPT),
                    ac("battery.getBattery", FP_SCRIPT, page_url=P2)]},
     {"fingerprinting-api:vingerafdruk-analytics.com": LV}, set()),
    ("weak signals of two scripts do not add up",
     {"api_calls": [ac("audio.AudioContext", FP_SCRIPT),
                    ac("media.enumerateDevices", "https://cdn.jsdelivr.net/npm/x@1/x.js")]},
     {}, {"fingerprinting-api"}),
    ("webrtc local-ip discovery",
     {"api_calls": [ac("webrtc.RTCPeerConnection", FP_SCRIPT),
                    ac("webrtc.createOffer", FP_SCRIPT)]},
     {"fingerprinting-api:vingerafdruk-analytics.com": LV}, set()),
    ("a peer connection without an offer is no discovery",
     {"api_calls": [ac("webrtc.RTCPeerConnection", FP_SCRIPT)]},
     {}, {"fingerprinting-api"}),
    ("a small navigator sweep alone is no fingerprint",
     {"api_calls": [ac(f"navigator.{n}", FP_SCRIPT) for n in _SWEEP[:10]]},
     {}, {"fingerprinting-api"}),
    ("a small sweep and the battery",
     {"api_calls": [ac(f"navigator.{n}", FP_SCRIPT) for n in _SWEEP[:8]]
      + [ac("battery.getBattery", FP_SCRIPT)]},
     {"fingerprinting-api:vingerafdruk-analytics.com": LV}, set()),
    ("a full navigator and screen sweep",
     {"api_calls": [ac(f"navigator.{n}", FP_SCRIPT) for n in _SWEEP]
      + [ac(f"screen.{n}", FP_SCRIPT) for n in ("width", "height", "colorDepth")]},
     {"fingerprinting-api:vingerafdruk-analytics.com": LV}, set()),
    ("third-party read after reject is ignored",
     {"api_calls": [ac("canvas.toDataURL", FP_SCRIPT, phase=Phase.REJECT),
                    ac("audio.OfflineAudioContext", FP_SCRIPT, phase=Phase.ACCEPT)]},
     {}, {"fingerprinting-api"}),
    # 5b. behaviour tracking: listeners by third-party scripts
    ("third-party key listener on a form field",
     {"api_calls": [ac("listener.keydown:field", FP_SCRIPT)]},
     {"behaviour-tracking:vingerafdruk-analytics.com": R}, set()),
    ("third-party mouse movement and motion sensor",
     {"api_calls": [ac("listener.mousemove:document", FP_SCRIPT),
                    ac("listener.devicemotion:window", FP_SCRIPT, page_url=P2)]},
     {"behaviour-tracking:vingerafdruk-analytics.com": R}, set()),
    ("a key listener on the document alone closes dialogs",
     {"api_calls": [ac("listener.keydown:document", FP_SCRIPT)]},
     {}, {"behaviour-tracking"}),
    ("the site's own field listeners are not tracking",
     {"api_calls": [ac("listener.input:field", CHART),
                    ac("listener.mousemove:document", CHART)]},
     {}, {"behaviour-tracking"}),
    ("a consent manager's field listener is not tracking",
     {"api_calls": [ac("listener.keydown:field",
                       "https://consent.cookiebot.com/uc.js")]},
     {}, {"behaviour-tracking"}),
    # 5c. session recording by behaviour
    ("a recorder from a CDN sends snapshots of the page",
     {"api_calls": [ac("dom.observe:document", RECORDER)],
      "requests": [snapshot(COLLECTOR, RECORDER)]},
     {"session-replay:opnameleverancier.nl": LV}, set()),
    ("a known recorder observing the whole document",
     {"api_calls": [ac("dom.observe:document", "https://edge.fullstory.com/s/fs.js")]},
     {"session-replay:fullstory.com": LV}, set()),
    ("a whole-document observer alone is no recording",
     {"api_calls": [ac("dom.observe:document", RECORDER)]},
     {}, {"session-replay"}),
    # 5d. what the form-typing step typed, sent before the form was
    ("a key logger sends the typed name to a third party",
     {"requests": [rq("https://log.veldvolger.com/toetsen", method="POST",
                      typed=(TypedLeak("naam", "name", "plain", "body"),))]},
     {"form-input-leak:veldvolger.com": V}, set()),
    ("a hashed e-mail address to a matching partner",
     {"requests": [rq("https://match.adreskoppeling.net/em", method="POST",
                      typed=(TypedLeak("email", "email", "sha256-normalised", "body"),))]},
     {"form-input-leak:adreskoppeling.net": V}, set()),
    ("the site's own search suggestions while typing",
     {"requests": [rq("https://www.testdorp.nl/suggest?q=privacyscan%20proeftekst",
                      typed=(TypedLeak("q", "text", "url", "url"),))]},
     {"form-input-leak:testdorp.nl": I}, set()),
    ("the site itself gets the e-mail address before sending",
     {"requests": [rq("https://www.testdorp.nl/concept", method="POST",
                      typed=(TypedLeak("email", "email", "plain", "body"),))]},
     {"form-input-leak:testdorp.nl": R}, set()),
    ("a request without typed values is no key logger",
     {"requests": [rq("https://log.veldvolger.com/toetsen", method="POST")]},
     {}, {"form-input-leak"}),
    # 6. identifiers in URLs
    ("meta pixel fbp param",
     {"requests": [rq("https://www.facebook.com/tr/?id=123&fbp=fb.1.1700000000.987654")]},
     {"identifier-in-url:facebook.com": LV}, set()),
    ("ga client id is review",
     {"requests": [rq("https://region1.google-analytics.com/g/collect?v=2&cid=123456789.17")]},
     {"identifier-in-url:google-analytics.com": R}, set()),
    ("cookie value echoed to unknown third party",
     {"cookies": [ck("vid", "www.testdorp.nl", value="Zx81Qa77Lm0Pq")],
      "requests": [rq("https://collect.unknown-vendor.example/p?x=Zx81Qa77Lm0Pq")]},
     {"identifier-in-url:unknown-vendor.example": LV}, set()),
    ("random token is review",
     {"requests": [rq("https://collect.unknown-vendor.example/p?d=a8F3kQ9zL2mX7pR4tV1wY6bN")]},
     {"identifier-in-url:unknown-vendor.example": R}, set()),
    ("site keys and font names are not identifiers",
     {"requests": [rq("https://fonts.googleapis.com/css2?family=Roboto:wght@400"),
                   rq("https://www.google.com/recaptcha/api.js?render=6LcA8F3kQ9zL2mX7pR4tV1wY"),
                   rq("https://maps.googleapis.com/maps/api/js?key=AIzaSyA8F3kQ9zL2mX7pR4tV1")]},
     {}, {"identifier-in-url"}),
    # 7. transfer outside the EEA
    ("google hosts are one organisation",  # a client id and no consent mode: identifying
     {"requests": [rq("https://www.googletagmanager.com/gtag/js?id=G-1"),
                   rq("https://region1.google-analytics.com/g/collect?v=2&cid=123456789.17")]},
     {"transfer-outside-eea-before-consent:Google": LV}, set()),
    ("cloudflare cdn only is review",
     {"requests": [rq("https://cdnjs.cloudflare.com/ajax/libs/x/1/x.js")]},
     {"transfer-outside-eea-before-consent:Cloudflare": R}, set()),
    ("adequacy country is review",
     {"requests": [rq("https://tile.openstreetmap.org/1/1/1.png")]},
     {"transfer-outside-eea-before-consent:OpenStreetMap Foundation": R}, set()),
    ("eea vendor is no transfer",
     {"requests": [rq("https://consent.cookiebot.com/uc.js")]},
     {}, {"transfer-outside-eea-before-consent"}),
    ("unknown country is no transfer",
     {"requests": [rq("https://cdn.unknown-vendor.example/x.js")]},
     {}, {"transfer-outside-eea-before-consent"}),
    # 8. embeds
    ("youtube embed cookies", {"cookies": [ck("YSC", ".youtube.com", frame_url=YT_FRAME),
                                           ck("VISITOR_INFO1_LIVE", ".youtube.com")]},
     {"embed-before-consent:YouTube": V}, {"cookie-tracking-before-consent"}),
    ("youtube-nocookie without cookies",
     {"requests": [rq("https://www.youtube-nocookie.com/embed/abc", resource_type="Document")]},
     {}, {"embed-before-consent"}),
    ("youtube-nocookie storing data",
     {"storage": [st("https://www.youtube-nocookie.com", "yt-remote-device-id")]},
     {"embed-before-consent:YouTube": V}, set()),
    ("google maps embed sets NID",
     {"cookies": [ck("NID", ".google.com", frame_url=GMAPS_FRAME)]},
     {"embed-before-consent:Google Maps": V}, {"cookie-tracking-before-consent"}),
    ("vimeo consent-free necessary cookie only",
     {"cookies": [ck("__cf_bm", ".vimeo.com", frame_url="https://player.vimeo.com/video/1")]},
     {}, {"embed-before-consent"}),
    # 9. fonts
    ("google fonts", {"requests": [rq("https://fonts.googleapis.com/css?family=Roboto"),
                                   rq("https://fonts.gstatic.com/s/roboto/v1/x.woff2")]},
     {"third-party-fonts:Google": LV}, set()),
    ("eu font service", {"requests": [rq("https://fonts.bunny.net/css?family=roboto")]},
     {"third-party-fonts:BunnyWay": I}, {"transfer-outside-eea-before-consent"}),
    ("self-hosted fonts", {"requests": [rq("https://www.testdorp.nl/fonts/roboto.woff2")]},
     {}, {"third-party-fonts"}),
    # 10. lifetime
    ("two-year cookie", {"cookies": [ck("voorkeur", "www.testdorp.nl", lifetime_s=730 * 86400)]},
     {"cookie-long-lifetime:voorkeur@www.testdorp.nl": R}, set()),
    ("13-month cookie", {"cookies": [ck("voorkeur", "www.testdorp.nl", lifetime_s=395 * 86400)]},
     {}, {"cookie-long-lifetime"}),
    ("session cookie", {"cookies": [ck("voorkeur", "www.testdorp.nl")]},
     {}, {"cookie-long-lifetime"}),
    # 11. insecure attributes
    ("insecure session cookie",
     {"cookies": [ck("PHPSESSID", "www.testdorp.nl", secure=False, http_only=False,
                     same_site=None)]},
     {"cookie-insecure-attributes:PHPSESSID@www.testdorp.nl": I}, set()),
    ("secure session cookie", {"cookies": [ck("PHPSESSID", "www.testdorp.nl")]},
     {}, {"cookie-insecure-attributes"}),
    ("csrf cookie needs no HttpOnly",
     {"cookies": [ck("XSRF-TOKEN", "www.testdorp.nl", http_only=False)]},
     {}, {"cookie-insecure-attributes"}),
    ("js cookie cannot be HttpOnly",
     {"cookies": [ck("sessionid", "www.testdorp.nl", http_only=False, source=CookieSource.JS)]},
     {}, {"cookie-insecure-attributes"}),
    ("third-party cookie attributes are not ours",
     {"cookies": [ck("zz", ".unknown-vendor.example", secure=False, same_site=None)]},
     {}, {"cookie-insecure-attributes"}),
    # 12. refused cookies
    ("refused tracking cookie",
     {"cookies": [ck("IDE", ".doubleclick.net", stored=False,
                     blocked_reasons=("ThirdPartyPhaseout",))]},
     {"cookie-blocked:IDE@.doubleclick.net": I},
     {"cookie-tracking-before-consent", "cookie-long-lifetime"}),
    # 12b. internal addresses, refused (scanner.netguard): the page probes, robots.txt points
    ("page probes the visitor's network",
     {"requests": [rq("https://192.168.1.1/favicon.ico", resource_type="Image",
                      failed="privacyscan refused: private 192.168.1.1"),
                   rq("https://127.0.0.2/probe.gif", resource_type="Image",
                      failed="privacyscan refused: loopback 127.0.0.2")]},
     {"private-network-request:www.testdorp.nl": R}, {"tracker-request-before-consent"}),
    ("robots.txt points the scanner inside",
     {"requests": [rq("http://169.254.169.254/latest/meta-data/", resource_type="Sitemap",
                      failed="privacyscan refused: link-local 169.254.169.254")]},
     {"private-network-request:sitemap@www.testdorp.nl": I}, set()),
    ("a request that merely failed is no refusal",
     {"requests": [rq("https://192.168.1.1/x.gif", failed="net::ERR_NAME_NOT_RESOLVED")]},
     {}, {"private-network-request"}),
    # S. the website's own security basics (scanner.classify.security): the security grade
    ("well-kept security basics", {"security": sec()}, {}, SECURITY_IDS),
    ("security not measured", {}, {}, SECURITY_IDS),
    ("page ends on http",
     {"security": sec(), "pages": [Page(P1, final_url="http://www.testdorp.nl/")]},
     {"security-page-over-http:www.testdorp.nl": V}, set()),
    ("http serves the site", {"security": sec(host=probe(http_status=200, http_location=None))},
     {"security-https-redirect:www.testdorp.nl": V}, set()),
    ("http redirects to another host first",
     {"security": sec(host=probe(http_location="https://testdorp.nl/"))},
     {"security-https-redirect:www.testdorp.nl": LV}, set()),
    ("no http at all is fine",
     {"security": sec(host=probe(http_status=None, http_location=None, http_error="refused"))},
     {}, {"security-https-redirect"}),
    ("no hsts", {"security": sec(doc(hsts=None))}, {"security-hsts-missing:www.testdorp.nl": V},
     {"security-hsts-weak"}),
    ("hsts without max-age is none", {"security": sec(doc(hsts="includeSubDomains"))},
     {"security-hsts-missing:www.testdorp.nl": V}, set()),
    ("short hsts", {"security": sec(doc(hsts="max-age=86400"))},
     {"security-hsts-weak:www.testdorp.nl": R}, {"security-hsts-missing"}),
    ("hsts without subdomains", {"security": sec(doc(hsts="max-age=31536000"))},
     {"security-hsts-weak:www.testdorp.nl": I}, set()),
    ("active mixed content",
     {"security": sec(doc(mixed_content=(
         MixedContent("http://cdn.testdorp.nl/a.js", "Script", "blocked"),
         MixedContent("http://www.testdorp.nl/logo.gif", "Image", "upgraded"))))},
     {"security-mixed-content:www.testdorp.nl": LV}, {"security-form-insecure"}),
    ("passive mixed content",
     {"security": sec(doc(mixed_content=(
         MixedContent("http://www.testdorp.nl/logo.gif", "Image", "upgraded"),)))},
     {"security-mixed-content:www.testdorp.nl": LV}, set()),
    ("form posting to http",
     {"security": sec(doc(mixed_content=(
         MixedContent("http://www.testdorp.nl/verstuur", "Form", "warned"),)))},
     {"security-form-insecure:www.testdorp.nl": LV}, {"security-mixed-content"}),
    ("tls 1.0 and 1.1 accepted",
     {"security": sec(host=probe(tls_versions=(("TLS 1.0", True), ("TLS 1.1", True),
                                               ("TLS 1.2", True), ("TLS 1.3", None))))},
     {"security-tls-old-versions:www.testdorp.nl": LV}, set()),
    ("expired certificate",
     {"security": sec(host=probe(certificate=replace(CERT, valid_to="2026-05-01T00:00:00Z")))},
     {"security-certificate-expired:www.testdorp.nl": V}, {"security-certificate-expiring"}),
    ("certificate not valid yet",
     {"security": sec(host=probe(certificate=replace(CERT, valid_from="2026-06-01T00:00:00Z")))},
     {"security-certificate-expired:www.testdorp.nl": V}, set()),
    ("certificate expiring soon",
     {"security": sec(host=probe(certificate=replace(CERT, valid_to="2026-05-27T00:00:00Z")))},
     {"security-certificate-expiring:www.testdorp.nl": R}, {"security-certificate-expired"}),
    ("certificate for another name",
     {"security": sec(host=probe(name_match=False,
                                 certificate=replace(CERT, san=("www.anderedorp.nl",))))},
     {"security-certificate-name-mismatch:www.testdorp.nl": V}, set()),
    ("browser's certificate for another name, no probe",
     {"security": sec(doc(certificate=replace(CERT, san=("*.anderedorp.nl",))), probed=False)},
     {"security-certificate-name-mismatch:www.testdorp.nl": V}, set()),
    ("wildcard certificate covers the host",
     {"security": sec(doc(certificate=replace(CERT, san=("*.testdorp.nl",))), probed=False)},
     {}, {"security-certificate-name-mismatch"}),
    ("untrusted certificate",
     {"security": sec(host=probe(certificate_trust="untrusted",
                                 certificate_error="self-signed certificate"))},
     {"security-certificate-untrusted:www.testdorp.nl": V}, set()),
    ("a certificate the user pinned is not judged untrusted",
     {"security": sec(host=probe(certificate_trust="pinned",
                                 certificate_error="self-signed certificate"))},
     {}, {"security-certificate-untrusted"}),
    ("full page url to a third party",
     {"security": sec(doc(full_referrer_to=(THIRD_JS, "https://cdn.testdorp.nl/x.js")))},
     {"security-referrer-full-url:www.testdorp.nl": LV}, set()),
    ("full page url only to the site itself",
     {"security": sec(doc(full_referrer_to=("https://loket.testdorp.nl/x",)))},
     {}, {"security-referrer-full-url"}),
    ("no csp, nosniff, framing or permissions policy",
     {"security": sec(doc(csp=None, x_content_type_options=None, permissions_policy=None))},
     {"security-csp-missing:www.testdorp.nl": R, "security-nosniff-missing:www.testdorp.nl": R,
      "security-framing-missing:www.testdorp.nl": R,
      "security-permissions-policy-missing:www.testdorp.nl": I}, {"security-csp-weak"}),
    ("x-frame-options alone protects framing",
     {"security": sec(doc(csp=None, x_frame_options="SAMEORIGIN"))},
     {"security-csp-missing:www.testdorp.nl": R}, {"security-framing-missing"}),
    ("weak csp",
     {"security": sec(doc(csp="script-src 'self' 'unsafe-inline' 'unsafe-eval' *"))},
     {"security-csp-weak:www.testdorp.nl": I, "security-framing-missing:www.testdorp.nl": R},
     {"security-csp-missing"}),
    ("csp with a nonce is not weak",
     {"security": sec(doc(csp="script-src 'nonce-abc' 'unsafe-inline'; frame-ancestors 'none'"))},
     {}, {"security-csp-weak", "security-framing-missing"}),
    ("no referrer policy", {"security": sec(doc(referrer_policy=None))},
     {"security-referrer-policy:www.testdorp.nl": I}, set()),
    ("lax referrer policy", {"security": sec(doc(referrer_policy="unsafe-url"))},
     {"security-referrer-policy:www.testdorp.nl": R}, set()),
    ("third-party scripts without sri",
     {"security": sec(doc(scripts=(ScriptTag(THIRD_JS, False),
                                   ScriptTag("https://cdn.testdorp.nl/app.js", False),
                                   ScriptTag("https://www.googletagmanager.com/gtag/js", True))))},
     {"security-sri-missing:www.testdorp.nl": R}, set()),
    ("third-party scripts with sri", {"security": sec(doc(scripts=(ScriptTag(THIRD_JS, True),)))},
     {}, {"security-sri-missing"}),
    ("no security.txt",
     {"security": sec(host=probe(security_txt=SecurityTxt(SECTXT, status=404)))},
     {"security-txt-missing:www.testdorp.nl": R}, {"security-txt-invalid"}),
    ("invalid security.txt",
     {"security": sec(host=probe(security_txt=SecurityTxt(
         SECTXT, found=True, status=200, errors=("no_expire", "no_contact"))))},
     {"security-txt-invalid:www.testdorp.nl": R}, {"security-txt-missing"}),
    ("expired security.txt",
     {"security": sec(host=probe(security_txt=SecurityTxt(
         SECTXT, found=True, status=200, errors=("expired",), expires="2025-01-01T00:00:00Z")))},
     {"security-txt-invalid:www.testdorp.nl": R}, set()),
    ("probes that did not finish judge nothing",
     {"security": sec(host=probe(http_status=200, security_txt=SecurityTxt(SECTXT)),
                      probed=False)},
     {}, {"security-https-redirect", "security-txt-missing", "security-tls-old-versions"}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("obs", "present", "absent"),
    [pytest.param(obs, present, absent, id=name) for name, obs, present, absent in CASES],
)
def test_rule_cases(
    resolver: PartyResolver,
    knowledge: Knowledge,
    obs: dict[str, Any],
    present: dict[str, Severity],
    absent: set[str],
) -> None:
    findings = run(resolver, knowledge, **obs)
    got = by_id(findings)
    for fid, severity in present.items():
        assert fid in got, f"{fid} missing; got {sorted(got)}"
        assert got[fid] == severity, fid
    rules = {f.rule for f in findings}
    assert not (rules & absent), f"unexpected {rules & absent}"


def _everything() -> dict[str, list[Any]]:
    """Observations that fire most rules, spread over two pages."""
    return {
        "cookies": [
            ck("_ga", lifetime_s=730 * 86400, value="GA1.1.123456789.1700000000"),
            ck("_fbp", page_url=P2, secure=False),
            ck("IDE", ".doubleclick.net", set_by="https://ad.doubleclick.net/x"),
            ck("YSC", ".youtube.com", frame_url=YT_FRAME),
            ck("_hjSessionUser_1"),
            ck("zz", ".doubleclick.net", stored=False),
        ],
        "requests": [
            rq("https://region1.google-analytics.com/g/collect?v=2&cid=123456789.1700000000",
               page_url=P2, t_ms=50),
            rq("https://region1.google-analytics.com/g/collect?v=2&cid=123456789.1700000000",
               t_ms=900, initiator=Initiator("script", "https://www.googletagmanager.com/gtag/js")),
            rq("https://www.facebook.com/tr/?id=1&fbp=fb.1.2.3", page_url=P2, t_ms=10),
            rq("https://connect.facebook.net/en_US/fbevents.js", t_ms=100),
            rq("https://fonts.googleapis.com/css?family=Roboto", t_ms=5),
            rq("https://script.hotjar.com/modules.js"),
        ],
        "storage": [st("https://www.youtube.com", "yt-remote-device-id", frame_url=YT_FRAME)],
        "api_calls": [ac("canvas.toDataURL", FP_SCRIPT, page_url=P2),
                      ac("font.measureText", FP_SCRIPT, count=300),
                      ac("canvas.toDataURL", CHART)],
    }  # fmt: skip


def test_only_phase_none_counts(resolver: PartyResolver, knowledge: Knowledge) -> None:
    obs = _everything()
    for phase in (Phase.REJECT, Phase.ACCEPT):
        moved = {k: [replace(o, phase=phase) for o in v] for k, v in obs.items()}
        assert run(resolver, knowledge, **moved) == ()
    assert len(run(resolver, knowledge, **obs)) > 10


def test_ids_stable_across_order_and_date(resolver: PartyResolver, knowledge: Knowledge) -> None:
    obs = _everything()
    first = classify(site_result(**obs), resolver=resolver, knowledge=knowledge, now=NOW)
    rng = random.Random(7)
    shuffled = {k: rng.sample(v, len(v)) for k, v in obs.items()}
    second = classify(
        site_result(**shuffled),
        resolver=resolver,
        knowledge=knowledge,
        now=datetime(2031, 1, 1, tzinfo=UTC),
    )
    assert [f.id for f in first.findings] == [f.id for f in second.findings]
    assert first.findings == second.findings
    assert (first.score, first.grade) == (second.score, second.grade)


def test_findings_sorted_and_complete(resolver: PartyResolver, knowledge: Knowledge) -> None:
    findings = run(resolver, knowledge, **_everything())
    order = [Severity.VIOLATION, Severity.LIKELY_VIOLATION, Severity.REVIEW, Severity.INFO]
    keys = [(order.index(f.severity), f.id) for f in findings]
    assert keys == sorted(keys)
    assert len({f.id for f in findings}) == len(findings)
    for f in findings:
        assert f.id == f"{f.rule}:{f.subject}"
        words = text(f)
        assert words.title and words.explanation and words.fix and words.legal_basis
        assert words.legal_url.startswith("https://")
        assert "?" not in words.title, words.title  # every placeholder was filled
        assert f.evidence, f.id
        assert all(e.phase == Phase.NONE for e in f.evidence)


def test_evidence_one_per_page_in_page_order(resolver: PartyResolver, knowledge: Knowledge) -> None:
    findings = {f.id: f for f in run(resolver, knowledge, **_everything())}
    meta = findings["tracker-request-before-consent:Meta"]
    assert [e.page_url for e in meta.evidence] == [P1, P2]
    assert meta.evidence[0].subject == "https://connect.facebook.net/en_US/fbevents.js"
    ga = findings["analytics-before-consent:Google Analytics"]
    assert [e.page_url for e in ga.evidence] == [P1, P2]
    p1 = ga.evidence[0]
    assert p1.subject == "_ga@.testdorp.nl"  # the cookie came first on P1 (t=0)
    ide = findings["cookie-tracking-before-consent:IDE@.doubleclick.net"]
    assert ide.evidence[0].initiator == Initiator("http", "https://ad.doubleclick.net/x")
    google = findings["transfer-outside-eea-before-consent:Google"]
    assert google.organisation == "Google" and google.country == "US"


def test_analytics_explanation_spells_out_ap_conditions(
    resolver: PartyResolver, knowledge: Knowledge
) -> None:
    f = next(f for f in run(resolver, knowledge, cookies=[ck("_ga")]) if f.rule.startswith("ana"))
    for word in ("verwerkersovereenkomst", "IP-adressen", "delen", "bewaard"):
        assert word in text(f).explanation
    assert text(f).legal_basis == "AP: cookies voor analytische doeleinden"


def test_english_texts(resolver: PartyResolver, knowledge: Knowledge) -> None:
    """One classification, rendered in either language at report time."""
    res = site_result(cookies=[ck("_fbp")])
    f = classify(res, resolver=resolver, knowledge=knowledge, now=NOW).findings[0]
    assert not f.title  # classification writes no words
    assert "toestemming" in text(f, "nl").title
    assert "consent" in text(f, "en").title


def test_classify_fills_parties_and_score(resolver: PartyResolver, knowledge: Knowledge) -> None:
    res = site_result(**_everything())
    out = classify(res, resolver=resolver, knowledge=knowledge, now=NOW)
    assert all(c.party is not None for c in out.cookies)
    assert all(r.party is not None for r in out.requests)
    assert all(s.party is not None for s in out.storage)
    assert [a.party.first_party for a in out.api_calls if a.party] == [False, False, True]
    assert out.score is not None and out.grade is not None
    assert out.grade in "DEF"
    assert res.findings == () and res.cookies[0].party is None  # input untouched
    clean = classify(site_result(), resolver=resolver, knowledge=knowledge, now=NOW)
    assert (clean.score, clean.grade) == (100, "A")
    failed = classify(
        replace(site_result(), status=SiteStatus.FAILED),
        resolver=resolver,
        knowledge=knowledge,
        now=NOW,
    )
    assert failed.score is None and failed.grade is None


def test_fingerprinting_finding_names_apis_scripts_and_pages(
    resolver: PartyResolver, knowledge: Knowledge
) -> None:
    classified = classify(
        site_result(**_everything()), resolver=resolver, knowledge=knowledge, now=NOW
    )
    ctx = make_context(classified, resolver)
    findings = {f.id: f for f in rule_fingerprinting_api(ctx)}
    third = findings["fingerprinting-api:vingerafdruk-analytics.com"]
    assert third.severity == LV
    explanation = text(third, "en").explanation
    assert "canvas.toDataURL" in explanation and "font.measureText" in explanation
    assert FP_SCRIPT in explanation
    assert [e.page_url for e in third.evidence] == [P1, P2]
    assert third.evidence[0].initiator is not None
    assert third.evidence[0].initiator.url == FP_SCRIPT
    assert "EDPB" in text(third).legal_basis
    own = findings["fingerprinting-api:testdorp.nl"]
    assert own.severity == R and text(own, "en").title.startswith("Own script")
    assert CHART in text(own, "en").explanation


def test_a_sweep_is_one_entry_in_the_finding(resolver: PartyResolver, knowledge: Knowledge) -> None:
    calls = [ac(f"navigator.{n}", FP_SCRIPT) for n in _SWEEP]
    calls += [ac(f"screen.{n}", FP_SCRIPT) for n in ("width", "height", "colorDepth")]
    calls += [ac("webrtc.RTCPeerConnection", FP_SCRIPT), ac("webrtc.createOffer", FP_SCRIPT)]
    classified = classify(
        site_result(api_calls=calls), resolver=resolver, knowledge=knowledge, now=NOW
    )
    (finding,) = rule_fingerprinting_api(make_context(classified, resolver))
    assert finding.param("apis") == (
        "navigator/screen (14)",
        "webrtc.RTCPeerConnection",
        "webrtc.createOffer",
    )


def test_every_rule_has_texts_in_both_languages() -> None:
    """Every rule and variant of the registry has its words in both catalogues, and the
    catalogues hold no finding texts of rules that do not exist."""
    keys = set()
    for rule in RULES:
        assert rule.legal_url.startswith("https://"), rule.id
        keys.add(f"rule.{rule.id}.legal")
        for variant in ("", *rule.variants):
            base = f"rule.{rule.id}" + (f".{variant}" if variant else "")
            keys |= {f"{base}.{field}" for field in ("title", "explanation", "fix")}
    for lang in LANGUAGES:
        messages = load_messages(lang)
        assert all(messages.get(k, "").strip() for k in keys), sorted(keys - set(messages))
        written = {k for k in messages if k.startswith("rule.")}
        assert written == keys, sorted(written ^ keys)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Een script van tracker.example (tracker.example) las",
            "Een script van tracker.example las",
        ),
        ("contact met Google (google-analytics.com)", "contact met Google (google-analytics.com)"),
        ("Meta (facebook.com, meta.com)", "Meta (facebook.com, meta.com)"),
        ("x.example.nl (example.nl)", "x.example.nl (example.nl)"),
        ("a (a) and b (b)", "a and b"),
    ],
)
def test_tidy_drops_only_a_repeated_name(text: str, expected: str) -> None:
    assert tidy(text) == expected


def test_docs_rules_table_is_the_registry() -> None:
    """docs/rules.md lists every rule of the registry, in its order, with its most
    serious severity and whether it tracks."""
    doc = (Path(__file__).resolve().parents[1] / "docs" / "rules.md").read_text("utf-8")
    table = doc[doc.index("| # | rule id |") : doc.index("### Fingerprinting API reads")]
    rows = [
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line in table.splitlines()
        if line.startswith("| ") and "`" in line.split("|")[2]
    ]
    assert [row[1].strip("`") for row in rows] == list(RULES.ids)
    for row in rows:
        rule = RULES[row[1].strip("`")]
        words = rule.severity.value.replace("_", " ")
        assert row[3].startswith(words), row[1]
        assert row[4] == ("yes" if rule.tracking else ""), row[1]


def test_behaviour_finding_lists_every_listener_of_the_party(
    resolver: PartyResolver, knowledge: Knowledge
) -> None:
    calls = [
        ac("listener.keydown:document", FP_SCRIPT),
        ac("listener.input:field", FP_SCRIPT),
        ac("listener.touchmove:document", FP_SCRIPT, page_url=P2),
    ]
    classified = classify(
        site_result(api_calls=calls), resolver=resolver, knowledge=knowledge, now=NOW
    )
    (finding,) = rule_behaviour_tracking(make_context(classified, resolver))
    assert finding.severity == R
    assert finding.param("listeners") == ("input:field", "keydown:document", "touchmove:document")
    assert finding.param("scripts") == (FP_SCRIPT,)
    assert "input:field" in text(finding, "en").explanation
    assert [e.page_url for e in finding.evidence] == [P1, P2]
