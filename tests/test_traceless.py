"""The visitor leaves no trace a page could see, in the real Chromium.

``www.spiegeldorp.nl`` has fields (one with a style of its own, one in a shadow root),
CSS animations, a cookie banner and a witness script (``js/getuige.js``) that logs
every mutation and animation event a page script can observe. After a capture's visit
(screenshot, scroll, settle) and after its banner detection (autoconsent, the
heuristic, the banner's screenshot), the page must be what a plain Chromium that only
loaded it shows: the same DOM, the same attributes and computed style of every field,
the same window properties, and the witness log of the ground truth
(``scanner/testweb/traceless.json``). Banner detection and the refusing and
accepting visitors' clicks add no listener to the window of any page world
(``banners.json``'s sites).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from scanner.config import CaptureOptions

TRUTH = json.loads(
    (Path(__file__).resolve().parents[1] / "scanner/testweb/traceless.json").read_text("utf-8")
)

# Read-only: what any page script can read about the document and its fields.
_SNAPSHOT_JS = """(fields) => {
  const find = (selector) => {
    let root = document, el = null;
    for (const part of selector.split(" >>> ")) {
      el = root.querySelector(part);
      root = el && el.shadowRoot;
    }
    return el;
  };
  const own = (o) => Reflect.ownKeys(o).map(String).sort();
  const out = { fields: {}, globals: Object.getOwnPropertyNames(window).sort(),
    own: { document: own(document), navigator: own(navigator), screen: own(screen),
      html: own(document.documentElement), body: own(document.body),
      Element: own(Element.prototype), Node: own(Node.prototype),
      EventTarget: own(EventTarget.prototype), Object: own(Object.prototype) },
    log: window.getuige.log.slice().sort(),
    html: document.documentElement.outerHTML,
    shadow: document.querySelector("#postcode").shadowRoot.innerHTML };
  for (const selector of fields) {
    const el = find(selector);
    const computed = getComputedStyle(el);
    const style = {};
    for (const name of computed) style[name] = computed.getPropertyValue(name);
    out.fields[selector] = {
      attributes: Object.fromEntries([...el.attributes].map((a) => [a.name, a.value])), style };
    out.values = Object.assign(out.values || {},
      { [selector]: el.value === undefined ? null : el.value });
  }
  return out;
}"""


_FUNCTIONS_JS = """() => {
  // What a page script can ask the browser's functions about itself: for every
  // interface's constructor and every function on its prototype (methods, getters,
  // setters), its source text, name, length, own prototype and own properties.
  const fnToString = Function.prototype.toString;
  const describe = (f) => {
    let text;
    try { text = fnToString.call(f); } catch (e) { text = "throws " + e.name; }
    return [text, f.name, f.length, Object.prototype.hasOwnProperty.call(f, "prototype"),
            Reflect.ownKeys(f).map(String).sort().join(",")];
  };
  const functions = {};
  for (const name of Object.getOwnPropertyNames(globalThis).sort()) {
    const d = Object.getOwnPropertyDescriptor(globalThis, name);
    const value = d && d.value;
    if (typeof value !== "function") continue;
    functions[name] = describe(value);
    const proto = value.prototype;
    if (!proto || (typeof proto !== "object" && typeof proto !== "function")) continue;
    for (const key of Object.getOwnPropertyNames(proto)) {
      const p = Object.getOwnPropertyDescriptor(proto, key);
      for (const part of ["value", "get", "set"]) {
        if (typeof p[part] !== "function") continue;
        functions[name + ".prototype." + key + ":" + part] = describe(p[part]);
      }
    }
  }
  functions["Function.prototype.toString.call(toString)"] = describe(Function.prototype.toString);
  return functions;
}"""

_THROWS_JS = """async () => {
  // Errors thrown through the functions the hooks wrap: their name, message and stack.
  // Not the promises they reject (fetch, enumerateDevices, getBattery, createOffer):
  // an error made at the call still has the hooks' frames (NOTES-issue-14.md).
  const getter = (proto, name) => Object.getOwnPropertyDescriptor(proto, name).get;
  const setter = (proto, name) => Object.getOwnPropertyDescriptor(proto, name).set;
  const calls = {
    "cookie.set": () => setter(Document.prototype, "cookie").call({}, "a=b"),
    "cookie.get": () => getter(Document.prototype, "cookie").call({}),
    "Storage.setItem": () => Storage.prototype.setItem.call({}, "a", "b"),
    "IDBFactory.open": () => IDBFactory.prototype.open.call({}, "x"),
    "img.src": () => setter(HTMLImageElement.prototype, "src").call({}, "x"),
    "toDataURL": () => HTMLCanvasElement.prototype.toDataURL.call({}),
    "measureText": () => CanvasRenderingContext2D.prototype.measureText.call({}, "x"),
    "getParameter": () => WebGLRenderingContext.prototype.getParameter.call({}, 1),
    "OfflineAudioContext": () => new OfflineAudioContext(),
    "AudioContext": () => new AudioContext({ sampleRate: -1 }),
    "RTCPeerConnection": () => new RTCPeerConnection({ iceServers: [{ urls: "bogus:" }] }),
    "createOffer": () => RTCPeerConnection.prototype.createDataChannel.call({}),
    "candidate": () => getter(RTCIceCandidate.prototype, "candidate").call({}),
    "plugins": () => getter(Navigator.prototype, "plugins").call({}),
    "screen.width": () => getter(Screen.prototype, "width").call({}),
    "addEventListener": () => EventTarget.prototype.addEventListener.call({}, "keydown", () => 0),
    "toString": () => Function.prototype.toString.call({}),
  };
  const out = {};
  for (const [name, call] of Object.entries(calls)) {
    try {
      const value = call();
      if (value && typeof value.then === "function") await value;
      out[name] = "returned";
    } catch (e) {
      out[name] = String(e && e.stack);
    }
  }
  return out;
}"""


_WRAPPED = (
    "Document.prototype.cookie:set",
    "Storage.prototype.setItem:value",
    "CanvasRenderingContext2D.prototype.measureText:value",
    "Navigator.prototype.plugins:get",
    "EventTarget.prototype.addEventListener:value",
    "AudioContext",
    "RTCPeerConnection.prototype.constructor:value",
    "fetch",
    "Function.prototype.toString:value",
)
"""Some of the functions the hooks wrap, each a different kind of wrapper."""


@pytest.fixture(scope="module")
def snapshots(capture_options: CaptureOptions) -> dict[str, Any]:
    """The page as its scripts see it: in a plain Chromium, and in a capture's visitor
    after the visit and after banner detection."""
    from playwright.async_api import async_playwright

    from scanner.browser.session import Browser, launch_args

    url = TRUTH["url"]
    fields = TRUTH["fields"]

    async def run() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with Browser(capture_options) as browser:
            async with browser.visitor() as visitor:
                await visitor.visit(url)
                page = visitor._page
                assert page is not None
                out["visited"] = await page.evaluate(_SNAPSHOT_JS, fields)
                out["visited_functions"] = await page.evaluate(_FUNCTIONS_JS)
                out["visited_throws"] = await page.evaluate(_THROWS_JS)
                out["banner"] = await visitor.detect_banner()
                out["detected"] = await page.evaluate(_SNAPSHOT_JS, fields)
                out["detected_functions"] = await page.evaluate(_FUNCTIONS_JS)
                # A second detection on the same document talks to the autoconsent the
                # first one started (the visitor's memory keeps its state as a handle).
                memory = visitor._consent._autoconsent
                out["autoconsent_started"] = dict(memory)
                await visitor.detect_banner()
                out["autoconsent_again"] = dict(memory)
            assert browser.executable is not None
            executable = browser.executable.path
        async with async_playwright() as pw:
            plain = await pw.chromium.launch(
                executable_path=executable, args=launch_args(capture_options)
            )
            try:
                context = await plain.new_context(
                    viewport={
                        "width": capture_options.viewport[0],
                        "height": capture_options.viewport[1],
                    }
                )
                page = await context.new_page()
                await page.goto(url, wait_until="load")
                await asyncio.sleep(capture_options.dwell_s)
                out["plain"] = await page.evaluate(_SNAPSHOT_JS, fields)
                out["plain_functions"] = await page.evaluate(_FUNCTIONS_JS)
                out["plain_throws"] = await page.evaluate(_THROWS_JS)
            finally:
                await plain.close()
        return out

    return asyncio.run(run())


@pytest.mark.browser
def test_plain_chromium_matches_the_ground_truth(snapshots: dict[str, Any]) -> None:
    plain = snapshots["plain"]
    assert plain["log"] == sorted(TRUTH["witness_log"])
    for selector, attributes in TRUTH["field_attributes"].items():
        assert plain["fields"][selector]["attributes"] == attributes, selector
    assert plain["fields"]["#zoek"]["style"]["caret-color"] != "rgba(0, 0, 0, 0)"


@pytest.mark.browser
@pytest.mark.parametrize("moment", ["visited", "detected"])
def test_fields_and_dom_as_in_a_plain_chromium(snapshots: dict[str, Any], moment: str) -> None:
    """No ``style`` attribute or ``caret-color`` on fields (Playwright's screenshot
    default), no finished or cancelled animation (``animations="disabled"``)."""
    plain, seen = snapshots["plain"], snapshots[moment]
    if moment == "detected":
        assert (snapshots["banner"] is not None) is TRUTH["banner"]
    assert seen["log"] == plain["log"] == sorted(TRUTH["witness_log"])
    for selector in TRUTH["fields"]:
        assert seen["fields"][selector] == plain["fields"][selector], selector
    assert seen["shadow"] == plain["shadow"]
    assert seen["html"] == plain["html"]


@pytest.mark.browser
def test_no_window_property_after_the_visit(snapshots: dict[str, Any]) -> None:
    """The hooks' reporting binding is gone and nothing else was added (nor to the
    document, navigator, screen, the root elements or the basic prototypes)."""
    assert snapshots["visited"]["globals"] == snapshots["plain"]["globals"]
    assert snapshots["visited"]["own"] == snapshots["plain"]["own"]


@pytest.mark.browser
def test_no_window_property_after_banner_detection(snapshots: dict[str, Any]) -> None:
    assert snapshots["detected"]["globals"] == snapshots["plain"]["globals"]
    assert snapshots["detected"]["own"] == snapshots["plain"]["own"]


@pytest.mark.browser
@pytest.mark.parametrize("moment", ["visited", "detected"])
def test_wrapped_functions_look_native(snapshots: dict[str, Any], moment: str) -> None:
    """Every function a page can reach answers ``toString``, ``name``, ``length`` and
    ``prototype`` as in a plain Chromium, the hooks' wrappers included: after the visit
    and after banner detection."""
    plain, seen = snapshots["plain_functions"], snapshots[moment + "_functions"]
    assert len(plain) > 1000
    for wrapped in _WRAPPED:
        assert wrapped in plain, wrapped
    differ = {
        k: (plain.get(k), seen.get(k))
        for k in plain.keys() | seen.keys()
        if plain.get(k) != seen.get(k)
    }
    assert differ == {}


@pytest.mark.browser
def test_errors_through_wrappers_as_in_plain_chromium(snapshots: dict[str, Any]) -> None:
    """An error thrown through a wrapper has the stack a plain Chromium gives it: no
    frame of the hooks' script."""
    plain, seen = snapshots["plain_throws"], snapshots["visited_throws"]
    assert {k for k, v in plain.items() if "\n    at " not in v} == set(), "not thrown"
    differ = {k: (plain[k], seen[k]) for k in plain if plain[k] != seen[k]}
    assert differ == {}


