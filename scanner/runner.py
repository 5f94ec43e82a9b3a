"""Visit one site's pages as one visitor and assemble its :class:`SiteResult`.

The only place that wires the browser layer to the rest: capture in, model out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from .browser.session import Browser, Visitor, VisitorResults
from .config import CaptureOptions
from .cookies import now_iso
from .failures import classify_failure
from .models import ConsentChoice, Page, Phase, SecurityFacts, Site, SiteResult, SiteStatus

NextPage = Callable[[Sequence[Page]], Awaitable[str | None]]
"""Given the pages visited so far, the next URL to visit, or ``None`` to stop."""

_VISIT_SLACK_S = 60.0
"""Beyond the load timeout and the settle cap: leaving the previous page, screenshots,
scrolling, reading the page, its storage and the cookie jar, each bounded on its own."""

STOPPED_ANSWERING = "The browser stopped answering during this page; the visit was ended."


def visit_watchdog_s(options: CaptureOptions) -> float:
    """Longest one page visit may take before the browser counts as stuck."""
    return options.page_timeout_s + options.max_settle_s + _VISIT_SLACK_S


async def _watched_visit(visitor: Visitor, url: str) -> Page:
    """``visitor.visit(url)``, ended by a watchdog when the browser stops answering.

    A stuck visit becomes a failed page (``timeout``, :data:`STOPPED_ANSWERING`) and,
    like a crash, ends the visitor's pages (see :func:`_ends_visitor`).
    """
    try:
        return await asyncio.wait_for(visitor.visit(url), visit_watchdog_s(visitor.options))
    except TimeoutError:
        return Page(
            url=url,
            phase=visitor.phase,
            started_at=now_iso(),
            error="timeout",
            error_message=STOPPED_ANSWERING,
        )


def _ends_visitor(page: Page) -> bool:
    """After a crash or a stuck visit the browser is not trusted with another page."""
    return page.error == "browser_crash" or page.error_message == STOPPED_ANSWERING


class UrlSource(Protocol):
    """URLs by position, waiting for them if need be; ``None`` past the last one."""

    async def get(self, index: int) -> str | None:
        """The URL at ``index``, or ``None`` once there will be no such URL."""
        ...


class UrlFeed:
    """The first visitor's pages, in order, as it visits them.

    The refusing and accepting visitors follow it while the first visitor is still
    browsing; :meth:`close` says that no page will follow.
    """

    def __init__(self, urls: Sequence[str] = (), *, closed: bool = False) -> None:
        self.urls: list[str] = list(urls)
        self.closed = closed
        self._changed = asyncio.Event()

    def put(self, url: str) -> None:
        """One more page visited."""
        if self.closed:
            raise RuntimeError("the feed is closed")
        self.urls.append(url)
        self._wake()

    def complete(self, urls: Sequence[str]) -> None:
        """End with ``urls``: the ones not fed yet are added, then the feed closes."""
        if not self.closed:
            if list(urls[: len(self.urls)]) == self.urls:
                self.urls.extend(urls[len(self.urls) :])
            self.close()

    def close(self) -> None:
        """No page will follow."""
        self.closed = True
        self._wake()

    def ready(self, index: int) -> bool:
        """Whether :meth:`get` answers ``index`` without waiting."""
        return index < len(self.urls) or self.closed

    async def get(self, index: int) -> str | None:
        """The URL at ``index``, waiting for the first visitor if need be."""
        while not self.ready(index):
            await self._changed.wait()
        return self.urls[index] if index < len(self.urls) else None

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()


def _ignore(_page: Page) -> None:
    return None


@dataclass(frozen=True, slots=True)
class Pacing:
    """What the engine wants to hear of a visitor: a call per page visited (progress)."""

    on_page: Callable[[Page], None] = field(default=_ignore)


UNPACED = Pacing()
"""Nothing to report: a visit on its own (tests, benchmarks)."""


async def capture_site(
    browser: Browser, site: Site, urls: Sequence[str], phase: Phase = Phase.NONE
) -> SiteResult:
    """Open ``urls`` in order in one fresh visitor; every page's evidence is kept."""
    queue = list(urls)

    async def next_page(pages: Sequence[Page]) -> str | None:
        return queue[len(pages)] if len(pages) < len(queue) else None

    return await capture_pages(browser, site, next_page, phase, first=queue[0] if queue else None)


async def capture_pages(
    browser: Browser,
    site: Site,
    next_page: NextPage,
    phase: Phase = Phase.NONE,
    *,
    first: str | None = None,
    after_first: Callable[[Visitor], Awaitable[None]] | None = None,
    pacing: Pacing = UNPACED,
    har: bool = True,
) -> SiteResult:
    """Visit ``first`` (the site's URL), then whatever ``next_page`` picks, as one visitor.

    All pages share one browser context, like one visitor clicking through: cookies
    carry over. ``after_first`` runs once the first page is loaded (banner
    detection). A failure ends in a recorded error for the site, never an exception.
    """
    started = now_iso()
    pages: list[Page] = []
    visitor: Visitor | None = None
    try:
        visitor = browser.visitor(phase, har=har)
        async with visitor:
            url: str | None = first or site.url
            while url is not None:
                pages.append(await _watched_visit(visitor, url))
                pacing.on_page(pages[-1])
                if _ends_visitor(pages[-1]):
                    break
                if after_first is not None and len(pages) == 1:
                    await after_first(visitor)
                url = await next_page(pages)
            if pages and not _ends_visitor(pages[-1]):
                await visitor.leave()  # what the last page sends as it is left
            captured = visitor.results()
    except Exception as exc:  # a broken site must end in a recorded error, not a crash
        return with_har(_failed(site, started, pages, exc), visitor)
    return with_har(_assemble(site, started, pages, captured), visitor)


