"""A fleet worker: the local engine, fed by the queue.

One worker process runs one asyncio loop in a thread of its own. For each scan it
gets tasks of, it opens the engine's session (``Engine.session``: the browser) with
the options that scan started with (this machine's browser and concurrency), and
hands it each site with ``Engine.scan_and_save``: exactly what a local scan does per
site, crawl, capture, consent phases, probes, classification and the save in one
transaction. Celery's threads only wait for those coroutines: they take tasks from
the queue, as many at once as the engine visits sites, and acknowledge each after
its site is saved.

A worker never changes the shared history's schema: it opens the database without
migrating and refuses a database, or a task, of another schema revision (it stops
and says which), so results are never written by code that does not know the tables.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import signal
import socket
import threading
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from .. import serialize
from ..browser.session import Browser
from ..capacity import Policy, default_memory_budget
from ..classify.parties import PartyResolver
from ..engine import Engine, Progress, ScanSettings, options_from_pairs
from ..knowledge import Knowledge
from ..models import Site, SiteResult, SiteStatus
from ..store.base import ScanNotFound, StoreError, StoreVersionError
from ..store.migrate import head_revision
from ..store.sql import SQLStore
from .queue import QUEUE, TASK

if TYPE_CHECKING:
    from celery import Celery, Task

__all__ = ["Runtime", "register_task"]

T = TypeVar("T")
IDLE_CLOSE_S = 60.0
"""A scan's browser is closed when no site of it has been visited for this long."""
MAX_SITES_AT_ONCE = 16
"""Most sites a worker that follows its machine takes from the queue at once."""
RETRY_AFTER_S = 30.0
"""A site whose save failed (the database away) is visited again after this long."""


@dataclass
class _Session:
    """A scan's engine and open browser on this worker."""

    engine: Engine
    browser: Browser
    stack: contextlib.AsyncExitStack
    in_flight: int = 0
    idle: asyncio.TimerHandle | None = field(default=None)