def test_autoconsent_bundle_sets_no_global() -> None:
    """autoconsent's own window properties are local variables of the shim."""
    from scanner.browser import consent

    loaded = consent._autoconsent()
    assert loaded is not None
    bundle = loaded[0]
    assert "window.autoconsent" not in bundle
    assert "autoconsentReceiveMessage = (message)" in bundle
    script = consent._autoconsent_script("https://www.spiegeldorp.nl/", True)
    assert script is not None and "let autoconsentReceiveMessage" in script
    with pytest.raises(RuntimeError):
        consent._local_bundle("window.autoconsentSomethingNew = 1;")


@pytest.mark.browser
def test_autoconsent_started_once_per_document(snapshots: dict[str, Any]) -> None:
    started, again = snapshots["autoconsent_started"], snapshots["autoconsent_again"]
    assert len(started) >= 1
    assert again == started


@pytest.mark.browser
def test_the_visit_typed_into_the_fields(snapshots: dict[str, Any]) -> None:
    """The comparisons above include the form-typing step: its values are in the fields
    (the field in the shadow root too), and they are the only difference."""
    from scanner.canaries import CANARIES

    assert snapshots["visited"]["values"] == {
        "#zoek": CANARIES["text"],
        "#email": CANARIES["email"],
        "#melding": CANARIES["text"],
        "#opmerking": None,
        "#postcode >>> #postcode-invoer": CANARIES["postcode"],
    }
    assert set(snapshots["plain"]["values"].values()) <= {"", None}


