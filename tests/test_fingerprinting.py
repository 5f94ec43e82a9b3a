"""Fingerprinting API reads and the first-page screenshot, in the real Chromium.

The manifest comparison (``test_capture.py``) checks which reads are found on the
test web; this file checks what the manifests cannot say: that the hooks leave every
result as it was, that counts add up exactly (font probing: 10,000 ``measureText``
calls), how the recorder sums reports, and that the screenshot is a JPEG of the
viewport.
"""

from __future__ import annotations

import asyncio
import base64
import struct
from typing import Any

import pytest

from scanner.browser.recorder import Recorder
from scanner.config import CaptureOptions
from scanner.models import Phase, Site, SiteResult
from tests.conftest import Captured

SITE = "https://www.vingerstad.nl/"
FONT_PAGE = "https://www.vingerstad.nl/proef/lettertypen/"
FONT_SCRIPT = "https://www.vingerstad.nl/js/lettertypen.js"

_PROBE_JS = """async () => {
  const c = document.createElement('canvas'); c.width = 200; c.height = 40;
  const x = c.getContext('2d');
  x.font = '16px Arial'; x.fillStyle = '#069'; x.fillText('Vingerstad <canvas> 1.0', 4, 8);
  const out = {};
  out.dataUrl = c.toDataURL();
  out.jpeg = c.toDataURL('image/jpeg', 0.5);
  out.pixels = Array.from(x.getImageData(0, 0, 20, 20).data).join(',');
  out.width = x.measureText('mmmmmmmmmmlli').width;
  out.blob = await new Promise((resolve) => c.toBlob((b) => resolve(b.size)));
  const gl = document.createElement('canvas').getContext('webgl');
  const info = gl && gl.getExtension('WEBGL_debug_renderer_info');
  out.renderer = info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : null;
  out.maxTexture = gl ? gl.getParameter(gl.MAX_TEXTURE_SIZE) : null;
  const a = new OfflineAudioContext(1, 4410, 44100);
  out.audioIsInstance = a instanceof OfflineAudioContext && a.constructor === OfflineAudioContext;
  out.audioRate = a.sampleRate;
  out.names = [HTMLCanvasElement.prototype.toDataURL.name,
    HTMLCanvasElement.prototype.toDataURL.length,
    CanvasRenderingContext2D.prototype.measureText.name, OfflineAudioContext.name,
    OfflineAudioContext.length];
  try { HTMLCanvasElement.prototype.toDataURL.call({}); out.illegal = 'no error'; }
  catch (e) { out.illegal = e.constructor.name; }
  try { OfflineAudioContext(1, 10, 44100); out.noNew = 'no error'; }
  catch (e) { out.noNew = e.constructor.name; }
  const plugins = Object.getOwnPropertyDescriptor(Navigator.prototype, 'plugins');
  const depth = Object.getOwnPropertyDescriptor(Screen.prototype, 'colorDepth');
  out.getters = [plugins.get.name, plugins.get.length, typeof plugins.set, plugins.enumerable,
    plugins.configurable, depth.get.name, Object.keys(Navigator.prototype).length];
  out.device = [navigator.hardwareConcurrency, navigator.deviceMemory, navigator.plugins.length,
    navigator.mimeTypes.length, navigator.pdfViewerEnabled, screen.colorDepth, screen.pixelDepth];
  try { plugins.get.call({}); out.illegalGet = 'no error'; }
  catch (e) { out.illegalGet = e.constructor.name; }
  out.rtc = [RTCPeerConnection === webkitRTCPeerConnection, RTCPeerConnection.name,
    RTCPeerConnection.length];
  const pc = new RTCPeerConnection();
  out.rtcInstance = pc instanceof RTCPeerConnection && pc.constructor === RTCPeerConnection;
  out.channel = pc.createDataChannel('x').label;
  pc.close();
  const live = new AudioContext();
  out.live = [live instanceof AudioContext, live.constructor === AudioContext, AudioContext.name];
  await live.close();
  out.battery = typeof (await navigator.getBattery()).level;
  out.devices = Array.isArray(await navigator.mediaDevices.enumerateDevices());
  return out;
}"""

