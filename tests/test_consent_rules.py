"""The heuristic's button rules, table-driven: visible text → role, in real Chromium.

Each row is a label seen on (or written like) Dutch and English cookie banners. The
table is the ground truth; the banner page is generated from it, so a rule that
drifts shows up as one named row.
"""

from __future__ import annotations

import asyncio
import html
import re
from typing import Any

import pytest

from scanner.browser.consent import choose, detect_banner
from scanner.config import CaptureOptions
from scanner.models import ConsentChoice, Phase

pytestmark = pytest.mark.browser

ROLES: list[tuple[str, str]] = [
    # reject
    ("Weigeren", "reject"),
    ("Ik weiger", "reject"),
    ("Alles weigeren", "reject"),
    ("Niet akkoord", "reject"),
    ("Alleen noodzakelijke cookies", "reject"),
    ("Alleen functionele cookies", "reject"),
    ("Noodzakelijke cookies accepteren", "reject"),
    ("Functionele cookies toestaan", "reject"),
    ("Nee, bedankt", "reject"),
    ("Reject all", "reject"),
    ("Decline", "reject"),
    ("Only necessary", "reject"),
    ("Necessary cookies only", "reject"),
    # save (second layer, or a first layer with category boxes)
    ("Voorkeuren opslaan", "save"),
    ("Keuze bevestigen", "save"),
    ("Save preferences", "save"),
    ("Toestaan van selectie", "save"),
    ("Geselecteerde", "save"),
    ("Allow selection", "save"),
    # settings
    ("Instellingen", "settings"),
    ("Voorkeuren beheren", "settings"),
    ("Cookies aanpassen", "settings"),
    ("Laat me kiezen", "settings"),
    ("Zelf kiezen", "settings"),
    ("Let me choose", "settings"),
    ("Manage options", "settings"),
    ("Customize", "settings"),
    # accept
    ("Accepteren", "accept"),
    ("Alles accepteren", "accept"),
    ("Akkoord", "accept"),
    ("Cookies toestaan", "accept"),
    ("Dat is oké", "accept"),
    ("Oké", "accept"),
    ("OK", "accept"),
    ("Ja, prima", "accept"),
    ("Accept all", "accept"),
    ("Allow all", "accept"),
    ("I agree", "accept"),
    ("Got it", "accept"),
    # neither
    ("Meer informatie", "other"),
    ("Privacyverklaring", "other"),
    ("Bookmark", "other"),
    ("Verkiezingen 2026", "other"),
]


def _page(labels: list[str]) -> str:
    buttons = "".join(f"<button>{html.escape(text)}</button>" for text in labels)
    return (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Knoppen</title>'
        "<style>#b{position:fixed;left:0;right:0;bottom:0;background:#fff}"
        "button{margin:2px;font-size:11px}</style></head><body><main><h1>Knoppen</h1></main>"
        '<div id="b" role="dialog" aria-label="Cookies"><p>Wij gebruiken cookies.</p>'
        f"{buttons}</div></body></html>"
    )


@pytest.fixture(scope="module")
def roles(capture_options: CaptureOptions) -> dict[str, str]:
    from scanner.browser.session import Browser

    async def run() -> dict[str, str]:
        roles: dict[str, str] = {}
        labels = [text for text, _ in ROLES]
        async with Browser(capture_options) as browser, browser.visitor() as visitor:
            page = visitor._page
            assert page is not None
            # The detector keeps at most 40 buttons of a banner: several banners.
            for start in range(0, len(labels), 30):
                await page.set_content(_page(labels[start : start + 30]))
                banner = await detect_banner(page)
                assert banner is not None, "the generated banner was not found"
                roles.update({b.text: b.role for b in banner.buttons})
        return roles

    return asyncio.run(run())


def test_every_button_is_seen(roles: dict[str, str]) -> None:
    assert sorted(roles) == sorted(text for text, _ in ROLES)


@pytest.mark.parametrize(("text", "role"), ROLES, ids=[t for t, _ in ROLES])
def test_button_role(roles: dict[str, str], text: str, role: str) -> None:
    assert roles[text] == role


