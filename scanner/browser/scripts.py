"""The page scripts: every piece of JavaScript the browser layer runs in a page is a
``.js`` file next to this module (shipped as package data), read once."""

from __future__ import annotations

import functools
from importlib import resources


@functools.cache
def page_script(name: str) -> str:
    """The source of ``scanner/browser/<name>`` (``"links.js"``)."""
    return resources.files("scanner.browser").joinpath(name).read_text("utf-8")
