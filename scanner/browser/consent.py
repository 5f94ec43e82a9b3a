"""Find a page's consent banner, record it, and click reject or accept like a visitor.

Two detectors run side by side on an already loaded page:

* DuckDuckGo's autoconsent (``duckduckgo-autoconsent-py``, MPL-2.0) knows ~1000
  consent managers by their DOM. It is injected into every frame with a small shim
  in place of the browser-extension messaging: ``autoconsentSendMessage`` keeps
  its messages in a state object and answers ``init`` with the rules and a config whose
  ``autoAction`` is ``null``, so it only detects until :func:`choose` asks it to
  opt out or in. ``isMainWorld`` lets its rule snippets run inline (no ``eval``
  round trip): the ``eval`` rules (Cookiebot's, Klaro's, OneTrust's … a snippet
  that asks the consent manager's own JavaScript whether consent was given) need
  the page's own world, so autoconsent runs there, like the extension's snippets
  do. A frame gets only the rules whose run context fits it (autoconsent
  skips the others itself: most rules are for one website's URL, and few run in
  iframes): a tenth to a third of the 850 kB of rules, which every injection would
  otherwise send and parse. Its detection retries wait for DOM mutations that a static page never
  makes, so every wait here has a deadline of its own.
* A heuristic (``consent_detect.js``) for custom banners, which most Dutch
  municipalities have: a visible fixed/sticky/modal element or dialog that talks
  about cookies and has buttons such as "Accepteren" or "Alleen noodzakelijke
  cookies" (Dutch and English rules), in any frame and inside open shadow roots.

Callers hand in a Playwright ``Page``; what comes back are the model's own
:class:`~scanner.models.Banner` and :class:`~scanner.models.ConsentChoice`. The page
scripts are ``autoconsent_*.js``, ``consent_*.js`` and ``click.js``.

Nothing of this is left where a page script could find it (``tests/test_traceless.py``):
no window property, attribute or style. autoconsent's globals become local variables
of the shim (:func:`_local_bundle`), and what the page scripts must remember between
calls (autoconsent's state, the banner and buttons a scan found) stays in their
return values, which Python keeps as handles; :class:`ConsentMemory` holds
autoconsent's per frame, so a page gets it once. What a page could still notice is
the scripts' work itself (DOM reads through prototypes it patched, autoconsent's
clicks): an isolated world would hide that, but its handles cannot be clicked or
screenshotted by Playwright, nor could ``eval`` rules run there.

No Playwright element handle is ever made in a page's world: making one (even without
using it: Playwright reads its preview with its injected script) puts Playwright's
injected script there, which adds window listeners (``click``, ``mousedown``,
``pointerdown`` …) a page script wrapping ``addEventListener`` sees. The handles kept
are plain objects (a scan's answer, autoconsent's state); the banner's screenshot is
clipped from the page's, and a button is clicked with the mouse at the centre of its
box (:func:`_click`).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import importlib
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame, JSHandle, Page

from ..models import Banner, BannerButton, ConsentChoice, Phase
from . import frametree
from .scripts import page_script
from .traceless import TRACELESS_SCREENSHOT

Choice = Literal["reject", "accept"]
"""The button role a choice looks for."""

_T = TypeVar("_T")

_ALL = re.compile(r"\b(alle|alles|all)\b", re.IGNORECASE)
"""A button for everything ("Alles accepteren", "Accept all"), preferred among several."""
_MAX_FRAMES = 20
"""Frames a page may have that get autoconsent and the heuristic (ads can nest many)."""
_EVAL_TIMEOUT_S = 2.0
_SETTLE_S = 0.6
"""Least time autoconsent gets after injection: it starts on an idle callback."""
_CMP_GRACE_S = 2.5
"""Longest wait for autoconsent's verdict once injected. Its own popup check retries
for 5 s and a detected-but-closed CMP (choice remembered) would cost all of it."""
_LAYER2_WAIT_S = 3.0
_CLOSE_WAIT_S = 3.0
_SCREENSHOT_TIMEOUT_S = 3.0

_AUTOCONSENT_CONFIG: dict[str, Any] = {
    "enabled": True,
    "autoAction": None,  # detect only; choose() sends optOut / optIn
    "disabledCmps": [],
    "enablePrehide": False,  # hiding the banner would spoil the screenshot and heuristic
    "enableCosmeticRules": False,  # hiding a banner is not a choice
    "enableGeneratedRules": True,
    "enableHeuristicDetection": False,
    "enablePopupMutationObserver": False,
    "detectRetries": 1,  # the page has already settled: one retry after 500 ms
    "isMainWorld": True,
    "prehideTimeout": 0,
    "visualTest": False,
    "logs": {
        "lifecycle": False,
        "rulesteps": False,
        "detectionsteps": False,
        "evals": False,
        "errors": False,
        "messages": False,
        "waits": False,
    },
    "heuristicMode": "off",
}

_SHARED_MARKUP: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Complianz", "complianz", ("osano-cookieconsent",)),
)
"""Autoconsent rules that recognise markup another CMP uses too: (rule name prefix, the
CMP the rule is named for, CMPs with the same markup, most likely first). Complianz's
legacy banner is Osano's cookieconsent (``cc-window``, ``aria-describedby=
"cookieconsent:desc"``) with other defaults, so its rules also match the real thing."""


async def _loaded_cmp(frame: Frame, rule: str) -> str:
    """The CMP behind the banner autoconsent's ``rule`` matched: the rule's own, unless
    the page loaded none of it but another CMP with the same markup (then that one).

    When the page shows evidence of neither, the rule's name stands: it is the best
    guess there is.
    """
    shared = next((entry for entry in _SHARED_MARKUP if rule.startswith(entry[0])), None)
    if shared is None:
        return rule
    _prefix, own, others = shared
    # consent_detect.js "loaded": which of them the frame's scripts, globals, cookies show.
    loaded = await _bounded(
        frame.evaluate(page_script("consent_detect.js"), {"op": "loaded"}), _EVAL_TIMEOUT_S
    )
    if not isinstance(loaded, dict) or loaded.get(own):
        return rule
    return next((other for other in others if loaded.get(other)), rule)


@dataclass(frozen=True, slots=True)
class _Scan:
    frame: Frame
    found: dict[str, Any]
    handle: JSHandle
    """consent_detect.js's answer in the page: the banner and its buttons (no window
    property remembers them)."""

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return list(self.found.get("buttons", []))

    def first(self, role: str) -> dict[str, Any] | None:
        """The button to click for ``role``: of several, the one that says "all".

        Cookiebot's first layer has "Toestaan van selectie" before "Alle cookies
        toestaan"; a visitor who accepts clicks the second.
        """
        matches = [b for b in self.buttons if b["role"] == role]
        return next((b for b in matches if _ALL.search(str(b["text"]))), None) or next(
            iter(matches), None
        )


@dataclass(frozen=True, slots=True)
class _Rule:
    """One autoconsent rule with its run context, to pick the rules a frame needs."""

    index: int
    main: bool
    frame: bool
    url: re.Pattern[str] | None
    """The rule's ``urlPattern``; ``None`` without one (or one Python cannot read:
    such a rule is always sent, and autoconsent decides)."""
    has_pattern: bool
    needs: tuple[str, ...] | None = None
    """CSS selectors that must all match for the rule to detect its CMP, when its
    ``detectCmp`` is nothing but ``exists`` steps with one selector each (autoconsent
    runs the steps in turn, all must pass); ``None`` for any other rule."""

    def applies(self, href: str, top: bool) -> bool:
        """autoconsent's ``checkRunContext()``, as it will judge the frame at ``href``."""
        return (self.main if top else self.frame) and self.matches(href)

    def matches(self, href: str) -> bool:
        """``href.match(urlPattern)`` (true without a pattern)."""
        return not self.has_pattern or self.url is None or self.url.search(href) is not None


