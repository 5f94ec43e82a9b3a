"""Print reports to PDF with the Chromium that scans (``page.pdf``).

A report is self-contained: it loads nothing. Printing keeps it so and proves it:
the page is offline, every request it would make is refused before anything is sent
and named in the result (none is the expected number; the caller turns any into an
error). Every ``<details>`` is opened first, so nothing that a reader of the HTML can
unfold is missing on paper. A4, page numbers ``n / N`` in the footer.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import PdfMargins, Route, async_playwright

from .discovery import find_browser
from .scripts import page_script

__all__ = ["PrintJob", "Printed", "print_pdfs"]

_FOOTER = (
    '<div style="font-size:8pt;width:100%;text-align:center;color:#444;">'
    '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
)
_MARGIN: PdfMargins = {"top": "14mm", "bottom": "16mm", "left": "12mm", "right": "12mm"}
_TIMEOUT_MS = 60_000


@dataclass(frozen=True, slots=True)
class PrintJob:
    """One HTML document to print to ``out``."""

    html: str
    out: Path


@dataclass(frozen=True, slots=True)
class Printed:
    """What printing did."""

    files: tuple[Path, ...]
    refused: tuple[str, ...]
    """URLs the documents asked for while printing, refused before any was sent."""


async def print_pdfs(jobs: Sequence[PrintJob], *, browser_path: str | None = None) -> Printed:
    """Print each job's HTML to its PDF file in one browser; ``BrowserNotFound`` when
    there is none."""
    executable = find_browser(browser_path)
    refused: list[str] = []

    async def refuse(route: Route) -> None:
        refused.append(route.request.url)
        await route.abort("blockedbyclient")

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=executable.path,
            headless=True,
            chromium_sandbox=os.geteuid() != 0 if hasattr(os, "geteuid") else True,
            # Belt and braces: no host name resolves while printing.
            args=["--host-resolver-rules=MAP * ~NOTFOUND", "--no-first-run"],
        )
        try:
            context = await browser.new_context(offline=True, service_workers="block")
            await context.route("**/*", refuse)
            page = await context.new_page()
            page.set_default_timeout(_TIMEOUT_MS)
            for job in jobs:
                await page.set_content(job.html, wait_until="load")
                await page.evaluate(page_script("open_details.js"))
                job.out.parent.mkdir(parents=True, exist_ok=True)
                await page.pdf(
                    path=str(job.out),
                    format="A4",
                    print_background=True,
                    display_header_footer=True,
                    header_template="<span></span>",
                    footer_template=_FOOTER,
                    margin=_MARGIN,
                )
            await context.close()
        finally:
            await browser.close()
    return Printed(tuple(job.out for job in jobs), tuple(refused))
