"""The form-typing step: type fictional values into a page's text fields, submit nothing.

Key loggers and form trackers send what a visitor types before the visitor sends the
form. The first visitor (``Phase.NONE``), after a page's normal capture, types the
canary of :mod:`scanner.canaries` into each visible text field (text, search, e-mail,
telephone, text area; never a password or hidden field) with real keyboard events,
moves on with ``blur`` (so ``change`` listeners fire too), and waits briefly for the
requests that follow. Enter is never pressed and no button is clicked; while typing
and waiting, every document request (a form submission, a navigation a script starts)
is failed before it leaves the browser (``Visitor``'s interception), so nothing is ever
submitted.

A field the visitor typed into on an earlier page, on a page that loads no script the
earlier one did not (a search box in every page's header), is not typed into again:
whatever listens to it was listening then. A page whose fields were all typed that way,
or that has none, costs one read-only survey in a world of its own (``fields.js``), and
one per frame. Fields in a frame (a report form from a supplier, in an iframe) are typed
into like the page's own, if the frame can be seen.

The step writes nothing into the page but the typed values: fields are surveyed in an
isolated world, found with Playwright's selector engine (its own isolated world) and
described by a read-only script; focus and blur are the element's own methods.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from playwright.async_api import CDPSession, Frame
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page as PlaywrightPage

from ..canaries import TypedField, field_kind
from . import frametree
from .scripts import page_script

SELECTORS = (("input:visible", False), ("textarea:visible", True))
"""Playwright's selectors for the candidate fields (they pierce open shadow roots), and
whether they find text areas."""
_NAMES = ("name", "id", "aria-label", "placeholder")
"""Attributes that name a field, in the order a finding prefers them."""
MAX_FIELDS = 8
"""Fields typed into per page: a form's first few tell the story; a page with a
hundred fields must not cost minutes."""
MAX_CANDIDATES = 24
"""Fields looked at per page to find those (each costs a few round trips)."""
KEY_DELAY_MS = 0
"""Pause between key presses: none; each character is still its own real
``keydown``/``keypress``/``input``/``keyup`` (a pause of 15 ms cost 2 s a form)."""
FIELD_TIMEOUT_S = 3.0
"""Longest one field may take (a page script that blocks the main thread)."""
WAIT_MIN_S = 1.0
"""Least time to wait after the last field: key loggers batch and debounce."""
WAIT_QUIET_S = 0.5
"""Network silence after which the wait ends (once past :data:`WAIT_MIN_S`)."""
WAIT_MAX_S = 3.0
"""Longest wait after the last field, however busy the network stays."""
STEP_BUDGET_S = 15.0
"""Longest the finding and typing of one page's fields may take (a page that hangs its
renderer on the first key must not hold the visit up to the watchdog)."""


Place = tuple[str, int]
"""A field's place: a selector of :data:`SELECTORS` and its index among the matches."""

Typable = tuple[Place, TypedField]
"""A field to type into: its place, and its name and kind."""

FieldKey = tuple[str, str, frozenset[str]]
"""A field as the step remembers it within one visitor: its kind, how the page names
it, and the scripts of the page it was on."""

_WORLD = "privacyscan-fields"
"""The name of the isolated world the survey runs in."""


MAX_FRAMES = 6
"""Frames surveyed per page, the page's own included (a form in a supplier's iframe is
common; a page with dozens of ad frames must not cost a survey each)."""


@dataclass(frozen=True, slots=True)
class Survey:
    """What a page offers the step: the fields it could type into, the page's scripts."""

    fields: tuple[TypedField, ...]
    scripts: frozenset[str]

    def keys(self, fields: Collection[TypedField] | None = None) -> set[FieldKey]:
        """The keys of ``fields`` (default: all the survey found) on this page."""
        chosen = self.fields if fields is None else fields
        return {(f.kind, f.label, self.scripts) for f in chosen}


@dataclass(frozen=True, slots=True)
class FrameSurvey:
    """One frame's survey: the frame's URL and name (to find it again), whether it is
    the page's own document."""

    frame_id: str
    url: str
    name: str
    top: bool
    survey: Survey


def describe(attrs: Sequence[str], fallback: str) -> TypedField | None:
    """The field with ``attrs`` (type — ``textarea`` for a text area —, autocomplete,
    then the names of :data:`_NAMES`), or ``None`` for one never typed into."""
    input_type, autocomplete, *names = (a or "" for a in attrs)
    kind = field_kind(input_type or "text", autocomplete, names)
    if kind is None:
        return None
    label = next((n for n in names if n), fallback)
    return TypedField(label[:80], kind)


