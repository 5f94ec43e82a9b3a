"""What the browser layer must not leave in a page: a visitor's browser changes nothing
a page script could observe, so neither may the capture (``tests/test_traceless.py``)."""

from __future__ import annotations

from typing import Any

TRACELESS_SCREENSHOT: dict[str, Any] = {"caret": "initial", "animations": "allow"}
"""Screenshot options that leave the page as it was. Playwright's defaults do not:
``caret="hide"`` writes ``caret-color: transparent !important`` into the ``style``
attribute of every input, textarea and contenteditable (and leaves an empty
``style=""`` on those that had none), a change a page script or a session recorder
sees; ``animations="disabled"`` finishes or cancels the page's CSS animations, which
fires their ``animationend``/``animationcancel`` events. A visitor's browser does neither.
"""
