"""The form-typing step: key loggers caught by typing canaries, nothing ever submitted.

Pure parts first (which value a field gets, the encodings found, the rule's
severities), then the real Chromium against ``www.typdorp.nl``, whose ground truth
(``typed_leaks``, ``typed_never_sent``, ``not_submitted`` in its manifest) was written
from the site's scripts before the capture code.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import hashlib
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest

from scanner.canaries import CANARIES, TypedField, field_kind, find
from scanner.config import CaptureOptions
from scanner.models import Party, Request, Site, SiteResult, TypedLeak
from scanner.testweb.server import HOSTS_DIR, TestWeb
from tests.conftest import load_manifests

MANIFEST = load_manifests()["www.typdorp.nl"]
NOW = datetime(2026, 5, 20, 9, 0, tzinfo=UTC)
SITE = Site(name="Typdorp", url=MANIFEST["site"]["url"])
FIELDS = [TypedField("q", "text"), TypedField("mail", "email"), TypedField("tel", "phone")]
EMAIL = CANARIES["email"]


# -- which value a field gets ------------------------------------------------------


@pytest.mark.parametrize(
    ("input_type", "autocomplete", "names", "kind"),
    [
        ("email", "", [], "email"),
        ("tel", "", [], "phone"),
        ("search", "", ["naam"], "text"),
        ("textarea", "", ["omschrijving"], "text"),
        ("text", "", ["telefoonnummer"], "phone"),
        ("text", "", ["hotel"], "text"),
        ("text", "postal-code", [], "postcode"),
        ("text", "", ["Uw naam"], "name"),
        ("text", "", ["e-mailadres"], "email"),
        ("", "", [], "text"),
        ("password", "", ["naam"], None),
        ("hidden", "", [], None),
        ("checkbox", "", [], None),
        ("number", "", [], None),
    ],
)
def test_field_kind(input_type: str, autocomplete: str, names: list[str], kind: str | None) -> None:
    assert field_kind(input_type, autocomplete, names) == kind


# -- the encodings found -----------------------------------------------------------


def _digest(name: str, text: str) -> str:
    return hashlib.new(name, text.encode()).hexdigest()


@pytest.mark.parametrize(
    ("url", "body", "expected"),
    [
        ("https://t.example/k?v=privacyscan%20proeftekst", None, ("text", "url", "url")),
        ("https://t.example/k?v=privacyscan+proeftekst", None, ("text", "url", "url")),
        ("https://t.example/k", '{"v":"privacyscan proeftekst"}', ("text", "plain", "body")),
        ("https://t.example/k?t=06-12345678", None, ("phone", "plain", "url")),
        (
            "https://t.example/k",
            "x=" + base64.b64encode(b'{"tel":"06-12345678"}').decode(),
            ("phone", "base64", "body"),
        ),
        (
            "https://t.example/k?d=" + base64.urlsafe_b64encode(b"??>" + EMAIL.encode()).decode(),
            None,
            ("email", "base64", "url"),
        ),
        ("https://t.example/" + _digest("md5", EMAIL), None, ("email", "md5", "url")),
        ("https://t.example/" + _digest("sha1", EMAIL).upper(), None, ("email", "sha1", "url")),
        ("https://t.example/k", _digest("sha256", EMAIL), ("email", "sha256", "body")),
        ("https://t.example/k", _digest("sha512", EMAIL), ("email", "sha512", "body")),
        (
            "https://t.example/k",
            json.dumps({"em": _digest("sha256", EMAIL.lower())}),
            ("email", "sha256-normalised", "body"),
        ),
        (
            "https://t.example/k?h=" + _digest("md5", EMAIL.lower()),
            None,
            ("email", "md5-normalised", "url"),
        ),
        ("https://t.example/k?e=" + quote(EMAIL.lower()), None, ("email", "url", "url")),
    ],
)
def test_find_each_encoding(url: str, body: str | None, expected: tuple[str, str, str]) -> None:
    leaks = find(url, body, FIELDS)
    assert [(t.kind, t.encoding, t.place) for t in leaks] == [expected]


@pytest.mark.parametrize("prefix", ["", "a", "ab", '{"x":"'])
def test_base64_found_at_any_offset(prefix: str) -> None:
    """Base64 of a value inside a longer text depends on the value's offset."""
    body = base64.b64encode((prefix + CANARIES["phone"] + '"}').encode()).decode()
    assert [t.encoding for t in find("https://t.example/", body, FIELDS)] == ["base64"]


