"""Visit one site's pages as one visitor and assemble its :class:`SiteResult`.

The only place that wires the browser layer to the rest: capture in, model out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from .browser.session import Browser
from .cookies import now_iso
from .failures import classify_failure
from .models import Page, Phase, Site, SiteResult, SiteStatus

NextPage = Callable[[Sequence[Page]], Awaitable[str | None]]
"""Given the pages visited so far, the next URL to visit, or ``None`` to stop."""


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
) -> SiteResult:
    """Visit ``first`` (the site's URL), then whatever ``next_page`` picks, as one visitor.

    All pages share one browser context, like one visitor clicking through: cookies
    carry over. A failure ends in a recorded error for the site, never an exception.
    """
    started = now_iso()
    pages: list[Page] = []
    try:
        async with browser.visitor(phase) as visitor:
            url: str | None = first or site.url
            while url is not None:
                pages.append(await visitor.visit(url))
                if pages[-1].error == "browser_crash":
                    break
                url = await next_page(pages)
            captured = visitor.results()
    except Exception as exc:  # a broken site must end in a recorded error, not a crash
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
    )


def site_status(pages: Sequence[Page]) -> SiteStatus:
    """Done when every page loaded; failed when the home page gave nothing to judge."""
    if not pages or pages[0].final_url is None or pages[0].error == "not_html":
        return SiteStatus.FAILED
    if any((p.error and p.error != "http") or p.final_url is None for p in pages):
        return SiteStatus.PARTIAL
    return SiteStatus.DONE
