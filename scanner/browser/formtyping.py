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

The step writes nothing into the page but the typed values: fields are found with
Playwright's selector engine (its own isolated world) and described by a read-only
script; focus and blur are the element's own methods.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page as PlaywrightPage

from ..canaries import TypedField, field_kind
from .scripts import page_script

FIELDS = "input:visible, textarea:visible"
"""Playwright's selector for the candidate fields (it pierces open shadow roots)."""
MAX_FIELDS = 8
"""Fields typed into per page: a form's first few tell the story; a page with a
hundred fields must not cost minutes."""
KEY_DELAY_MS = 15
"""Between key presses: real ``keydown``/``keypress``/``input``/``keyup`` per character."""
FIELD_TIMEOUT_S = 3.0
"""Longest one field may take (a page script that blocks the main thread)."""
WAIT_MIN_S = 1.0
"""Least time to wait after the last field: key loggers batch and debounce."""
WAIT_QUIET_S = 0.5
"""Network silence after which the wait ends (once past :data:`WAIT_MIN_S`)."""
WAIT_MAX_S = 3.0
"""Longest wait after the last field, however busy the network stays."""


async def typable_fields(page: PlaywrightPage) -> list[tuple[int, TypedField]]:
    """(index among :data:`FIELDS`, field) of each field to type into, at most
    :data:`MAX_FIELDS`."""
    found = page.locator(FIELDS)
    try:
        described = await asyncio.wait_for(
            found.evaluate_all(page_script("form_fields.js")), FIELD_TIMEOUT_S
        )
    except (TimeoutError, PlaywrightError):
        return []
    out: list[tuple[int, TypedField]] = []
    for index, d in enumerate(described if isinstance(described, list) else []):
        if not isinstance(d, dict) or not d.get("usable"):
            continue
        names = [str(d.get(k) or "") for k in ("name", "id", "label", "placeholder")]
        kind = field_kind(str(d.get("type") or ""), str(d.get("autocomplete") or ""), names)
        if kind is None:
            continue
        label = next((n for n in names if n), f"field {index + 1}")
        out.append((index, TypedField(label[:80], kind)))
        if len(out) >= MAX_FIELDS:
            break
    return out


async def type_into(page: PlaywrightPage, fields: list[tuple[int, TypedField]]) -> int:
    """Type each field's canary, key by key, then blur it; returns the fields typed."""
    found = page.locator(FIELDS)
    typed = 0
    for index, f in fields:
        element = found.nth(index)
        try:
            await element.press_sequentially(
                f.value, delay=KEY_DELAY_MS, timeout=FIELD_TIMEOUT_S * 1000
            )
            await element.blur(timeout=FIELD_TIMEOUT_S * 1000)
            typed += 1
        except PlaywrightError:
            continue
    return typed


async def wait_for_requests(last_activity: Callable[[], float], *, started: float) -> None:
    """Wait :data:`WAIT_MIN_S`, then until the network is quiet, at most :data:`WAIT_MAX_S`."""
    earliest, deadline = started + WAIT_MIN_S, started + WAIT_MAX_S
    while True:
        now = time.monotonic()
        if now >= deadline or (now >= earliest and now - last_activity() >= WAIT_QUIET_S):
            return
        await asyncio.sleep(0.1)
