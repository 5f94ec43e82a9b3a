"""The diff report's view: new, fixed and persisting findings per site."""

from __future__ import annotations

from dataclasses import dataclass

from scanner.messages import Translator, translator
from scanner.models import (
    Severity,
)

from ..diff import ScanDiff
from .shared import (
    FindingView,
    SeverityCounts,
    finding_view,
    severity_counts,
)

__all__ = ["DiffReport", "build_diff_report"]

# ------------------------------------------------------------------------ diff report


@dataclass(frozen=True, slots=True)
class SiteDiffView:
    """One site's change, as the diff report shows it."""

    name: str
    """Site name."""
    url: str
    """Start URL (text only)."""
    province: str | None
    """Province."""
    old_status: str | None
    """Old visit status value, ``None`` when absent."""
    new_status: str | None
    """New visit status value, ``None`` when absent."""
    old_grade: str | None
    """Old grade."""
    new_grade: str | None
    """New grade."""
    old_score: int | None
    """Old score."""
    new_score: int | None
    """New score."""
    direction: str
    """See :attr:`SiteChange.direction`."""
    comparable: bool
    """Both visits measured the site."""
    new: tuple[FindingView, ...]
    """New findings, worst first."""
    fixed: tuple[FindingView, ...]
    """Fixed findings, worst first."""
    persisting: tuple[FindingView, ...]
    """Persisting findings, worst first."""


@dataclass(frozen=True, slots=True)
class DiffReport:
    """Everything the diff report shows."""

    old_scan_id: str
    """Earlier scan."""
    new_scan_id: str
    """Later scan."""
    old_started_at: str
    """When the earlier scan started."""
    new_started_at: str
    """When the later scan started."""
    new_count: int
    """New findings in total."""
    fixed_count: int
    """Fixed findings in total."""
    persisting_count: int
    """Persisting findings in total."""
    new_counts: SeverityCounts
    """New findings per severity."""
    sites: tuple[SiteDiffView, ...]
    """Sites with any change first (new findings, then fixed), then the rest."""


def build_diff_report(diff: ScanDiff, t: Translator | None = None) -> DiffReport:
    """The view of a diff, sites with new findings first, in ``t``'s language (Dutch)."""
    t = t or translator()
    views = [
        SiteDiffView(
            name=s.name,
            url=s.url,
            province=s.province,
            old_status=s.old_status.value if s.old_status else None,
            new_status=s.new_status.value if s.new_status else None,
            old_grade=s.old_grade,
            new_grade=s.new_grade,
            old_score=s.old_score,
            new_score=s.new_score,
            direction=s.direction,
            comparable=s.comparable,
            new=tuple(finding_view(f, t, is_new=True) for f in s.new),
            fixed=tuple(finding_view(f, t) for f in s.fixed),
            persisting=tuple(finding_view(f, t) for f in s.persisting),
        )
        for s in diff.sites
    ]
    views.sort(
        key=lambda v: (
            min((Severity(f.severity).rank for f in v.new), default=len(Severity)),
            not v.fixed,
            v.name.lower(),
        )
    )
    return DiffReport(
        old_scan_id=diff.old_scan_id,
        new_scan_id=diff.new_scan_id,
        old_started_at=diff.old_started_at,
        new_started_at=diff.new_started_at,
        new_count=diff.new_count,
        fixed_count=diff.fixed_count,
        persisting_count=diff.persisting_count,
        new_counts=severity_counts(f for s in diff.sites for f in s.new),
        sites=tuple(views),
    )