def test_nothing_found_in_unrelated_requests() -> None:
    for url, body in [
        ("https://t.example/?q=privacyscan", "privacyscan proef"),
        ("https://t.example/?t=0612345678", None),
        ("https://t.example/" + _digest("sha256", "someone@example.com"), None),
    ]:
        assert find(url, body, FIELDS) == ()


# -- the rule ---------------------------------------------------------------------


def _request(url: str, domain: str, first_party: bool, *leaks: TypedLeak) -> Request:
    return Request(
        url=url,
        page_url=SITE.url,
        typed=leaks,
        party=Party(first_party=first_party, domain=domain),
    )


def _findings(*requests: Request) -> dict[str, Any]:
    from scanner.classify.context import make_context
    from scanner.classify.parties import PartyResolver
    from scanner.classify.rules import rule_form_input_leak
    from scanner.domains import Domains
    from scanner.knowledge import load_knowledge

    result = SiteResult(site=SITE, requests=requests)
    ctx = make_context(result, PartyResolver(Domains(), load_knowledge()))
    return {f.id: f for f in rule_form_input_leak(ctx)}


def test_rule_severities() -> None:
    search = TypedLeak("zoekterm", "text", "url", "url")
    email = TypedLeak("email", "email", "sha256-normalised", "body")
    found = _findings(
        _request("https://www.typdorp.nl/s?q=x", "typdorp.nl", True, search),
        _request("https://log.veldvolger.com/k", "veldvolger.com", False, search, email),
        _request("https://www.typdorp.nl/concept", "typdorp.nl", True, email),
        _request("https://cdn.veldvolger.com/v.js", "veldvolger.com", False),
    )
    assert set(found) == {"form-input-leak:typdorp.nl", "form-input-leak:veldvolger.com"}
    third = found["form-input-leak:veldvolger.com"]
    assert third.severity.value == "violation" and third.variant == ""
    assert third.param("fields") == ("email (email)", "zoekterm (text)")
    assert third.param("encodings") == ("sha256-normalised", "url")
    assert third.param("hosts") == ("log.veldvolger.com",)
    own = found["form-input-leak:typdorp.nl"]
    # A search field's suggestions are info; an e-mail address before sending is review.
    assert own.severity.value == "review" and own.variant == "first-party"
    only_search = _findings(_request("https://www.typdorp.nl/s", "typdorp.nl", True, search))
    assert only_search["form-input-leak:typdorp.nl"].severity.value == "info"


# -- the real Chromium on www.typdorp.nl --------------------------------------------


@pytest.fixture(scope="module")
def typed(testweb: TestWeb, capture_options: CaptureOptions) -> dict[str, Any]:
    """Typdorp captured with the step (the default) and without it (``--no-form-typing``),
    and what the test web served to www.typdorp.nl meanwhile."""
    from scanner.browser.session import Browser
    from scanner.runner import capture_site

    urls = [p["url"] for p in MANIFEST["pages"]]
    without = dataclasses.replace(capture_options, form_typing=False)

    async def run(options: CaptureOptions) -> SiteResult:
        async with Browser(options) as browser:
            return await capture_site(browser, SITE, urls)

    start = len(testweb.served())
    on = asyncio.run(run(capture_options))
    off = asyncio.run(run(without))
    served = [s for s in testweb.served()[start:] if s[0] == "www.typdorp.nl"]
    return {"on": on, "off": off, "served": served}


def _leaks(result: SiteResult) -> list[tuple[str, str, TypedLeak]]:
    return [(r.url, r.page_url, t) for r in result.requests for t in r.typed]


@pytest.mark.browser
@pytest.mark.parametrize(
    "expected", MANIFEST["typed_leaks"], ids=lambda e: f"{e['field']}:{e['encoding']}"
)
def test_each_leak_found_with_its_encoding(typed: dict[str, Any], expected: dict[str, str]) -> None:
    leak = TypedLeak(expected["field"], expected["kind"], expected["encoding"], expected["place"])
    assert (expected["url"], expected["page_url"], leak) in _leaks(typed["on"])