_DECODE_JS = """async (src) => {
  const img = new Image(); img.src = src; await img.decode();
  return [img.naturalWidth, img.naturalHeight];
}"""


@pytest.fixture(scope="module")
def font_probe(capture_options: CaptureOptions) -> SiteResult:
    """The font-probing page, captured on its own by one visitor."""
    from scanner.browser.session import Browser
    from scanner.runner import capture_site

    async def run() -> SiteResult:
        async with Browser(capture_options) as browser:
            return await capture_site(browser, Site("Vingerstad", SITE), [FONT_PAGE])

    return asyncio.run(run())


@pytest.mark.browser
def test_font_probing_counted_exactly_once_per_script(font_probe: SiteResult) -> None:
    calls = [(a.api, a.initiator.url if a.initiator else None) for a in font_probe.api_calls]
    assert calls == [("font.measureText", FONT_SCRIPT)]
    call = font_probe.api_calls[0]
    assert call.count == 10_000
    assert call.page_url == FONT_PAGE and call.frame_url == FONT_PAGE
    assert call.origin == "https://www.vingerstad.nl"
    assert call.initiator is not None
    assert any(FONT_SCRIPT in frame for frame in call.initiator.stack)
    # Not the first page of a fresh visitor? It is: one screenshot, of this page.
    assert [s.page_url for s in font_probe.screenshots] == [FONT_PAGE]


@pytest.mark.browser
def test_hooks_change_no_result(capture_options: CaptureOptions, testweb: Any) -> None:
    """Hooked and plain Chromium give the same pixels, sizes, strings and errors."""
    from playwright.async_api import async_playwright

    from scanner.browser.session import Browser

    async def hooked() -> dict[str, Any]:
        async with Browser(capture_options) as browser, browser.visitor() as visitor:
            await visitor.visit(SITE + "afval/")
            page = visitor._page  # the visitor's own page: hooks are installed there
            assert page is not None
            result: dict[str, Any] = await page.evaluate(_PROBE_JS)
            return result

    async def plain() -> dict[str, Any]:
        async with Browser(capture_options) as browser:
            assert browser.executable is not None
            async with async_playwright() as pw:
                context = await pw.chromium.launch_persistent_context(
                    "",
                    executable_path=browser.executable.path,
                    headless=True,
                    args=[
                        f"--host-resolver-rules={capture_options.host_resolver_rules()}",
                        "--ignore-certificate-errors-spki-list="
                        + ",".join(capture_options.trust_cert_spki),
                    ],
                )
                try:
                    page = context.pages[0]
                    await page.goto(SITE + "afval/")
                    result: dict[str, Any] = await page.evaluate(_PROBE_JS)
                    return result
                finally:
                    await context.close()

    with_hooks, without = asyncio.run(hooked()), asyncio.run(plain())
    assert with_hooks == without
    assert with_hooks["illegal"] == "TypeError" and with_hooks["noNew"] == "TypeError"
    assert with_hooks["audioIsInstance"] is True
    assert with_hooks["names"][0] == "toDataURL"
    assert with_hooks["getters"][0] == "get plugins" and with_hooks["illegalGet"] == "TypeError"
    assert with_hooks["rtc"][0] is True and with_hooks["rtcInstance"] is True
    assert with_hooks["live"] == [True, True, "AudioContext"]