class Runtime:
    """The worker's engine sessions on one event loop; Celery's threads call :meth:`handle`.

    ``concurrency`` and ``memory_budget`` are this machine's (as ``--concurrency`` and
    ``--memory-budget`` of a local scan; 0: visitors in flight follow the machine,
    within half the RAM), ``browser_path`` its browser (``None``: found as for a local
    scan).
    """

    def __init__(
        self,
        store: SQLStore,
        *,
        knowledge: Knowledge,
        resolver: PartyResolver,
        concurrency: int = 0,
        memory_budget: int = 0,
        browser_path: str | None = None,
        visibility_timeout: float,
        log: Callable[[str], None],
        hostname: str | None = None,
    ) -> None:
        self.store = store
        self.knowledge = knowledge
        self.resolver = resolver
        self.concurrency = concurrency
        self.memory_budget = memory_budget
        self.browser_path = browser_path
        self.visibility_timeout = visibility_timeout
        self.log = log
        self.hostname = hostname or f"{socket.gethostname()}-{os.getpid()}"
        self.revision = head_revision()
        self.refusal: str | None = None
        """Why this worker stopped taking tasks (another schema revision), if it did."""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="privacyscan-engine", daemon=True
        )
        self._sessions: dict[str, _Session] = {}
        self._opening: dict[str, asyncio.Lock] = {}

    @property
    def threads(self) -> int:
        """Sites this worker takes from the queue at once.

        With ``--concurrency N``, N (a site needs a visitor at least). Following the
        machine, as many sites as the memory budget holds visitors of the size first
        guessed, at most :data:`MAX_SITES_AT_ONCE`: the engine's pace decides how many
        visitors run (a site has up to three); the other sites wait for a slot, which
        does not count against their time budget.
        """
        if self.concurrency:
            return self.concurrency
        policy = Policy(budget=self.memory_budget or default_memory_budget())
        return max(2, min(MAX_SITES_AT_ONCE, policy.budget // policy.visitor_guess))

    def __enter__(self) -> Runtime:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):
            self._call(self._close_all(), timeout=60)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    # -- a task --------------------------------------------------------------------

    def handle(
        self,
        scan_id: str,
        site_data: dict[str, Any],
        options: Sequence[Sequence[str]],
        lists: Sequence[Sequence[str]],
        schema: str,
    ) -> str:
        """Visit and save one site; what the task returns (the site's status, or why it
        was skipped). Raises :class:`StoreVersionError` when this worker must stop."""
        if schema != self.revision:
            self.refuse(
                f"a task of scan {scan_id} was sent by a privacyscan of schema revision "
                f"{schema}, but this worker has revision {self.revision}: run the same "
                "privacyscan version on every machine"
            )
        self.store.check_revision()
        site = serialize.from_dict(Site, site_data)
        try:
            status = self.store.site_status(scan_id, site.url)
        except ScanNotFound:
            self.log(f"{self.hostname}: scan {scan_id} is not in the history; {site.url} dropped")
            return "unknown-scan"
        if status is not SiteStatus.PENDING:
            self.log(f"{self.hostname}: {site.url} of scan {scan_id} is saved already; skipped")
            return "skipped"
        pairs = tuple((str(a), str(b)) for a, b in options)
        result = self._call(self._scan(scan_id, site, pairs, tuple(map(tuple, lists))))
        self._finish_if_complete(scan_id)
        return result.status.value

    def refuse(self, message: str) -> None:
        """Stop taking tasks: say why, and end this worker (warm: running sites finish)."""
        if self.refusal is None:
            self.refusal = message
            self.log(f"{self.hostname}: refusing: {message}")
            os.kill(os.getpid(), signal.SIGTERM)
        raise StoreVersionError(message)

    def _finish_if_complete(self, scan_id: str) -> None:
        """The worker that saves a scan's last site marks the scan finished."""
        summary = self.store.scan_summary(scan_id)
        if summary.sites_pending == 0 and summary.finished_at is None:
            from ..cookies import now_iso

            self.store.finish_scan(scan_id, now_iso())

    def _call(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    # -- on the loop ------------------------------------------------------------------

    async def _scan(
        self,
        scan_id: str,
        site: Site,
        options: tuple[tuple[str, str], ...],
        lists: tuple[tuple[str, ...], ...],
    ) -> SiteResult:
        session = await self._session(scan_id, options, lists)
        session.in_flight += 1
        if session.idle is not None:
            session.idle.cancel()
            session.idle = None
        try:
            return await session.engine.scan_and_save(session.browser, scan_id, site)
        finally:
            session.in_flight -= 1
            if session.in_flight == 0:
                session.idle = self._loop.call_later(
                    IDLE_CLOSE_S, lambda: asyncio.ensure_future(self._close(scan_id))
                )

    async def _session(
        self,
        scan_id: str,
        pairs: tuple[tuple[str, str], ...],
        lists: tuple[tuple[str, ...], ...],
    ) -> _Session:
        lock = self._opening.setdefault(scan_id, asyncio.Lock())
        async with lock:
            if scan_id in self._sessions:
                return self._sessions[scan_id]
            options, settings = options_from_pairs(pairs)
            # This machine's browser, concurrency and memory; everything else as the scan started.
            options = dataclasses.replace(options, browser_path=self.browser_path)
            settings = dataclasses.replace(
                settings, concurrency=self.concurrency, memory_budget=self.memory_budget
            )
            engine = Engine(
                self.store,
                options,
                settings,
                knowledge=self.knowledge,
                resolver=self.resolver,
                on_progress=lambda event: self._progress(scan_id, event),
            )
            self._check_scan(scan_id, settings, lists)
            stack = contextlib.AsyncExitStack()
            browser = await stack.enter_async_context(engine.session())
            session = _Session(engine, browser, stack)
            self._sessions[scan_id] = session
            self.log(f"{self.hostname}: scanning for scan {scan_id}")
            return session

    def _check_scan(
        self, scan_id: str, settings: ScanSettings, lists: tuple[tuple[str, ...], ...]
    ) -> None:
        """Say so when this worker would not give the scan's results as recorded."""
        ours = tuple(tuple(pair) for pair in self.knowledge.versions)
        if lists and tuple(lists) != ours:
            self.log(
                f"{self.hostname}: warning: scan {scan_id} was started with other list "
                f"versions ({_pairs(lists)}) than this worker has ({_pairs(ours)}); "
                "run `privacyscan lists update` alike on every machine"
            )
        visitors = 3 if settings.consent else 1
        longest = settings.effective_site_timeout() * visitors + 120
        if longest > self.visibility_timeout:
            self.log(
                f"{self.hostname}: warning: a site of scan {scan_id} may take up to "
                f"{longest:.0f} s, longer than the visibility timeout "
                f"({self.visibility_timeout:.0f} s): a slow site may be visited twice "
                "(saved once); raise --visibility-timeout"
            )

    def _progress(self, scan_id: str, event: Progress) -> None:
        if event.site is None:
            return
        if event.event == "start":
            self.log(f"{self.hostname}: visiting {event.site.url} (scan {scan_id})")
        elif event.event == "done" and event.result is not None:
            r = event.result
            error = f" ({r.error})" if r.error else ""
            self.log(
                f"{self.hostname}: saved {event.site.url} (scan {scan_id}): "
                f"{r.status.value}{error}, {len(r.pages)} pages"
            )

    async def _close(self, scan_id: str) -> None:
        session = self._sessions.get(scan_id)
        if session is None or session.in_flight:
            return
        del self._sessions[scan_id]
        await session.stack.aclose()

    async def _close_all(self) -> None:
        for scan_id in list(self._sessions):
            session = self._sessions.pop(scan_id)
            with contextlib.suppress(Exception):
                await session.stack.aclose()


def _pairs(pairs: Sequence[Sequence[str]]) -> str:
    return ", ".join(" ".join(p) for p in pairs) or "none"


def register_task(app: Celery, runtime: Runtime) -> None:
    """The task that hands a site to ``runtime``, on ``app`` (the worker's own app)."""
    from celery.exceptions import Reject

    @app.task(  # type: ignore[untyped-decorator]
        name=TASK, bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None
    )
    def scan_site(
        self: Task[Any, Any],
        scan_id: str,
        site: dict[str, Any],
        options: list[list[str]],
        lists: list[list[str]],
        schema: str,
    ) -> str:
        try:
            return runtime.handle(scan_id, site, options, lists, schema)
        except StoreVersionError as exc:
            if runtime.refusal is None:  # the database, not the task: this worker stops
                runtime.refuse(str(exc))
            raise Reject(str(exc), requeue=True) from None
        except StoreError as exc:  # the database away: visit the site again later
            runtime.log(f"{runtime.hostname}: {exc}; the site is retried in {RETRY_AFTER_S:.0f} s")
            raise self.retry(exc=exc, countdown=RETRY_AFTER_S) from None


def run_worker(app: Celery, runtime: Runtime) -> None:
    """Consume the queue until stopped (SIGTERM: finish the sites in progress, then stop;
    a second SIGTERM or SIGQUIT: stop now, the sites go back to the queue)."""
    register_task(app, runtime)
    worker = app.Worker(
        pool="threads",
        concurrency=runtime.threads,
        queues=[QUEUE],
        hostname=f"privacyscan@{runtime.hostname}",
        loglevel="WARNING",
        without_mingle=True,
        without_gossip=True,
        without_heartbeat=True,
        quiet=True,
    )
    with runtime:
        worker.start()
