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

The step writes nothing into the page but the typed values: fields are surveyed by a
read-only script in an isolated world, which keeps them there; focus and blur are the
element's own methods, called from that world, and the keys are the browser's own input
events (DevTools' ``Input``), as Playwright's keyboard sends them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from playwright.async_api import CDPSession
from playwright.async_api import Error as PlaywrightError

from ..canaries import TypedField, field_kind, key_of
from . import frametree
from .scripts import page_script

_NAMES = ("name", "id", "aria-label", "placeholder")
"""Attributes that name a field, in the order a finding prefers them."""
MAX_FIELDS = 8
"""Fields typed into per page: a form's first few tell the story; a page with a
hundred fields must not cost minutes."""
MAX_CANDIDATES = 24
"""Fields looked at per page to find those."""
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


Typable = tuple[int, TypedField]
"""A field to type into: its place among the survey's candidates, its name and kind."""

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
    places: tuple[int, ...] = ()
    """Each field's place among the candidates ``fields.js`` kept in the survey's world."""

    def keys(self, fields: Collection[TypedField] | None = None) -> set[FieldKey]:
        """The keys of ``fields`` (default: all the survey found) on this page."""
        chosen = self.fields if fields is None else fields
        return {(f.kind, f.label, self.scripts) for f in chosen}


@dataclass(frozen=True, slots=True)
class FrameSurvey:
    """One frame's survey: the frame, whether it is the page's own document, and the
    survey's world there (where its candidates are)."""

    frame_id: str
    url: str
    name: str
    top: bool
    survey: Survey
    context_id: int = 0


def describe(attrs: Sequence[str], fallback: str) -> TypedField | None:
    """The field with ``attrs`` (type — ``textarea`` for a text area —, autocomplete,
    then the names of :data:`_NAMES`), or ``None`` for one never typed into."""
    input_type, autocomplete, *names = (a or "" for a in attrs)
    kind = field_kind(input_type or "text", autocomplete, names)
    if kind is None:
        return None
    label = next((n for n in names if n), fallback)
    return TypedField(label[:80], kind)


async def survey(
    cdp: CDPSession, worlds: Mapping[str, int] | None = None
) -> list[FrameSurvey] | None:
    """The fields and scripts of the page and of its frames (nested ones too, at most
    :data:`MAX_FRAMES` in all, web documents only), each read in an isolated world (a
    page script sees nothing of it); the page's first. ``None`` if the page did not
    answer; a frame that does not answer is left out.

    ``worlds``: an isolated world that each frame's document has already (by frame
    id): read there; a frame without one, or whose world is gone, gets one of its own
    (making a world costs the renderer more than the read)."""
    known = worlds or {}
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
        read = await _survey_frame(cdp, frame.frame_id, known.get(frame.frame_id))
        if read is None and top:
            return None
        if read is not None:
            found.append(FrameSurvey(frame.frame_id, frame.url, frame.name, top, *read))
    return found


async def _survey_frame(
    cdp: CDPSession, frame_id: str, world: int | None
) -> tuple[Survey, int] | None:
    read = await _read_fields(cdp, world) if world is not None else None
    if read is None or world is None:
        try:
            made = await cdp.send(
                "Page.createIsolatedWorld", {"frameId": frame_id, "worldName": _WORLD}
            )
            world = int(made["executionContextId"])
        except (PlaywrightError, KeyError, TypeError, ValueError):
            return None
        read = await _read_fields(cdp, world)
        if read is None:
            return None
    fields, scripts = read
    found = [
        (i, describe([str(a) for a in attrs[:-1]], f"field {i + 1}") if attrs[-1] else None)
        for i, attrs in enumerate(fields)
    ]
    typable = [(i, f) for i, f in found if f is not None]
    survey = Survey(
        tuple(f for _, f in typable),
        frozenset(str(s) for s in scripts),
        tuple(i for i, _ in typable),
    )
    return survey, world


async def _read_fields(cdp: CDPSession, world: int) -> tuple[list[Any], list[Any]] | None:
    """``fields.js`` run in the isolated world ``world``: (candidates, scripts)."""
    try:
        reply = await cdp.send(
            "Runtime.evaluate",
            {
                "expression": f"({page_script('fields.js')})({MAX_CANDIDATES})",
                "contextId": world,
                "returnByValue": True,
            },
        )
        fields, scripts = reply["result"]["value"]
    except (PlaywrightError, KeyError, TypeError, ValueError):
        return None
    if not isinstance(fields, list) or not isinstance(scripts, list):
        return None
    return fields, scripts


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


def typable(found: FrameSurvey, skip: Callable[[TypedField], bool]) -> list[Typable]:
    """The fields of a frame's survey to type into, less those ``skip`` names (typed
    already), at most :data:`MAX_FIELDS`."""
    pairs = zip(found.survey.places, found.survey.fields, strict=True)
    return [(place, f) for place, f in pairs if not skip(f)][:MAX_FIELDS]


def key_events(text: str) -> list[dict[str, Any]]:
    """DevTools' ``Input.dispatchKeyEvent`` parameters that type ``text`` key by key on
    a US keyboard, as Playwright's ``keyboard.type`` does: per character a ``keyDown``
    carrying its text (the browser fires ``keydown``, ``keypress`` and ``input``) and
    a ``keyUp``; a character without a key is inserted as text (``Input.insertText``,
    marked by the method ``insertText``)."""
    events: list[dict[str, Any]] = []
    for char in text:
        found = key_of(char)
        if found is None:
            events.append({"insertText": char})
            continue
        code, key_code = found
        key = {"key": char, "code": code, "windowsVirtualKeyCode": key_code, "modifiers": 0}
        events.append({"type": "keyDown", "text": char, "unmodifiedText": char, **key})
        events.append({"type": "keyUp", **key})
    return events


async def type_into(cdp: CDPSession, found: FrameSurvey, fields: list[Typable]) -> list[TypedField]:
    """Type each field's canary, key by key, then blur it; returns the fields typed.

    The field is focused with its own method in the survey's world
    (``field_focus.js``), and the keys are the browser's own input (DevTools'
    ``Input``, which goes to the focused field, in a frame too), sent one after the
    other without waiting for each to be handled (Playwright's keyboard waits for
    each): the page gets every key event as before, in the same order.
    """
    typed: list[TypedField] = []
    for place, f in fields:
        try:
            focused = await asyncio.wait_for(_focus(cdp, found, place, blur=False), FIELD_TIMEOUT_S)
            if not focused:
                continue  # gone, or not focusable: the next one
            await asyncio.wait_for(_press(cdp, f.value), FIELD_TIMEOUT_S)
            await asyncio.wait_for(_focus(cdp, found, place, blur=True), FIELD_TIMEOUT_S)
            typed.append(f)
        except (PlaywrightError, TimeoutError):
            # A field that went away, or a page that hangs on a key (its next field
            # would only wait out its own timeout): stop here.
            break
    return typed


async def _focus(cdp: CDPSession, found: FrameSurvey, place: int, *, blur: bool) -> bool:
    reply = await cdp.send(
        "Runtime.evaluate",
        {
            "expression": f"({page_script('field_focus.js')})({place}, {str(blur).lower()})",
            "contextId": found.context_id,
            "returnByValue": True,
        },
    )
    return bool(reply.get("result", {}).get("value"))


async def _press(cdp: CDPSession, text: str) -> None:
    sends = [
        cdp.send("Input.insertText", {"text": event["insertText"]})
        if "insertText" in event
        else cdp.send("Input.dispatchKeyEvent", event)
        for event in key_events(text)
    ]
    await asyncio.gather(*sends)


async def wait_for_requests(last_activity: Callable[[], float], *, started: float) -> None:
    """Wait :data:`WAIT_MIN_S`, then until the network is quiet, at most :data:`WAIT_MAX_S`."""
    earliest, deadline = started + WAIT_MIN_S, started + WAIT_MAX_S
    while True:
        now = time.monotonic()
        if now >= deadline or (now >= earliest and now - last_activity() >= WAIT_QUIET_S):
            return
        await asyncio.sleep(0.1)