LAYOUTS = {
    "cookiebot": ["Weigeren", "Toestaan van selectie", "Alle cookies toestaan"],
    "per-category": [
        "Alleen noodzakelijke cookies",
        "Statistiek toestaan",
        "Alle cookies toestaan",
    ],
}
"""First layers with more than one accepting button, in page order: the accepting
visitor clicks the one for everything, the refusing one the refusal."""


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize(
    ("choice", "clicked"),
    [("accept", "Alle cookies toestaan"), ("reject", None)],
)
def test_the_button_for_everything_is_clicked(
    capture_options: CaptureOptions, layout: str, choice: str, clicked: str | None
) -> None:
    labels = LAYOUTS[layout]
    clicked = clicked or labels[0]
    from scanner.browser.session import Browser

    async def run() -> ConsentChoice:
        async with Browser(capture_options) as browser, browser.visitor() as visitor:
            page = visitor._page
            assert page is not None
            await page.set_content(_page(labels))
            assert await detect_banner(page) is not None
            return await choose(page, Phase(choice))

    result = asyncio.run(run())
    assert (result.clicked, result.layer, result.element_text) == (True, 1, clicked), result.reason


def test_banner_text_reads_in_order(capture_options: CaptureOptions) -> None:
    """Inline elements stay in their sentence; styles and scripts are no text."""
    from scanner.browser.session import Browser

    body = (
        '<div role="dialog" style="position:fixed;bottom:0;left:0;right:0;background:#fff">'
        "<style>.x{color:red}</style><p>Wij gebruiken <strong>cookies</strong> voor "
        "<em>statistiek</em>.</p><script>var x = 1;</script>"
        "<button>Weigeren</button><button>Accepteren</button></div>"
    )

    async def run() -> str:
        async with Browser(capture_options) as browser, browser.visitor() as visitor:
            page = visitor._page
            assert page is not None
            await page.set_content(f"<!doctype html><html lang='nl'><body>{body}</body></html>")
            banner = await detect_banner(page)
            assert banner is not None
            return banner.text

    assert asyncio.run(run()) == "Wij gebruiken cookies voor statistiek. Weigeren Accepteren"


def _example_url(pattern: str) -> str:
    """A URL written from a ``urlPattern`` (``^https?://(www\\.)?x\\.nl/`` →
    ``https://www.x.nl/``): most match their pattern, the rest are more URLs to compare."""
    s = pattern.lstrip("^").rstrip("$").replace("https?", "https").replace("http(s)?", "https")
    s = re.sub(r"\((?:\?:)?([^()|]*)\|[^()]*\)", r"\1", s)  # (a|b) → a
    s = re.sub(r"\((?:\?:)?([^()]*)\)\??", r"\1", s)  # (x)? → x
    s = re.sub(r"\[([^\]])[^\]]*\][*+?]?", r"\1", s)  # [abc]+ → a
    for old, new in ((".*", ""), (".+", "x"), ("\\w+", "w"), ("\\.", "."), ("\\/", "/")):
        s = s.replace(old, new)
    s = re.sub(r"[?*+\\]", "", s)
    return s if "://" in s else "https://" + s


def test_a_frame_gets_exactly_the_rules_autoconsent_would_run_there(
    capture_options: CaptureOptions,
) -> None:
    """Rules are picked per frame (most are for one website's URL); autoconsent itself
    skips a rule whose ``urlPattern`` does not match ``location.href``. Python's choice
    must equal JavaScript's own RegExp for every rule, on the URLs of every
    municipality in sites.txt, of every rule's vendor and of the test web."""
    from pathlib import Path

    from scanner.browser import consent
    from scanner.browser.session import Browser
    from scanner.sites import load_sites

    loaded = consent._autoconsent()
    assert loaded is not None
    _bundle, rules, contexts = loaded
    patterned = [c for c in contexts if c.has_pattern]
    patterns = [rules[c.index]["runContext"]["urlPattern"] for c in patterned]
    urls = {s.url for s in load_sites(Path(__file__).resolve().parents[1] / "sites.txt")}
    for rule in rules:
        vendor = str(rule.get("vendorUrl") or "")
        if vendor.startswith("http"):
            urls |= {vendor, vendor.rstrip("/") + "/", vendor.replace("https://", "http://")}
    urls |= {_example_url(p) for p in patterns}
    urls |= {"https://www.bannerdorp-klaro.nl/", "about:blank"}
    ordered = sorted(urls)
    script = """([urls, patterns]) => urls.map((u) =>
        patterns.flatMap((p, i) => (u.match(p) ? [i] : [])))"""

    async def run() -> list[list[int]]:
        async with Browser(capture_options) as browser, browser.visitor() as visitor:
            page = visitor._page
            assert page is not None
            result: list[list[int]] = await page.evaluate(script, [ordered, patterns])
            # A document at another URL than the rules were picked for refuses them.
            stale = await page.evaluate(consent._autoconsent_script("https://elders.nl/", True))
            assert stale == "stale"
            return result

    in_js = asyncio.run(run())
    matched: set[int] = set()
    for url, js in zip(ordered, in_js, strict=True):
        in_python = [i for i, c in enumerate(patterned) if c.matches(url)]
        assert in_python == js, url
        matched |= set(js)
    assert len(matched) > 600, "nearly every pattern matched a URL, not just none"
    # Frame context: iframes get only the rules that run in frames, top frames the others.
    assert all(
        c.applies("about:blank", top=False) == c.frame for c in contexts if not c.has_pattern
    )


