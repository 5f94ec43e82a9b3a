"""One walk over a DevTools frame tree (``Page.getFrameTree``), shared by the leaving
check, the form-typing step and the consent click: document order, depth and parent,
on a hand-written tree with nesting, ``about:blank`` and ``srcdoc`` frames."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.browser.consent import _frame_id
from scanner.browser.frametree import TreeFrame, frames

SITE = "https://www.dorp.nl/"
CMP = "https://cmp.example/banner"
AD = "https://ads.example/slot"


def _node(frame_id: str, url: str, *children: dict[str, Any], **info: str) -> dict[str, Any]:
    node: dict[str, Any] = {"frame": {"id": frame_id, "url": url, "loaderId": "L", **info}}
    if children:
        node["childFrames"] = list(children)
    return node


# top (no name)
# ├─ blank  about:blank "leeg"
# │  └─ form  https "meld"
# │     ├─ doc  about:srcdoc
# │     │  └─ cmp2  CMP "cmp"      (a web frame inside a srcdoc frame)
# │     └─ ad1  AD
# ├─ cmp  CMP "cmp"
# │  └─ ad2  AD
# └─ srcdoc  about:srcdoc          (an empty childFrames list)
TREE = _node(
    "top",
    SITE,
    _node(
        "blank",
        "about:blank",
        _node(
            "form",
            "https://meld.example/form",
            _node("doc", "about:srcdoc", _node("cmp2", CMP, name="cmp"), name=""),
            _node("ad1", AD, name=""),
            name="meld",
        ),
        name="leeg",
    ),
    _node("cmp", CMP, _node("ad2", AD, name=""), name="cmp"),
    {"frame": {"id": "srcdoc", "url": "about:srcdoc"}, "childFrames": []},
)


def test_frames_in_document_order_with_depth_and_parent() -> None:
    assert list(frames(TREE)) == [
        TreeFrame("top", SITE, "", None, 0),
        TreeFrame("blank", "about:blank", "leeg", "top", 1),
        TreeFrame("form", "https://meld.example/form", "meld", "blank", 2),
        TreeFrame("doc", "about:srcdoc", "", "form", 3),
        TreeFrame("cmp2", CMP, "cmp", "doc", 4),
        TreeFrame("ad1", AD, "", "form", 3),
        TreeFrame("cmp", CMP, "cmp", "top", 1),
        TreeFrame("ad2", AD, "", "cmp", 2),
        TreeFrame("srcdoc", "about:srcdoc", "", "top", 1),
    ]


def test_a_page_without_frames_is_its_top_frame() -> None:
    assert list(frames({"frame": {"id": "top", "url": "about:blank"}})) == [
        TreeFrame("top", "about:blank", "", None, 0)
    ]


def test_nesting_deeper_than_python_recursion() -> None:
    """A page may put each frame inside the one before; Python's recursion stops at
    about 1000 calls (a recursive walk fails here)."""
    depth = 1000
    tree: dict[str, Any] = {"frame": {"id": str(depth), "url": AD}}
    for level in reversed(range(depth)):
        tree = {"frame": {"id": str(level), "url": AD}, "childFrames": [tree]}
    walked = list(frames(tree))
    assert [f.depth for f in walked] == list(range(depth + 1))
    assert walked[-1] == TreeFrame(str(depth), AD, "", str(depth - 1), depth)


@pytest.mark.parametrize(
    ("tree", "error"),
    [
        ({}, KeyError),
        ({"frame": {"url": SITE}}, KeyError),
        ({"frame": {"id": "top", "url": SITE}, "childFrames": [None]}, TypeError),
    ],
)
def test_a_malformed_tree_raises_what_the_callers_catch(
    tree: dict[str, Any], error: type[Exception]
) -> None:
    """The leaving check, the form-typing survey and the consent click each count
    ``KeyError`` and ``TypeError`` as a page that did not answer."""
    with pytest.raises(error):
        list(frames(tree))


@pytest.mark.parametrize(
    ("url", "name", "expected"),
    [
        (CMP, "cmp", "cmp"),  # a child of the top frame before a deeper one earlier on
        (AD, "", "ad1"),  # then by where the parent is: form's before cmp's
        ("https://meld.example/form", "meld", "form"),
        ("https://meld.example/form", "other", None),  # the name counts too
        (SITE, "", None),  # the top frame is no iframe
    ],
)
def test_consent_finds_an_iframe_by_url_and_name(url: str, name: str, expected: str | None) -> None:
    """Of frames with the same URL and name, the one whose parent comes first in
    document order: the top frame's children first."""
    assert _frame_id(TREE, url, name) == expected
