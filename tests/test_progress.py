"""The progress display: visitors in flight, pages per second and the scan's ETA."""

from __future__ import annotations

import io

from scanner.engine import Progress
from scanner.models import Page, Phase, Site, SiteResult, SiteStatus
from scanner.progress import ScanProgress


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_plain_lines_show_visitors_pages_per_second_and_eta() -> None:
    clock = _Clock()
    out = io.StringIO()
    site = Site("Trackstad", "https://www.trackstad.nl/")
    page = Page(url=site.url, phase=Phase.NONE)
    with ScanProgress(4, stream=out, clock=clock) as progress:
        progress.update(Progress(site, "visitors", visitors=3, limit=5))
        for _ in range(6):
            progress.update(Progress(site, "page", visitors=3, limit=5, page=page))
        clock.now += 30.0
        result = SiteResult(site=site, status=SiteStatus.DONE, pages=(page,) * 6)
        progress.update(Progress(site, "done", result, visitors=2, limit=5))
    line = out.getvalue().strip()
    # 6 pages in 30 s; one site of four done in 30 s: three more take 90 s.
    assert line.startswith("[1/4] Trackstad: done, 6 pages")
    assert "2/5 visitors" in line and "0.20 pages/s" in line and "ETA 0:01:30" in line


def test_no_eta_before_the_first_site_is_done() -> None:
    progress = ScanProgress(342, stream=io.StringIO(), clock=_Clock())
    assert progress.eta_seconds() is None and "ETA …" in progress.status()