@pytest.mark.browser
def test_no_other_leak(typed: dict[str, Any]) -> None:
    """The postcode is typed but never sent; nothing else carries a typed value."""
    expected = {
        (e["url"], e["page_url"], TypedLeak(e["field"], e["kind"], e["encoding"], e["place"]))
        for e in MANIFEST["typed_leaks"]
    }
    assert set(_leaks(typed["on"])) == expected
    never = set(MANIFEST["typed_never_sent"])
    assert not any(t.field in never for _, _, t in _leaks(typed["on"]))


@pytest.mark.browser
def test_nothing_was_submitted(typed: dict[str, Any]) -> None:
    """The site's own script submits the search form after the last key: stopped, so
    the server never saw a submission, and the page stayed where it was."""
    served = typed["served"]
    for method, prefix in MANIFEST["not_submitted"]:
        assert not [s for s in served if s[1] == method and s[2].startswith(prefix)], prefix
    # The typing did happen (suggestions were asked for) …
    assert any(s[2].startswith("/zoeken/suggesties?q=") for s in served)
    # … the submission was tried and stopped before it left: a failed document request.
    tried = [
        r
        for r in typed["on"].requests
        if r.resource_type == "Document" and r.url.startswith("https://www.typdorp.nl/zoeken/?")
    ]
    assert tried and all(r.failed and not r.typed for r in tried)
    pages = [(p.url, p.final_url) for p in typed["on"].pages]
    assert pages == [(p["url"], p["final_url"]) for p in MANIFEST["pages"]]


@pytest.mark.browser
def test_without_form_typing_nothing_is_typed(typed: dict[str, Any]) -> None:
    off = typed["off"]
    assert _leaks(off) == []
    assert not [r for r in off.requests if r.url.startswith("https://log.veldvolger.com/")]


@pytest.mark.browser
def test_findings(typed: dict[str, Any]) -> None:
    from scanner.classify import classify
    from scanner.classify.parties import PartyResolver
    from scanner.domains import Domains
    from scanner.knowledge import load_knowledge
    from scanner.messages import translator
    from scanner.messages.findings import finding_text

    knowledge = load_knowledge()
    resolver = PartyResolver(Domains(), knowledge)
    result = classify(typed["on"], resolver=resolver, knowledge=knowledge, now=NOW)
    found = {f.id: f for f in result.findings if f.rule == "form-input-leak"}
    assert {(i, f.severity.value) for i, f in found.items()} == {
        (e["id"], e["severity"])
        for e in MANIFEST["expected_findings"]
        if e["id"].startswith("form-input-leak:")
    }
    logger = found["form-input-leak:veldvolger.com"]
    assert logger.param("encodings") == ("base64", "plain")
    assert logger.param("fields") == (
        "naam (name)",
        "omschrijving (text)",
        "telefoon (phone)",
        "zoekterm (text)",
    )
    assert found["form-input-leak:adreskoppeling.net"].param("encodings") == ("sha256-normalised",)
    for lang in ("nl", "en"):
        text = finding_text(logger, translator(lang))
        assert "telefoon (phone)" in text.explanation and "base64" in text.explanation


# -- each field once per visitor (www.zoekbalkstad.nl) ------------------------------

ONCE = json.loads((HOSTS_DIR.parent / "typing.json").read_text("utf-8"))


@pytest.mark.browser
def test_a_field_is_typed_again_only_where_other_scripts_may_listen(
    testweb: TestWeb, capture_options: CaptureOptions
) -> None:
    """The header's search box is typed into on the home page, not on a page with the
    same scripts, again on a page that loads a form tracker; on the contact page only
    the new e-mail field is (ground truth: ``typing.json``, written first)."""
    from scanner.browser.session import Browser
    from scanner.runner import capture_site

    site = Site(name=ONCE["site"]["name"], url=ONCE["site"]["url"])

    async def run() -> SiteResult:
        async with Browser(capture_options) as browser:
            return await capture_site(browser, site, ONCE["pages"])

    result = asyncio.run(run())
    assert [p.url for p in result.pages] == ONCE["pages"]
    assert all(p.error is None for p in result.pages)
    expected = {
        (e["url"], e["page_url"], TypedLeak(e["field"], e["kind"], e["encoding"], e["place"]))
        for e in ONCE["typed_leaks"]
    }
    assert set(_leaks(result)) == expected
    for page_url, fields in ONCE["not_typed"].items():
        assert "zoekterm" in fields
        asked = [
            r.url
            for r in result.requests
            if r.page_url == page_url and "/zoeken/suggesties" in r.url
        ]
        assert asked == [], page_url


