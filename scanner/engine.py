"""Scan many sites: crawl each, capture in parallel, classify, store as each finishes.

The engine owns concurrency and bounds; the browser layer owns the capture, the
classifier owns the judgement and the store owns durability. A site's results
are written in one transaction the moment it finishes, so a killed run keeps
every finished site and ``resume`` only scans the rest.

Concurrency is counted in visitors (browsers) in flight, handed out by
:class:`~scanner.capacity.Pace`: it follows the machine's CPU and the memory
budget unless ``--concurrency`` fixes it. The refusing and accepting visitors of
a site start as soon as the first visitor has found the banner and follow its
pages as it visits them.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import secrets
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from . import __version__
from .browser.profiles import remove_stale_profiles
from .browser.session import Browser, Visitor
from .capacity import Pace, Priority, Tick
from .classify.parties import PartyResolver
from .classify.visits import classify_visits
from .config import CaptureOptions
from .cookies import now_iso
from .crawl import SiteScope, plan
from .failures import classify_failure
from .fetch import DISCOVERY_TIMEOUT_S, Discovery, Resolve, discover_sitemaps
from .knowledge import Knowledge
from .models import (
    Banner,
    ConsentChoice,
    HostProbe,
    Initiator,
    Page,
    Phase,
    Request,
    Scan,
    SecurityFacts,
    Site,
    SiteResult,
    SiteStatus,
)
from .netguard import refusal_text
from .probe import PROBE_TIMEOUT_S, probe_site
from .runner import (
    UNPACED,
    Pacing,
    UrlFeed,
    capture_choice,
    capture_pages,
    partial_result,
    visit_watchdog_s,
    with_har,
)
from .store.base import ScanStore

_PER_PAGE_BUDGET_S = 45.0
BUDGET_MESSAGE = (
    "The site's time budget ran out; the pages visited before it are kept, the rest were "
    "not visited."
)
_CLOSE_GRACE_S = 30.0
"""Beyond the budget and one page visit: time for a stuck browser to be closed."""

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ScanSettings:
    """How much of each site to scan and how many sites at once."""

    max_pages: int = 10
    """Pages per site, the home page included."""
    concurrency: int = 0
    """Visitors (browsers) in flight; 0 follows the machine (:mod:`scanner.capacity`)."""
    memory_budget: int = 0
    """Bytes of memory (PSS) the scan's processes stay within; 0: half the RAM."""
    site_timeout_s: float = 0.0
    """Time budget per site (no page is started after it, see ``Engine._bounded``); 0
    derives it from ``max_pages``."""
    lang: str = "nl"
    """Language of the findings' texts."""
    phases: str = "all"
    """``all``: also refuse and accept on the consent banner (three visitors);
    ``none``: only the visitor who makes no choice."""
    visits: int = 1
    """Visits of the first visitor per site (``--visits``): the first one, then
    ``visits - 1`` repeats in fresh profiles over the same pages, one after the other;
    each finding says in how many it was seen (``scanner.classify.visits``)."""

    @property
    def consent(self) -> bool:
        """Whether the banner is looked for and tried."""
        return self.phases == "all"

    def effective_site_timeout(self) -> float:
        """The site budget actually used: generous per page, never unbounded."""
        return self.site_timeout_s or 60.0 + _PER_PAGE_BUDGET_S * self.max_pages


@dataclass(frozen=True, slots=True)
class Progress:
    """One event for the progress display."""

    site: Site | None
    event: str
    """``start`` (a site's first visitor starts), ``visitors`` (a visitor started or
    ended), ``page`` (a page was visited), ``pace`` (a measurement of the machine)
    or ``done`` (a site is saved, with its ``result``)."""
    result: SiteResult | None = None
    visitors: int = 0
    """Visitors in flight."""
    limit: int = 0
    """Visitors allowed in flight now."""
    tick: Tick | None = None
    """The measurement, for ``pace``."""
    page: Page | None = None
    """The page visited, for ``page``."""


def new_scan_id(now: datetime | None = None) -> str:
    """``20261128-190304-ab12``: sorts by time, unique enough for one machine."""
    now = now or datetime.now(UTC)
    return now.strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)


def options_pairs(options: CaptureOptions, settings: ScanSettings) -> tuple[tuple[str, str], ...]:
    """Options as (name, JSON value) pairs: shown in reports, read back by ``resume``."""
    pairs = [(f"capture.{f.name}", json.dumps(getattr(options, f.name))) for f in fields(options)]
    pairs += [(f"scan.{f.name}", json.dumps(getattr(settings, f.name))) for f in fields(settings)]
    return tuple(pairs)


