"""The JavaScript API instrument: which scripts read the browser features that
fingerprinting uses (canvas, WebGL, audio, font probing), as ``hooks.js`` counts them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from ...models import ApiCall, Initiator, Phase
from .base import Instrument, PageClock, hook_initiator, origin


@dataclass
class _ApiUse:
    """Calls of one fingerprinting API by one script in one frame of one page."""

    api: str
    script: str
    page_index: int
    frame_url: str | None
    origin: str
    initiator: Initiator | None
    count: int


@dataclass
class ApiInstrument(Instrument):
    """Calls per (page, api, script, frame), summed over ``hooks.js``'s reports."""

    hook_kinds: ClassVar[frozenset[str]] = frozenset({"api", "api_count"})

    phase: Phase
    clock: PageClock
    _uses: dict[tuple[int, str, str, str], _ApiUse] = field(default_factory=dict)

    def on_hook(
        self, kind: str, report: dict[str, Any], href: str, frame_url: str | None, now: float
    ) -> None:
        """Sum the counts ``hooks.js`` sends per (api, script, frame) into one record.

        A first call comes with its stack (``api``), later ones as counts (``api_count``).
        Counts sent after the visitor moved on (the once-a-second flush) still belong
        to the page on which the frame ran, so they go to the latest record that has
        the same api, script and frame.
        """
        initiator = hook_initiator(report, href) if kind == "api" else None
        api = str(report.get("api") or "")
        if not api:
            return
        script = str(report.get("by") or (initiator.url if initiator else None) or href)
        try:
            count = max(int(report.get("count", 1)), 0)
        except (TypeError, ValueError):
            count = 1
        key = (self.clock.index, api, script, href)
        use = self._uses.get(key)
        if use is None and initiator is None:
            earlier = [k for k in self._uses if k[1:] == key[1:]]
            use = self._uses[max(earlier)] if earlier else None
        if use is None:
            if initiator is not None and initiator.url != script:
                initiator = Initiator(initiator.type, script, None, initiator.stack)
            use = self._uses[key] = _ApiUse(
                api=api,
                script=script,
                page_index=self.clock.index,
                frame_url=href or None,
                origin=str(report.get("origin") or origin(href)),
                initiator=initiator or Initiator("script", script),
                count=0,
            )
        elif initiator is not None and use.initiator is not None and not use.initiator.stack:
            use.initiator = initiator
        use.count += count

    # -- results ------------------------------------------------------------

    def api_calls(self) -> list[ApiCall]:
        """One record per (page, api, script, frame), in the order first seen."""
        return [
            ApiCall(
                api=use.api,
                phase=self.phase,
                page_url=self.clock.url(use.page_index),
                frame_url=use.frame_url,
                origin=use.origin,
                initiator=use.initiator,
                count=use.count,
            )
            for use in self._uses.values()
            if use.count > 0
        ]