@functools.cache
def _autoconsent() -> tuple[str, tuple[Any, ...], tuple[_Rule, ...]] | None:
    """autoconsent's bundle, its rules and their run contexts, read once; ``None`` if
    the package is missing."""
    try:
        # Imported by name: the package ships no type information.
        ac = importlib.import_module("duckduckgo_autoconsent")
    except ImportError:
        return None
    rules = tuple(json.loads(str(ac.rules_json())))
    contexts = []
    for index, rule in enumerate(rules):
        run = rule.get("runContext") or {}
        pattern = run.get("urlPattern") or ""
        compiled: re.Pattern[str] | None = None
        if pattern:
            with contextlib.suppress(re.error):
                compiled = re.compile(pattern)
        contexts.append(
            _Rule(
                index,
                run.get("main", True),
                run.get("frame", False),
                compiled,
                bool(pattern),
                _needs(rule.get("detectCmp")),
            )
        )
    return _local_bundle(str(ac.bundle())), rules, tuple(contexts)


def _needs(steps: Any) -> tuple[str, ...] | None:
    """The selectors of a ``detectCmp`` made only of single-selector ``exists`` steps."""
    if not isinstance(steps, list) or not steps:
        return None
    needs = []
    for step in steps:
        if not isinstance(step, dict) or set(step) != {"exists"}:
            return None
        if not isinstance(step["exists"], str):
            return None  # a chain through shadow roots or frames
        needs.append(step["exists"])
    return tuple(needs)