def test_autoconsent_starts_in_a_frame_only_where_one_of_its_rules_could_match(
    capture_options: CaptureOptions,
) -> None:
    """Ground truth: ``scanner/testweb/consent_frames.json`` (www.framedorp.nl). Starting
    autoconsent (a 140 kB bundle) in every ad's or map's frame cost CPU on every page
    with a banner check; in a frame it starts only where a rule for frames could match."""
    import json

    from scanner.browser import consent
    from scanner.browser.session import Browser
    from scanner.testweb.server import HOSTS_DIR

    truth = json.loads((HOSTS_DIR.parent / "consent_frames.json").read_text("utf-8"))

    async def run() -> tuple[list[str], list[str], str | None]:
        async with Browser(capture_options) as browser, browser.visitor() as visitor:
            await visitor.visit(truth["url"])
            page = visitor._page
            assert page is not None
            memory = consent.ConsentMemory()
            started = await consent._inject_autoconsent(page, memory)
            banner = await consent.detect_banner(page, memory=memory)
            cmp = banner.cmp if banner is not None else None
            return [f.url for f in page.frames], [f.url for f, _ in started], cmp

    frames, started, banner = asyncio.run(run())
    assert len(frames) == 4  # the page and its three frames, all loaded
    assert sorted(started) == sorted(truth["autoconsent"])
    assert banner == truth["banner_cmp"]


def test_a_frame_needs_the_elements_of_the_rules_that_fit_any_frame() -> None:
    """Which frames autoconsent may skip, decided from its rules and its code."""
    from scanner.browser import consent

    # The only consent manager autoconsent knows by code that also runs in frames: if
    # an update adds another, no frame is skipped until it is known here.
    assert consent._frame_code_cmps() == {"Sourcepoint-frame"}
    needs = consent._frame_needs("https://www.youtube-nocookie.com/embed/abc")
    assert needs is not None and ("#piano-cookie_banner",) in needs
    assert all(needs)  # every rule needs at least one element
    # A consent manager's own frame (a rule with its URL), and Sourcepoint's by URL.
    assert consent._frame_needs("https://cookielaw.emea.fcagroup.com/banner") is None
    assert consent._frame_needs("https://cdn.privacy-mgmt.com/index.html?message_id=7") is None
    assert consent._frame_needs("https://ccpa-pm.sp-prod.net/") is None


_WITNESS = (
    "<script>window.klik = []; document.addEventListener('click', (e) => "
    "klik.push([e.composedPath()[0].textContent, e.isTrusted, scrollY > 0]), true);</script>"
)
"""The page's own record of every click: the button's text, whether the browser's
input made it (a mouse click) or a script, and whether the page was scrolled then."""
_CLOSE = "onclick=\"this.closest('[data-banner]').remove()\""

CLICK_PAGES: dict[str, tuple[str, list[Any]]] = {
    "in view": (
        '<div data-banner role="dialog" style="position:fixed;left:0;right:0;bottom:0;'
        f'background:#fff"><p>Wij gebruiken cookies.</p><button {_CLOSE}>Weigeren</button>'
        f"<button {_CLOSE}>Accepteren</button></div>",
        ["Weigeren", True, False],
    ),
    "partly below the fold": (
        # A dialog in the page's flow, the top of its buttons just in view: scrolled
        # into view, then clicked at the centre.
        '<div style="height:calc(100vh - 12px)"></div><div data-banner role="dialog">'
        f'<button {_CLOSE} style="font-size:20px">Weigeren</button>'
        f'<button {_CLOSE} style="font-size:20px">Accepteren</button>'
        '<p>Wij gebruiken cookies.</p></div><div style="height:2000px"></div>',
        ["Weigeren", True, True],
    ),
    "in a shadow root": (
        '<div data-banner id="host"></div><script>document.getElementById("host")'
        '.attachShadow({mode: "open"}).innerHTML = \'<div role="dialog" style="position:'
        'fixed;left:0;right:0;bottom:0;background:#fff"><p>Wij gebruiken cookies.</p>'
        '<button id="w">Weigeren</button><button>Accepteren</button></div>\';'
        'document.getElementById("host").shadowRoot.getElementById("w").onclick = '
        "() => document.getElementById('host').remove();</script>",
        ["Weigeren", True, False],
    ),
    "covered": (
        # A transparent layer over the page (a broken overlay): a visitor's click would
        # not reach the button, so a script clicks it, and the reason says so.
        '<div data-banner role="dialog" style="position:fixed;left:0;right:0;bottom:0;'
        f'background:#fff"><p>Wij gebruiken cookies.</p><button {_CLOSE}>Weigeren</button>'
        f"<button {_CLOSE}>Accepteren</button></div>"
        '<div style="position:fixed;inset:0;z-index:9999"></div>',
        ["Weigeren", False, False],
    ),
}
"""Banners whose refusal is clicked where it is: the page's record of the click
(button, trusted, scrolled) each must give."""