def options_from_pairs(pairs: Sequence[tuple[str, str]]) -> tuple[CaptureOptions, ScanSettings]:
    """The inverse of :func:`options_pairs`; unknown names are ignored."""
    capture: dict[str, Any] = {}
    scan: dict[str, Any] = {}
    known_capture = {f.name for f in fields(CaptureOptions)}
    known_scan = {f.name for f in fields(ScanSettings)}
    for name, raw in pairs:
        group, _, key = name.partition(".")
        try:
            value = json.loads(raw)
        except ValueError:
            continue
        if isinstance(value, list):
            value = tuple(value)
        if group == "capture" and key in known_capture:
            capture[key] = value
        elif group == "scan" and key in known_scan:
            scan[key] = value
    return CaptureOptions(**capture), ScanSettings(**scan)


class Engine:
    """Runs one scan over a store: new sites or the pending rest of an old scan."""

    def __init__(
        self,
        store: ScanStore,
        options: CaptureOptions,
        settings: ScanSettings,
        *,
        knowledge: Knowledge,
        resolver: PartyResolver,
        on_progress: Callable[[Progress], None] | None = None,
        resolve: Resolve | None = None,
    ) -> None:
        self.store = store
        self.options = options
        self.settings = settings
        self.knowledge = knowledge
        self.resolver = resolver
        self.on_progress = on_progress or (lambda _event: None)
        self.pace: Pace | None = None
        """Visitor slots while :meth:`run` runs."""
        self.resolve = resolve
        """How the sitemap reader resolves hosts (``None``: ``map_hosts``, then DNS);
        tests make a name resolve inside with it."""

    def create(self, sites: Sequence[Site], browser_version: str = "") -> str:
        """Register a new scan with all its sites pending; returns its ID."""
        scan = Scan(
            id=new_scan_id(),
            started_at=now_iso(),
            tool_version=__version__,
            browser=browser_version,
            options=options_pairs(self.options, self.settings),
            lists=self.knowledge.versions,
        )
        self.store.create_scan(scan, sites)
        return scan.id

    async def run(self, scan_id: str) -> Scan:
        """Scan every pending site of ``scan_id``; returns the finished scan."""
        pending = self.store.pending_sites(scan_id)
        async with self.session() as browser:
            await asyncio.gather(*(self.scan_and_save(browser, scan_id, site) for site in pending))
        self.store.finish_scan(scan_id, now_iso())
        return self.store.get_scan(scan_id)

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[Browser]:
        """What scanning sites needs while it goes on: the browser and the visitor slots
        (:class:`~scanner.capacity.Pace`). :meth:`run` scans a scan's pending sites in
        one; a fleet worker (``scanner.fleet``) keeps one open and feeds it the sites
        the queue hands it, one :meth:`scan_and_save` each."""
        # Profiles of an earlier scan killed with SIGKILL hold the cookies of the sites
        # it was visiting: remove those whose scan is gone (never a live one's).
        await asyncio.to_thread(remove_stale_profiles)
        pace = Pace(
            fixed=self.settings.concurrency,
            budget=self.settings.memory_budget or None,
            on_tick=lambda tick: self._emit(None, "pace", tick=tick),
        )
        async with Browser(self.options) as browser, pace:
            self.pace = pace
            try:
                yield browser
            finally:
                self.pace = None

    async def scan_and_save(self, browser: Browser, scan_id: str, site: Site) -> SiteResult:
        """Scan one site (:meth:`scan_site`) and save its result: the unit of work. Its
        visitors wait for slots of the session's pace."""
        result = await self.scan_site(browser, site)
        await asyncio.to_thread(self.store.save_site, scan_id, result)
        self._emit(site, "done", result)
        return result

    def _emit(
        self,
        site: Site | None,
        event: str,
        result: SiteResult | None = None,
        tick: Tick | None = None,
        page: Page | None = None,
    ) -> None:
        pace = self.pace
        self.on_progress(
            Progress(
                site,
                event,
                result,
                visitors=pace.slots.in_flight if pace else 0,
                limit=pace.slots.limit if pace else 0,
                tick=tick,
                page=page,
            )
        )

    @contextlib.asynccontextmanager
    async def _slot(self, site: Site, priority: Priority) -> AsyncIterator[None]:
        """A visitor slot (waiting for it does not count against any time budget)."""
        pace = self.pace
        if pace is None:
            yield
            return
        try:
            async with pace.slot(priority):
                if priority is Priority.NEW:
                    self._emit(site, "start")
                self._emit(site, "visitors")
                yield
        finally:
            self._emit(site, "visitors")

    def _pacing(self, site: Site) -> Pacing:
        if self.pace is None:
            return UNPACED
        return Pacing(on_page=lambda page: self._emit(site, "page", page=page))

    async def scan_site(self, browser: Browser, site: Site) -> SiteResult:
        """Crawl and capture one site within its budget, retry once after a crash, classify.

        Whatever the site does, this returns a result: an unexpected error becomes
        a failed site with error class ``error``, never a failed scan.
        """
        started = now_iso()
        try:
            return await self._scan_site(browser, site)
        except Exception as exc:
            return SiteResult(
                site=site,
                status=SiteStatus.FAILED,
                error="error",
                error_message=classify_failure(f"{type(exc).__name__}: {exc}")[1],
                started_at=started,
                finished_at=now_iso(),
            )

    async def _scan_site(self, browser: Browser, site: Site) -> SiteResult:
        result = await self._visit_site(browser, site)
        repeats = await self._repeat_first_visitor(browser, site, result)
        return classify_visits(
            result,
            repeats,
            resolver=self.resolver,
            knowledge=self.knowledge,
            now=datetime.now(UTC),
            consent_tested=self.settings.consent and result.status is not SiteStatus.FAILED,
        )

    async def _repeat_first_visitor(
        self, browser: Browser, site: Site, first: SiteResult
    ) -> list[SiteResult]:
        """``--visits N``: the first visitor again, N - 1 times, each in a fresh profile
        over the pages the first visit loaded, in the same order.

        The repeats run one after the other, after the first visit (all its visitors)
        has ended: a site sees one visitor of this scan at a time, in a known order.
        Each has the site's time budget; one that runs out of it is no visit (it counts
        for no finding), and neither is one whose home page failed. They record no HTTP
        Archive.
        """
        if self.settings.visits <= 1 or first.status is SiteStatus.FAILED:
            return []
        urls = [p.url for p in first.pages if p.phase is Phase.NONE and p.final_url is not None]
        if not urls:
            return []

        async def next_page(pages: Sequence[Page]) -> str | None:
            return urls[len(pages)] if len(pages) < len(urls) else None

        repeats: list[SiteResult] = []
        for _ in range(self.settings.visits - 1):
            async with self._slot(site, Priority.STARTED):
                try:
                    async with asyncio.timeout(
                        self.settings.effective_site_timeout() + _CLOSE_GRACE_S
                    ):
                        repeat = await capture_pages(
                            browser,
                            site,
                            next_page,
                            first=urls[0],
                            pacing=self._pacing(site),
                            har=False,
                        )
                except TimeoutError:
                    continue
            repeats.append(repeat)
        return repeats

    def _start_probes(self, site: Site) -> asyncio.Future[tuple[HostProbe, ...]]:
        """The security probes of the site's hosts (``scanner.probe``), started now in a
        daemon thread so they run while the browser visits; awaited after the visit."""
        call = functools.partial(
            probe_site,
            site.url,
            self.options,
            scope=SiteScope(site, self.resolver.domains),
            resolve=self.resolve,
        )
        return asyncio.ensure_future(_in_daemon_thread(call, PROBE_TIMEOUT_S + 5.0))

    async def _visit_site(self, browser: Browser, site: Site) -> SiteResult:
        """The first visitor crawls; once it has found the banner, a visitor who refuses
        and one who accepts start and follow its pages as it visits them. Their results
        are merged into the first visitor's when all three are done.

        A crashed first visitor is replaced at once, in its own slot, and the site
        visited again from the start; the other two visitors of the crashed attempt
        are dropped.
        """
        choices: list[asyncio.Future[tuple[SiteResult, ConsentChoice]]] = []
        probes: list[asyncio.Future[tuple[HostProbe, ...]]] = []
        try:
            async with self._slot(site, Priority.NEW):
                # The site's security probes run beside its visitors, from its first slot.
                probes.append(self._start_probes(site))
                first, feed, choices = await self._first_visitor(browser, site)
                if first.error == "browser_crash":
                    await _cancel(choices)
                    first, feed, choices = await self._first_visitor(browser, site)
            feed.complete([p.url for p in first.pages if p.final_url is not None])
            if first.banner is None:
                await _cancel(choices)
                return await _with_probes(first, probes[0])
            made = await asyncio.gather(*choices)
        except BaseException:
            await _cancel([*choices, *probes])
            raise
        merged = first
        for phase_result, _choice in made:
            merged = replace(
                merged,
                pages=merged.pages + phase_result.pages,
                cookies=merged.cookies + phase_result.cookies,
                requests=merged.requests + phase_result.requests,
                storage=merged.storage + phase_result.storage,
                api_calls=merged.api_calls + phase_result.api_calls,
                hars=merged.hars + phase_result.hars,
            )
        merged = replace(merged, choices=tuple(choice for _result, choice in made))
        return await _with_probes(merged, probes[0])

    async def _first_visitor(
        self, browser: Browser, site: Site
    ) -> tuple[SiteResult, UrlFeed, list[asyncio.Future[tuple[SiteResult, ConsentChoice]]]]:
        """One attempt of the first visitor, within the site's budget; the feed of its
        pages and the refusing and accepting visitors it started on finding the banner."""
        feed = UrlFeed()
        choices: list[asyncio.Future[tuple[SiteResult, ConsentChoice]]] = []

        def banner_found() -> None:
            for phase in (Phase.REJECT, Phase.ACCEPT):
                choices.append(
                    asyncio.ensure_future(self._bounded_choice(browser, site, phase, feed))
                )

        try:
            first = await self._bounded(
                browser, site, feed, banner_found if self.settings.consent else None
            )
        except BaseException:
            await _cancel(choices)
            raise
        return first, feed, choices

    async def _bounded_choice(
        self, browser: Browser, site: Site, phase: Phase, feed: UrlFeed
    ) -> tuple[SiteResult, ConsentChoice]:
        """A refusing or accepting visitor within its time budget; the time it waits for
        the first visitor's next page does not count."""
        async with self._slot(site, Priority.STARTED):
            try:
                async with asyncio.timeout(self.settings.effective_site_timeout()) as budget:
                    return await capture_choice(
                        browser, site, phase, _FeedWithinBudget(feed, budget), self._pacing(site)
                    )
            except TimeoutError:
                return SiteResult(site=site), ConsentChoice(
                    phase, clicked=False, reason="The visit did not finish within its time budget."
                )

    async def _bounded(
        self,
        browser: Browser,
        site: Site,
        feed: UrlFeed | None = None,
        banner_found: Callable[[], None] | None = None,
    ) -> SiteResult:
        """The first visitor's crawl. At the site's budget no further page is started;
        a visit in progress may end (each is watched, see ``runner``). Past that and a
        grace, the crawl is cancelled: what it captured is kept all the same."""
        started = now_iso()
        budget = self.settings.effective_site_timeout()
        live = _Live(deadline=time.monotonic() + budget)
        watchdog = budget + visit_watchdog_s(self.options) + _CLOSE_GRACE_S
        try:
            return await asyncio.wait_for(
                self._crawl(browser, site, live, feed, banner_found), watchdog
            )
        except TimeoutError:
            captured = live.visitor.results() if live.visitor is not None else None
            result = with_har(
                partial_result(site, started, list(live.pages), captured), live.visitor
            )
            return _over_budget(replace(result, requests=result.requests + live.refused))

    async def _crawl(
        self,
        browser: Browser,
        site: Site,
        live: _Live,
        feed: UrlFeed | None = None,
        banner_found: Callable[[], None] | None = None,
    ) -> SiteResult:
        """The first visitor: home page, banner, then the pages the crawl plan picks.

        Each page that loaded goes to ``feed`` as soon as it is visited;
        ``banner_found`` is called once the banner is known.
        """
        scope = SiteScope(site, self.resolver.domains)
        max_pages = self.settings.max_pages
        sitemap: list[str] = []
        discovered = 0

        async def choose(pages: Sequence[Page]) -> str | None:
            """The next page to visit, re-planned from everything seen so far."""
            nonlocal sitemap, discovered
            live.pages = pages
            if feed is not None and pages[-1].final_url is not None:
                feed.put(pages[-1].url)
            home = pages[0]
            if home.final_url is None or len(pages) >= max_pages:
                return None
            if time.monotonic() >= live.deadline:
                live.over_budget = True
                return None
            if len(pages) == 1:
                found = await self._discover(home, scope, live)
                sitemap = list(found.urls)
                live.refused = _refused_requests(found, home)
            links = [link for page in pages for link in page.links]
            chosen, coverage = plan(
                home.final_url, links, sitemap, scope, max_pages, visited=[p.url for p in pages]
            )
            discovered = coverage.discovered
            visited = {p.url for p in pages} | {p.final_url for p in pages if p.final_url}
            return next((url for url in chosen if url not in visited), None)

        found: list[Banner] = []

        async def first_page(visitor: Visitor) -> None:
            live.visitor = visitor
            if self.settings.consent:
                banner = await visitor.detect_banner()
                if banner is not None:
                    found.append(banner)
                    if banner_found is not None:
                        banner_found()

        result = await capture_pages(
            browser,
            site,
            choose,
            Phase.NONE,
            after_first=first_page,
            pacing=self._pacing(site),
        )
        result = replace(
            result,
            pages_discovered=max(discovered, len(result.pages)),
            banner=found[0] if found else None,
            requests=result.requests + live.refused,
        )
        return _over_budget(result) if live.over_budget else result

    async def _discover(self, home: Page, scope: SiteScope, live: _Live) -> Discovery:
        """The site's sitemaps, read in a daemon thread: a server that holds the reader
        past its deadline (or the site's budget) is left behind, never waited for."""
        assert home.final_url is not None
        call = functools.partial(
            discover_sitemaps, home.final_url, self.options, scope=scope, resolve=self.resolve
        )
        left = max(1.0, live.deadline - time.monotonic())
        try:
            return await _in_daemon_thread(call, min(DISCOVERY_TIMEOUT_S + 5.0, left))
        except Exception:  # late or broken: no sitemap, no problem
            return Discovery()


