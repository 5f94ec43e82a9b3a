"""Consent rules (banner, refusal, acceptance) and Google Consent Mode.

Table cases in the style of ``test_classify_rules.py``: observations, the banner and the
choices that must fire a finding (id and severity) and rule ids that must not.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from scanner.classify import classify
from scanner.classify.parties import PartyResolver
from scanner.classify.purposes import PURPOSE_RANK
from scanner.classify.rules import RULES
from scanner.domains import Domains
from scanner.knowledge import CATEGORIES, Knowledge, load_knowledge
from scanner.messages import LANGUAGES, load_messages
from scanner.models import (
    Banner,
    BannerButton,
    ConsentChoice,
    CookieSource,
    Finding,
    Phase,
    Severity,
    SiteResult,
    SiteStatus,
    Verdicts,
)
from tests.test_classify_rules import (
    FP_SCRIPT,
    NOW,
    P1,
    P2,
    SITE,
    ac,
    ck,
    rq,
    site_result,
    text,
)

V = Severity.VIOLATION
LV = Severity.LIKELY_VIOLATION
R = Severity.REVIEW
I = Severity.INFO  # noqa: E741
HOST = "www.testdorp.nl"
CONSENT_RULES = {
    "no-banner-while-tracking",
    "reject-not-on-first-layer",
    "cookie-wall",
    "refusal-not-possible",
    "consent-not-remembered",
    "tracking-after-refusal",
    "cookie-kept-after-refusal",
    "inventory-after-accept",
}


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge()


@pytest.fixture(scope="module")
def resolver(knowledge: Knowledge) -> PartyResolver:
    return PartyResolver(Domains(), knowledge)


def banner(**kw: Any) -> Banner:
    """A fair banner (accept and reject side by side) unless the test says otherwise."""
    kw.setdefault("reject_on_first_layer", True)
    kw.setdefault("accept_on_first_layer", True)
    kw.setdefault(
        "buttons", (BannerButton("Alles accepteren", "accept"), BannerButton("Weigeren", "reject"))
    )
    return Banner(page_url=P1, cmp="cookiebot", method="autoconsent", **kw)


def refused(**kw: Any) -> ConsentChoice:
    kw.setdefault("clicked", True)
    kw.setdefault("banner_closed", kw["clicked"])
    kw.setdefault("layer", 1 if kw["clicked"] else None)
    return ConsentChoice(Phase.REJECT, element_text="Weigeren", **kw)


def accepted(**kw: Any) -> ConsentChoice:
    kw.setdefault("clicked", True)
    return ConsentChoice(Phase.ACCEPT, element_text="Alles accepteren", banner_closed=True, **kw)


NO_REJECT = (BannerButton("Akkoord", "accept"), BannerButton("Instellingen", "settings"))
GA = "https://region1.google-analytics.com/g/collect?v=2&tid=G-1"
GTAG = "https://www.googletagmanager.com/gtag/js?id=G-1"
FB = "https://www.facebook.com/tr/?id=1&ev=PageView"


def consent_result(
    banner: Banner | None = None, choices: tuple[ConsentChoice, ...] = (), **obs: Any
) -> SiteResult:
    return replace(site_result(**obs), banner=banner, choices=choices)


def run(
    resolver: PartyResolver, knowledge: Knowledge, tested: bool = True, **kw: Any
) -> tuple[Finding, ...]:
    out = classify(
        consent_result(**kw),
        resolver=resolver,
        knowledge=knowledge,
        now=NOW,
        consent_tested=tested,
    )
    return out.findings


def rej(o: Any, **kw: Any) -> Any:
    return replace(o, phase=Phase.REJECT, **kw)


def acc(o: Any, **kw: Any) -> Any:
    return replace(o, phase=Phase.ACCEPT, **kw)


# (case name, keyword arguments for ``run``, {finding id: severity}, rule ids that must not fire)
CASES: list[tuple[str, dict[str, Any], dict[str, Severity], set[str]]] = [
    # 1. no banner while tracking
    ("no banner and a meta pixel", {"requests": [rq(FB)]},
     {f"no-banner-while-tracking:{HOST}": V, "tracker-request-before-consent:Meta": V}, set()),
    ("no banner, tracking cookie", {"cookies": [ck("IDE", ".doubleclick.net")]},
     {f"no-banner-while-tracking:{HOST}": V}, set()),
    ("no banner, third-party fingerprinting", {"api_calls": [ac("canvas.toDataURL", FP_SCRIPT)]},
     {f"no-banner-while-tracking:{HOST}": V}, set()),
    ("consent not tested: never claims no banner", {"tested": False, "requests": [rq(FB)]},
     {"tracker-request-before-consent:Meta": V}, CONSENT_RULES),
    ("no banner, only analytics (review)", {"cookies": [ck("_ga")]},
     {"analytics-before-consent:Google Analytics": R}, {"no-banner-while-tracking"}),
    ("no banner, only necessary cookies", {"cookies": [ck("PHPSESSID", "www.testdorp.nl")]},
     {}, CONSENT_RULES),
    ("no banner, own chart reads canvas (review)",
     {"api_calls": [ac("canvas.toDataURL", "https://www.testdorp.nl/js/grafiek.js")]},
     {}, {"no-banner-while-tracking"}),
    ("banner present while tracking", {"banner": banner(), "requests": [rq(FB)]},
     {"tracker-request-before-consent:Meta": V}, {"no-banner-while-tracking"}),
    # 2. reject not on the first layer
    ("refusal only behind settings",
     {"banner": banner(reject_on_first_layer=False, buttons=NO_REJECT),
      "choices": (refused(layer=2),)},
     {f"reject-not-on-first-layer:{HOST}": LV}, {"cookie-wall", "refusal-not-possible"}),
    ("fair banner", {"banner": banner(), "choices": (refused(), accepted())},
     {}, CONSENT_RULES),
    ("no reject on first layer, consent not tested",
     {"tested": False, "banner": banner(reject_on_first_layer=False, buttons=NO_REJECT)},
     {}, CONSENT_RULES),
    # 5. cookie wall
    ("blocking banner without refusal",
     {"banner": banner(reject_on_first_layer=False, buttons=NO_REJECT, blocks_page=True),
      "choices": (refused(clicked=False, reason="no reject button found"),)},
     {f"cookie-wall:{HOST}": LV}, {"reject-not-on-first-layer", "refusal-not-possible"}),
    ("blocking banner refused on the second layer is no wall",
     {"banner": banner(reject_on_first_layer=False, buttons=NO_REJECT, blocks_page=True),
      "choices": (refused(layer=2),)},
     {f"reject-not-on-first-layer:{HOST}": LV}, {"cookie-wall", "refusal-not-possible"}),
    ("blocking banner with a reject button is no wall", {"banner": banner(blocks_page=True),
                                                         "choices": (refused(),)},
     {}, CONSENT_RULES),
    # 6. refusal not possible
    ("reject button that could not be clicked",
     {"banner": banner(blocks_page=True), "choices": (refused(clicked=False, reason="hidden"),)},
     {f"refusal-not-possible:{HOST}": LV}, {"cookie-wall", "reject-not-on-first-layer"}),
    ("no reject anywhere, page not blocked",
     {"banner": banner(reject_on_first_layer=False, buttons=NO_REJECT),
      "choices": (refused(clicked=False),)},
     {f"refusal-not-possible:{HOST}": LV, f"reject-not-on-first-layer:{HOST}": LV},
     {"cookie-wall"}),
    ("refusal not attempted is not 'not possible'", {"banner": banner()},
     {}, CONSENT_RULES),
    # 4. consent not remembered
    ("banner back after refusal",
     {"banner": banner(), "choices": (refused(banner_on_next_page=True), accepted())},
     {f"consent-not-remembered:{HOST}": R}, set()),
    ("banner back after an unclicked choice is expected",
     {"banner": banner(), "choices": (refused(clicked=False, banner_on_next_page=True),)},
     {f"refusal-not-possible:{HOST}": LV}, {"consent-not-remembered"}),
    # 3. after refusal
    ("tracking cookie written after refusal",
     {"banner": banner(), "choices": (refused(),),
      "cookies": [rej(ck("_fbp", source=CookieSource.JS))]},
     {"tracking-after-refusal:_fbp@.testdorp.nl": V}, {"cookie-kept-after-refusal"}),
    ("tracker requests after refusal, one per organisation",
     {"banner": banner(), "choices": (refused(),),
      "requests": [rej(rq(FB)), rej(rq("https://connect.facebook.net/en_US/fbevents.js"))]},
     {"tracking-after-refusal:Meta": V}, set()),
    ("session replay after refusal",
     {"banner": banner(), "choices": (refused(),),
      "requests": [rej(rq("https://script.hotjar.com/modules.js"))]},
     {"tracking-after-refusal:Hotjar": V}, set()),
    ("embed cookie after refusal",
     {"banner": banner(), "choices": (refused(),),
      "cookies": [rej(ck("YSC", ".youtube.com", frame_url="https://www.youtube.com/embed/a"))]},
     {"tracking-after-refusal:YSC@.youtube.com": V}, set()),
    ("first-party analytics cookie after refusal is review",
     {"banner": banner(), "choices": (refused(),),
      "cookies": [rej(ck("_ga", source=CookieSource.JS))]},
     {"tracking-after-refusal:_ga@.testdorp.nl": R}, set()),
    ("self-hosted matomo after refusal is fine",
     {"banner": banner(), "choices": (refused(),),
      "cookies": [rej(ck("_pk_id.1.ab12", "www.testdorp.nl", source=CookieSource.JS))]},
     {}, {"tracking-after-refusal"}),
    ("cookieless google analytics pings after refusal are review",
     {"banner": banner(), "choices": (refused(),), "requests": [rej(rq(GA + "&gcs=G100"))]},
     {"tracking-after-refusal:Google": R}, set()),
    ("necessary cookie and cdn after refusal",
     {"banner": banner(), "choices": (refused(),),
      "cookies": [rej(ck("PHPSESSID", "www.testdorp.nl")),
                  rej(ck("CookieConsent", "www.testdorp.nl"))],
      "requests": [rej(rq("https://cdn.jsdelivr.net/npm/jquery@3/dist/jquery.min.js"))]},
     {}, CONSENT_RULES),
    ("tracking cookie left in place after refusal",
     {"banner": banner(), "choices": (refused(),),
      "cookies": [rej(ck("IDE", ".doubleclick.net", source=CookieSource.UNKNOWN))]},
     {"cookie-kept-after-refusal:IDE@.doubleclick.net": LV}, {"tracking-after-refusal"}),
    ("analytics cookie left in place after refusal",
     {"banner": banner(), "choices": (refused(),),
      "cookies": [rej(ck("_ga", source=CookieSource.UNKNOWN))]},
     {"cookie-kept-after-refusal:_ga@.testdorp.nl": R}, {"tracking-after-refusal"}),
    ("tracking cookie deleted on refusal",
     {"banner": banner(), "choices": (refused(),),
      "cookies": [rej(ck("IDE", ".doubleclick.net", source=CookieSource.UNKNOWN, in_jar=False))]},
     {}, CONSENT_RULES),
    ("refusal not clicked: reject visitor is not 'after refusal'",
     {"banner": banner(), "choices": (refused(clicked=False),),
      "cookies": [rej(ck("_fbp", source=CookieSource.JS))], "requests": [rej(rq(FB))]},
     {f"refusal-not-possible:{HOST}": LV},
     {"tracking-after-refusal", "cookie-kept-after-refusal"}),
    ("after refusal, consent not tested",
     {"tested": False, "banner": banner(), "choices": (refused(),),
      "cookies": [rej(ck("_fbp", source=CookieSource.JS))], "requests": [rej(rq(FB))]},
     {}, CONSENT_RULES),
    # 8. accept is the inventory
    ("trackers after accept are info only",
     {"banner": banner(), "choices": (refused(), accepted()),
      "cookies": [acc(ck("_fbp", source=CookieSource.JS))], "requests": [acc(rq(FB))]},
     {"inventory-after-accept:Meta": I},
     CONSENT_RULES - {"inventory-after-accept"}),
    ("party already seen before consent is not new after accept",
     {"banner": banner(), "choices": (refused(), accepted()),
      "requests": [rq(FB), acc(rq(FB))]},
     {"tracker-request-before-consent:Meta": V}, {"inventory-after-accept"}),
    # 7. Google Consent Mode
    ("consent mode denied: no cookie, gcs=G100",
     {"tested": False, "requests": [rq(GTAG), rq(GA + "&gcs=G100&cid=987654321.17")]},
     {"transfer-outside-eea-before-consent:Google": R,
      "analytics-before-consent:Google Analytics": R}, set()),
    ("consent mode not set: gcs=G1-- and no cookie",
     {"tested": False, "requests": [rq(GA + "&gcs=G1--&cid=987654321.17")]},
     {"transfer-outside-eea-before-consent:Google": R}, set()),
    ("no client id and no cookie", {"tested": False, "requests": [rq(GTAG), rq(GA)]},
     {"transfer-outside-eea-before-consent:Google": R}, set()),
    ("analytics storage granted", {"tested": False,
                                   "requests": [rq(GA + "&gcs=G111&cid=987654321.17")]},
     {"transfer-outside-eea-before-consent:Google": LV}, set()),
    ("denied pings but a _ga cookie was stored",
     {"tested": False, "cookies": [ck("_ga", value="GA1.1.987654321.17")],
      "requests": [rq(GA + "&gcs=G100&cid=987654321.17")]},
     {"transfer-outside-eea-before-consent:Google": LV}, set()),
    ("denied pings with a user id", {"tested": False,
                                     "requests": [rq(GA + "&gcs=G100&uid=inwoner-4711")]},
     {"transfer-outside-eea-before-consent:Google": LV}, set()),
    ("denied pings plus doubleclick", {"tested": False,
                                       "requests": [rq(GA + "&gcs=G100"),
                                                    rq("https://ad.doubleclick.net/x?gcs=G100")]},
     {"transfer-outside-eea-before-consent:Google": LV, "tracker-request-before-consent:Google": V},
     set()),
    ("denied pings plus google fonts",
     {"tested": False, "requests": [rq(GA + "&gcs=G100"),
                                    rq("https://fonts.googleapis.com/css?family=Roboto")]},
     {"transfer-outside-eea-before-consent:Google": LV, "third-party-fonts:Google": LV}, set()),
    ("tag manager alone is not consent mode", {"tested": False, "requests": [rq(GTAG)]},
     {"transfer-outside-eea-before-consent:Google": LV}, set()),
]  # fmt: skip


def by_id(findings: tuple[Finding, ...]) -> dict[str, Severity]:
    return {f.id: f.severity for f in findings}


@pytest.mark.parametrize(
    ("kw", "present", "absent"),
    [pytest.param(kw, present, absent, id=name) for name, kw, present, absent in CASES],
)
def test_consent_cases(
    resolver: PartyResolver,
    knowledge: Knowledge,
    kw: dict[str, Any],
    present: dict[str, Severity],
    absent: set[str],
) -> None:
    findings = run(resolver, knowledge, **kw)
    got = by_id(findings)
    for fid, severity in present.items():
        assert fid in got, f"{fid} missing; got {sorted(got)}"
        assert got[fid] == severity, fid
    rules = {f.rule for f in findings}
    assert not (rules & absent), f"unexpected {rules & absent}"
    consent_found = rules & CONSENT_RULES
    expected_consent = {fid.split(":", 1)[0] for fid in present} & CONSENT_RULES
    assert consent_found == expected_consent, f"unexpected {consent_found - expected_consent}"


# (case, requests after accept in page order, category of the Google finding)
PURPOSE_CASES: list[tuple[str, list[str], str]] = [
    ("tag manager alone", [GTAG], "functional"),
    ("tag manager first, then analytics", [GTAG, GA], "analytics"),
    ("analytics first, then tag manager", [GA, GTAG], "analytics"),
    ("analytics and advertising", [GTAG, GA, "https://ad.doubleclick.net/x"], "advertising"),
]


@pytest.mark.parametrize(
    ("requests", "category"), [pytest.param(r, c, id=n) for n, r, c in PURPOSE_CASES]
)
def test_an_organisation_is_named_by_its_most_telling_purpose(
    resolver: PartyResolver, knowledge: Knowledge, requests: list[str], category: str
) -> None:
    findings = run(
        resolver,
        knowledge,
        banner=banner(),
        choices=(refused(), accepted()),
        requests=[acc(rq(url, t_ms=100 * i)) for i, url in enumerate(requests)],
    )
    google = next(f for f in findings if f.id == "inventory-after-accept:Google")
    assert google.category == category


def test_every_purpose_has_a_rank() -> None:
    assert sorted(PURPOSE_RANK) == sorted(CATEGORIES)


def _messy(tested: bool = True) -> SiteResult:
    """A site failing most consent rules at once, observations on two pages."""
    return consent_result(
        banner=banner(reject_on_first_layer=False, buttons=NO_REJECT),
        choices=(refused(layer=2, banner_on_next_page=True), accepted()),
        cookies=[
            rej(ck("_fbp", source=CookieSource.JS, page_url=P2)),
            rej(ck("IDE", ".doubleclick.net", source=CookieSource.UNKNOWN)),
            acc(ck("li_sugr", ".linkedin.com", source=CookieSource.HTTP)),
        ],
        requests=[rej(rq(FB, page_url=P2)), acc(rq("https://snap.licdn.com/li/insight.js"))],
    )


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_consent_findings_complete_and_evidenced(
    resolver: PartyResolver, knowledge: Knowledge, lang: str
) -> None:
    out = classify(_messy(), resolver=resolver, knowledge=knowledge, now=NOW, consent_tested=True)
    found = {f.id: f for f in out.findings}
    assert set(found) == {
        f"reject-not-on-first-layer:{HOST}",
        f"consent-not-remembered:{HOST}",
        "tracking-after-refusal:_fbp@.testdorp.nl",
        "tracking-after-refusal:Meta",
        "cookie-kept-after-refusal:IDE@.doubleclick.net",
        "inventory-after-accept:LinkedIn",
    }
    for f in out.findings:
        assert f.id == f"{f.rule}:{f.subject}"
        words = text(f, lang)
        assert words.title and words.explanation and words.fix and words.legal_basis
        assert words.legal_url.startswith("https://")
        for line in (words.title, words.explanation, words.fix):
            assert "?" not in line.replace("?id=", ""), line
        assert f.evidence and all(e.subject and e.page_url for e in f.evidence)
    assert [e.phase for e in found["tracking-after-refusal:Meta"].evidence] == [Phase.REJECT]
    assert found["tracking-after-refusal:Meta"].evidence[0].page_url == P2
    assert [e.phase for e in found["inventory-after-accept:LinkedIn"].evidence] == [Phase.ACCEPT]
    assert [e.phase for e in found[f"consent-not-remembered:{HOST}"].evidence] == [Phase.REJECT]
    wall = found[f"reject-not-on-first-layer:{HOST}"]
    assert "Akkoord" in text(wall, lang).explanation and wall.evidence[0].phase == Phase.NONE
    assert "edpb.europa.eu" in text(wall, lang).legal_url
    assert all(f.severity != V for f in out.findings if f.rule == "inventory-after-accept")


def test_no_banner_finding_borrows_evidence_and_names_trackers(
    resolver: PartyResolver, knowledge: Knowledge
) -> None:
    findings = run(
        resolver,
        knowledge,
        requests=[rq(FB, page_url=P2)],
        cookies=[ck("IDE", ".doubleclick.net")],
    )
    f = next(f for f in findings if f.rule == "no-banner-while-tracking")
    assert f.subject == HOST and f.severity == V
    assert [e.page_url for e in f.evidence] == [P1, P2]
    assert all(e.phase == Phase.NONE for e in f.evidence)
    assert "Meta" in text(f, "en").explanation and "Google" in text(f, "en").explanation
    assert "Telecommunicatiewet" in text(f, "nl").legal_basis
    assert "Telecommunications Act" in text(f, "en").legal_basis


def test_consent_mode_texts_explain_basic_and_advanced(
    resolver: PartyResolver, knowledge: Knowledge
) -> None:
    for lang, words in (("nl", ("basisvorm", "geavanceerde")), ("en", ("basic", "advanced"))):
        findings = run(resolver, knowledge, tested=False, requests=[rq(GTAG), rq(GA + "&gcs=G100")])
        found = {f.rule: f for f in findings}
        for rule in ("analytics-before-consent", "transfer-outside-eea-before-consent"):
            explanation = text(found[rule], lang).explanation
            assert all(w in explanation for w in words), (lang, rule)
            assert "Consent Mode" in explanation


def test_default_ignores_consent_phases_and_banner(
    resolver: PartyResolver, knowledge: Knowledge
) -> None:
    """Without ``consent_tested`` a full consent capture gives the Phase.NONE findings only."""
    res = _messy()
    plain = classify(res, resolver=resolver, knowledge=knowledge, now=NOW)
    assert plain.findings == ()
    assert (plain.score, plain.grade) == (100, "A")
    tested = classify(res, resolver=resolver, knowledge=knowledge, now=NOW, consent_tested=True)
    assert tested.grade is not None and tested.grade in "DEF"


def test_consent_ids_stable_across_order(resolver: PartyResolver, knowledge: Knowledge) -> None:
    res = _messy()
    shuffled = replace(res, cookies=res.cookies[::-1], requests=res.requests[::-1])
    a = classify(res, resolver=resolver, knowledge=knowledge, now=NOW, consent_tested=True)
    b = classify(shuffled, resolver=resolver, knowledge=knowledge, now=NOW, consent_tested=True)
    assert a.findings == b.findings


def test_cookie_wall_caps_the_grade(resolver: PartyResolver, knowledge: Knowledge) -> None:
    res = consent_result(
        banner=banner(reject_on_first_layer=False, buttons=NO_REJECT, blocks_page=True),
        choices=(refused(clicked=False),),
    )
    out = classify(res, resolver=resolver, knowledge=knowledge, now=NOW, consent_tested=True)
    assert [f.id for f in out.findings] == [f"cookie-wall:{HOST}"]
    assert out.score == 74 and out.grade == "C"  # 100 − 8, ceiling 74
    assert text(out.findings[0]).legal_url.startswith("https://autoriteitpersoonsgegevens.nl/")
    assert "43" in text(out.findings[0]).legal_basis


def test_new_rules_registered_with_texts() -> None:
    assert {rule.id for rule in RULES if rule.consent} == CONSENT_RULES
    assert RULES["analytics-before-consent"].variants == ("self-hosted", "consent-mode")
    assert RULES["transfer-outside-eea-before-consent"].variants == ("consent-mode",)
    assert RULES["tracking-after-refusal"].variants == ("analytics", "request", "analytics-request")
    for lang in LANGUAGES:
        messages = load_messages(lang)
        for rule in RULES:
            for variant in ("", *rule.variants):
                key = f"rule.{rule.id}" + (f".{variant}" if variant else "")
                assert messages[f"{key}.title"] and messages[f"{key}.fix"], key
            assert messages[f"rule.{rule.id}.legal"] and rule.legal_url.startswith("https://")


def test_site_fixture_host() -> None:
    assert SITE.url == f"https://{HOST}/"


def test_classification_judges_the_site_once(resolver: PartyResolver, knowledge: Knowledge) -> None:
    """The site verdicts are the classification's, kept on the result."""
    out = classify(_messy(), resolver=resolver, knowledge=knowledge, now=NOW, consent_tested=True)
    assert out.verdicts == Verdicts(
        tracks_before_consent=False,  # nothing before the choice in this capture
        non_eea_before_consent=False,
        no_banner_while_tracking=False,
        refusal_tried=True,
        refusal_works=False,  # refused (second layer), yet Meta and DoubleClick
        tracks_after_refusal=True,
        cookie_wall=False,
        tracking_cookies_after_refusal=("IDE", "_fbp"),  # third parties first
    )
    tracked = consent_result(cookies=[ck("IDE", ".doubleclick.net")])
    v = classify(tracked, resolver=resolver, knowledge=knowledge, now=NOW).verdicts
    assert v is not None and v.tracks_before_consent and v.no_banner_while_tracking
    assert v.refusal_tried is False and v.refusal_works is None
    failed = replace(tracked, status=SiteStatus.FAILED)
    assert classify(failed, resolver=resolver, knowledge=knowledge, now=NOW).verdicts is None
