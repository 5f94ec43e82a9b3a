"""Session recording (issue #14): the vendors by knowledge, snapshots by their shape, and
the ``session-replay`` rule that joins a whole-document observer to its snapshots.

Pure tests; the browser proof (hooks.js, the network instrument, the test web's
``www.opnamedorp.nl``) is in ``tests/test_session_replay_browser.py``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

import pytest

from scanner.classify import classify
from scanner.classify.context import make_context
from scanner.classify.parties import PartyResolver
from scanner.classify.rules import rule_session_recording
from scanner.domains import Domains
from scanner.knowledge import Knowledge, load_knowledge
from scanner.messages import translator
from scanner.messages.findings import finding_text
from scanner.models import ApiCall, Finding, Initiator, Page, Request, Severity, Site, SiteResult
from scanner.snapshots import MIN_ELEMENTS, VENDOR, dom_snapshot

SITE = Site("Testdorp", "https://www.testdorp.nl/")
P1 = "https://www.testdorp.nl/"
NOW = datetime(2026, 5, 20, tzinfo=UTC)
CDN_RECORDER = "https://opnamekit.akamaized.net/opname/1.0/opname.min.js"
"""A replay library served from a public CDN (curated category ``cdn``)."""
COLLECTOR = "https://verzamel.opnameleverancier.nl/v1/opnames"
OWN_SCRIPT = "https://www.testdorp.nl/js/menu.js"


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge()


@pytest.fixture(scope="module")
def resolver(knowledge: Knowledge) -> PartyResolver:
    return PartyResolver(Domains(), knowledge)


def _node(tag: str, i: int) -> dict[str, Any]:
    return {"type": 2, "tagName": tag, "attributes": {"class": f"blok-{i}"}, "childNodes": [
        {"type": 3, "textContent": f"Tekst {i} over afval, paspoort en parkeren", "id": 1000 + i}
    ], "id": i}  # fmt: skip


def rrweb_body(elements: int = 40) -> str:
    """rrweb's Meta and FullSnapshot events, as a recorder posts them."""
    tags = ("div", "p", "a", "li", "span", "input")
    node = {"type": 0, "childNodes": [_node(tags[i % len(tags)], i) for i in range(elements)]}
    events = [
        {"type": 4, "data": {"href": P1, "width": 1280, "height": 800}, "timestamp": 1},
        {"type": 2, "data": {"node": node, "initialOffset": {"top": 0, "left": 0}}, "timestamp": 2},
    ]
    return json.dumps({"sessie": "abc", "events": events})


def elements_body(elements: int) -> str:
    """A recorder that sends its own element format (tag names), not rrweb's events."""
    return json.dumps({"dom": [_node("div", i) for i in range(elements)], "pad": "x" * 2048})


# ----------------------------------------------------------------------------- knowledge


@pytest.mark.parametrize(
    ("url", "service", "country"),
    [
        ("https://edge.fullstory.com/s/fs.js", "FullStory", "US"),
        ("https://rs.fullstory.com/rec/bundle", "FullStory", "US"),
        ("https://cdn.mouseflow.com/projects/x.js", "Mouseflow", "DK"),
        ("https://web-sdk.smartlook.com/recorder.js", "Smartlook", "CZ"),
        ("https://cdn.logrocket.io/LogRocket.min.js", "LogRocket", "US"),
        ("https://r.lr-ingest.io/i", "LogRocket", "US"),
        ("https://mc.yandex.ru/webvisor/123456", "Yandex Metrica Session Replay (Webvisor)", "RU"),
        ("https://t.contentsquare.net/uxa/x.js", "Contentsquare", "FR"),
        ("https://cdn.inspectlet.com/inspectlet.js", "Inspectlet", "US"),
        ("https://settings.luckyorange.net/x", "Lucky Orange", "US"),
        ("https://script.hotjar.com/modules.js", "Hotjar", "MT"),
        ("https://x.clarity.ms/collect", "Microsoft Clarity", "US"),
    ],
)
def test_replay_vendors_are_session_replay(
    resolver: PartyResolver, url: str, service: str, country: str
) -> None:
    party = resolver.party_for_url(url, SITE)
    assert (party.service, party.category, party.country, party.source) == (
        service,
        "session_replay",
        country,
        "privacyscan",
    )


def test_only_webvisor_path_of_yandex_metrica_is_replay(resolver: PartyResolver) -> None:
    """mc.yandex.ru counts visits too: only its /webvisor/ path is the recording."""
    watch = resolver.party_for_url("https://mc.yandex.ru/watch/123456", SITE)
    assert watch.organisation is not None
    assert watch.category != "session_replay"