# -- the switch ----------------------------------------------------------------------


def test_no_form_typing_flag() -> None:
    from click.testing import CliRunner

    from scanner.cli import _build_capture_options, cli

    base: dict[str, Any] = {
        "browser_path": None,
        "map_hosts": (),
        "ignore_cert_errors": False,
        "trust_cert_spki": (),
        "raw_values": False,
        "page_timeout": 30.0,
        "dwell": 4.0,
        "allow_private_network": False,
        "har": True,
        "har_content": False,
    }
    assert _build_capture_options({**base, "no_form_typing": False}).form_typing
    assert not _build_capture_options({**base, "no_form_typing": True}).form_typing
    assert "--no-form-typing" in CliRunner().invoke(cli, ["scan", "--help"]).output


@pytest.mark.browser
def test_a_page_that_hangs_on_a_key_ends_by_itself(
    testweb: TestWeb, capture_options: CaptureOptions
) -> None:
    """``www.toetsval.nl`` hangs its renderer on the first key (``hostile.json``): the
    step gives up at that field (its five other fields would cost 15 s more), well
    before the visit's watchdog."""
    from scanner.browser.formtyping import FIELD_TIMEOUT_S, WAIT_MAX_S
    from scanner.browser.session import Browser
    from scanner.runner import capture_site

    async def run() -> SiteResult:
        async with Browser(capture_options) as browser:
            site = Site(name="Toetsval", url="https://www.toetsval.nl/")
            return await capture_site(browser, site, [site.url])

    result = asyncio.run(run())
    (page,) = result.pages
    assert (result.status.value, page.error, page.title) == ("done", None, "Gemeente Toetsval")
    # Dwell, one field's timeout and the wait: not every field's timeout, nor the watchdog.
    limit = capture_options.dwell_s + FIELD_TIMEOUT_S + WAIT_MAX_S + 6.0
    assert page.duration_ms < limit * 1000, page.duration_ms


# -- the recorder, fed DevTools events -------------------------------------------------


def _sent(recorder: Any, request_id: str, url: str, now: float, **request: Any) -> None:
    recorder.cdp_event(
        "Network.requestWillBeSent",
        {
            "requestId": request_id,
            "request": {"url": url, "method": "POST" if request else "GET", **request},
            "type": "Fetch",
            "frameId": "main",
        },
        now,
    )


def test_recorder_marks_requests_after_typing_only() -> None:
    """Before typing nothing is searched; a body DevTools left out is asked for once;
    a submission stopped before it left carries nothing; a later page's field of a
    kind names that kind's value."""
    from scanner.browser.recorder import Recorder
    from scanner.models import Phase

    recorder = Recorder(phase=Phase.NONE)
    page = "https://www.typdorp.nl/"
    recorder.start_page(page, 0.0)
    _sent(recorder, "0", "https://t.example/?q=privacyscan%20proeftekst", 0.5)
    recorder.watch_typed([TypedField("zoekterm", "text")])
    _sent(recorder, "1", "https://t.example/?q=privacyscan%20proeftekst", 1.0)
    _sent(recorder, "2", "https://t.example/big", 1.1, hasPostData=True)
    assert recorder.wants_post_body("2") and not recorder.wants_post_body("2")
    recorder.post_body("2", "x" * 50_000 + base64.b64encode(b"privacyscan proeftekst").decode())
    _sent(recorder, "3", "https://www.typdorp.nl/zoeken/?zoekterm=privacyscan+proeftekst", 1.2)
    recorder.not_submitted("3")
    recorder.watch_typed([TypedField("omschrijving", "text")])
    _sent(recorder, "4", "https://t.example/", 2.0, postData="privacyscan proeftekst")
    typed = {r.url: r.typed for r in recorder.requests()}
    assert typed == {
        "https://t.example/?q=privacyscan%20proeftekst": (
            TypedLeak("zoekterm", "text", "url", "url"),
        ),
        "https://t.example/big": (TypedLeak("zoekterm", "text", "base64", "body"),),
        "https://www.typdorp.nl/zoeken/?zoekterm=privacyscan+proeftekst": (),
        "https://t.example/": (TypedLeak("omschrijving", "text", "plain", "body"),),
    }
    first = [r for r in recorder.requests() if r.t_ms == 500]
    assert len(first) == 1 and first[0].typed == ()