async def _window_listeners(visitor: Any) -> list[str]:
    """The event types listened for on the page world's window (DevTools, read-only)."""
    cdp = visitor._cdp
    found = await cdp.send("Runtime.evaluate", {"expression": "window", "objectGroup": "t"})
    listeners = await cdp.send(
        "DOMDebugger.getEventListeners", {"objectId": found["result"]["objectId"]}
    )
    await cdp.send("Runtime.releaseObjectGroup", {"objectGroup": "t"})
    return sorted({str(item["type"]) for item in listeners["listeners"]})


@pytest.mark.browser
@pytest.mark.parametrize(
    "url", ["https://www.bannerdorp-goed.nl/", "https://www.bannerdorp-frame.nl/"]
)
def test_banner_detection_adds_no_listener_to_the_page(
    capture_options: CaptureOptions, url: str
) -> None:
    """Detecting a banner (in the page, or in a cross-site iframe), its screenshot
    included, adds nothing to the page's own world: Playwright's actions on an element
    (``is_visible``, ``screenshot``) put its injected script there, with listeners for
    pointer and mouse events a page script that wraps ``addEventListener`` sees."""
    from scanner.browser.session import Browser

    async def run() -> tuple[list[str], list[str], bool]:
        async with Browser(capture_options) as browser, browser.visitor() as visitor:
            await visitor.visit(url)
            before = await _window_listeners(visitor)
            banner = await visitor.detect_banner()
            after = await _window_listeners(visitor)
            return before, after, banner is not None and banner.screenshot is not None

    before, after, shot = asyncio.run(run())
    assert shot  # the banner was found and photographed
    assert after == before


