"""The visitor's DevTools handlers get each event as Chromium sent it, in real Chromium.

``session._listen`` registers a handler on the DevTools session's own emitter,
past Playwright's public ``on`` (which reads the handler's signature and copies
every event through its object mapping). Ground truth: for the same events, the
handler sees exactly what a handler registered the public way sees, in the order
they were sent, and it is registered as itself (no wrapper between).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from scanner.config import CaptureOptions

pytestmark = pytest.mark.browser

LOGGED = [
    ["één", 2],
    [{"nested": {"list": [1, None, True]}, "ü": "✓"}],
    ["x" * 5000],
]
"""What the page logs, one ``console.log`` call each: text beyond ASCII, nested
objects (sent as remote objects with a preview) and a long string."""


def test_listen_hands_over_each_event_as_the_public_way_sees_it(
    capture_options: CaptureOptions,
) -> None:
    from playwright.async_api import async_playwright

    from scanner.browser.discovery import find_browser
    from scanner.browser.session import _listen, launch_args

    method = "Runtime.consoleAPICalled"

    async def run() -> tuple[list[dict[str, Any]], list[dict[str, Any]], bool]:
        bypassed: list[dict[str, Any]] = []
        public: list[dict[str, Any]] = []
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(
                executable_path=find_browser(capture_options.browser_path).path,
                args=launch_args(capture_options),
            )
            try:
                page = await browser.new_page()
                cdp = await page.context.new_cdp_session(page)
                _listen(cdp, method, bypassed.append)
                cdp.on(method, lambda event: public.append(event))
                await cdp.send("Runtime.enable")
                for args in LOGGED:
                    await cdp.send(
                        "Runtime.evaluate",
                        {"expression": f"console.log(...{json.dumps(args, ensure_ascii=False)})"},
                    )
                for _ in range(100):
                    if len(bypassed) >= len(LOGGED) and len(public) >= len(LOGGED):
                        break
                    await asyncio.sleep(0.05)
                impl = cdp._impl_obj  # type: ignore[attr-defined]
                as_itself = bypassed.append in impl.listeners(method)
            finally:
                await browser.close()
        return bypassed, public, as_itself

    bypassed, public, as_itself = asyncio.run(run())
    assert len(bypassed) == len(LOGGED)
    assert bypassed == public
    logged = [[arg.get("value", arg.get("preview")) for arg in e["args"]] for e in bypassed]
    assert logged[0] == LOGGED[0]
    assert logged[2] == LOGGED[2]
    assert {p["name"] for p in logged[1][0]["properties"]} == {"nested", "ü"}
    assert all(isinstance(e, dict) and e["type"] == "log" for e in bypassed)
    assert as_itself, "the handler is wrapped: _listen no longer reaches the session's emitter"