def with_har(result: SiteResult, visitor: Visitor | None) -> SiteResult:
    """``result`` with the visitor's HTTP Archive, once its browser has closed."""
    if visitor is None or visitor.har is None:
        return result
    return replace(result, hars=(*result.hars, visitor.har))


async def capture_choice(
    browser: Browser,
    site: Site,
    choice: Phase,
    urls: UrlSource | Sequence[str],
    pacing: Pacing = UNPACED,
) -> tuple[SiteResult, ConsentChoice]:
    """A fresh visitor opens the home page, refuses or accepts, then browses ``urls``.

    Only what happens from the click on is kept: what the click wrote on the home page
    (a consent manager's storage), then the same pages as the first visitor, then the
    home page again. Whether the banner comes back on the next page tells
    whether the choice was remembered. ``urls`` may be a :class:`UrlFeed` the first
    visitor is still filling: this visitor follows it page by page.
    """
    holder: list[Visitor] = []
    result, made = await _capture_choice(browser, site, choice, urls, pacing, holder)
    return with_har(result, holder[0] if holder else None), made


async def _capture_choice(
    browser: Browser,
    site: Site,
    choice: Phase,
    urls: UrlSource | Sequence[str],
    pacing: Pacing,
    holder: list[Visitor],
) -> tuple[SiteResult, ConsentChoice]:
    """:func:`capture_choice` without the archive; the visitor goes to ``holder``."""
    source: UrlSource = UrlFeed(urls, closed=True) if isinstance(urls, Sequence) else urls
    started = now_iso()
    pages: list[Page] = []
    try:
        visitor = browser.visitor(choice)
        holder.append(visitor)
        async with visitor:
            first = await source.get(0)
            if first is None:
                return SiteResult(site=site, started_at=started), ConsentChoice(
                    choice, clicked=False, reason="The home page did not load."
                )
            home = await _watched_visit(visitor, first)
            if home.final_url is None or _ends_visitor(home):
                return _assemble(site, started, [home], visitor.results()), ConsentChoice(
                    choice, clicked=False, reason="The home page did not load."
                )
            made = await visitor.choose(choice)  # recording restarts at the click
            if not made.clicked:
                return SiteResult(site=site, status=SiteStatus.DONE, started_at=started), made
            index = 1
            while True:
                # The first visitor's pages after the home page, then the home page again.
                url = await source.get(index)
                pages.append(await _watched_visit(visitor, first if url is None else url))
                pacing.on_page(pages[-1])
                if _ends_visitor(pages[-1]):
                    break
                if index == 1:
                    again = await visitor.detect_banner() is not None
                    made = replace(made, banner_on_next_page=again)
                if url is None:
                    break
                index += 1
            if pages and not _ends_visitor(pages[-1]):
                await visitor.leave()  # what the last page sends as it is left
            captured = visitor.results()
    except Exception as exc:
        return _failed(site, started, pages, exc), ConsentChoice(
            choice, clicked=False, reason=classify_failure(str(exc))[1]
        )
    return _assemble(site, started, pages, captured), made


def _failed(site: Site, started: str, pages: list[Page], exc: Exception) -> SiteResult:
    error, message = classify_failure(str(exc))
    return SiteResult(
        site=site,
        status=SiteStatus.FAILED,
        error=error,
        error_message=message,
        started_at=started,
        finished_at=now_iso(),
        pages=tuple(pages),
    )


def partial_result(
    site: Site, started: str, pages: list[Page], captured: VisitorResults | None
) -> SiteResult:
    """What one visitor captured so far, as a site result (a crawl cut off by its budget)."""
    empty = VisitorResults([], [], [], [], [])
    return _assemble(site, started, pages, captured if captured is not None else empty)


def _assemble(site: Site, started: str, pages: list[Page], captured: VisitorResults) -> SiteResult:
    home = pages[0] if pages else None
    crashed = any(p.error == "browser_crash" for p in pages)
    return SiteResult(
        site=site,
        status=SiteStatus.FAILED if crashed else site_status(pages),
        error="browser_crash" if crashed else (home.error if home and home.error else None),
        error_message=next((p.error_message for p in pages if p.error), None)
        if crashed or (home and home.error)
        else None,
        started_at=started,
        finished_at=now_iso(),
        pages=tuple(pages),
        cookies=tuple(captured.cookies),
        requests=tuple(captured.requests),
        storage=tuple(captured.storage),
        api_calls=tuple(captured.api_calls),
        screenshots=tuple(captured.screenshots),
        security=_security(pages, captured),
    )


def _security(pages: list[Page], captured: VisitorResults) -> SecurityFacts | None:
    """What the first visitor's browser received, for the security rules (the probes
    are added by the engine); ``None`` for the reject and accept visitors."""
    if not pages or pages[0].phase is not Phase.NONE:
        return None
    return SecurityFacts(documents=tuple(captured.documents))


def site_status(pages: Sequence[Page]) -> SiteStatus:
    """Done when every page loaded; failed when the home page gave nothing to judge."""
    if not pages or pages[0].final_url is None or pages[0].error == "not_html":
        return SiteStatus.FAILED
    if any((p.error and p.error != "http") or p.final_url is None for p in pages):
        return SiteStatus.PARTIAL
    return SiteStatus.DONE