BANNERS: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[1] / "scanner/testweb/banners.json").read_text("utf-8")
)["sites"]

_CLICKS: dict[str, tuple[str, str]] = {
    "goed-reject": ("www.bannerdorp-goed.nl", "reject"),
    "goed-accept": ("www.bannerdorp-goed.nl", "accept"),
    "frame-reject": ("www.bannerdorp-frame.nl", "reject"),
    "laag-reject": ("www.bannerdorp-laag.nl", "reject"),
    "ccverstopt-reject": ("www.bannerdorp-ccverstopt.nl", "reject"),
}
"""The consent clicks watched: a banner in the page (refused and accepted), in a
cross-site iframe (gone after the click), one refused on its second layer (settings,
unticking, saving) and one refused by autoconsent's rule (``cookieconsent3``)."""


class _Worlds:
    """Every frame's page world and the event types listened for on its window, read
    over a DevTools session of the test's own (DevTools lists a target's listeners only
    to the world that asks). While :meth:`pausing`, the debugger stops the page each
    time one of its click listeners is about to run, and the listeners of every page
    world are read there, with the event being dispatched: a banner's iframe is
    removed by the click it takes, so that is the last moment its world can be read."""

    def __init__(self, cdp: Any) -> None:
        self.cdp = cdp
        self.worlds: dict[str, tuple[int, str]] = {}
        """Page worlds by frame id: execution context id and origin."""
        self.at_clicks: list[tuple[dict[str, list[str]], dict[str, str]]] = []
        """At each pause: the listeners of each world (by origin) and the event each
        world is dispatching (type and whether it is trusted)."""
        self._tasks: set[asyncio.Task[None]] = set()
        cdp.on("Runtime.executionContextCreated", self._created)
        cdp.on("Runtime.executionContextDestroyed", self._destroyed)
        cdp.on("Debugger.paused", self._paused)

    async def start(self) -> None:
        await self.cdp.send("Runtime.enable")

    def _created(self, event: dict[str, Any]) -> None:
        context = event["context"]
        aux = context.get("auxData") or {}
        if aux.get("isDefault") and aux.get("frameId"):
            self.worlds[str(aux["frameId"])] = (int(context["id"]), str(context["origin"]))

    def _destroyed(self, event: dict[str, Any]) -> None:
        for frame, (context, _origin) in list(self.worlds.items()):
            if context == event["executionContextId"]:
                del self.worlds[frame]

    async def _evaluate(self, context: int, expression: str) -> dict[str, Any]:
        found = await self.cdp.send(
            "Runtime.evaluate",
            {"expression": expression, "contextId": context, "objectGroup": "t"},
        )
        return dict(found["result"])

    async def listeners(self) -> dict[str, list[str]]:
        out = {}
        for context, origin in list(self.worlds.values()):
            window = await self._evaluate(context, "window")
            found = await self.cdp.send(
                "DOMDebugger.getEventListeners", {"objectId": window["objectId"]}
            )
            out[origin] = sorted({str(item["type"]) for item in found["listeners"]})
        await self.cdp.send("Runtime.releaseObjectGroup", {"objectGroup": "t"})
        return out

    async def pausing(self) -> None:
        await self.cdp.send("Debugger.enable")
        await self.cdp.send("DOMDebugger.setEventListenerBreakpoint", {"eventName": "click"})

    async def done(self) -> None:
        await self.cdp.send("Debugger.disable")
        await asyncio.gather(*self._tasks)

    def _paused(self, _event: dict[str, Any]) -> None:
        task = asyncio.ensure_future(self._read_and_resume())
        self._tasks.add(task)

    async def _read_and_resume(self) -> None:
        try:
            listeners = await self.listeners()
            events = {}
            for context, origin in list(self.worlds.values()):
                found = await self._evaluate(
                    context, "window.event ? window.event.type + ' ' + window.event.isTrusted : ''"
                )
                if found.get("value"):
                    events[origin] = str(found["value"])
            self.at_clicks.append((listeners, events))
        finally:
            await self.cdp.send("Debugger.resume")


