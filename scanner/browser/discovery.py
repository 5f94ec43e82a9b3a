"""Find a Chromium to drive: ours is never downloaded at scan time.

:func:`find_browser` is the only browser discovery: the application layer
(``scanner.app``, for the scan record and an early exit 3) and the browser session
(:class:`scanner.browser.session.Browser`, which launches it) both ask it, so the
command line never gives up on a machine where the browser layer would have found
one, such as Playwright's own Chromium.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..errors import PrivacyscanError

DEBIAN_CHROMIUM = "/usr/lib/chromium/chromium"
"""Debian's real binary; ``/usr/bin/chromium`` is a wrapper script around it."""

_ON_PATH = ("chromium-browser", "chromium", "google-chrome", "google-chrome-stable")


class BrowserNotFound(PrivacyscanError):
    """No Chromium could be found; the message names every way to get one."""


@dataclass(frozen=True, slots=True)
class BrowserExecutable:
    """A Chromium binary and how it was found (shown in the scan record)."""

    path: str
    found_by: str
    """``PRIVACYSCAN_BROWSER``, ``debian``, ``PATH``, ``option`` or ``playwright``."""


def find_browser(explicit: str | None = None) -> BrowserExecutable:
    """The browser to use, in the documented order of preference: ``explicit``
    (``--browser``), ``PRIVACYSCAN_BROWSER``, Debian's Chromium, a Chromium or Chrome
    on ``PATH``, then Playwright's own downloaded Chromium (asked of Playwright only
    when none of the others exists)."""
    if explicit:
        return _must_exist(explicit, "option")
    env = os.environ.get("PRIVACYSCAN_BROWSER")
    if env:
        return _must_exist(env, "PRIVACYSCAN_BROWSER")
    if _executable(DEBIAN_CHROMIUM):
        return BrowserExecutable(DEBIAN_CHROMIUM, "debian")
    for name in _ON_PATH:
        found = shutil.which(name)
        if found:
            return BrowserExecutable(found, "PATH")
    bundled = playwright_chromium()
    if bundled and _executable(bundled):
        return BrowserExecutable(bundled, "playwright")
    raise BrowserNotFound(
        "No Chromium found. Install one of:\n"
        "  sudo apt-get install -y chromium      (Debian/Ubuntu; `make scan` does this as root)\n"
        "  python -m playwright install chromium (Playwright's own build; needs internet)\n"
        "or point PRIVACYSCAN_BROWSER (or --browser) at a Chromium or Chrome executable."
    )


def playwright_chromium() -> str | None:
    """Where Playwright keeps its own Chromium (``PLAYWRIGHT_BROWSERS_PATH`` or its
    cache), installed or not; ``None`` if Playwright cannot say.

    Only Playwright's driver knows that path, so this starts it once (about half a
    second), in a thread of its own: its synchronous API refuses a thread that runs
    an event loop, such as the browser session's.
    """

    def ask() -> str:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            path: str = playwright.chromium.executable_path
            return path

    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="privacyscan-discovery") as pool:
            return pool.submit(ask).result()
    except Exception:  # no driver, or a Playwright that cannot name it: not found here
        return None


def browser_version(executable: str) -> str:
    """``Chromium 156.0.8078.108`` as the binary reports it, or ``unknown``."""
    try:
        done = subprocess.run(
            [executable, "--version"], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    words = done.stdout.split()
    version = next((w for w in words if w[:1].isdigit()), None)
    product = "Chrome" if "Chrome" in done.stdout and "Chromium" not in done.stdout else "Chromium"
    return f"{product} {version}" if version else "unknown"


def _executable(path: str) -> bool:
    return Path(path).is_file() and os.access(path, os.X_OK)


def _must_exist(path: str, how: str) -> BrowserExecutable:
    if not _executable(path):
        raise BrowserNotFound(f"{how}: {path} is not an executable browser")
    return BrowserExecutable(path, how)