@functools.cache
def _frame_code_cmps() -> frozenset[str]:
    """The consent managers autoconsent knows by code rather than by a rule (its
    ``lib/cmps/*.ts``) that also run in frames (``runContext`` with ``frame: true``)."""
    loaded = _autoconsent()
    if loaded is None:
        return frozenset()
    names = set()
    for part in re.split(r"// lib/cmps/[\w.-]+\.ts", loaded[0])[1:]:
        name = re.search(r'this\.name = "([^"]+)"', part[:3000])
        context = re.search(r"runContext = \{([^}]*)\}", part[:3000])
        if name and context and re.search(r"\bframe:\s*true", context.group(1)):
            names.add(name.group(1))
    return frozenset(names)


def _may_be_sourcepoint(href: str) -> bool:
    """Whether autoconsent's ``Sourcepoint-frame`` could detect its CMP in a frame at
    ``href`` (it looks at the URL only: a host of ``sp-prod.net`` or a message id in
    the query); generous, since a wrong yes only costs a start of autoconsent."""
    parts = urlsplit(href)
    host = (parts.hostname or "").lower()
    return host.endswith("sp-prod.net") or any(
        key in parts.query for key in ("message_id", "requestUUID", "consentUUID")
    )


def _frame_needs(href: str) -> tuple[tuple[str, ...], ...] | None:
    """For a frame (not the top one) at ``href`` whose rules all need certain elements
    (the two that fit any frame, ``cookiealert`` and ``piano.io``, do): the selectors
    per rule, to see whether any rule could match before starting autoconsent there.
    ``None`` (autoconsent starts) if a rule for the frame's own URL (a consent
    manager's frame) or another kind of rule applies, if Sourcepoint's frame code could
    detect its CMP there, or if this autoconsent knows another CMP by code in frames."""
    loaded = _autoconsent()
    if loaded is None or _frame_code_cmps() - {"Sourcepoint-frame"}:
        return None
    if _may_be_sourcepoint(href):
        return None
    rules = [r for r in loaded[2] if r.applies(href, False)]
    if any(r.has_pattern or r.needs is None for r in rules):
        return None
    return tuple(r.needs for r in rules if r.needs is not None)


_BUNDLE_GLOBALS = ("autoconsentSendMessage", "autoconsentReceiveMessage", "autoconsentHeuristics")


def _local_bundle(bundle: str) -> str:
    """autoconsent's Playwright bundle with its window properties made local variables.

    The bundle reads ``window.autoconsentSendMessage`` and sets
    ``window.autoconsentReceiveMessage`` and ``window.autoconsentHeuristics``, globals a
    page script would see; ``autoconsent_shim.js`` declares them as variables of its
    own, around the bundle. Raises ``RuntimeError`` if another autoconsent version
    uses a global this does not know (``tests/test_traceless.py`` checks the bundle).
    """
    local = bundle
    for name in _BUNDLE_GLOBALS:
        local = local.replace(f"window.{name}", name)
    if re.search(r"(window|globalThis|self)\.autoconsent", local):
        raise RuntimeError("autoconsent's bundle sets a global privacyscan does not know")
    return local


@functools.lru_cache(maxsize=64)
def _rules_json(indices: tuple[int, ...] | None) -> str:
    """The rules (all, or those at ``indices``) as a JS string literal for ``JSON.parse``."""
    loaded = _autoconsent()
    assert loaded is not None
    rules = loaded[1]
    chosen = list(rules) if indices is None else [rules[i] for i in indices]
    return json.dumps(json.dumps(chosen, separators=(",", ":")))


def _autoconsent_script(href: str | None = None, top: bool = True) -> str | None:
    """The shim plus bundle and rules: all of them, or those for a frame at ``href``
    (the script refuses to start, answering ``"stale"``, in a document at another URL)."""
    loaded = _autoconsent()
    if loaded is None:
        return None
    bundle, _rules, contexts = loaded
    indices = None if href is None else tuple(r.index for r in contexts if r.applies(href, top))
    return page_script("autoconsent_shim.js") % {
        "href": json.dumps(href),
        "config": json.dumps(_AUTOCONSENT_CONFIG),
        "rules": _rules_json(indices),
        "bundle": bundle,
    }


