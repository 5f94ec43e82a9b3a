"""Drive Chromium as a first-time visitor and capture what each page does.

Choices that make the capture correct (each proven by a test on the test web):

* Every visitor gets a fresh profile directory and its own browser process
  (``launch_persistent_context``): no cookie, storage or cache is shared between
  sites, and a crash only takes one site down.
* The profile's ``Default/Preferences`` sets ``profile.cookie_controls_mode = 0``,
  so third-party cookies are accepted like in a default desktop Chrome. Chromium
  156 headless blocks them otherwise, which would hide most tracking.
* Site isolation is switched off, so cross-site iframes run in the page's process
  and one DevTools session sees their requests, cookies and storage.
* The browser's own UI pages that Chromium 156 preloads at start (the omnibox
  popup's WebUI, rendered in a renderer of its own) are switched off: a visitor
  never sees them, and they cost about a CPU-second per visitor.
* WebRTC gathers no ICE candidates (``webrtc.ip_handling_policy``
  ``disable_non_proxied_udp``): a page cannot make the visitor send UDP to an address
  the host-resolver rules and the internal-address guard never see.
* ``navigator.webdriver`` is false and the user agent says ``Chrome``, not
  ``HeadlessChrome``: some consent banners hide from automation.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import functools
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import replace
from types import TracebackType
from typing import Any, NamedTuple

from playwright.async_api import (
    BrowserContext,
    CDPSession,
    Playwright,
    async_playwright,
)
from playwright.async_api import (
    Error as PlaywrightError,
)
from playwright.async_api import (
    Page as PlaywrightPage,
)

from .. import __version__
from ..canaries import TypedField
from ..config import CaptureOptions
from ..cookies import now_iso
from ..failures import ERROR_CLASSES, classify_failure
from ..models import (
    ApiCall,
    Banner,
    ConsentChoice,
    Cookie,
    DocumentSecurity,
    Har,
    Page,
    Phase,
    Redirect,
    Request,
    Screenshot,
    StorageItem,
)
from ..netguard import browser_refusal
from . import consent, formtyping, frametree
from .archive import ARCHIVE_EVENTS, Archive
from .discovery import BrowserExecutable, browser_version, find_browser
from .instruments.network import NETWORK_ENABLE, is_recorded
from .instruments.workers import WORKER_TYPES, SeenRequest, Worker
from .profiles import kill_browsers, new_profile
from .recorder import Recorder
from .scripts import page_script
from .traceless import TRACELESS_SCREENSHOT

_BINDING = "__privacyscanRecord"
_NO_BROWSER_UI = "PreloadTopChromeWebUI,WebUIOmniboxPopup,WebUIOmniboxAimPopup"
"""Features that render browser UI (the omnibox popup) in every new browser."""
WEBRTC_POLICY = "disable_non_proxied_udp"
"""Chromium's ``webrtc.ip_handling_policy``: WebRTC only over a proxy, and a visitor has
none, so a page's peer connection gathers no ICE candidate and sends no packet (a
page's attempt at local-IP discovery is still recorded by ``hooks.js``)."""
_EVALUATE_TIMEOUT_S = 5.0
_DOCUMENTS_ONLY: dict[str, Any] = {
    "handleAuthRequests": True,
    "patterns": [{"urlPattern": "*", "resourceType": "Document"}],
}
"""``Fetch`` while a page is open: documents only (to cancel Basic-auth prompts)."""
_EVERY_REQUEST: dict[str, Any] = {
    "handleAuthRequests": True,
    "patterns": [
        {"urlPattern": "*", "requestStage": "Request"},
        {"urlPattern": "*", "requestStage": "Response"},
    ],
}
"""``Fetch`` while the visitor leaves a page: every request, and its response (status)."""
_LEAVE_TIMEOUT_S = 10.0
"""Leaving a page for ``about:blank``, at most. Generous: a page's unload handlers may
keep the renderer busy (``www.blijfhier.nl``'s ``pagehide``: 3 s), and a navigation
given up while they run leaves the next one stuck until its own timeout. A page that
stopped answering during its visit is not left at all (it could run no handler)."""
_LEAVE_MIN_S = 0.15
_LEAVE_QUIET_S = 0.12
_LEAVE_CAP_S = 0.4
"""After leaving starts, wait at least ``_LEAVE_MIN_S``, until ``_LEAVE_QUIET_S`` passed
without a new request and every one was answered, never longer than ``_LEAVE_CAP_S``."""
_LEAVE_EVENTS = frozenset(
    {"pagehide", "unload", "beforeunload", "visibilitychange", "freeze", "pageswap"}
)
"""Events a page gets as it is left (on its window or document)."""
FLUSH_LISTENER = "__privacyscan_hooks_flush__"
"""The name of ``hooks.js``'s own ``pagehide`` listener: not the page's."""
_LEAVE_WORLD = "privacyscan-leaving"
"""The DevTools object group of :meth:`Visitor._sends_when_left`."""
_PLAYWRIGHT_WORLD = "__playwright_utility_world_"
"""How the isolated world Playwright makes in every document is named (``crPage``)."""
_LEAVE_FRAMES_CHECKED = 12
"""Frames (the page's own included) whose listeners are looked at before leaving; a
page with more is left without looking (a DevTools call a frame)."""
_SCREENSHOT_TIMEOUT_S = 5.0
"""``page.screenshot`` waits for a frame (and fonts) and can hang on a busy page."""
_CLOSE_TIMEOUT_S = 20.0
"""How long closing a visitor's browser may take before its processes are killed."""
_KILLED_WAIT_S = 5.0
"""After the kill: how long to wait for the processes to be gone."""
_HAR_LIMIT = 256 * 1024 * 1024
"""An archive larger than this (bodies of a huge site) is not kept: a scan's memory
stays bounded; the model says nothing was kept."""
_SCREENSHOT_QUALITY = 60
"""JPEG quality: text on a 1366×768 page stays readable at a tenth of a PNG's size."""


