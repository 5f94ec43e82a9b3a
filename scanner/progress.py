"""Progress of a scan: a live display on a terminal, plain log lines elsewhere.

rich draws the terminal display (sites done/failed, pages/s, ETA); cron jobs and
CI logs get one line per finished site instead.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import (
    Progress as RichProgress,
)

from .engine import Progress
from .models import SiteStatus


class ScanProgress:
    """Counts sites and pages; shows them live on a terminal or as lines otherwise."""

    def __init__(self, total: int, *, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.total = total
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.done = 0
        self.failed = 0
        self.pages = 0
        self._started = time.monotonic()
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
                TimeRemainingColumn(),
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

    def pages_per_second(self) -> float:
        """Pages captured per wall-clock second since the start."""
        elapsed = time.monotonic() - self._started
        return self.pages / elapsed if elapsed > 0 else 0.0

    def update(self, event: Progress) -> None:
        """Take one engine event."""
        if event.event != "done" or event.result is None:
            return
        result = event.result
        self.done += 1
        self.pages += len(result.pages)
        if result.status is SiteStatus.FAILED:
            self.failed += 1
        status = f"failed {self.failed}  {self.pages_per_second():.2f} pages/s"
        if self._live is not None and self._task is not None:
            self._live.update(self._task, advance=1, status=status)
        elif not self.quiet:
            grade = result.grade or "-"
            error = f" ({result.error})" if result.error else ""
            print(
                f"[{self.done}/{self.total}] {result.site.name}: {result.status.value}{error}, "
                f"{len(result.pages)} pages, grade {grade}; {status}",
                file=self.stream,
                flush=True,
            )


def make_progress(total: int, *, quiet: bool = False) -> ScanProgress:
    """The progress display for a scan of ``total`` sites."""
    return ScanProgress(total, quiet=quiet)