async def _bounded(awaitable: Awaitable[_T], timeout: float) -> _T | None:
    """Pages can hang any call: every browser call here gets a deadline."""
    try:
        return await asyncio.wait_for(awaitable, max(timeout, 0.05))
    except (TimeoutError, PlaywrightError):
        return None


class ConsentMemory:
    """What consent detection keeps of one page between calls: autoconsent's state in
    each frame, as a handle (a page script cannot see it), so that :func:`choose`
    after :func:`detect_banner` talks to the autoconsent already running.

    A frame that moved on to another document loses its handle and gets autoconsent
    again. Without a memory, every call starts autoconsent afresh.
    """

    __slots__ = ("_autoconsent",)

    def __init__(self) -> None:
        self._autoconsent: dict[Frame, JSHandle] = {}

    async def running(self, frame: Frame) -> JSHandle | None:
        """autoconsent's state in ``frame``'s current document, if it runs there."""
        handle = self._autoconsent.get(frame)
        if handle is None:
            return None
        if await _poll(handle) is None:
            del self._autoconsent[frame]
            return None
        return handle

    @property
    def frames(self) -> int:
        """In how many frames autoconsent was started (and not seen gone since)."""
        return len(self._autoconsent)

    def started(self, frame: Frame, handle: JSHandle) -> None:
        for gone in [f for f in self._autoconsent if f.is_detached()]:
            del self._autoconsent[gone]
        self._autoconsent[frame] = handle


def _frames(page: Page) -> list[Frame]:
    """Main frame first, then the web frames (no about:blank, data: or srcdoc)."""
    main = page.main_frame
    rest = [
        f
        for f in page.frames
        if f is not main and not f.is_detached() and f.url.startswith(("http://", "https://"))
    ]
    return [main, *rest[: _MAX_FRAMES - 1]]


async def _inject_autoconsent(page: Page, memory: ConsentMemory) -> list[tuple[Frame, JSHandle]]:
    """Start autoconsent in every frame (once per document, as far as ``memory``
    knows); the frames where it runs, with its state there."""
    if _autoconsent() is None:
        return []
    frames = _frames(page)
    main = page.main_frame
    results = await asyncio.gather(*(_inject(f, f is main, memory) for f in frames))
    return [(f, h) for f, h in zip(frames, results, strict=True) if h is not None]


async def _inject(frame: Frame, top: bool, memory: ConsentMemory) -> JSHandle | None:
    """autoconsent with the rules for the frame's URL; with all of them if the frame
    has moved on to another document meanwhile. Its state in the page, as a handle."""
    running = await memory.running(frame)
    if running is not None:
        return running
    needs = None if top else _frame_needs(frame.url)
    if needs is not None:
        # An ad's or a video's frame: autoconsent (its bundle alone is 140 kB) only if
        # one of its rules for any frame could match there.
        found = await _bounded(
            frame.evaluate(page_script("consent_needs.js"), needs), _EVAL_TIMEOUT_S
        )
        if found is not True:
            return None
    for href in (frame.url, None):
        script = _autoconsent_script(href, top)
        if script is None:
            return None
        handle = await _bounded(frame.evaluate_handle(script), _EVAL_TIMEOUT_S)
        if handle is None:
            return None
        kind = await _bounded(
            handle.evaluate(page_script("autoconsent_started.js")), _EVAL_TIMEOUT_S
        )
        if kind == "object":
            memory.started(frame, handle)
            return handle
        if kind != "stale":
            return None
    return None


async def _poll(state: JSHandle) -> dict[str, Any] | None:
    found = await _bounded(state.evaluate(page_script("autoconsent_poll.js")), _EVAL_TIMEOUT_S)
    return found if isinstance(found, dict) else None


async def _frame_visible(frame: Frame) -> bool:
    """An iframe's banner counts only if the iframe element itself has a box."""
    if frame.parent_frame is None:
        return True
    return await _bounded(_frame_box(frame), _EVAL_TIMEOUT_S) is not None


