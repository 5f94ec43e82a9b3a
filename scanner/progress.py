"""Progress of a scan: a live display on a terminal, plain log lines elsewhere.

rich draws the terminal display (sites done/failed, visitors in flight, pages/s,
the ETA of the whole scan); cron jobs and CI logs get one line per finished site
instead.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.progress import (
    Progress as RichProgress,
)

from .engine import Progress
from .models import SiteStatus


class ScanProgress:
    """Counts sites, pages and visitors; shows them live on a terminal or as lines."""

    def __init__(
        self,
        total: int,
        *,
        quiet: bool = False,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.done = 0
        self.failed = 0
        self.pages = 0
        self.visitors = 0
        """Visitors (browsers) in flight."""
        self.limit = 0
        """Visitors allowed in flight now (follows the machine unless fixed)."""
        self._clock = clock
        self._started = clock()
        self._live: RichProgress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> ScanProgress:
        if not self.quiet and self.stream.isatty():
            self._live = RichProgress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[status]}"),
                TimeElapsedColumn(),
                console=Console(file=self.stream),
            )
            self._live.start()
            self._task = self._live.add_task("sites", total=self.total, status="")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self._live.stop()

    def elapsed(self) -> float:
        """Seconds since the start."""
        return self._clock() - self._started

    def pages_per_second(self) -> float:
        """Pages captured per wall-clock second since the start."""
        elapsed = self.elapsed()
        return self.pages / elapsed if elapsed > 0 else 0.0

    def eta_seconds(self) -> float | None:
        """Seconds until the whole scan is done, at the pace of the sites finished so far."""
        if self.done == 0:
            return None
        return (self.total - self.done) * self.elapsed() / self.done

    def status(self) -> str:
        """``3/8 visitors  1.62 pages/s  failed 0  ETA 0:41:05``."""
        eta = self.eta_seconds()
        return (
            f"{self.visitors}/{self.limit} visitors  {self.pages_per_second():.2f} pages/s  "
            f"failed {self.failed}  ETA {_clock_time(eta) if eta is not None else '…'}"
        )

    def update(self, event: Progress) -> None:
        """Take one engine event."""
        if event.limit:
            self.visitors, self.limit = event.visitors, event.limit
        if event.event == "page":
            self.pages += 1
        advance = 0
        if event.event == "done" and event.result is not None:
            advance = 1
            self.done += 1
            if event.result.status is SiteStatus.FAILED:
                self.failed += 1
        if self._live is not None and self._task is not None:
            self._live.update(self._task, advance=advance, status=self.status())
        elif advance and not self.quiet and event.result is not None:
            result = event.result
            grade = result.grade or "-"
            error = f" ({result.error})" if result.error else ""
            print(
                f"[{self.done}/{self.total}] {result.site.name}: {result.status.value}{error}, "
                f"{len(result.pages)} pages, grade {grade}; {self.status()}",
                file=self.stream,
                flush=True,
            )


def _clock_time(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def make_progress(total: int, *, quiet: bool = False) -> ScanProgress:
    """The progress display for a scan of ``total`` sites."""
    return ScanProgress(total, quiet=quiet)