def test_recorder_on_a_public_cdn_is_known_as_cdn(resolver: PartyResolver) -> None:
    """What knowledge alone says about the test web's recorder: the behaviour must tell."""
    assert resolver.party_for_url(CDN_RECORDER, SITE).category == "cdn"


def test_replay_cookie_names(knowledge: Knowledge) -> None:
    for name, service in (("mf_user", "Mouseflow"), ("lo-uid", "Lucky Orange")):
        pattern = knowledge.cookie_pattern(name, "www.testdorp.nl")
        assert pattern is not None
        assert (pattern.service, pattern.category) == (service, "session_replay")


# ----------------------------------------------------------------------------- snapshots


def test_rrweb_full_snapshot_is_a_snapshot() -> None:
    body = rrweb_body()
    payload = dom_snapshot(body)
    assert payload is not None
    assert payload.vendor == VENDOR
    assert payload.from_body
    assert dict(payload.params) == {"format": "rrweb", "elements": "40", "bytes": str(len(body))}


def test_form_encoded_snapshot_is_read_decoded() -> None:
    payload = dom_snapshot("data=" + quote_plus(rrweb_body()))
    assert payload is not None
    assert dict(payload.params)["format"] == "rrweb"


def test_many_elements_make_a_snapshot() -> None:
    payload = dom_snapshot(elements_body(MIN_ELEMENTS))
    assert payload is not None
    assert dict(payload.params)["format"] == "elements"


def test_serialised_html_is_a_snapshot() -> None:
    html = "<html><head><meta charset=utf-8></head><body>" + "".join(
        f'<div class="rij"><a href="/p/{i}">Pagina {i}</a><p>Tekst</p></div>' for i in range(30)
    )
    payload = dom_snapshot(json.dumps({"html": html}))
    assert payload is not None
    assert dict(payload.params)["format"] == "elements"


_ANCESTORS = [
    {"tag_name": t, "attr__class": "knop"}
    for t in ("a", "li", "ul", "nav", "div", "header", "div", "body", "html")
]


@pytest.mark.parametrize(
    "body",
    [
        None,
        "",
        # An analytics hit: an event and a page, however long its values.
        json.dumps({"event": "page_view", "page": P1, "title": "Gemeente " * 300}),
        # Autocapture of a click names the element and its ancestors, about ten.
        json.dumps({"event": "$autocapture", "elements": _ANCESTORS, "pad": "x" * 3000}),
        # Fewer elements than the threshold in a long body.
        elements_body(MIN_ELEMENTS - 1),
        # rrweb's full-snapshot shape in a body too short to be a page.
        '{"type":2,"data":{"node":{"type":0,"childNodes":[]}}}',
    ],
)
def test_ordinary_bodies_are_no_snapshot(body: str | None) -> None:
    assert dom_snapshot(body) is None


# ----------------------------------------------------------------------------- the rule


def observe(script: str | None) -> ApiCall:
    """``hooks.js``'s record of ``script`` observing the whole document."""
    stack = (f"(anonymous)@{script}:1:1",) if script else ()
    return ApiCall(
        "dom.observe:document",
        page_url=P1,
        frame_url=P1,
        origin="https://www.testdorp.nl",
        initiator=Initiator("script", script, 1, stack),
    )


def snapshot_post(url: str, script: str, body: str | None = None) -> Request:
    return Request(
        url,
        page_url=P1,
        method="POST",
        resource_type="Fetch",
        initiator=Initiator("script", script, 3, (f"verstuur@{script}:3:9",)),
        payload=dom_snapshot(body or rrweb_body()),
    )


def findings(
    resolver: PartyResolver, knowledge: Knowledge, api_calls: Any = (), requests: Any = ()
) -> list[Finding]:
    result = SiteResult(
        site=SITE,
        pages=(Page(P1),),
        requests=tuple(requests),
        api_calls=tuple(api_calls),
    )
    classified = classify(result, resolver=resolver, knowledge=knowledge, now=NOW)
    return rule_session_recording(make_context(classified, resolver))


def test_cdn_recorder_sending_snapshots_is_found(
    resolver: PartyResolver, knowledge: Knowledge
) -> None:
    (finding,) = findings(
        resolver,
        knowledge,
        [observe(CDN_RECORDER)],
        [snapshot_post(COLLECTOR, CDN_RECORDER), snapshot_post(COLLECTOR, CDN_RECORDER)],
    )
    assert finding.id == "session-replay:opnameleverancier.nl"
    assert finding.severity is Severity.LIKELY_VIOLATION
    assert finding.variant == ""
    assert finding.param("scripts") == (CDN_RECORDER,)
    assert finding.param("hosts") == ("verzamel.opnameleverancier.nl",)
    assert finding.param("snapshots") == 2
    assert [e.subject for e in finding.evidence] == [COLLECTOR]
    for lang in ("nl", "en"):
        words = finding_text(finding, translator(lang))
        assert CDN_RECORDER in words.explanation
        assert "verzamel.opnameleverancier.nl" in words.explanation
        assert "{" not in words.title + words.explanation + words.fix