class _FeedWithinBudget:
    """A following visitor's view of the feed: waiting for the first visitor's next
    page pauses the visitor's own time budget."""

    def __init__(self, feed: UrlFeed, budget: asyncio.Timeout) -> None:
        self.feed = feed
        self.budget = budget

    async def get(self, index: int) -> str | None:
        if self.feed.ready(index):
            return await self.feed.get(index)
        loop = asyncio.get_running_loop()
        deadline = self.budget.when()
        self.budget.reschedule(None)
        waited_from = loop.time()
        try:
            return await self.feed.get(index)
        finally:
            if deadline is not None:
                self.budget.reschedule(deadline + loop.time() - waited_from)


async def _cancel(tasks: Sequence[asyncio.Future[Any]]) -> None:
    """Cancel ``tasks`` and wait until they have cleaned up (closed their browsers)."""
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)


@dataclass
class _Live:
    """What a crawl has got so far, for when its budget runs out."""

    deadline: float
    pages: Sequence[Page] = ()
    visitor: Visitor | None = None
    refused: tuple[Request, ...] = ()
    over_budget: bool = False


def _over_budget(result: SiteResult) -> SiteResult:
    """A site whose budget ran out: partial when its home page was captured."""
    home_ok = bool(result.pages) and result.pages[0].final_url is not None
    return replace(
        result,
        status=SiteStatus.PARTIAL if home_ok else SiteStatus.FAILED,
        error=result.error or "timeout",
        error_message=result.error_message or BUDGET_MESSAGE,
    )