async def _frame_box(frame: Frame) -> tuple[float, float, float, float] | None:
    """Where an iframe's document is in the page's viewport (x, y, width, height), if it
    has a size: asked of DevTools (``DOM.getFrameOwner``, ``DOM.getBoxModel``). Any
    Playwright element handle in a page's world (``frame_element``, ``is_visible``,
    an element's ``screenshot``) puts Playwright's injected script there, with listeners
    for pointer and mouse events that a page script wrapping ``addEventListener`` sees."""
    page = frame.page
    cdp = await page.context.new_cdp_session(page)
    try:
        tree = await cdp.send("Page.getFrameTree")
        frame_id = _frame_id(tree["frameTree"], frame.url, frame.name)
        if frame_id is None:
            return None
        owner = await cdp.send("DOM.getFrameOwner", {"frameId": frame_id})
        box = await cdp.send("DOM.getBoxModel", {"backendNodeId": owner["backendNodeId"]})
        quad = box["model"]["content"]
        x, y = float(quad[0]), float(quad[1])
        width, height = float(quad[4]) - x, float(quad[5]) - y
        return (x, y, width, height) if width > 0 and height > 0 else None
    except (PlaywrightError, KeyError, TypeError, IndexError):
        return None
    finally:
        with contextlib.suppress(PlaywrightError):
            await cdp.detach()


def _frame_id(tree: dict[str, Any], url: str, name: str) -> str | None:
    """The DevTools id of the iframe with ``url`` and ``name`` in a frame tree (never
    the top frame). Of several such, the one whose parent comes first in document
    order (the top frame's own iframes first), then the first in document order."""
    walked = list(frametree.frames(tree))
    position: dict[str | None, int] = {f.frame_id: i for i, f in enumerate(walked)}
    found = [
        frame
        for frame in walked
        if frame.parent_id is not None and frame.url == url and frame.name == name
    ]
    first = min(found, key=lambda frame: position[frame.parent_id], default=None)
    return None if first is None else first.frame_id


async def _scan(frame: Frame) -> _Scan | None:
    handle = await _bounded(
        frame.evaluate_handle(page_script("consent_detect.js"), {"op": "scan"}), _EVAL_TIMEOUT_S
    )
    if handle is None:
        return None
    found = await _bounded(handle.evaluate(page_script("consent_result.js")), _EVAL_TIMEOUT_S)
    if not isinstance(found, dict) or not found.get("found") or not await _frame_visible(frame):
        await _bounded(handle.dispose(), _EVAL_TIMEOUT_S)
        return None
    return _Scan(frame, found, handle)


async def _scan_all(page: Page, prefer: Frame | None = None) -> _Scan | None:
    """The best heuristic hit over all frames: most consent buttons, main frame on ties."""
    frames = _frames(page)
    scans = await asyncio.gather(*(_scan(f) for f in frames))
    best: _Scan | None = None
    best_key = (-1, -1)
    for scan in scans:
        if scan is None:
            continue
        known = sum(1 for b in scan.buttons if b["role"] != "other")
        key = (known, 1 if scan.frame is (prefer or page.main_frame) else 0)
        if key > best_key:
            best, best_key = scan, key
    # The others' answers are let go in the page (the best one's is used for clicks).
    await asyncio.gather(
        *(_bounded(s.handle.dispose(), _EVAL_TIMEOUT_S) for s in scans if s and s is not best)
    )
    return best


async def _screenshot(scan: _Scan) -> str | None:
    """The banner as the visitor sees it: the page's viewport, clipped to its box (the
    banner's box read by a plain script in its frame, plus the frame's place)."""
    rect = await _bounded(scan.handle.evaluate(page_script("consent_rect.js")), _EVAL_TIMEOUT_S)
    if not isinstance(rect, list) or len(rect) != 4:
        return None
    x, y, width, height = (float(v) for v in rect)
    if scan.frame.parent_frame is not None:
        owner = await _bounded(_frame_box(scan.frame), _EVAL_TIMEOUT_S)
        if owner is None:
            return None
        x, y = x + owner[0], y + owner[1]
    page = scan.frame.page
    viewport = page.viewport_size
    if viewport is None:
        return None
    left, top = max(x, 0.0), max(y, 0.0)
    right = min(x + width, float(viewport["width"]))
    bottom = min(y + height, float(viewport["height"]))
    if right - left < 1 or bottom - top < 1:
        return None  # outside the viewport: not what the visitor sees
    clip: Any = {"x": left, "y": top, "width": right - left, "height": bottom - top}
    ms = _SCREENSHOT_TIMEOUT_S * 1000
    shot = await _bounded(
        page.screenshot(type="jpeg", quality=60, timeout=ms, clip=clip, **TRACELESS_SCREENSHOT),
        _SCREENSHOT_TIMEOUT_S + 0.5,
    )
    return base64.b64encode(shot).decode("ascii") if shot else None


_Popup = tuple[Frame, str, JSHandle]
"""Where autoconsent found a consent manager's popup: frame, rule, its state there."""