class VisitorResults(NamedTuple):
    """Everything one visitor captured over the pages it opened."""

    cookies: list[Cookie]
    requests: list[Request]
    storage: list[StorageItem]
    api_calls: list[ApiCall]
    screenshots: list[Screenshot]
    documents: tuple[DocumentSecurity, ...] = ()
    """Security facts of each page's document (first visitor only)."""


class Browser:
    """Playwright plus a discovered Chromium; hands out one :class:`Visitor` per site."""

    def __init__(self, options: CaptureOptions) -> None:
        self.options = options
        self._playwright: Playwright | None = None
        self.executable: BrowserExecutable | None = None
        self.version = ""

    async def __aenter__(self) -> Browser:
        self.executable = await asyncio.to_thread(find_browser, self.options.browser_path)
        self._playwright = await async_playwright().start()
        self.version = await asyncio.to_thread(browser_version, self.executable.path)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._playwright is not None:
            await self._playwright.stop()
            self._playwright = None

    def visitor(self, phase: Phase = Phase.NONE, *, har: bool = True) -> Visitor:
        """A fresh first-time visitor (new profile, new browser process); ``har=False``:
        without an HTTP Archive whatever the options say (a repeat visit's is not kept)."""
        if self._playwright is None or self.executable is None:
            raise RuntimeError("use 'async with Browser(...)' first")
        options = self.options if har else dataclasses.replace(self.options, har=False)
        return Visitor(self._playwright, self.executable.path, self.version, options, phase)

    def user_agent(self) -> str:
        """An ordinary desktop Chrome user agent for this browser's major version."""
        return default_user_agent(self.version)


def default_user_agent(version: str) -> str:
    """``Mozilla/5.0 … Chrome/156.0.0.0 Safari/537.36``: what Chrome on Linux sends."""
    number = version.split()[-1] if version and version != "unknown" else "156.0.0.0"
    major = number.split(".")[0] if number[:1].isdigit() else "156"
    return (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        f"Chrome/{major}.0.0.0 Safari/537.36"
    )


def launch_args(options: CaptureOptions) -> list[str]:
    """Chromium's command line for a visitor (no automation flag, one renderer for a
    page and its iframes), reaching the hosts ``options`` map and trusting its certificates."""
    args = [
        "--disable-site-isolation-trials",
        "--disable-features=IsolateOrigins,site-per-process,HttpsUpgrades," + _NO_BROWSER_UI,
        "--disable-blink-features=AutomationControlled",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-component-update",
        "--disable-sync",
    ]
    rules = options.host_resolver_rules()
    if rules:
        args.append(f"--host-resolver-rules={rules}")
    if options.trust_cert_spki:
        args.append("--ignore-certificate-errors-spki-list=" + ",".join(options.trust_cert_spki))
    if options.ignore_cert_errors:
        # Playwright's ignore_https_errors alone still lets Chromium refuse service
        # workers ("An SSL certificate error occurred when fetching the script");
        # the switch accepts the certificate for them too.
        args.append("--ignore-certificate-errors")
    return args