@pytest.mark.browser
def test_first_page_screenshot_is_a_viewport_jpeg(
    captured: dict[str, Captured], capture_options: CaptureOptions
) -> None:
    from scanner.browser.session import Browser

    result = captured["www.vingerstad.nl"].result
    assert len(result.pages) == 2
    assert len(result.screenshots) == 1, "only the first page a visitor opens"
    shot = result.screenshots[0]
    assert (shot.label, shot.page_url, shot.mime, shot.phase) == (
        "page",
        SITE,
        "image/jpeg",
        Phase.NONE,
    )
    data = base64.b64decode(shot.data, validate=True)
    assert data[:3] == b"\xff\xd8\xff" and data.rstrip(b"\x00")[-2:] == b"\xff\xd9"
    assert jpeg_size(data) == capture_options.viewport == (1366, 768)
    assert len(data) < 300_000

    async def decode() -> list[int]:
        async with Browser(capture_options) as browser, browser.visitor() as visitor:
            page = visitor._page
            assert page is not None
            size: list[int] = await page.evaluate(
                _DECODE_JS, f"data:{shot.mime};base64,{shot.data}"
            )
            return size

    assert tuple(asyncio.run(decode())) == (1366, 768)
    for key, c in captured.items():
        assert [s.page_url for s in c.result.screenshots] == [c.manifest["pages"][0]["url"]], key


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG's start-of-frame marker; ``None`` if there is none."""
    index = 2
    while index + 4 <= len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        (length,) = struct.unpack(">H", data[index + 2 : index + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return int(width), int(height)
        index += 2 + length
    return None


# ----------------------------------------------------------------- recorder alone


def _api(kind: str, api: str, by: str, href: str, count: int = 1) -> dict[str, Any]:
    report: dict[str, Any] = {
        "kind": kind,
        "api": api,
        "by": by,
        "count": count,
        "href": href,
        "origin": "https://www.vingerstad.nl",
    }
    if kind == "api":
        report["stack"] = [f"draw ({by}:3:7)", f"{by}:9:1"]
    return report


def test_recorder_sums_counts_per_script_frame_and_page() -> None:
    va = "https://cdn.vingerafdruk-analytics.com/v2/va.js"
    recorder = Recorder(phase=Phase.NONE)
    recorder.start_page(SITE, 0.0)
    recorder.hook_report(_api("api", "canvas.getImageData", va, SITE), SITE, 0.1)
    recorder.hook_report(_api("api_count", "canvas.getImageData", va, SITE, 41), SITE, 1.1)
    recorder.hook_report(_api("api", "canvas.getImageData", FONT_SCRIPT, SITE), SITE, 1.2)
    recorder.start_page(SITE + "afval/", 5.0)
    # The last flush of the home page arrives after the visitor moved on.
    recorder.hook_report(_api("api_count", "canvas.getImageData", va, SITE, 8), None, 5.1)
    recorder.hook_report(
        _api("api", "canvas.getImageData", va, SITE + "afval/"), SITE + "afval/", 5.2
    )
    calls = recorder.api_calls()
    summary = [
        (a.page_url, a.initiator.url if a.initiator else None, a.frame_url, a.count) for a in calls
    ]
    assert summary == [
        (SITE, va, SITE, 50),
        (SITE, FONT_SCRIPT, SITE, 1),
        (SITE + "afval/", va, SITE + "afval/", 1),
    ]
    first = calls[0]
    assert first.initiator is not None
    assert first.initiator.stack == (f"draw@{va}:3:7", f"(anonymous)@{va}:9:1")
    assert first.initiator.line == 3
    assert first.origin == "https://www.vingerstad.nl" and first.phase is Phase.NONE


def test_recorder_keeps_a_count_that_came_before_its_stack() -> None:
    recorder = Recorder(phase=Phase.REJECT)
    recorder.start_page(SITE, 0.0)
    recorder.hook_report(_api("api_count", "font.measureText", FONT_SCRIPT, SITE, 7), SITE, 0.1)
    recorder.hook_report(_api("api", "font.measureText", FONT_SCRIPT, SITE, 50), SITE, 0.2)
    recorder.hook_report(_api("api", "", FONT_SCRIPT, SITE), SITE, 0.3)  # no api: ignored
    [call] = recorder.api_calls()
    assert call.count == 57 and call.phase is Phase.REJECT
    assert call.initiator is not None and call.initiator.stack