@pytest.fixture(scope="module")
def consent_clicks(capture_options: CaptureOptions) -> dict[str, dict[str, Any]]:
    """Each of :data:`_CLICKS`: a refusing or accepting visitor visits the site's home
    page and chooses (as the runner's visitors do), its page worlds' window listeners
    read before the choice, at every click and after it; and whether any handle the
    choice works with is an element."""
    import dataclasses

    from scanner.browser import consent
    from scanner.browser.session import Browser
    from scanner.models import Phase

    options = dataclasses.replace(
        capture_options, dwell_s=0.5, quiet_s=0.3, max_settle_s=2.0, scroll=False
    )

    async def one(browser: Browser, host: str, choice: str) -> dict[str, Any]:
        truth = BANNERS[host]
        async with browser.visitor(Phase(choice)) as visitor:
            await visitor.visit(truth["url"])
            page = visitor._page
            assert page is not None
            worlds = _Worlds(await page.context.new_cdp_session(page))
            await worlds.start()
            before = await worlds.listeners()
            # The handles the choice works with are plain objects, not elements: the
            # scan's answer, and autoconsent's state in each frame.
            scan = await consent._scan_all(page)
            assert scan is not None
            handles = [scan.handle]
            await worlds.pausing()
            made = await visitor.choose(Phase(choice))
            handles += visitor._consent._autoconsent.values()
            await worlds.done()
            after = await worlds.listeners()
            wanted = set(truth["first_party_cookies"][f"after_{choice}"])
            cookies: set[str] = set()
            for _ in range(50):  # what the click set (GA's cookies after accepting, too)
                cookies = {c["name"] for c in await page.context.cookies(truth["url"])}
                if wanted <= cookies:
                    break
                await asyncio.sleep(0.1)
            return {
                "truth": truth,
                "choice": made,
                "before": before,
                "at_clicks": worlds.at_clicks,
                "after": after,
                "cookies": cookies,
                "elements": [h for h in handles if h.as_element() is not None],
            }

    async def run() -> dict[str, dict[str, Any]]:
        async with Browser(options) as browser:
            return {key: await one(browser, *case) for key, case in _CLICKS.items()}

    return asyncio.run(run())


@pytest.mark.browser
@pytest.mark.parametrize("case", list(_CLICKS))
def test_consent_click_adds_no_listener_to_the_page(
    consent_clicks: dict[str, dict[str, Any]], case: str
) -> None:
    """The refusing and accepting visitors' clicks leave the window listeners of every
    page world as they were: before the choice, at each click (the moment the page's
    own click listener runs: the iframe's banner is gone after it) and after it. The
    choice was made (the buttons of the ground truth, the cookies it names), and a
    banner the heuristic found took a real (trusted) click in its own world."""
    _host, choice = _CLICKS[case]
    seen = consent_clicks[case]
    truth, made = seen["truth"], seen["choice"]
    expected = truth[choice]
    assert (made.clicked, made.layer, made.element_text) == (
        expected["clicked"],
        expected["layer"],
        expected["element_text"],
    ), made.reason
    assert set(truth["first_party_cookies"][f"after_{choice}"]) <= seen["cookies"]
    assert seen["elements"] == []
    where = urlsplit(truth["url"] if truth["frame"] == "main" else truth["frame"])
    banner_origin = f"{where.scheme}://{where.netloc}"
    before = seen["before"]
    assert banner_origin in before
    assert seen["at_clicks"], "no click listener of the page ran"

    def unchanged(now: dict[str, list[str]]) -> bool:
        """The worlds that are still there (an iframe's goes with it) listen as before."""
        return all(types == before[origin] for origin, types in now.items() if origin in before)

    changed = [listeners for listeners, _events in seen["at_clicks"] if not unchanged(listeners)]
    assert changed == [], before
    assert any(banner_origin in listeners for listeners, _e in seen["at_clicks"])
    assert unchanged(seen["after"]) and seen["after"].keys() & before.keys(), before
    if made.method == "heuristic":
        events = [e.get(banner_origin) for _l, e in seen["at_clicks"]]
        assert "click true" in events, events