async def _watch(
    page: Page, t0: float, deadline: float, *, scan: bool, memory: ConsentMemory
) -> tuple[_Popup | None, _Scan | None]:
    """Autoconsent's verdict (frame and CMP) and, with ``scan``, the heuristic's banner.

    Injects autoconsent where it is not running yet, so that a visitor who chooses
    without a detection first (the refusing and accepting visitors) still has its
    rules; waits at most ``_CMP_GRACE_S``, less once every frame says "nothing".
    """
    grace = min(deadline, t0 + _CMP_GRACE_S)
    ac_frames = await _inject_autoconsent(page, memory)
    popup: _Popup | None = None
    while True:
        states = await asyncio.gather(*(_poll(h) for _f, h in ac_frames))
        for (frame, handle), state in zip(ac_frames, states, strict=True):
            if state and state.get("popup"):
                popup = (frame, str(state["popup"]), handle)
                break
        if popup is not None:
            break
        now = time.monotonic()
        settled = all(s is None or s.get("lifecycle") == "nothingDetected" for s in states)
        if now >= grace or (settled and now - t0 >= _SETTLE_S):
            break
        await asyncio.sleep(0.15)
    # The heuristic looks once, when autoconsent has decided: the page as it is then.
    heuristic = await _scan_all(page, prefer=popup[0] if popup else None) if scan else None
    return popup, heuristic


async def detect_banner(
    page: Page,
    *,
    timeout_s: float = 5.0,
    page_url: str | None = None,
    memory: ConsentMemory | None = None,
) -> Banner | None:
    """The consent banner on the loaded page, or ``None`` (within ``timeout_s``).

    ``page_url``: the URL the visitor asked for, recorded on the banner (by default
    the page's current URL). ``memory``: the page's, to keep autoconsent for a
    :func:`choose` on the same page.
    """
    t0 = time.monotonic()
    popup, heuristic = await _watch(
        page, t0, t0 + timeout_s, scan=True, memory=memory or ConsentMemory()
    )
    if popup is None and heuristic is None:
        return None
    frame = heuristic.frame if heuristic is not None else popup[0] if popup else page.main_frame
    found = heuristic.found if heuristic is not None else {}
    buttons = tuple(
        BannerButton(str(b["text"]), b["role"], b.get("rule")) for b in found.get("buttons", [])
    )
    roles = {b.role for b in buttons}
    shot = await _screenshot(heuristic) if heuristic is not None else None
    return Banner(
        page_url=page.url if page_url is None else page_url,
        cmp=await _loaded_cmp(popup[0], popup[1]) if popup else "custom",
        method="autoconsent" if popup else "heuristic",
        frame_url=(popup[0] if popup else frame).url,
        buttons=buttons,
        reject_on_first_layer="reject" in roles,
        accept_on_first_layer="accept" in roles,
        settings_on_first_layer="settings" in roles,
        blocks_page=bool(found.get("blocks_page")),
        in_shadow_dom=bool(found.get("in_shadow_dom")),
        text=str(found.get("text", ""))[:500],
        screenshot=shot,
    )


class _FirstClick:
    """Calls the caller's ``on_click`` once, just before the first click on the banner."""

    def __init__(self, on_click: Callable[[], None] | None) -> None:
        self._on_click = on_click

    def __call__(self) -> None:
        if self._on_click is not None:
            on_click, self._on_click = self._on_click, None
            on_click()