class Visitor:
    """One visitor: a browser with a fresh profile that opens pages in sequence."""

    def __init__(
        self,
        playwright: Playwright,
        executable: str,
        version: str,
        options: CaptureOptions,
        phase: Phase,
    ) -> None:
        self._playwright = playwright
        self._executable = executable
        self._version = version
        self.options = options
        self.phase = phase
        self.recorder = Recorder(
            phase=phase,
            raw_values=options.raw_values,
            refused_kind=functools.partial(
                browser_refusal,
                map_hosts=options.map_hosts,
                allow_private_network=options.allow_private_network,
            ),
        )
        self._profile: str | None = None
        self._archive = (
            Archive(
                content=options.har_content,
                browser_version=version,
                creator_version=__version__,
                limit=_HAR_LIMIT,
            )
            if options.har
            else None
        )
        """The visitor's HTTP Archive as it is recorded (``--har``)."""
        self._context: BrowserContext | None = None
        self._page: PlaywrightPage | None = None
        self._cdp: CDPSession | None = None
        self._consent = consent.ConsentMemory()
        self._pending: set[asyncio.Future[None]] = set()
        self._workers: dict[str, Worker] = {}
        """Workers attached to, by DevTools session."""
        self._hooked: set[str] = set()
        """Workers (by DevTools session) stopped before their first script for the hooks."""
        self._main_worlds: dict[str, int] = {}
        """Each frame's page world (DevTools execution context), by frame id."""
        self._quiet_worlds: dict[str, int] = {}
        """Each frame's isolated world that Playwright makes in every document (its
        utility world): the form-typing step reads the frame there instead of making a
        world of its own (a new world costs the renderer more than the read)."""
        self._checks: set[asyncio.Future[None]] = set()
        """Requests DevTools missed whose status and address are being looked up."""
        self.pages: list[Page] = []
        self.screenshots: list[Screenshot] = []
        self._open = False
        """A page is open that the visitor has not left yet (:meth:`leave`)."""
        self.leave_ms: list[int] = []
        """How long leaving each page took (milliseconds)."""
        self.crashed = False
        """The renderer or the whole browser died; the site is retried by the engine."""
        self.har: Har | None = None
        """The visitor's HTTP Archive, read when its browser has closed."""
        self._typing = False
        """The form-typing step is on: every document request is failed (no submission)."""
        self._typed_fields: set[formtyping.FieldKey] = set()
        """Fields typed into on this visitor's earlier pages (:mod:`.formtyping`)."""

    async def __aenter__(self) -> Visitor:
        self._profile = new_profile()
        try:
            await self._launch(self._profile)
        except BaseException:
            await self._close()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._close()

    async def _launch(self, profile: str) -> None:
        options = self.options
        os.makedirs(os.path.join(profile, "Default"), exist_ok=True)
        with open(os.path.join(profile, "Default", "Preferences"), "w", encoding="utf-8") as fh:
            # cookie_controls_mode 0 = allow third-party cookies, 1 = block them.
            allow = options.third_party_cookies
            prefs = {
                "profile": {
                    "cookie_controls_mode": 0 if allow else 1,
                    "block_third_party_cookies": not allow,
                },
                # WebRTC sends UDP (STUN, mDNS) to any address a page names, past the
                # host-resolver rules: no candidate is gathered, so nothing is sent.
                "webrtc": {"ip_handling_policy": WEBRTC_POLICY},
            }
            json.dump(prefs, fh)
        args = launch_args(options)
        self._context = await self._playwright.chromium.launch_persistent_context(
            profile,
            executable_path=self._executable,
            headless=options.headless,
            args=args,
            ignore_default_args=["--enable-automation"],
            chromium_sandbox=os.geteuid() != 0 if hasattr(os, "geteuid") else True,
            locale=options.locale,
            timezone_id=options.timezone,
            user_agent=options.user_agent or default_user_agent(self._version),
            viewport={"width": options.viewport[0], "height": options.viewport[1]},
            ignore_https_errors=options.ignore_cert_errors,
            accept_downloads=False,
            service_workers="allow",
        )
        context = self._context
        await context.add_init_script(page_script("hooks.js"))
        context.on("page", self._on_new_page)
        # What a worker fetched before DevTools could watch it (see instruments.workers).
        context.on("requestfinished", self._on_request_finished)
        context.on("requestfailed", self._on_request_failed)
        self._page = context.pages[0] if context.pages else await context.new_page()
        self._page.on("dialog", self._on_dialog)
        self._page.on("crash", self._on_crash)
        context.on("close", self._on_crash)
        cdp = await context.new_cdp_session(self._page)
        self._cdp = cdp
        # Handlers look the recorder up on each event: restart_recording() swaps it.
        methods = set(self.recorder.cdp_events)
        if self._archive is not None:
            methods |= ARCHIVE_EVENTS
        for method in sorted(methods):
            _listen(cdp, method, functools.partial(self._on_cdp, method))
        _listen(cdp, "Network.loadingFinished", self._on_loading_finished)
        _listen(cdp, "Network.requestWillBeSent", self._on_request)
        # A DevTools binding is one-way: a page writing 5,000 cookies costs no round
        # trips (Playwright's expose_binding waits for a reply to every call).
        _listen(cdp, "Runtime.bindingCalled", self._on_binding)
        # A Basic-auth challenge: headless Chromium has no prompt and fails the page with
        # ERR_INVALID_AUTH_CREDENTIALS. A visitor cancels the prompt and sees the 401 page;
        # answering the challenge takes interception, so intercept documents only.
        _listen(cdp, "Fetch.requestPaused", self._on_request_paused)
        _listen(cdp, "Fetch.authRequired", self._on_auth_required)
        # Workers are targets of their own: attached to as they start (below).
        _listen(cdp, "Target.attachedToTarget", self._on_attached)
        _listen(cdp, "Target.receivedMessageFromTarget", self._on_target_message)
        _listen(cdp, "Target.detachedFromTarget", self._on_detached)
        # Each frame's page world, to read its listeners before leaving.
        _listen(cdp, "Runtime.executionContextCreated", self._on_context_created)
        _listen(cdp, "Runtime.executionContextDestroyed", self._on_context_destroyed)
        _listen(cdp, "Runtime.executionContextsCleared", self._on_contexts_cleared)
        await cdp.send("Runtime.addBinding", {"name": _BINDING})
        await cdp.send("Runtime.enable")
        await cdp.send("Page.enable")
        # POST bodies up to the limit come with the request (the recorder keeps only
        # those of known pixels and analytics hits, to decode what they sent).
        await cdp.send("Network.enable", NETWORK_ENABLE)
        await cdp.send("DOMStorage.enable")
        if self.phase is Phase.NONE:  # mixed-content reports, for the security rules
            await cdp.send("Audits.enable")
        await cdp.send("Fetch.enable", _DOCUMENTS_ONLY)
        # Dedicated, shared and service workers: each paused at its start until its
        # Network domain is on, so its first request is seen. Not flattened: a
        # Playwright CDPSession drops the events of child sessions it did not make
        # itself, so the workers' messages come wrapped in Target events instead.
        await cdp.send(
            "Target.setAutoAttach",
            {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": False},
        )
        tree = await cdp.send("Page.getFrameTree")
        self.recorder.frame_tree(tree["frameTree"])

    async def _close(self) -> None:
        for task in list(self._pending):
            task.cancel()
        profile, self._profile = self._profile, None
        archive, self._archive = self._archive, None
        try:
            if self._context is not None:
                context, self._context = self._context, None
                try:
                    await asyncio.wait_for(context.close(), timeout=_CLOSE_TIMEOUT_S)
                except Exception:
                    # A browser that does not close would write into its profile after
                    # it was removed, and hold its memory until the scan ends: it is
                    # killed (what it sent until then is in the archive all the same).
                    if profile is not None:
                        await _kill(profile)
            if archive is not None:
                self.har = await asyncio.to_thread(archive.har, self.phase)
        finally:  # cancelled while closing or writing: the profile still goes
            if profile is not None:
                shutil.rmtree(profile, ignore_errors=True)

    def _on_cdp(self, method: str, event: dict[str, Any]) -> None:
        self.recorder.cdp_event(method, event, time.monotonic())
        if self._archive is not None and method in ARCHIVE_EVENTS:
            self._archive.event(method, event)

    def _on_context_created(self, event: dict[str, Any]) -> None:
        context = event.get("context") or {}
        aux = context.get("auxData") or {}
        if not aux.get("frameId") or not isinstance(context.get("id"), int):
            return
        if aux.get("isDefault"):
            self._main_worlds[str(aux["frameId"])] = context["id"]
        elif str(context.get("name", "")).startswith(_PLAYWRIGHT_WORLD):
            self._quiet_worlds[str(aux["frameId"])] = context["id"]

    def _on_context_destroyed(self, event: dict[str, Any]) -> None:
        gone = event.get("executionContextId")
        for worlds in (self._main_worlds, self._quiet_worlds):
            for frame, context in list(worlds.items()):
                if context == gone:
                    del worlds[frame]

    def _on_contexts_cleared(self, _event: dict[str, Any]) -> None:
        self._main_worlds.clear()
        self._quiet_worlds.clear()

    def _on_binding(self, event: dict[str, Any]) -> None:
        if event.get("name") != _BINDING:
            return
        try:
            report = json.loads(str(event.get("payload", "")))
        except ValueError:
            return
        if isinstance(report, dict):
            self.recorder.hook_report(report, None, time.monotonic())

    def _on_attached(self, event: dict[str, Any]) -> None:
        session = str(event.get("sessionId", ""))
        info = event.get("targetInfo") or {}
        if info.get("type") in WORKER_TYPES:
            worker = Worker(session, str(info.get("url", "")), str(info["type"]))
            self._workers[session] = worker
            self.recorder.worker_started(worker)
            self._spawn(self._start_worker(session))
        else:  # not a worker (another target kind): let it run, unwatched
            self._spawn(self._start_worker(session, watch=False))

    async def _start_worker(self, session: str, *, watch: bool = True) -> None:
        """Turn the worker's Network domain on, then let it run (always: a worker left
        waiting for the debugger never runs)."""
        try:
            if watch:
                await self._to_target(session, 1, "Network.enable", NETWORK_ENABLE)
                # The page's hooks, in the worker before its first line runs (what a
                # script does in a worker, a fingerprint on an OffscreenCanvas, is seen
                # as in a page): asked to pause, the worker stops at its first statement,
                # the hooks are evaluated, and the debugger goes (which lets it run on).
                # An evaluate sent before the worker runs may be answered only after its
                # script ran, and an instrumentation breakpoint did not always stop it.
                # The binding's calls come wrapped like the worker's events.
                await self._to_target(session, 3, "Runtime.enable", {})
                await self._to_target(session, 4, "Runtime.addBinding", {"name": _BINDING})
                await self._to_target(session, 6, "Debugger.enable", {})
                await self._to_target(session, 7, "Debugger.pause", {})
        finally:
            await self._to_target(session, 2, "Runtime.runIfWaitingForDebugger", {})
            if not watch and self._cdp is not None:
                await _quietly(self._cdp.send("Target.detachFromTarget", {"sessionId": session}))

    async def _hook_worker(self, session: str) -> None:
        """The worker stopped before its first script: the hooks, then on it runs."""
        await self._to_target(
            session, 5, "Runtime.evaluate", {"expression": page_script("hooks.js")}
        )
        await self._to_target(session, 8, "Debugger.disable", {})

    async def _to_target(
        self, session: str, message_id: int, method: str, params: dict[str, Any]
    ) -> None:
        if self._cdp is None:
            return
        message = json.dumps({"id": message_id, "method": method, "params": params})
        await _quietly(
            self._cdp.send("Target.sendMessageToTarget", {"sessionId": session, "message": message})
        )

    def _on_target_message(self, event: dict[str, Any]) -> None:
        worker = self._workers.get(str(event.get("sessionId", "")))
        if worker is None:
            return
        try:
            message = json.loads(str(event.get("message", "")))
        except ValueError:
            return
        method = message.get("method") if isinstance(message, dict) else None
        params = message.get("params") if isinstance(message, dict) else None
        if method == "Debugger.paused" and worker.session not in self._hooked:
            self._hooked.add(worker.session)
            self._spawn(self._hook_worker(worker.session))
            return
        if method == "Runtime.bindingCalled" and isinstance(params, dict):
            self._on_binding(params)
            return
        if isinstance(method, str) and isinstance(params, dict):
            self.recorder.worker_event(worker, method, params, time.monotonic())
            if self._archive is not None and method in ARCHIVE_EVENTS:
                self._archive.event(method, params, worker.session)

    def _on_detached(self, event: dict[str, Any]) -> None:
        self._workers.pop(str(event.get("sessionId", "")), None)

    def _on_request_finished(self, request: Any) -> None:
        self._check_missed(request, None)

    def _on_request_failed(self, request: Any) -> None:
        self._check_missed(request, str(request.failure or "failed"))

    def _ours(self, request: Any) -> bool:
        """Whether a request (not a service worker's) is of the visitor's own page."""
        try:
            return bool(request.frame.page is self._page)
        except PlaywrightError:
            return False

    def _check_missed(self, request: Any, failure: str | None) -> None:
        """A request the automation saw finish: if DevTools did not record it (a worker's
        first requests, a service worker's script), record it from what the automation
        knows (:mod:`.instruments.workers`). DevTools' record of a request begins when
        it starts, long before the automation's report that it finished."""
        url, method = str(request.url), str(request.method)
        if not is_recorded(url) or not self.recorder.unrecorded(url, method):
            return
        worker = request.service_worker
        if worker is None and not self._ours(request):
            return  # a popup's, closed already
        seen = SeenRequest(
            url=url,
            method=method,
            resource_type=str(request.resource_type),
            service_worker=str(worker.url) if worker is not None else None,
            failed=failure,
        )
        task = asyncio.ensure_future(self._record_missed(request, seen, time.monotonic()))
        self._pending.add(task)
        self._checks.add(task)
        task.add_done_callback(self._pending.discard)
        task.add_done_callback(self._checks.discard)

    async def _record_missed(self, request: Any, seen: SeenRequest, now: float) -> None:
        """The missed request's status and address (two round trips), then recorded."""
        started = (getattr(request, "timing", None) or {}).get("startTime")
        wall = started / 1000 if isinstance(started, (int, float)) and started > 0 else time.time()
        response = await _bounded(request.response(), _EVALUATE_TIMEOUT_S)
        if response is not None:
            address = await _bounded(response.server_addr(), _EVALUATE_TIMEOUT_S)
            seen = replace(
                seen,
                status=int(response.status) or None,
                remote_ip=str(address["ipAddress"]) if address else None,
            )
        self.recorder.missed_request(seen, now)
        if self._archive is not None:
            self._archive.missed(seen, wall)

    async def _missed_checked(self) -> None:
        """Wait (bounded) for the missed requests being looked up to be recorded."""
        if self._checks:
            await asyncio.wait(set(self._checks), timeout=_EVALUATE_TIMEOUT_S)

    def _on_request_paused(self, event: dict[str, Any]) -> None:
        request_id = event["requestId"]
        response = "responseStatusCode" in event or "responseErrorReason" in event
        if self._typing and not response:
            # Typing submits nothing: no form submission, no navigation a page script
            # starts on input. ``Aborted`` leaves the page as it is (no error page).
            # (While typing, only documents are intercepted.)
            self.recorder.not_submitted(str(event.get("networkId") or ""))
            self._answer("Fetch.failRequest", {"requestId": request_id, "errorReason": "Aborted"})
            return
        # Every other pause is continued at once, unchanged (whatever recording it does):
        # nothing is blocked or altered.
        recorded = False
        try:
            recorded = self.recorder.leaving_paused(event, time.monotonic())
        finally:
            if response:
                self._spawn(self._continue_response(request_id))
            elif recorded:
                self._spawn(self._continue_leaving(request_id))
            else:
                self._answer("Fetch.continueRequest", {"requestId": request_id})

    async def _continue_response(self, request_id: str) -> None:
        """A response paused while leaving (its status is recorded): let it through."""
        if self._cdp is None:
            return
        try:
            await self._cdp.send("Fetch.continueResponse", {"requestId": request_id})
        except Exception:  # an error response: continued as a request instead
            await _quietly(self._cdp.send("Fetch.continueRequest", {"requestId": request_id}))

    async def _continue_leaving(self, request_id: str) -> None:
        """A request the page sent as it was left: continued; if it cannot be, it went
        with its document (not sent at all)."""
        if self._cdp is None:
            return
        try:
            await self._cdp.send("Fetch.continueRequest", {"requestId": request_id})
        except Exception:
            self.recorder.leaving_cancelled(request_id)

    def _on_auth_required(self, event: dict[str, Any]) -> None:
        # Never send credentials, not even dummy ones: cancel, as a visitor would.
        self._answer(
            "Fetch.continueWithAuth",
            {"requestId": event["requestId"], "authChallengeResponse": {"response": "CancelAuth"}},
        )

    def _answer(self, method: str, params: dict[str, Any]) -> None:
        if self._cdp is not None:
            self._spawn(_quietly(self._cdp.send(method, params)))

    def _spawn(self, awaitable: Any) -> None:
        """Run work an event handler cannot await; :meth:`_close` cancels what is left."""
        task = asyncio.ensure_future(awaitable)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    def _on_crash(self, _target: Any) -> None:
        self.crashed = True

    def _on_dialog(self, dialog: Any) -> None:
        # alert/confirm/prompt would block the page: dismiss, like a visitor closing it.
        self._spawn(_dismiss(dialog))

    def _on_new_page(self, page: PlaywrightPage) -> None:
        # Popups (window.open) are not part of a first-time visit: close them.
        if page is not self._page:
            self._spawn(_close_quietly(page))

    def _on_loading_finished(self, event: dict[str, Any]) -> None:
        # The recorder has it too (network activity); this reads small images' bodies,
        # and every body for an archive that embeds them (``--har-content``).
        request_id = event["requestId"]
        if self._cdp is None:
            return
        image = self.recorder.wants_body(request_id, float(event.get("encodedDataLength", 0)))
        archive = self._archive is not None and self._archive.wants_body(request_id)
        if image or archive:
            self._spawn(self._read_body(request_id, image=image, archive=archive))

    def _on_request(self, event: dict[str, Any]) -> None:
        # After the recorder's own handler: a POST body too large to come with the event
        # is read at once (a recorder's fetch may never finish loading), for snapshots
        # and, after the form-typing step, for what was typed.
        if self._cdp is not None and self.recorder.wants_post_body(event["requestId"]):
            self._spawn(self._read_post_body(event["requestId"]))

    async def _read_body(self, request_id: str, *, image: bool, archive: bool) -> None:
        assert self._cdp is not None
        with contextlib.suppress(Exception):
            body = await self._cdp.send("Network.getResponseBody", {"requestId": request_id})
            text, encoded = str(body["body"]), bool(body.get("base64Encoded"))
            if image:
                self.recorder.image_body(request_id, text, encoded)
            if archive and self._archive is not None:
                self._archive.body(request_id, text, encoded)

    async def _read_post_body(self, request_id: str) -> None:
        assert self._cdp is not None
        with contextlib.suppress(Exception):
            body = await self._cdp.send("Network.getRequestPostData", {"requestId": request_id})
            self.recorder.post_body(request_id, str(body.get("postData", "")))

    async def visit(self, url: str) -> Page:
        """Open ``url`` like a visitor, wait for late trackers, and record the page."""
        assert self._page is not None and self._cdp is not None
        await self.leave()
        page = self._page
        options = self.options
        started_at = now_iso()
        t0 = time.monotonic()
        self.recorder.start_page(url, t0)
        error: str | None = None
        message: str | None = None
        status: int | None = None
        redirects: list[Redirect] = []
        load_ms: int | None = None
        first_page = not self.pages
        content_type = ""
        try:
            response = await page.goto(
                url, wait_until="load", timeout=options.page_timeout_s * 1000
            )
            load_ms = int((time.monotonic() - t0) * 1000)
            if response is not None:
                status = response.status
                # The headers that came with the response: no call into the browser.
                content_type = response.headers.get("content-type", "")
                redirects = await _redirect_chain(response)
        except PlaywrightError as exc:
            # The document's own failure (a reset mid-body) says more than the timeout.
            cause = self.recorder.main_document_error
            text = cause if cause and "ERR_ABORTED" not in cause else str(exc)
            error, message = classify_failure(text)
        committed = page.url not in ("", "about:blank")
        if error is None and content_type and not _is_html(content_type) and (status or 0) < 400:
            error = "not_html"
            message = f"{ERROR_CLASSES['not_html']} ({content_type.split(';')[0]})"
        calls = _PageCalls()
        if committed and error != "browser_crash":
            if first_page and self.phase is Phase.NONE:
                await self._screenshot(page, url)
            if options.scroll:
                await calls.run(page.evaluate(page_script("scroll.js")), None)
            await self._settle(t0 + (load_ms or 0) / 1000)
        title = ""
        links: tuple[str, ...] = ()
        if committed and error != "browser_crash":
            first_visitor = self.phase is Phase.NONE
            read = await calls.run(page.evaluate(page_script("page_reads.js"), first_visitor), {})
            read = read if isinstance(read, dict) else {}
            title = str(read.get("title") or "")
            links = tuple(read.get("links") or ())
            if first_visitor:
                self.recorder.page_scripts(list(read.get("scripts") or []))
            if calls.responsive:
                await self._snapshot_storage(page, read.get("indexeddb"))
            if (
                error is None
                and calls.responsive
                and self.phase is Phase.NONE
                and options.form_typing
                and not self.crashed
            ):
                await self._type_canaries()
        await self._missed_checked()
        await self._snapshot_jar()
        commits = self.recorder.main_commits
        if len(commits) > 1:
            # Client-side redirects (meta refresh, script) after the first document.
            redirects += [Redirect(u, 0) for u in commits[: options.max_navigations][:-1]]
        if self.crashed:
            error, message = classify_failure("Target crashed")
        elif len(commits) > options.max_navigations:
            error = "redirects"
            message = (
                f"The page kept redirecting or reloading itself "
                f"(more than {options.max_navigations} navigations)."
            )
        elif error is None and status is not None and status >= 400:
            error, message = "http", f"The server answered HTTP {status}."
        final_url = page.url if committed else None
        result = Page(
            url=url,
            phase=self.phase,
            final_url=final_url,
            status=status,
            title=title[:1000],
            redirects=tuple(redirects),
            started_at=started_at,
            load_ms=load_ms,
            duration_ms=int((time.monotonic() - t0) * 1000),
            links=links,
            error=error,
            error_message=message,
        )
        self.pages.append(result)
        self._open = committed and not self.crashed and calls.responsive
        return result

    async def _type_canaries(self) -> None:
        """The form-typing step (:mod:`.formtyping`), after the page's normal capture,
        in the page and in its frames: requests carrying the typed values are marked
        (``Request.typed``)."""
        if self._cdp is None:
            return
        surveys = await _bounded(
            formtyping.survey(self._cdp, dict(self._quiet_worlds)), _EVALUATE_TIMEOUT_S
        )
        if not isinstance(surveys, list):
            return  # a page that does not answer a read has nothing typed into it either
        typed_before = self._typed_fields
        todo = [found for found in surveys if found.survey.keys() - typed_before]
        if not todo:
            return  # no field, or only fields typed on an earlier page with these scripts
        self._typing = True
        deadline = time.monotonic() + formtyping.STEP_BUDGET_S
        try:
            plan: list[tuple[formtyping.FrameSurvey, list[formtyping.Typable]]] = []
            room = formtyping.MAX_FIELDS
            for found in todo:
                if room <= 0 or not await _bounded(formtyping.shown(self._cdp, found), 5.0):
                    continue
                survey = found.survey

                def typed_already(f: TypedField, survey: formtyping.Survey = survey) -> bool:
                    return survey.keys([f]) <= typed_before

                fields = formtyping.typable(found, typed_already)[:room]
                if fields:
                    plan.append((found, fields))
                    room -= len(fields)
            if not plan:
                return
            self.recorder.watch_typed([f for _, fields in plan for _, f in fields])
            for found, fields in plan:
                typed = await _bounded(
                    formtyping.type_into(self._cdp, found, fields),
                    max(deadline - time.monotonic(), formtyping.FIELD_TIMEOUT_S),
                )
                self._typed_fields |= found.survey.keys(typed or [])
            await formtyping.wait_for_requests(
                lambda: self.recorder.last_activity, started=time.monotonic()
            )
        finally:
            self._typing = False

    async def leave(self) -> None:
        """Leave the open page as a visitor does (for a blank tab), and record what the
        page sends as it goes, for that page (:mod:`.instruments.leaving`).

        :meth:`visit` leaves the open page before it opens the next one; the runner
        leaves the last one before the results. Bounded by :data:`_LEAVE_TIMEOUT_S`
        (a page that hangs in its unload handlers cannot hold the visit); a page that
        stopped answering during its visit is not left.
        """
        if not self._open or self._page is None or self._cdp is None or self.crashed:
            return
        self._open = False
        if not self._page.url.startswith(("http://", "https://")):
            return
        sends = await _bounded(self._sends_when_left(self._cdp), _EVALUATE_TIMEOUT_S)
        if sends is False:
            return
        t0 = time.monotonic()
        try:
            await asyncio.wait_for(self._leave(self._page, self._cdp, t0), _LEAVE_TIMEOUT_S + 2)
        except (TimeoutError, PlaywrightError):
            pass
        finally:
            # Back to documents only; pauses still on their way are continued all the same.
            await _bounded(self._cdp.send("Fetch.enable", _DOCUMENTS_ONLY), _LEAVE_TIMEOUT_S)
        self.leave_ms.append(int((time.monotonic() - t0) * 1000))
        await self._snapshot_jar()  # a beacon's answer may set cookies

    async def _sends_when_left(self, cdp: CDPSession) -> bool:
        """Whether the open page may send anything as it is left: it deferred a request
        (``fetchLater``), or a listener for leaving is on the window or document of the
        page or of one of its frames, nested ones too (added by a script, set as a
        handler or by an HTML attribute; read in each frame's page world, since DevTools
        lists a target's listeners only to the world that asks; site isolation is off,
        so every frame is in the page's process). Anything not known
        for sure counts as yes, and so does a page with more than
        :data:`_LEAVE_FRAMES_CHECKED` frames. Leaving is a navigation (about 0.07
        CPU-s): a page with nothing that runs as it goes is not left."""
        if self.recorder.deferred_requests:
            return True
        try:
            tree = await cdp.send("Page.getFrameTree")
            frames = [frame.frame_id for frame in frametree.frames(tree["frameTree"])]
            worlds = [self._main_worlds.get(frame) for frame in frames]
            if len(frames) > _LEAVE_FRAMES_CHECKED or None in worlds:
                return True  # a frame whose page world is not known (yet) may send
            found = await asyncio.gather(
                *(_listens_for_leaving(cdp, world) for world in worlds if world is not None)
            )
            # The window and document references go with their documents: the page is
            # left or the next one opened next (no release call needed).
            return any(found)
        except (PlaywrightError, KeyError, TypeError):
            return True

    async def _leave(self, page: PlaywrightPage, cdp: CDPSession, t0: float) -> None:
        self.recorder.begin_leaving(t0)
        await cdp.send("Fetch.enable", _EVERY_REQUEST)
        await page.goto("about:blank", wait_until="commit", timeout=_LEAVE_TIMEOUT_S * 1000)
        committed = time.monotonic()
        while True:
            now = time.monotonic()
            if now - t0 >= _LEAVE_CAP_S or self.crashed:
                return
            recorder = self.recorder
            last = max(committed, recorder.leaving_quiet_since)
            if (
                now - t0 >= _LEAVE_MIN_S
                and now - last >= _LEAVE_QUIET_S
                and recorder.leaving_pending == 0
            ):
                return
            await asyncio.sleep(0.02)

    async def _screenshot(self, page: PlaywrightPage, url: str) -> None:
        """The viewport as the visitor first saw it (before scrolling): report evidence."""
        data = await _bounded(
            page.screenshot(
                type="jpeg",
                quality=_SCREENSHOT_QUALITY,
                timeout=_SCREENSHOT_TIMEOUT_S * 1000,
                **TRACELESS_SCREENSHOT,
            ),
            _SCREENSHOT_TIMEOUT_S + 1,
        )
        if isinstance(data, bytes) and data:
            self.screenshots.append(
                Screenshot(
                    label="page",
                    page_url=url,
                    mime="image/jpeg",
                    data=base64.b64encode(data).decode("ascii"),
                    phase=self.phase,
                )
            )

    async def _settle(self, loaded_at: float) -> None:
        """Wait for the dwell time and a quiet network, never longer than the cap."""
        options = self.options
        deadline = loaded_at + options.max_settle_s
        earliest = loaded_at + options.dwell_s
        while True:
            now = time.monotonic()
            if len(self.recorder.main_commits) > options.max_navigations:
                if self._cdp is not None:
                    await _bounded(self._cdp.send("Page.stopLoading"), _EVALUATE_TIMEOUT_S)
                return
            if now >= deadline:
                return
            # Quiet, not "no request in flight": long-polling and streams never finish.
            if now >= earliest and now - self.recorder.last_activity >= options.quiet_s:
                return
            await asyncio.sleep(0.1)

    async def _snapshot_storage(self, page: PlaywrightPage, main: Any) -> None:
        """Each frame's IndexedDB databases; ``main``: the page's own, read with the
        rest at the end of the visit (``page_reads.js``), if it answered."""
        for frame in page.frames:
            if not frame.url.startswith(("http://", "https://")):
                continue
            if frame is page.main_frame and isinstance(main, dict):
                found = main
            else:
                found = await _bounded(
                    frame.evaluate(page_script("indexeddb.js")), _EVALUATE_TIMEOUT_S
                )
            if isinstance(found, dict) and found.get("names"):
                origin = str(found.get("origin") or frame.url)
                self.recorder.indexeddb_databases(origin, list(found["names"]), frame.url)

    async def _snapshot_jar(self) -> None:
        if self._pending:
            await _bounded(asyncio.gather(*self._pending, return_exceptions=True), 5.0)
        if self._cdp is None:
            return
        jar = await _bounded(self._cdp.send("Storage.getCookies"), _EVALUATE_TIMEOUT_S)
        if isinstance(jar, dict):
            self.recorder.cookie_jar(list(jar.get("cookies", [])), time.monotonic())

    def restart_recording(self, *, keep_page: bool = False) -> None:
        """Forget what was seen so far: after a consent choice only what follows counts.

        With ``keep_page`` the page that is open stays the current page, so what it
        does from now on (a consent manager's writes at the click) is recorded on it.
        """
        self.recorder = self.recorder.fresh(keep_page=keep_page)
        self.pages = []
        self.screenshots = []

    async def detect_banner(self) -> Banner | None:
        """The consent banner on the current page, as the model records it."""
        assert self._page is not None
        page_url = self.pages[-1].url if self.pages else self._page.url
        return await consent.detect_banner(self._page, page_url=page_url, memory=self._consent)

    async def choose(self, choice: Phase) -> ConsentChoice:
        """Click reject (``Phase.REJECT``) or accept (``Phase.ACCEPT``) on the banner.

        Recording restarts at the first click: from then on, only the choice and what
        follows it is recorded (on the page that was open, then on the pages visited).
        """
        assert self._page is not None
        # What the visitor saw before choosing is not part of the choice: recording
        # starts afresh at the first click, on the page where it happens, so the
        # consent manager's own writes at the click (Klaro's localStorage) are kept.
        return await consent.choose(
            self._page,
            choice,
            on_click=lambda: self.restart_recording(keep_page=True),
            memory=self._consent,
        )

    def results(self) -> VisitorResults:
        """Cookies, requests, storage, API calls and screenshots of every page opened."""
        recorder = self.recorder
        return VisitorResults(
            cookies=recorder.cookies(),
            requests=recorder.requests(),
            storage=recorder.storage(),
            api_calls=recorder.api_calls(),
            screenshots=list(self.screenshots),
            documents=tuple(recorder.documents()),
        )


async def _kill(profile: str) -> None:
    """Kill the browser processes on ``profile`` and wait (bounded) until they are gone."""
    pids = await asyncio.to_thread(kill_browsers, profile)
    deadline = time.monotonic() + _KILLED_WAIT_S
    while pids and time.monotonic() < deadline:
        pids = [pid for pid in pids if os.path.exists(f"/proc/{pid}")]
        await asyncio.sleep(0.1)


def _listen(cdp: CDPSession, method: str, handler: Callable[[dict[str, Any]], None]) -> None:
    """``cdp.on(method, handler)``, without Playwright's wrapper around every call.

    The public ``on`` reads the handler's signature and copies the event through its
    object mapping on each event (about 30 µs for a request's event, and a page makes
    hundreds): the session's own emitter hands over the event as it came.
    """
    impl = getattr(cdp, "_impl_obj", None)
    if impl is None:  # not the object this Playwright's API wraps: the public way
        cdp.on(method, handler)
    else:
        impl.on(method, handler)


async def _redirect_chain(response: Any) -> list[Redirect]:
    hops: list[Redirect] = []
    request = response.request.redirected_from
    while request is not None:
        previous = await _bounded(request.response(), _EVALUATE_TIMEOUT_S)
        hops.append(Redirect(request.url, previous.status if previous is not None else 0))
        request = request.redirected_from
    hops.reverse()
    return hops


def _is_html(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() in {"text/html", "application/xhtml+xml"}


class _PageCalls:
    """Calls into a page, each bounded; after one times out (a hung script), the
    rest are skipped instead of each waiting out its own timeout."""

    def __init__(self) -> None:
        self.responsive = True

    async def run(self, awaitable: Any, default: Any) -> Any:
        if not self.responsive:
            if asyncio.iscoroutine(awaitable):
                awaitable.close()
            return default
        try:
            return await asyncio.wait_for(awaitable, _EVALUATE_TIMEOUT_S)
        except TimeoutError:
            self.responsive = False
            return default
        except PlaywrightError:
            return default


async def _bounded(awaitable: Any, timeout: float) -> Any:
    """``page.evaluate`` has no timeout of its own: never let a page hang the scan."""
    try:
        return await asyncio.wait_for(awaitable, timeout)
    except (TimeoutError, PlaywrightError):
        return None


async def _quietly(awaitable: Any) -> None:
    """Await a DevTools reply whose failure (request gone, page closed) changes nothing."""
    with contextlib.suppress(Exception):
        await awaitable


async def _dismiss(dialog: Any) -> None:
    # A visitor closes alerts and prompts, and leaves a page that asks "stay?".
    with contextlib.suppress(PlaywrightError):
        if dialog.type == "beforeunload":
            await dialog.accept()
        else:
            await dialog.dismiss()


async def _close_quietly(page: PlaywrightPage) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(page.close(), 5)


async def _listens_for_leaving(cdp: CDPSession, context_id: int) -> bool:
    """Whether the window or document of the frame whose main world is ``context_id``
    has a listener for an event of leaving (other than ``hooks.js``'s own): one
    side-effect-free call in the page's own world (``leave_listeners.js``; DevTools
    lists a target's listeners only to the world that asks), else, if that call could
    not run without page code with effects, the long way (:func:`_listeners_by_devtools`)."""
    found = await cdp.send(
        "Runtime.evaluate",
        {
            "expression": _leave_listeners_call(),
            "contextId": context_id,
            "includeCommandLineAPI": True,
            "throwOnSideEffect": True,
            "returnByValue": True,
            "silent": True,
        },
    )
    value = (found.get("result") or {}).get("value")
    if "exceptionDetails" not in found and isinstance(value, bool):
        return value
    return await _listeners_by_devtools(cdp, context_id)


@functools.cache
def _leave_listeners_call() -> str:
    arguments = f"{json.dumps(sorted(_LEAVE_EVENTS))}, {json.dumps(FLUSH_LISTENER)}"
    return f"({page_script('leave_listeners.js')})({arguments})"


async def _listeners_by_devtools(cdp: CDPSession, context_id: int) -> bool:
    """:func:`_listens_for_leaving` in four DevTools calls, touching no page code:
    ``window`` and ``document`` are names a page script cannot replace."""
    for target in ("window", "document"):
        found = await cdp.send(
            "Runtime.evaluate",
            {"expression": target, "contextId": context_id, "objectGroup": _LEAVE_WORLD},
        )
        listeners = await cdp.send(
            "DOMDebugger.getEventListeners", {"objectId": found["result"]["objectId"]}
        )
        for listener in listeners["listeners"]:
            handler = str((listener.get("handler") or {}).get("description", ""))
            if listener.get("type") in _LEAVE_EVENTS and FLUSH_LISTENER not in handler:
                return True
    return False