# -- key loggers that send one key per request (www.toetsdorp.nl) --------------------

KEYS = json.loads((HOSTS_DIR.parent / "keys.json").read_text("utf-8"))


def test_keys_sent_one_per_request_are_put_together_again() -> None:
    """No single request carries the value; in the order sent, one key each, they do."""
    from scanner.canaries import CANARIES, TypedField, matcher

    found = matcher([TypedField("zoekterm", "text")])
    value = CANARIES["text"]
    urls = [f"https://log.example.com/k?s=1&c={quote(key)}" for key in value]
    bodies = [json.dumps({"k": key, "n": n}) for n, key in enumerate(value, 1)]
    counts = [f"https://log.example.com/n?n={n}" for n in range(1, len(value) + 1)]
    sent = [(url, None) for url in urls] + [("https://log.example.com/b", b) for b in bodies]
    sent += [(url, None) for url in counts]
    keys = found.find_keys(sent)
    assert len(keys) == len(sent)
    per_url = TypedLeak("zoekterm", "text", "keys", "url")
    per_body = TypedLeak("zoekterm", "text", "keys", "body")
    assert keys[: len(value)] == [(per_url,)] * len(value)
    assert keys[len(value) : 2 * len(value)] == [(per_body,)] * len(value)
    assert keys[2 * len(value) :] == [()] * len(value)  # a counter sends nothing typed
    # Another value, or the keys out of order: nothing.
    assert not any(found.find_keys([(u, None) for u in reversed(urls)]))
    assert not any(found.find_keys([(u, None) for u in urls[:-3]]))


def test_key_codes_sent_one_per_request_are_put_together_again() -> None:
    """A key logger that sends numbers: each key's ``keyCode`` (letters as capitals,
    Shift pressed before a capital or ``@``) or each character's code."""
    from scanner.canaries import CANARIES, TypedField, matcher

    found = matcher([TypedField("zoekterm", "text"), TypedField("email", "email")])
    text, email = CANARIES["text"], CANARIES["email"]
    shifted = {"@": 50, ".": 190, "-": 189}
    key_codes: list[int] = []
    for char in email:
        if char.isupper() or char == "@":
            key_codes.append(16)  # Shift, pressed on its own
        key_codes.append(shifted.get(char, ord(char.upper())))
    urls = [f"https://log.example.com/kc?i={n}&c={code}" for n, code in enumerate(key_codes)]
    forms = [f"n={n}&c={ord(char)}" for n, char in enumerate(text, 1)]
    sent = [(url, None) for url in urls] + [("https://log.example.com/t", f) for f in forms]
    keys = found.find_keys(sent)
    by_code = TypedLeak("email", "email", "keys", "url")
    by_char = TypedLeak("zoekterm", "text", "keys", "body")
    assert keys[: len(urls)] == [(by_code,)] * len(urls)
    assert keys[len(urls) :] == [(by_char,)] * len(forms)
    # A counter's numbers, or the codes of another value: nothing.
    counts = [(f"https://log.example.com/n?n={n}", None) for n in range(1, 40)]
    assert not any(found.find_keys(counts))
    other = [(f"https://log.example.com/kc?c={ord(c.upper())}", None) for c in "iets anders"]
    assert not any(found.find_keys(other))