async def _with_probes(
    result: SiteResult, probes: asyncio.Future[tuple[HostProbe, ...]]
) -> SiteResult:
    """The result with what the probes found; late or broken probes are "not probed"."""
    try:
        hosts = await probes
    except Exception:  # past its deadline or failed: the report says not measured
        hosts = ()
    facts = result.security or SecurityFacts()
    return replace(result, security=replace(facts, hosts=hosts, probed=bool(hosts)))


def _refused_requests(found: Discovery, home: Page) -> tuple[Request, ...]:
    """URLs the site's robots.txt or sitemaps pointed inside: recorded, never requested."""
    return tuple(
        Request(
            url=r.url,
            phase=Phase.NONE,
            page_url=home.url,
            resource_type="Sitemap",
            initiator=Initiator("other", r.referrer or None),
            failed=refusal_text(r.kind, r.address),
        )
        for r in found.refusals
    )


async def _in_daemon_thread(call: Callable[[], T], timeout: float) -> T:
    """``call()`` in a daemon thread, awaited at most ``timeout`` seconds.

    Unlike ``asyncio.to_thread`` (whose worker threads ``asyncio.run`` and the
    interpreter wait for at exit), a thread stuck past its time holds nothing.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(outcome: Callable[[], None]) -> None:
        if not future.done():
            outcome()

    def run() -> None:
        try:
            value = call()
        except BaseException as exc:
            with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits
                loop.call_soon_threadsafe(settle, functools.partial(future.set_exception, exc))
            return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, functools.partial(future.set_result, value))

    threading.Thread(target=run, name="privacyscan-sitemaps", daemon=True).start()
    return await asyncio.wait_for(future, timeout)
