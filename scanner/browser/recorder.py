"""Turn DevTools events and hook reports of one visitor into model objects.

The recorder routes each event to the instruments that handle it
(:mod:`scanner.browser.instruments`: network, cookies, storage, JavaScript APIs,
security), which collect while pages are open and build everything at the end.
It knows nothing of Playwright: it is fed dicts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..canaries import TypedField
from ..models import ApiCall, Cookie, DocumentSecurity, Phase, Request, StorageItem
from .instruments.base import Frames, Instrument, PageClock, WriteBudget
from .instruments.cookies import CookieInstrument
from .instruments.js_apis import ApiInstrument
from .instruments.leaving import LeavingInstrument
from .instruments.network import NetworkInstrument
from .instruments.security import SecurityInstrument
from .instruments.storage import StorageInstrument
from .instruments.websockets import WebSocketInstrument
from .instruments.workers import Missed, SeenRequest, Worker, worker_params


class Recorder:
    """Collects the raw evidence of one visitor (one site, one phase)."""

    def __init__(
        self,
        phase: Phase,
        raw_values: bool = False,
        refused_kind: Callable[[str, int], str | None] | None = None,
    ) -> None:
        """``refused_kind``: which internal address the browser was told to refuse for
        ``host, port`` (``scanner.netguard.browser_refusal``): such a request fails as
        "not resolved" and is recorded as refused, with the kind of address."""
        self.phase = phase
        self.raw_values = raw_values
        self.refused_kind = refused_kind
        self.clock = PageClock()
        self.frames = Frames(self.clock)
        budget = WriteBudget()
        self._budget = budget
        self.network = NetworkInstrument(phase, self.clock, self.frames, refused_kind)
        self.cookie_writes = CookieInstrument(phase, self.clock, budget, raw_values)
        self.web_storage = StorageInstrument(phase, self.clock, self.frames, budget, raw_values)
        self.js_apis = ApiInstrument(phase, self.clock)
        self.websockets = WebSocketInstrument(phase, self.clock, self.frames)
        self.leaving = LeavingInstrument(phase, self.clock, self.frames)
        # Security facts are the first visitor's: the others do not look.
        self.security = (
            SecurityInstrument(self.clock, self.network) if phase is Phase.NONE else None
        )
        instruments: list[Instrument] = [
            self.frames,
            self.network,
            self.cookie_writes,
            self.web_storage,
            self.js_apis,
            self.websockets,
        ]
        if self.security is not None:
            instruments.append(self.security)
        self._missed = Missed()
        self._missed_requests: list[Request] = []
        self._events: dict[str, list[Instrument]] = {}
        self._hooks: dict[str, Instrument] = {}
        for instrument in instruments:
            for method in instrument.cdp_events:
                self._events.setdefault(method, []).append(instrument)
            for kind in instrument.hook_kinds:
                self._hooks[kind] = instrument

    @property
    def cdp_events(self) -> tuple[str, ...]:
        """Every DevTools event some instrument handles (to subscribe to, once)."""
        return tuple(sorted(self._events))

    def fresh(self, *, keep_page: bool = False) -> Recorder:
        """A new recorder for the same browser: frames are known, nothing else is kept.

        With ``keep_page`` the open page stays the current page (same URL and clock),
        so events from now on are recorded on it rather than on no page.
        """
        new = Recorder(phase=self.phase, raw_values=self.raw_values, refused_kind=self.refused_kind)
        new.frames.known = dict(self.frames.known)
        new.frames.main = self.frames.main
        if keep_page and self.clock.page_urls:
            new.clock.page_urls = [self.clock.page_urls[-1]]
            new.clock.t0 = self.clock.t0
            new.network.last_activity = self.network.last_activity
        return new

    # -- routing --------------------------------------------------------------

    def cdp_event(self, method: str, params: dict[str, Any], now: float) -> None:
        """A DevTools event, for the instruments that handle it (in the order built)."""
        for instrument in self._events.get(method, ()):
            instrument.on_cdp(method, params, now)

    def worker_event(self, worker: Worker, method: str, params: dict[str, Any], now: float) -> None:
        """A DevTools event from a worker's session: recorded as the page's own, with the
        worker as initiator where no script of its own is named (:mod:`.instruments.workers`)."""
        if method in self._events:
            self.cdp_event(method, worker_params(worker, method, params, self.frames.main), now)

    def worker_started(self, worker: Worker) -> None:
        """A worker started (its requests may come before DevTools can see them)."""
        self._missed.started(worker)

    def unrecorded(self, url: str, method: str) -> bool:
        """Whether DevTools recorded no (other) request (``url``, ``method``): one the
        browser automation saw finish, checked once each."""
        return self._missed.unrecorded(url, method, self.network.hop_counts)

    def missed_request(self, seen: SeenRequest, now: float) -> None:
        """A request DevTools did not record (:meth:`unrecorded`), as the automation saw
        it: kept if a worker made it (see :class:`.instruments.workers.Missed`)."""
        request = self._missed.request(
            seen,
            self.phase,
            self.clock.url(self.clock.index),
            self.frames.url(self.frames.main),
            self.clock.ms(now),
        )
        if request is not None:
            self._missed_requests.append(request)

    def hook_report(self, report: dict[str, Any], frame_url: str | None, now: float) -> None:
        """A record sent by ``hooks.js`` from any frame, for the instrument of its kind."""
        kind = report.get("kind")
        if not isinstance(kind, str) or kind not in self._hooks:
            return
        href = str(report.get("href") or frame_url or "")
        self._hooks[kind].on_hook(kind, report, href, frame_url, now)

    # -- calls from the visitor -------------------------------------------------

    def begin_leaving(self, now: float) -> None:
        """The visitor leaves the open page: what it sends now is that page's."""
        self.leaving.begin(now)

    def leaving_paused(self, event: dict[str, Any], now: float) -> bool:
        """A ``Fetch.requestPaused`` while leaving; whether it is recorded (a request
        DevTools' ``Network`` domain does not see; see :mod:`.instruments.leaving`)."""
        recorded = self.leaving.paused(event, now)
        if (
            recorded
            and not event.get("networkId")  # counted by the network instrument, if seen
            and "responseStatusCode" not in event
            and "responseErrorReason" not in event
        ):
            request = event.get("request") or {}
            key = (str(request.get("url", "")), str(request.get("method", "GET")))
            self.network.hop_counts[key] += 1  # not "missed" by DevTools (.workers)
        return recorded

    @property
    def deferred_requests(self) -> bool:
        """Whether the current page deferred a request with ``fetchLater``."""
        return self.network.deferred_on(self.clock.index)

    def leaving_cancelled(self, request_id: str) -> None:
        """A request paused while leaving could not be continued: it was never sent."""
        self.leaving.cancelled(request_id)

    @property
    def leaving_quiet_since(self) -> float:
        """When the last request of the page being left was paused."""
        return self.leaving.last_pause

    @property
    def leaving_pending(self) -> int:
        """Requests sent while leaving that have not been answered yet."""
        return self.leaving.pending()

    def start_page(self, url: str, now: float) -> None:
        """A new top-level visit starts; later events belong to it."""
        self.clock.page_urls.append(url)
        self.clock.t0 = now
        self.frames.main_commits = []
        self.network.start_page(now)

    def frame_tree(self, tree: dict[str, Any]) -> None:
        """``Page.getFrameTree`` at start, so frames that exist already are known."""
        self.frames.tree(tree)

    def wants_body(self, request_id: str, encoded_length: float) -> bool:
        """Small images are read to tell a 1×1 tracking pixel from a picture."""
        return self.network.wants_body(request_id, encoded_length)

    def image_body(self, request_id: str, body: str, base64_encoded: bool) -> None:
        """An image's body, read because :meth:`wants_body` said so."""
        self.network.image_body(request_id, body, base64_encoded)

    def wants_post_body(self, request_id: str) -> bool:
        """A POST body too large to come with the request: read it to look for a snapshot
        and, after the form-typing step, for what was typed."""
        return self.network.wants_post_body(request_id)

    def post_body(self, request_id: str, text: str) -> None:
        """A POST body, read because :meth:`wants_post_body` said so."""
        self.network.post_body(request_id, text)

    def watch_typed(self, fields: list[TypedField]) -> None:
        """The form-typing step types into ``fields`` now: look for their values in
        every request from here on."""
        self.network.watch_typed(fields)

    def not_submitted(self, request_id: str) -> None:
        """A document request the form-typing step failed before it left the browser."""
        self.network.not_submitted(request_id)

    def page_scripts(self, scripts: list[Any]) -> None:
        """``security.js`` at the end of a page: scripts from other origins, SRI or not."""
        if self.security is not None:
            self.security.page_scripts(scripts)

    def indexeddb_databases(self, origin: str, names: list[str], frame_url: str | None) -> None:
        """Databases listed by ``indexedDB.databases()`` in a frame at the end of a page."""
        self.web_storage.indexeddb_databases(origin, names, frame_url)

    def cookie_jar(self, cookies: list[dict[str, Any]], now: float) -> None:
        """``Storage.getCookies`` after a page: what the browser really kept."""
        self.cookie_writes.cookie_jar(cookies, now)

    # -- state the visitor reads ------------------------------------------------

    @property
    def page_urls(self) -> list[str]:
        """The pages opened, in order."""
        return self.clock.page_urls

    @property
    def last_activity(self) -> float:
        """When the network last did something (``time.monotonic()``)."""
        return self.network.last_activity

    @property
    def main_commits(self) -> list[str]:
        """Documents committed in the main frame during the current page visit."""
        return self.frames.main_commits

    @property
    def main_document_error(self) -> str | None:
        """Chromium's error when the current page's own document failed (e.g. a reset)."""
        return self.network.main_document_error

    @property
    def dropped_writes(self) -> int:
        """Cookie and storage writes not kept because a page made too many."""
        return self._budget.dropped

    # -- results ------------------------------------------------------------

    def requests(self) -> list[Request]:
        """Every request hop, in the order Chromium started them; then the workers'
        requests DevTools missed and the WebSockets, in the order they were seen; then
        what pages sent as they were left (:mod:`.instruments.leaving`)."""
        network = self.network.requests()
        left = self.leaving.requests(self.network.typed_matcher, self.network.recorded)
        # fetchLater: DevTools reported the deferral; the record is the sending, with
        # the script that deferred it.
        deferrals = {_sent_as(r): r for r in network if self.network.is_deferral(r)}
        if deferrals:
            sent = {_sent_as(r) for r in left}
            network = [r for r in network if not (_sent_as(r) in sent and r in deferrals.values())]
            left = [
                replace(r, initiator=deferrals[_sent_as(r)].initiator)
                if _sent_as(r) in deferrals
                else r
                for r in left
            ]
        return network + self._missed_requests + self.websockets.requests() + left

    def cookies(self) -> list[Cookie]:
        """One record per cookie identity: its first write, whether it was kept."""
        return self.cookie_writes.cookies(self.network.set_cookie_headers())

    def storage(self) -> list[StorageItem]:
        """One record per (kind, origin, key), first write first."""
        return self.web_storage.storage()

    def api_calls(self) -> list[ApiCall]:
        """One record per (page, api, script, frame), in the order first seen."""
        return self.js_apis.api_calls()

    def documents(self) -> list[DocumentSecurity]:
        """The security facts of each page's document, in visiting order."""
        return self.security.documents() if self.security is not None else []


def _sent_as(request: Request) -> tuple[str, str, str]:
    """What makes a deferred request and its sending the same one."""
    return (request.url, request.method, request.page_url)
