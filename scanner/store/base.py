"""The interface every scan history back end offers, and what they share.

The CLI, ``resume`` and the reports talk only to :class:`ScanStore`, so a PostgreSQL
back end can be added without touching them. Scan IDs are made by the caller; a
store never invents one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, Self

from ..errors import PrivacyscanError
from ..models import Phase, Scan, Severity, Site, SiteResult, SiteStatus

__all__ = [
    "ScanNotFound",
    "ScanStore",
    "ScanSummary",
    "StoreError",
    "StoreVersionError",
    "resolve_ref",
    "summarise",
]


class StoreError(PrivacyscanError):
    """The scan history cannot do what was asked; the message says what to do."""


class ScanNotFound(StoreError, LookupError):
    """A scan reference (ID, prefix, ``latest``, ``previous``) names no stored scan."""


class StoreVersionError(StoreError):
    """The database was written by a newer privacyscan than the one running."""


@dataclass(frozen=True, slots=True)
class ScanSummary:
    """One line of ``privacyscan history``: a scan without its captured data."""

    id: str
    started_at: str
    finished_at: str | None
    tool_version: str
    browser: str
    options: tuple[tuple[str, str], ...]
    sites_total: int
    sites_done: int
    sites_partial: int
    sites_failed: int
    sites_pending: int
    pages: int
    """Pages visited over all sites and phases."""
    findings_by_severity: tuple[tuple[Severity, int], ...]
    """Every severity in :class:`Severity` order, zero counts included."""

    def findings(self, severity: Severity) -> int:
        """Number of findings of one severity (so callers need not search the tuple)."""
        return dict(self.findings_by_severity).get(severity, 0)

    @property
    def findings_total(self) -> int:
        """All findings of the scan, whatever their severity."""
        return sum(n for _, n in self.findings_by_severity)


class ScanStore(Protocol):
    """Where scans and their per-site results are kept between runs.

    ``save_site`` is the unit of durability: the caller saves each site as soon as it
    finishes, so an interrupted scan loses at most the sites being visited.
    """

    def create_scan(self, scan: Scan, sites: Sequence[Site]) -> None:
        """Register a scan and its sites, all pending, in the given order.

        Results already in ``scan.sites`` (an imported scan) are saved as well.
        Raises :class:`StoreError` when the ID exists or two sites share a URL.
        """
        ...

    def save_site(self, scan_id: str, result: SiteResult) -> None:
        """Write one site's complete result atomically, replacing an earlier one.

        The site is matched by ``result.site.url``; its name, province, code and
        extra domains are updated from ``result.site``. A URL that was not
        registered is appended after the others.
        """
        ...

    def finish_scan(self, scan_id: str, finished_at: str) -> None:
        """Mark the scan finished (the report shows unfinished scans as such)."""
        ...

    def get_scan(self, scan_id: str) -> Scan:
        """The whole scan, sites in registration order, pending ones as PENDING."""
        ...

    def har_data(self, scan_id: str, url: str, phase: Phase) -> str | None:
        """The HTTP Archive (JSON text) of the visitor ``phase`` of the scan's site with
        start URL ``url``; ``None`` when none was kept. ``get_scan`` gives each archive
        without its data: a whole scan's archives are too large to load at once."""
        ...

    def pending_sites(self, scan_id: str) -> list[Site]:
        """Sites not scanned yet, in registration order: what ``resume`` visits."""
        ...

    def list_scans(self) -> list[ScanSummary]:
        """Every stored scan, newest first (by ``started_at``, then ID)."""
        ...

    def scan_summary(self, scan_id: str) -> ScanSummary:
        """One scan's summary (what ``list_scans`` says of it), without loading it:
        cheap enough to poll for the progress of a scan that workers are running."""
        ...

    def site_status(self, scan_id: str, url: str) -> SiteStatus | None:
        """The status of the scan's site with ``url`` (``None``: not registered): a
        worker skips a redelivered site that another delivery has saved already."""
        ...

    def resolve_scan_id(self, ref: str) -> str:
        """Turn an ID, a unique ID prefix, ``latest`` or ``previous`` into an ID."""
        ...

    def close(self) -> None:
        """Release the back end; the store is unusable afterwards."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


def resolve_ref(ref: str, newest_first: Sequence[str]) -> str:
    """Resolve a scan reference against stored IDs, newest first.

    Shared by every back end so ``latest`` and prefixes mean the same everywhere.
    An exact ID wins over a prefix; an ambiguous prefix is an error, not a guess.
    """
    ref = ref.strip()
    if not newest_first:
        raise ScanNotFound(f"no scan {ref!r}: the scan history is empty; run a scan first")
    if ref == "latest":
        return newest_first[0]
    if ref == "previous":
        if len(newest_first) < 2:
            raise ScanNotFound(f"no previous scan: only one scan is stored ({newest_first[0]})")
        return newest_first[1]
    if not ref:
        raise ScanNotFound("empty scan reference: give an ID, an ID prefix, 'latest' or 'previous'")
    if ref in newest_first:
        return ref
    matches = [i for i in newest_first if i.startswith(ref)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        shown = ", ".join(matches[:5]) + (", …" if len(matches) > 5 else "")
        raise ScanNotFound(
            f"scan reference {ref!r} is ambiguous: it matches {len(matches)} scans ({shown}); "
            "give more characters"
        )
    recent = ", ".join(newest_first[:3])
    raise ScanNotFound(
        f"no scan {ref!r}: give an ID, an ID prefix, 'latest' or 'previous' "
        f"(most recent: {recent}; 'privacyscan history' lists all)"
    )


def summarise(scan: Scan) -> ScanSummary:
    """Count a whole :class:`Scan` into a summary (for back ends that hold objects)."""
    statuses = [r.status for r in scan.sites]
    severities = [f.severity for r in scan.sites for f in r.findings]
    return ScanSummary(
        id=scan.id,
        started_at=scan.started_at,
        finished_at=scan.finished_at,
        tool_version=scan.tool_version,
        browser=scan.browser,
        options=scan.options,
        sites_total=len(statuses),
        sites_done=statuses.count(SiteStatus.DONE),
        sites_partial=statuses.count(SiteStatus.PARTIAL),
        sites_failed=statuses.count(SiteStatus.FAILED),
        sites_pending=statuses.count(SiteStatus.PENDING),
        pages=sum(len(r.pages) for r in scan.sites),
        findings_by_severity=tuple((s, severities.count(s)) for s in Severity),
    )