@pytest.mark.browser
def test_a_key_logger_sending_one_key_per_request_is_found(capture_options: CaptureOptions) -> None:
    """Ground truth: ``keys.json`` (written first)."""
    from scanner.browser.session import Browser
    from scanner.classify import classify
    from scanner.classify.parties import PartyResolver
    from scanner.domains import Domains
    from scanner.knowledge import load_knowledge
    from scanner.runner import capture_site

    site = Site(name=KEYS["site"]["name"], url=KEYS["site"]["url"])

    async def run() -> SiteResult:
        async with Browser(capture_options) as browser:
            return await capture_site(browser, site, KEYS["pages"])

    result = asyncio.run(run())
    assert [p.error for p in result.pages] == [None]
    for endpoint in KEYS["keys"]:
        sent = [
            r
            for r in result.requests
            if r.url.split("?")[0] == endpoint["endpoint"] and r.method != "OPTIONS"
        ]  # not Chromium's CORS preflights: what the scripts sent
        assert len(sent) == endpoint["requests"], endpoint["endpoint"]
        truth = endpoint["typed"]
        expected = () if truth is None else (TypedLeak(**truth),)
        assert {r.typed for r in sent} == {expected}, endpoint["endpoint"]
    knowledge = load_knowledge()
    resolver = PartyResolver(Domains(), knowledge)
    classified = classify(result, resolver=resolver, knowledge=knowledge, now=NOW)
    found = {
        f.id: list(f.param("encodings")) for f in classified.findings if f.rule == "form-input-leak"
    }
    assert found == KEYS["findings"]


FRAMES = json.loads((HOSTS_DIR.parent / "typing_frames.json").read_text("utf-8"))


@pytest.mark.browser
def test_the_fields_of_a_frame_are_typed_into(
    testweb: TestWeb, capture_options: CaptureOptions
) -> None:
    """Ground truth: ``typing_frames.json`` (written first): a report form in a
    supplier's iframe is typed into like a field of the page itself."""
    from scanner.browser.session import Browser
    from scanner.runner import capture_site

    site = Site(name=FRAMES["site"]["name"], url=FRAMES["site"]["url"])

    async def run() -> SiteResult:
        async with Browser(capture_options) as browser:
            return await capture_site(browser, site, FRAMES["pages"])

    testweb.clear_served()
    result = asyncio.run(run())
    assert [p.error for p in result.pages] == [None]
    found = {(r.url, r.page_url, r.frame_url, t) for r in result.requests for t in r.typed}
    assert found == {
        (
            e["url"],
            e["page_url"],
            e["frame_url"],
            TypedLeak(e["field"], e["kind"], e["encoding"], e["place"]),
        )
        for e in FRAMES["typed_leaks"]
    }
    assert not [r for r in result.requests if r.url == FRAMES["not_submitted"]]
    assert not [
        s for s in testweb.served() if s[0] == "formulier.toetsteller.com" and s[1] == "POST"
    ]


@pytest.mark.browser
def test_the_survey_reads_in_the_isolated_world_each_document_has(
    capture_options: CaptureOptions,
) -> None:
    """The survey reads each frame in the isolated world Playwright makes in every
    document (making one per frame and page cost the renderer more than the read);
    a frame whose world is gone gets one of its own, with the same fields found. If a
    Playwright update renames its world, the first assertion says so."""
    from scanner.browser import formtyping
    from scanner.browser.session import Browser

    url = MANIFEST["pages"][1]["url"]  # the report form

    async def run() -> tuple[int | None, list[Any], list[Any]]:
        async with Browser(capture_options) as browser, browser.visitor() as visitor:
            await visitor.visit(url)
            cdp = visitor._cdp
            assert cdp is not None
            worlds = dict(visitor._quiet_worlds)
            tree = await cdp.send("Page.getFrameTree")
            top = str(tree["frameTree"]["frame"]["id"])
            known = await formtyping.survey(cdp, worlds)
            gone = await formtyping.survey(cdp, {top: 10**9})
            return worlds.get(top), known or [], gone or []

    world, known, gone = asyncio.run(run())
    assert world is not None, "no isolated world of Playwright's seen in the page"
    assert known and known[0].top and known[0].context_id == world
    assert gone and gone[0].context_id not in (world, 10**9)
    assert gone[0].survey == known[0].survey and known[0].survey.fields
