"""A scan store in a dict: for tests and as the reference for the contract test.

It keeps the model objects themselves (they are frozen), so what it returns is by
construction what was saved; the SQLite store must behave the same.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

from ..models import Phase, Scan, Site, SiteResult, SiteStatus
from .base import ScanNotFound, ScanSummary, StoreError, resolve_ref, summarise

__all__ = ["MemoryStore"]


@dataclass(slots=True)
class _Entry:
    header: Scan
    results: dict[str, SiteResult] = field(default_factory=dict)
    """By site URL; dict order is registration order."""
    hars: dict[str, dict[Phase, str]] = field(default_factory=dict)
    """The archives' data by site URL and visitor."""


def _put(entry: _Entry, result: SiteResult) -> None:
    entry.hars[result.site.url] = {h.phase: h.data for h in reversed(result.hars)}
    entry.results[result.site.url] = dataclasses.replace(
        result, hars=tuple(dataclasses.replace(h, data="") for h in result.hars)
    )


class MemoryStore:
    """A :class:`~scanner.store.base.ScanStore` that forgets everything on exit."""

    def __init__(self) -> None:
        self._scans: dict[str, _Entry] = {}
        self._closed = False

    def create_scan(self, scan: Scan, sites: Sequence[Site]) -> None:
        """Register a scan and its sites as pending (see the protocol)."""
        self._check_open()
        if scan.id in self._scans:
            raise StoreError(f"scan {scan.id} already exists in the scan history")
        urls = [s.url for s in sites]
        if len(set(urls)) != len(urls):
            raise StoreError(f"scan {scan.id}: two sites share a URL")
        entry = _Entry(dataclasses.replace(scan, sites=()))
        entry.results = {s.url: SiteResult(site=s, status=SiteStatus.PENDING) for s in sites}
        for result in scan.sites:
            _put(entry, result)
        self._scans[scan.id] = entry

    def save_site(self, scan_id: str, result: SiteResult) -> None:
        """Replace the site's result; one dict assignment is atomic enough here. The
        archives' data is kept beside it, as the SQL store does."""
        _put(self._entry(scan_id), result)

    def har_data(self, scan_id: str, url: str, phase: Phase) -> str | None:
        """The archive of the visitor ``phase`` of the site ``url``, if one was kept."""
        return self._entry(scan_id).hars.get(url, {}).get(phase)

    def finish_scan(self, scan_id: str, finished_at: str) -> None:
        """Record when the scan ended."""
        entry = self._entry(scan_id)
        entry.header = dataclasses.replace(entry.header, finished_at=finished_at)

    def get_scan(self, scan_id: str) -> Scan:
        """The scan with every site's result in registration order."""
        entry = self._entry(scan_id)
        return dataclasses.replace(entry.header, sites=tuple(entry.results.values()))

    def pending_sites(self, scan_id: str) -> list[Site]:
        """Sites still to visit, in registration order."""
        return [
            r.site for r in self._entry(scan_id).results.values() if r.status is SiteStatus.PENDING
        ]

    def list_scans(self) -> list[ScanSummary]:
        """Summaries, newest first."""
        self._check_open()
        return [summarise(self.get_scan(i)) for i in self._newest_first()]

    def scan_summary(self, scan_id: str) -> ScanSummary:
        """The scan's summary."""
        return summarise(self.get_scan(scan_id))

    def site_status(self, scan_id: str, url: str) -> SiteStatus | None:
        """The status of the site with ``url``, if registered."""
        result = self._entry(scan_id).results.get(url)
        return None if result is None else result.status

    def resolve_scan_id(self, ref: str) -> str:
        """See :func:`~scanner.store.base.resolve_ref`."""
        self._check_open()
        return resolve_ref(ref, self._newest_first())

    def close(self) -> None:
        """Drop everything; later calls fail like on a closed database."""
        self._scans.clear()
        self._closed = True

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _newest_first(self) -> list[str]:
        keyed = sorted(self._scans.values(), key=lambda e: (e.header.started_at, e.header.id))
        return [e.header.id for e in reversed(keyed)]

    def _entry(self, scan_id: str) -> _Entry:
        self._check_open()
        try:
            return self._scans[scan_id]
        except KeyError:
            raise ScanNotFound(f"no scan {scan_id!r} in the scan history") from None

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("the scan store is closed")