async def choose(
    page: Page,
    choice: Phase,
    *,
    timeout_s: float = 10.0,
    on_click: Callable[[], None] | None = None,
    memory: ConsentMemory | None = None,
) -> ConsentChoice:
    """Click reject (``Phase.REJECT``) or accept (``Phase.ACCEPT``) on the banner, on the
    second layer if need be.

    A first-layer button that says what the visitor wants is clicked like a visitor
    would, even where autoconsent knows the consent manager: some of its rules call
    the manager's API instead (Klaro's), which would hide a broken button. Such a
    button is looked for first, so autoconsent (a bundle of some 140 kB and its rules)
    is started only when there is none (:func:`detect_banner` recorded the consent
    manager already). Otherwise autoconsent's rule runs (it knows the vendor's second
    layer), and the heuristic's second layer is the last resort.

    ``on_click`` is called once, right before the first click (or autoconsent's first
    step): the moment the visitor's choice begins, so what the consent manager writes
    at the click can be told from what the page did before it. ``memory``: the one
    :func:`detect_banner` had on this page, if any.
    """
    if choice is Phase.NONE:
        raise ValueError("a consent choice is Phase.REJECT or Phase.ACCEPT")
    t0 = time.monotonic()
    deadline = t0 + timeout_s
    first_click = _FirstClick(on_click)
    want: Choice = "reject" if choice is Phase.REJECT else "accept"
    scan = await _scan_all(page)
    if scan is not None and scan.first(want) is not None:
        return await _choose_heuristic(page, scan, choice, deadline, "", first_click)
    popup, _ = await _watch(page, t0, deadline, scan=False, memory=memory or ConsentMemory())
    scan = await _scan_all(page, prefer=popup[0] if popup else None)
    note = ""
    if popup is not None and (scan is None or scan.first(want) is None):
        result = await _choose_autoconsent(popup, choice, deadline, first_click)
        if result is not None:
            return result
        note = f"autoconsent rule '{popup[1]}' failed; "
        scan = await _scan_all(page, prefer=popup[0])
    elif popup is not None:
        note = f"autoconsent recognised '{popup[1]}'; "
    return await _choose_heuristic(page, scan, choice, deadline, note, first_click)


async def _choose_autoconsent(
    popup: _Popup,
    choice: Phase,
    deadline: float,
    first_click: Callable[[], None],
) -> ConsentChoice | None:
    frame, cmp, handle = popup
    action = "optOut" if choice is Phase.REJECT else "optIn"
    first_click()
    sent = await _bounded(
        handle.evaluate(page_script("autoconsent_send.js"), action), _EVAL_TIMEOUT_S
    )
    if sent is None and frame.is_detached():
        return None
    state: dict[str, Any] | None = None
    while time.monotonic() < deadline:
        state = await _poll(handle)
        if state is None or state.get("result"):
            break
        await asyncio.sleep(0.15)
    if state is None and frame.is_detached():
        return None
    result = (state or {}).get("result")
    if not result or not result.get("ok"):
        return None
    clicks = [c for c in (state or {}).get("clicks", []) if c] or list(
        (state or {}).get("clicks", [])
    )
    closed = await _wait_closed(frame, None, frame.page)
    return ConsentChoice(
        phase=choice,
        clicked=True,
        method="autoconsent",
        element_text=clicks[-1] if clicks else None,
        rule=cmp,
        reason=f"autoconsent rule '{cmp}' ran its {action} steps, clicking "
        + (", ".join(f"'{c}'" for c in clicks) or "nothing it could name"),
        layer=1 if len(clicks) <= 1 else 2,
        banner_closed=closed,
    )


async def _choose_heuristic(
    page: Page,
    scan: _Scan | None,
    phase: Phase,
    deadline: float,
    note: str,
    first_click: Callable[[], None],
) -> ConsentChoice:
    choice: Choice = "reject" if phase is Phase.REJECT else "accept"

    def result(
        clicked: bool,
        reason: str,
        *,
        button: dict[str, Any] | None = None,
        layer: int | None = None,
        closed: bool = False,
    ) -> ConsentChoice:
        return ConsentChoice(
            phase=phase,
            clicked=clicked,
            method="heuristic" if clicked else None,
            element_text=str(button["text"]) if button else None,
            rule=button.get("rule") if button else None,
            reason=note + reason,
            layer=layer,
            banner_closed=closed,
        )

    if scan is None:
        return result(False, "no consent banner found")
    frame = scan.frame
    button = scan.first(choice)
    if button is not None:
        first_click()
        how = await _click(scan, int(button["index"]))
        if how is None:
            return result(False, f"could not click '{button['text']}'")
        closed = await _wait_closed(frame, scan, page)
        reason = (
            f"first layer: '{button['text']}' matched the {choice} rule '{button['rule']}'{how}"
        )
        return result(True, reason, button=button, layer=1, closed=closed)
    settings = scan.first("settings")
    if choice == "accept" or settings is None:
        where = "" if choice == "accept" else " and no settings button to look behind"
        return result(False, f"no {choice} button on the first layer{where}")
    first_click()
    if await _click(scan, int(settings["index"])) is None:
        return result(False, f"could not open the second layer ('{settings['text']}')")
    layer2_deadline = min(deadline, time.monotonic() + _LAYER2_WAIT_S)
    while time.monotonic() < layer2_deadline:
        await asyncio.sleep(0.2)
        scan2 = await _scan_all(page, prefer=frame)
        if scan2 is None:
            continue
        opened = f"second layer behind '{settings['text']}': "
        reject = scan2.first("reject")
        if reject is not None:
            how = await _click(scan2, int(reject["index"]))
            if how is not None:
                closed = await _wait_closed(scan2.frame, scan2, page)
                reason = (
                    f"{opened}'{reject['text']}' matched the reject rule '{reject['rule']}'{how}"
                )
                return result(True, reason, button=reject, layer=2, closed=closed)
        save = scan2.first("save")
        if save is not None:
            # The banner to untick in is the scan's: its handle goes back to the page.
            unticked = await _bounded(
                scan2.frame.evaluate(
                    page_script("consent_detect.js"), {"op": "uncheck", "scan": scan2.handle}
                ),
                _EVAL_TIMEOUT_S,
            )
            how = await _click(scan2, int(save["index"]))
            if how is not None:
                closed = await _wait_closed(scan2.frame, scan2, page)
                reason = (
                    f"{opened}unticked {int(unticked or 0)} optional categor(y/ies), then "
                    f"'{save['text']}' matched the save rule '{save['rule']}'{how}"
                )
                return result(True, reason, button=save, layer=2, closed=closed)
    return result(
        False,
        f"no reject button on the first layer, nor a reject or save button behind "
        f"'{settings['text']}'",
    )