@pytest.fixture(scope="module")
def clicks(capture_options: CaptureOptions) -> dict[str, tuple[ConsentChoice, list[Any]]]:
    from scanner.browser.session import Browser

    async def run() -> dict[str, tuple[ConsentChoice, list[Any]]]:
        out = {}
        async with Browser(capture_options) as browser:
            for name, (body, _want) in CLICK_PAGES.items():
                async with browser.visitor() as visitor:
                    page = visitor._page
                    assert page is not None
                    await page.set_content(
                        f"<!doctype html><html lang='nl'><body>{_WITNESS}{body}</body></html>"
                    )
                    made = await choose(page, Phase.REJECT)
                    out[name] = (made, await page.evaluate("window.klik"))
        return out

    return asyncio.run(run())


@pytest.mark.parametrize("name", list(CLICK_PAGES))
def test_the_refusal_is_clicked_like_a_visitor_would(
    clicks: dict[str, tuple[ConsentChoice, list[Any]]], name: str
) -> None:
    """The mouse at the centre of the button (scrolled into view if need be, through a
    shadow root): one trusted click; a covered button gets a scripted one, said so."""
    made, seen = clicks[name]
    want = CLICK_PAGES[name][1]
    assert (made.clicked, made.layer, made.element_text) == (True, 1, "Weigeren"), made.reason
    assert seen == [want]
    scripted = made.reason.endswith("(scripted click: the element did not take a real click)")
    assert scripted is not want[1], made.reason
    assert made.banner_closed, made.reason


CHOOSERS = [
    # (site, choice, autoconsent started, layer): ground truth scanner/testweb/banners.json
    ("www.bannerdorp-cc.nl", Phase.REJECT, False, 1),
    ("www.bannerdorp-ccverstopt.nl", Phase.ACCEPT, False, 1),
    ("www.bannerdorp-ccverstopt.nl", Phase.REJECT, True, 2),
]


@pytest.mark.parametrize(
    ("host", "choice", "started", "layer"),
    CHOOSERS,
    ids=[f"{host}-{choice.value}" for host, choice, _, _ in CHOOSERS],
)
def test_a_choosing_visitor_starts_autoconsent_only_without_a_first_layer_button(
    capture_options: CaptureOptions, host: str, choice: Phase, started: bool, layer: int
) -> None:
    """A refusing or accepting visitor whose first layer has the button it wants clicks
    it without starting autoconsent (its bundle and rules, some 380 kB); without such a
    button (vanilla-cookieconsent's reject hidden in the preferences), autoconsent's
    rule for the consent manager makes the choice on the second layer."""
    import json

    from scanner.browser import consent
    from scanner.browser.session import Browser
    from scanner.testweb.server import HOSTS_DIR

    truth = json.loads((HOSTS_DIR.parent / "banners.json").read_text("utf-8"))["sites"][host]

    async def run() -> tuple[ConsentChoice, int]:
        async with Browser(capture_options) as browser, browser.visitor(choice) as visitor:
            await visitor.visit(truth["url"])
            page = visitor._page
            assert page is not None
            memory = consent.ConsentMemory()
            made = await consent.choose(page, choice, memory=memory)
            return made, memory.frames

    made, frames = asyncio.run(run())
    expected = truth["reject" if choice is Phase.REJECT else "accept"]
    assert (made.clicked, made.layer, made.element_text) == (
        True,
        expected["layer"],
        expected["element_text"],
    ), made.reason
    assert made.layer == layer
    assert (frames > 0) is started, made.reason
