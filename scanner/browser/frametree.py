"""One walk over a DevTools frame tree, for every step that needs a page's frames.

A DevTools frame tree is the answer of ``Page.getFrameTree`` (its ``frameTree``): a
dict with the top frame's ``frame`` (``id``, ``url``, ``name`` if it has one, and
more) and, if it has frames, ``childFrames``: the frame trees of its iframes, each
the same shape, in the order of the document. Frames whose document is not from the
web are in it too: ``about:blank`` and ``about:srcdoc``, and whatever they hold.

The callers (the leaving check, the form-typing step, the consent click) each choose
their own frames from this walk; it decides nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class TreeFrame:
    """One frame of a frame tree: its DevTools id, URL and name (``""`` if it has
    none), its parent's id (``None`` for the top frame) and how deep it is (the top
    frame 0, its iframes 1, …)."""

    frame_id: str
    url: str
    name: str
    parent_id: str | None
    depth: int


def frames(tree: Mapping[str, Any]) -> Iterator[TreeFrame]:
    """Every frame of ``tree`` in document order: the top frame first, each frame
    before its own frames, nested ones too. Not recursive, so no nesting is too deep.
    A malformed tree raises ``KeyError`` or ``TypeError``."""
    stack: list[tuple[Mapping[str, Any], str | None, int]] = [(tree, None, 0)]
    while stack:
        node, parent_id, depth = stack.pop()
        info = node["frame"]
        frame_id = str(info["id"])
        yield TreeFrame(
            frame_id, str(info.get("url", "")), str(info.get("name", "")), parent_id, depth
        )
        children = list(node.get("childFrames") or ())
        stack.extend((child, frame_id, depth + 1) for child in reversed(children))
