"""Visit one site's pages as one visitor and assemble its :class:`SiteResult`.

The only place that wires the browser layer to the rest: capture in, model out.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from .browser.session import Browser
from .failures import classify_failure
from .models import Page, Phase, Site, SiteResult, SiteStatus


async def capture_site(
    browser: Browser, site: Site, urls: Sequence[str], phase: Phase = Phase.NONE
) -> SiteResult:
    """Open ``urls`` in order in one fresh visitor; every page's evidence is kept."""
    started = _now()
    pages: list[Page] = []
    try:
        async with browser.visitor(phase) as visitor:
            for url in urls:
                pages.append(await visitor.visit(url))
                if pages[-1].error == "browser_crash":
                    break
            cookies, requests, storage = visitor.results()
    except Exception as exc:  # a broken site must end in a recorded error, not a crash
        error, message = classify_failure(str(exc))
        return SiteResult(
            site=site,
            status=SiteStatus.FAILED,
            error=error,
            error_message=message,
            started_at=started,
            finished_at=_now(),
            pages=tuple(pages),
        )
    return SiteResult(
        site=site,
        status=site_status(pages),
        error=next((p.error for p in pages if p.error), None) if pages and pages[0].error else None,
        error_message=pages[0].error_message if pages and pages[0].error else None,
        started_at=started,
        finished_at=_now(),
        pages=tuple(pages),
        cookies=tuple(cookies),
        requests=tuple(requests),
        storage=tuple(storage),
    )


def site_status(pages: Sequence[Page]) -> SiteStatus:
    """Done when every page loaded; failed when the first (the home page) did not."""
    if not pages or pages[0].final_url is None:
        return SiteStatus.FAILED
    if any((p.error and p.error != "http") or p.final_url is None for p in pages):
        return SiteStatus.PARTIAL
    return SiteStatus.DONE


def _now() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"