async def _click(scan: _Scan, index: int) -> str | None:
    """Click a button the scan found like a visitor: the mouse at the centre of its box
    (scrolled into view first if it is outside the viewport); a scripted click if a
    click there would not reach it (covered, or nothing of it in view).

    The box and the hit test are plain scripts on the scan's answer, and the click is
    the browser's own input (DevTools' ``Input``): no element handle is made in the
    page's world. In an iframe, the point is moved by the iframe's place in the page.
    Returns ``""`` for a real click, a note for a scripted one, ``None`` if neither worked.
    """
    point = await _button_centre(scan, index)
    if point is not None:
        try:
            await asyncio.wait_for(scan.frame.page.mouse.click(*point), 3.0)
            return ""
        except (TimeoutError, PlaywrightError):
            pass
    try:
        await asyncio.wait_for(
            scan.handle.evaluate(page_script("click.js"), index), _EVAL_TIMEOUT_S
        )
        return " (scripted click: the element did not take a real click)"
    except (TimeoutError, PlaywrightError):
        return None


async def _button_centre(scan: _Scan, index: int) -> tuple[float, float] | None:
    """Where in the page's viewport a visitor's click reaches the button at ``index``:
    the centre of the visible part of its box, if the element there is the button
    (``consent_hit.js``); ``None`` if it is covered or out of view."""
    box = await _bounded(
        scan.handle.evaluate(page_script("consent_button_box.js"), index), _EVAL_TIMEOUT_S
    )
    if not isinstance(box, list) or len(box) != 4:
        return None
    x, y, width, height = (float(v) for v in box)
    cx, cy = x + width / 2, y + height / 2
    hit = await _bounded(
        scan.handle.evaluate(page_script("consent_hit.js"), [index, cx, cy]), _EVAL_TIMEOUT_S
    )
    if hit is not True:
        return None
    if scan.frame.parent_frame is not None:
        owner = await _bounded(_frame_box(scan.frame), _EVAL_TIMEOUT_S)
        if owner is None:
            return None
        ox, oy, ow, oh = owner
        if not (0 <= cx < ow and 0 <= cy < oh):
            return None  # outside the iframe's box: the click would land beside it
        cx, cy = cx + ox, cy + oy
    viewport = scan.frame.page.viewport_size
    if viewport is None or not (0 <= cx < viewport["width"] and 0 <= cy < viewport["height"]):
        return None
    return cx, cy


async def _wait_closed(frame: Frame, scan: _Scan | None, page: Page) -> bool:
    """Did the banner go away after the click? A reload or removal counts as closed.

    ``scan``: the heuristic's, whose banner is watched (``consent_visible.js``); without
    one, the page is scanned again until no banner is found."""
    end = time.monotonic() + _CLOSE_WAIT_S
    while time.monotonic() < end:
        if frame.is_detached():
            break
        if scan is not None:
            visible = await _bounded(
                scan.handle.evaluate(page_script("consent_visible.js")), _EVAL_TIMEOUT_S
            )
            if not visible:
                break
        else:
            if await _scan_all(page) is None:
                break
        await asyncio.sleep(0.15)
    else:
        return False
    with contextlib.suppress(TimeoutError, PlaywrightError):
        await asyncio.wait_for(page.wait_for_load_state("load", timeout=5000), 6.0)
    return True
