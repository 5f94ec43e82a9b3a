"""Whether a request body is a snapshot of the page: what session recorders send.

A session recorder (rrweb and the products built on it, FullStory, Mouseflow, …)
serialises the whole document when it starts, then every change, and posts that to
its collector. An ordinary analytics hit names a page and an event; a recording
carries the page itself: dozens of elements with their tag names and attributes.
This module tells the two apart from the body's text (the first :data:`MAX_SCAN`
characters) and describes a snapshot as a :class:`~scanner.models.Payload` of vendor
:data:`VENDOR`, so it travels with the request like a decoded pixel hit.

Pure code: no browser, no network. Compressed or binary bodies (Hotjar, Clarity send
their recordings compressed) are not readable here: knowledge of the vendors' hosts
covers those (category ``session_replay``).
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

from .models import Payload

__all__ = ["MIN_BYTES", "MIN_ELEMENTS", "VENDOR", "dom_snapshot"]

VENDOR = "dom-snapshot"
"""``Payload.vendor`` of a body that is a serialised page."""

MIN_BYTES = 2048
"""Shortest body that can be a snapshot: a serialised page is kilobytes, a hit is not."""

MIN_ELEMENTS = 25
"""Elements (tag names) a body must name to be a snapshot when it is not in rrweb's
format. A click event that names the clicked element and its ancestors (autocapture)
names about ten."""

MAX_SCAN = 64 * 1024
"""Characters of a body looked at (a recording can be megabytes; its start tells)."""

_RRWEB_FULL = re.compile(r'"type"\s*:\s*2\s*,\s*"data"\s*:\s*\{\s*"node"\s*:')
"""rrweb's full-snapshot event: ``{"type":2,"data":{"node":{…}}}`` (``EventType.FullSnapshot``)."""
_TAG_NAME = re.compile(r'"tag(?:Name|_name)?"\s*:\s*"[A-Za-z][A-Za-z0-9-]*"')
"""A serialised element in JSON: rrweb's ``"tagName":"div"`` and its relatives."""
_HTML_TAG = re.compile(
    r"<(?:div|span|p|a|li|ul|ol|img|input|textarea|select|form|section|nav|header|footer|"
    r"button|h[1-6]|table|tr|td|main|article|aside|label|script|link|meta|body|head)[\s/>]",
    re.IGNORECASE,
)
"""A serialised element as HTML (recorders that send ``outerHTML``)."""


def dom_snapshot(body: str | None, size: int | None = None) -> Payload | None:
    """A ``dom-snapshot`` payload when ``body`` is a serialised page, else ``None``.

    A snapshot is at least :data:`MIN_BYTES` long and either holds rrweb's full-snapshot
    event or names at least :data:`MIN_ELEMENTS` elements (as JSON tag names or as
    HTML). A form-encoded body is read decoded. Its parameters: ``format`` (``rrweb`` or
    ``elements``), ``elements`` (how many the scanned part names) and ``bytes`` (the
    body's length: ``size`` when the caller passed only the body's start).
    """
    if not body or max(len(body), size or 0) < MIN_BYTES:
        return None
    text = body[:MAX_SCAN]
    if "%22" in text[:512] or "%3C" in text[:512]:
        text = unquote_plus(text)
    elements = max(len(_TAG_NAME.findall(text)), len(_HTML_TAG.findall(text)))
    if _RRWEB_FULL.search(text):
        form = "rrweb"
    elif elements >= MIN_ELEMENTS:
        form = "elements"
    else:
        return None
    return Payload(
        vendor=VENDOR,
        params=(("format", form), ("elements", str(elements)), ("bytes", str(size or len(body)))),
        from_body=True,
    )