async def survey(cdp: CDPSession) -> list[FrameSurvey] | None:
    """The fields and scripts of the page and of its frames (nested ones too, at most
    :data:`MAX_FRAMES` in all, web documents only), each read in an isolated world of
    its own (a page script sees nothing of it); the page's first. ``None`` if the page
    did not answer; a frame that does not answer is left out."""
    try:
        tree = await cdp.send("Page.getFrameTree")
        frames = [
            frame
            for frame in frametree.frames(tree["frameTree"])
            # the page's own document whatever its URL; its frames' if from the web
            if frame.parent_id is None or frame.url.startswith(("http://", "https://"))
        ][:MAX_FRAMES]
    except (PlaywrightError, KeyError, TypeError):
        return None
    found: list[FrameSurvey] = []
    for frame in frames:
        top = frame.parent_id is None
        read = await _survey_frame(cdp, frame.frame_id)
        if read is None and top:
            return None
        if read is not None:
            found.append(FrameSurvey(frame.frame_id, frame.url, frame.name, top, read))
    return found


async def _survey_frame(cdp: CDPSession, frame_id: str) -> Survey | None:
    try:
        world = await cdp.send(
            "Page.createIsolatedWorld", {"frameId": frame_id, "worldName": _WORLD}
        )
        reply = await cdp.send(
            "Runtime.evaluate",
            {
                "expression": f"({page_script('fields.js')})({MAX_CANDIDATES})",
                "contextId": world["executionContextId"],
                "returnByValue": True,
            },
        )
        fields, scripts = reply["result"]["value"]
    except (PlaywrightError, KeyError, TypeError, ValueError):
        return None
    found = [
        describe([str(a) for a in attrs[:-1]], f"field {i + 1}") if attrs[-1] else None
        for i, attrs in enumerate(fields)
    ]
    return Survey(tuple(f for f in found if f), frozenset(str(s) for s in scripts))


async def frame_of(page: PlaywrightPage, found: FrameSurvey, taken: set[Frame]) -> Frame | None:
    """The page's frame a survey was of: the top one, or an iframe with that URL and
    name not taken yet; ``None`` if it is gone."""
    if found.top:
        return page.main_frame
    for frame in page.frames:
        if frame in taken or frame.is_detached() or frame.parent_frame is None:
            continue
        if frame.url == found.url and frame.name == found.name:
            taken.add(frame)
            return frame
    return None


async def shown(cdp: CDPSession, found: FrameSurvey) -> bool:
    """Whether a visitor can see the frame: the page's own document, or an iframe
    element with a box of some size. Asked of DevTools, not of the page: Playwright's
    ``frame_element`` would put its script into the page's own world, with listeners a
    page script can see."""
    if found.top:
        return True
    try:
        owner = await cdp.send("DOM.getFrameOwner", {"frameId": found.frame_id})
        box = await cdp.send("DOM.getBoxModel", {"backendNodeId": owner["backendNodeId"]})
        return bool(box["model"]["width"] > 0 and box["model"]["height"] > 0)
    except (PlaywrightError, KeyError, TypeError):
        return False


async def typable_fields(
    page: PlaywrightPage | Frame, skip: Callable[[TypedField], bool] = lambda _: False
) -> list[tuple[Place, TypedField]]:
    """The place and kind of each field to type into: at most :data:`MAX_FIELDS` of
    the first :data:`MAX_CANDIDATES` visible inputs and text areas, less those ``skip``
    names (typed already).

    Everything is read through Playwright's selector engine, which runs in its own
    isolated world: an ``evaluate`` in the page's world would install Playwright's
    injected script there, with listeners on the window a page script can see.
    """
    out: list[tuple[Place, TypedField]] = []
    seen = 0
    timeout = FIELD_TIMEOUT_S * 1000
    try:
        for selector, area in SELECTORS:
            found = page.locator(selector)
            for index in range(await found.count()):
                seen += 1
                if seen > MAX_CANDIDATES or len(out) >= MAX_FIELDS:
                    return out
                element = found.nth(index)
                attrs = [
                    (await element.get_attribute(name, timeout=timeout)) or ""
                    for name in ("type", "autocomplete", *_NAMES)
                ]
                if area:
                    attrs[0] = "textarea"
                typed = describe(attrs, f"field {seen}")
                if typed is None or skip(typed):
                    continue
                if not await element.is_editable(timeout=timeout):
                    continue
                out.append(((selector, index), typed))
    except PlaywrightError:
        pass
    return out


async def type_into(page: PlaywrightPage | Frame, fields: list[tuple[Place, TypedField]]) -> int:
    """Type each field's canary, key by key, then blur it; returns the fields typed."""
    typed = 0
    timeout = FIELD_TIMEOUT_S * 1000
    for (selector, index), f in fields:
        element = page.locator(selector).nth(index)
        try:
            await element.press_sequentially(f.value, delay=KEY_DELAY_MS, timeout=timeout)
            await element.blur(timeout=timeout)
            typed += 1
        except PlaywrightError:
            # A field that went away, or a page that hangs on a key (its next field
            # would only wait out its own timeout): stop here.
            break
    return typed


async def wait_for_requests(last_activity: Callable[[], float], *, started: float) -> None:
    """Wait :data:`WAIT_MIN_S`, then until the network is quiet, at most :data:`WAIT_MAX_S`."""
    earliest, deadline = started + WAIT_MIN_S, started + WAIT_MAX_S
    while True:
        now = time.monotonic()
        if now >= deadline or (now >= earliest and now - last_activity() >= WAIT_QUIET_S):
            return
        await asyncio.sleep(0.1)
