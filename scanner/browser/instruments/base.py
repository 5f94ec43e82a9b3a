"""What the instruments share: the page clock, the frames, the write budget, and how a
JavaScript stack names the script responsible (an :class:`~scanner.models.Initiator`).

Nothing here knows Playwright: instruments are fed DevTools events and ``hooks.js``
reports as dicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlsplit

from ...models import Initiator

MAX_STACK = 30
"""Stack frames kept per initiator."""
MAX_WRITES = 5000
"""Cookie and storage writes kept per visitor: a page writing more is hostile or broken."""
HOOKS_URL = "__privacyscan_hooks__"
"""The ``sourceURL`` of ``hooks.js``: its own frames are not evidence."""


class Instrument:
    """One concern of the recording (network, cookies, storage, …): it owns its state,
    names the DevTools events and ``hooks.js`` report kinds it handles, and builds its
    model objects at the end. The :class:`~scanner.browser.recorder.Recorder` routes."""

    cdp_events: ClassVar[frozenset[str]] = frozenset()
    """DevTools events this instrument is given (``Network.requestWillBeSent``, …)."""
    hook_kinds: ClassVar[frozenset[str]] = frozenset()
    """``kind`` of the ``hooks.js`` reports this instrument is given."""

    def on_cdp(self, method: str, params: dict[str, Any], now: float) -> None:
        """One of :attr:`cdp_events` arrived at ``now`` (``time.monotonic()``)."""

    def on_hook(
        self, kind: str, report: dict[str, Any], href: str, frame_url: str | None, now: float
    ) -> None:
        """A ``hooks.js`` report of one of :attr:`hook_kinds`, sent from the frame at
        ``href`` (the report's own, else ``frame_url``)."""


@dataclass
class PageClock:
    """The pages a visitor opened and when the current one started."""

    page_urls: list[str] = field(default_factory=list)
    t0: float = 0.0

    @property
    def index(self) -> int:
        """The current page (``0`` before the first)."""
        return max(len(self.page_urls) - 1, 0)

    def ms(self, now: float) -> int:
        """Milliseconds since the current page started."""
        return int((now - self.t0) * 1000)

    def url(self, index: int) -> str:
        """The URL of page ``index``, ``""`` when no page was opened."""
        return self.page_urls[index] if self.page_urls else ""


@dataclass
class Frames(Instrument):
    """Every frame's URL and parent, and the documents the main frame committed."""

    cdp_events: ClassVar[frozenset[str]] = frozenset({"Page.frameNavigated", "Page.frameAttached"})

    clock: PageClock
    known: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    main: str | None = None
    main_commits: list[str] = field(default_factory=list)
    """Documents committed in the main frame during the current page visit."""

    def on_cdp(self, method: str, params: dict[str, Any], now: float) -> None:
        if method == "Page.frameNavigated":
            self.navigated(params["frame"])
        else:
            self.attached(params["frameId"], params.get("parentFrameId"))

    def navigated(self, frame: dict[str, Any]) -> None:
        """``Page.frameNavigated``: remember every frame's URL and parent."""
        url = str(frame.get("url", "")) + str(frame.get("urlFragment", ""))
        parent = frame.get("parentId")
        self.known[frame["id"]] = (url, parent)
        if parent is None:
            self.main = frame["id"]
            if self.clock.page_urls and url.startswith(("http:", "https:")):
                self.main_commits.append(url)

    def attached(self, frame_id: str, parent_id: str | None) -> None:
        """``Page.frameAttached``: an iframe exists before its document is requested."""
        if frame_id not in self.known:
            self.known[frame_id] = ("", parent_id)

    def tree(self, tree: dict[str, Any]) -> None:
        """``Page.getFrameTree`` at start, so frames that exist already are known."""
        self.navigated(tree["frame"])
        for child in tree.get("childFrames", []):
            self.tree(child)

    def url(self, frame_id: str | None) -> str | None:
        """The frame's URL, ``None`` for an unknown frame or one without a document."""
        if frame_id is None:
            return None
        return self.known.get(frame_id, ("", None))[0] or None

    def url_of_origin(self, origin_: str) -> str | None:
        """The URL of a frame whose document is of ``origin_``."""
        for url, _ in self.known.values():
            if origin(url) == origin_:
                return url
        return None


@dataclass
class WriteBudget:
    """Memory stays bounded whatever a page writes; what is dropped is counted.

    Shared by the cookie and storage instruments: together they keep at most
    :data:`MAX_WRITES` writes.
    """

    used: int = 0
    dropped: int = 0

    def full(self) -> bool:
        """No room for another write (and one more is counted as dropped)."""
        if self.used < MAX_WRITES:
            return False
        self.dropped += 1
        return True


def origin(url: str) -> str:
    """``https://host[:port]`` of a URL or a storage key (``https://x/^0…`` partitions)."""
    url = url.split("^", 1)[0]
    split = urlsplit(url)
    if not split.scheme or not split.netloc:
        return url.rstrip("/")
    return f"{split.scheme}://{split.netloc}"


def hook_initiator(report: dict[str, Any], href: str) -> Initiator:
    """The script responsible for a hooked write: the innermost http(s) stack frame."""
    frames = tuple(_v8_frame(line) for line in report.get("stack", [])[:MAX_STACK])
    url = stack_url(frames) or report.get("script") or href or None
    line = None
    for frame in frames:
        if url and frame.split("@", 1)[-1].startswith(url):
            tail = frame.rsplit(":", 2)
            if len(tail) == 3 and tail[1].isdigit():
                line = int(tail[1])
            break
    return Initiator("script", str(url) if url else None, line, frames)


def _v8_frame(line: str) -> str:
    """``fn (https://x/y.js:1:2)`` or ``https://x/y.js:1:2`` → ``fn@https://x/y.js:1:2``."""
    line = str(line)
    if line.endswith(")") and " (" in line:
        name, _, location = line[:-1].partition(" (")
        return f"{name}@{location}"
    return f"(anonymous)@{line}"


def stack_url(frames: tuple[str, ...] | list[str]) -> str | None:
    """The script of the innermost http(s) frame of ``fn@url:line:column`` frames."""
    for frame in frames:
        location = frame.split("@", 1)[-1]
        if location.startswith(("http://", "https://")):
            parts = location.rsplit(":", 2)
            if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
                return parts[0]
            return location
    return None