def test_an_observer_alone_is_no_recording(resolver: PartyResolver, knowledge: Knowledge) -> None:
    """Lazy loaders and consent managers watch the whole document for new elements."""
    assert findings(resolver, knowledge, [observe(CDN_RECORDER)]) == []


def test_a_snapshot_alone_is_no_recording(resolver: PartyResolver, knowledge: Knowledge) -> None:
    assert findings(resolver, knowledge, [], [snapshot_post(COLLECTOR, CDN_RECORDER)]) == []


def test_snapshots_by_another_script_do_not_count(
    resolver: PartyResolver, knowledge: Knowledge
) -> None:
    other = "https://cdn.scriptleverancier.nl/upload.js"
    found = findings(
        resolver, knowledge, [observe(CDN_RECORDER)], [snapshot_post(COLLECTOR, other)]
    )
    assert found == []


def test_the_sites_own_recorder_is_not_this_rule(
    resolver: PartyResolver, knowledge: Knowledge
) -> None:
    found = findings(
        resolver,
        knowledge,
        [observe(OWN_SCRIPT)],
        [snapshot_post("https://www.testdorp.nl/opname", OWN_SCRIPT)],
    )
    assert found == []


def test_a_consent_manager_observing_is_not_recording(
    resolver: PartyResolver, knowledge: Knowledge
) -> None:
    cmp = "https://consent.cookiebot.com/uc.js"
    found = findings(
        resolver, knowledge, [observe(cmp)], [snapshot_post("https://consent.cookiebot.com/x", cmp)]
    )
    assert found == []


def test_known_vendor_observing_is_found_without_a_readable_snapshot(
    resolver: PartyResolver, knowledge: Knowledge
) -> None:
    script = "https://edge.fullstory.com/s/fs.js"
    (finding,) = findings(resolver, knowledge, [observe(script)])
    assert finding.id == "session-replay:fullstory.com"
    assert finding.variant == "observer"
    assert finding.param("snapshots") == 0
    assert finding.param("scripts") == (script,)
    assert "FullStory" in finding_text(finding, translator("en")).title


def test_snapshot_to_a_known_vendor_is_found(resolver: PartyResolver, knowledge: Knowledge) -> None:
    script = "https://www.testdorp.nl/js/bundel.js"  # the site bundles the vendor's recorder
    (finding,) = findings(
        resolver, knowledge, [], [snapshot_post("https://rs.fullstory.com/rec/bundle", script)]
    )
    assert finding.id == "session-replay:fullstory.com"
    assert finding.variant == ""
    assert finding.param("snapshots") == 1


# ----------------------------------------------------------------------- the recorder


def _post(recorder: Any, request_id: str, body: str | None) -> None:
    request: dict[str, Any] = {"url": COLLECTOR, "method": "POST", "hasPostData": True}
    if body is not None:
        request["postData"] = body
    recorder.cdp_event(
        "Network.requestWillBeSent",
        {"requestId": request_id, "request": request, "type": "Fetch", "frameId": "main"},
        1.0,
    )


def test_recorder_keeps_snapshots_as_payloads_and_reads_large_bodies() -> None:
    from scanner.browser.instruments.network import MAX_POST_READS
    from scanner.browser.recorder import Recorder
    from scanner.models import Phase

    recorder = Recorder(phase=Phase.NONE)
    recorder.start_page(P1, 0.0)
    _post(recorder, "small", rrweb_body())  # came with the event
    _post(recorder, "hit", json.dumps({"event": "page_view", "pad": "x" * 3000}))
    _post(recorder, "large", None)  # over maxPostDataSize: read afterwards
    assert not recorder.wants_post_body("small") and not recorder.wants_post_body("hit")
    assert recorder.wants_post_body("large")
    assert not recorder.wants_post_body("large")  # asked once
    big = rrweb_body(400)
    recorder.post_body("large", big)
    found = [r.payload for r in recorder.requests()]
    assert [p.vendor if p else None for p in found] == [VENDOR, None, VENDOR]
    assert found[2] is not None and dict(found[2].params)["bytes"] == str(len(big))
    for i in range(MAX_POST_READS):
        _post(recorder, f"more{i}", None)
    asked = [recorder.wants_post_body(f"more{i}") for i in range(MAX_POST_READS)]
    assert asked.count(True) == MAX_POST_READS - 1  # one read went to "large"
