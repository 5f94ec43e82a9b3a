"""What changed between two scans: new, fixed and persisting findings per site.

Findings are matched by their stable ``Finding.id`` (rule plus subject), sites by
their official code or, without one, their start URL. A site that could not be
measured in the new scan has nothing "fixed": a failed visit is no repair.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scanner.models import Finding, Scan, Severity, SiteResult, SiteStatus
from scanner.serialize import to_dict

__all__ = [
    "ScanDiff",
    "SiteDiff",
    "diff_scans",
    "diff_to_dict",
    "exit_code_for",
    "site_key",
]

DIFF_FORMAT = "privacyscan-diff/1"
"""Identifies the JSON document of :func:`diff_to_dict` for tools that read it."""

_MEASURED = (SiteStatus.DONE, SiteStatus.PARTIAL)


def site_key(result: SiteResult) -> str:
    """Identity of a site across scans: the CBS code survives a change of URL."""
    return result.site.code or result.site.url


@dataclass(frozen=True, slots=True)
class SiteDiff:
    """One site's change between the old and the new scan."""

    key: str
    """The code or URL both scans were matched on."""
    name: str
    """Human name as in the new scan (the old one for a site that disappeared)."""
    url: str
    """Start URL as in the new scan (the old one for a site that disappeared)."""
    province: str | None
    """Province, for grouping."""
    old_status: SiteStatus | None
    """How the old visit ended; ``None`` when the site was not in the old scan."""
    new_status: SiteStatus | None
    """How the new visit ended; ``None`` when the site is not in the new scan."""
    old_score: int | None
    """Score in the old scan."""
    new_score: int | None
    """Score in the new scan."""
    old_grade: str | None
    """Grade in the old scan."""
    new_grade: str | None
    """Grade in the new scan."""
    new: tuple[Finding, ...]
    """Findings in the new scan whose id the old scan did not have, worst first."""
    fixed: tuple[Finding, ...]
    """Findings of the old scan gone in the new one (only when the new visit succeeded)."""
    persisting: tuple[Finding, ...]
    """Findings in both scans, as the new scan describes them."""

    @property
    def comparable(self) -> bool:
        """Both visits measured the site, so new and fixed are meaningful."""
        return self.old_status in _MEASURED and self.new_status in _MEASURED

    @property
    def direction(self) -> str:
        """``improved``, ``worsened``, ``unchanged``, ``added``, ``removed`` or ``unknown``."""
        if self.old_status is None:
            return "added"
        if self.new_status is None:
            return "removed"
        if self.old_score is None or self.new_score is None:
            return "unknown"
        if self.new_score > self.old_score:
            return "improved"
        if self.new_score < self.old_score:
            return "worsened"
        return "unchanged"


@dataclass(frozen=True, slots=True)
class ScanDiff:
    """The change between two scans, site by site, in the order of the new scan."""

    old_scan_id: str
    """Id of the earlier scan."""
    new_scan_id: str
    """Id of the later scan."""
    old_started_at: str
    """When the earlier scan started (UTC, ISO 8601)."""
    new_started_at: str
    """When the later scan started (UTC, ISO 8601)."""
    sites: tuple[SiteDiff, ...]
    """Sites of the new scan in order, then sites that only the old scan had."""

    @property
    def new_count(self) -> int:
        """New findings over all sites."""
        return sum(len(s.new) for s in self.sites)

    @property
    def fixed_count(self) -> int:
        """Fixed findings over all sites."""
        return sum(len(s.fixed) for s in self.sites)

    @property
    def persisting_count(self) -> int:
        """Persisting findings over all sites."""
        return sum(len(s.persisting) for s in self.sites)


def _by_id(findings: tuple[Finding, ...]) -> dict[str, Finding]:
    out: dict[str, Finding] = {}
    for f in findings:
        out.setdefault(f.id, f)
    return out


def _worst_first(findings: list[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=lambda f: (f.severity.rank, f.id)))


def _site_diff(old: SiteResult | None, new: SiteResult | None) -> SiteDiff:
    ref = new if new is not None else old
    assert ref is not None
    old_f = _by_id(old.findings) if old is not None else {}
    new_f = _by_id(new.findings) if new is not None else {}
    new_measured = new is not None and new.status in _MEASURED
    if new_measured:
        added = [f for i, f in new_f.items() if i not in old_f]
        fixed = [f for i, f in old_f.items() if i not in new_f]
        persisting = [f for i, f in new_f.items() if i in old_f]
    else:
        added, fixed, persisting = [], [], []
    return SiteDiff(
        key=site_key(ref),
        name=ref.site.name,
        url=ref.site.url,
        province=ref.site.province,
        old_status=old.status if old is not None else None,
        new_status=new.status if new is not None else None,
        old_score=old.score if old is not None else None,
        new_score=new.score if new is not None else None,
        old_grade=old.grade if old is not None else None,
        new_grade=new.grade if new is not None else None,
        new=_worst_first(added),
        fixed=_worst_first(fixed),
        persisting=_worst_first(persisting),
    )


def diff_scans(old: Scan, new: Scan) -> ScanDiff:
    """Compare two scans by stable finding id; sites only in ``new`` count as all new."""
    old_sites: dict[str, SiteResult] = {}
    for r in old.sites:
        old_sites.setdefault(site_key(r), r)
    seen: set[str] = set()
    sites: list[SiteDiff] = []
    for r in new.sites:
        key = site_key(r)
        if key in seen:
            continue
        seen.add(key)
        sites.append(_site_diff(old_sites.get(key), r))
    sites.extend(_site_diff(r, None) for k, r in old_sites.items() if k not in seen)
    return ScanDiff(
        old_scan_id=old.id,
        new_scan_id=new.id,
        old_started_at=old.started_at,
        new_started_at=new.started_at,
        sites=tuple(sites),
    )


def exit_code_for(diff: ScanDiff, fail_on: Severity | None) -> int:
    """1 when a NEW finding of ``fail_on`` or worse appeared (for CI), else 0."""
    if fail_on is None:
        return 0
    worse = any(f.severity.at_least(fail_on) for s in diff.sites for f in s.new)
    return 1 if worse else 0


def diff_to_dict(diff: ScanDiff) -> dict[str, Any]:
    """The diff as a JSON-ready document; findings use the export's own field names."""

    def status(s: SiteStatus | None) -> str | None:
        return s.value if s is not None else None

    return {
        "format": DIFF_FORMAT,
        "old_scan": {"id": diff.old_scan_id, "started_at": diff.old_started_at},
        "new_scan": {"id": diff.new_scan_id, "started_at": diff.new_started_at},
        "summary": {
            "new": diff.new_count,
            "fixed": diff.fixed_count,
            "persisting": diff.persisting_count,
        },
        "sites": [
            {
                "key": s.key,
                "name": s.name,
                "url": s.url,
                "province": s.province,
                "old_status": status(s.old_status),
                "new_status": status(s.new_status),
                "old_score": s.old_score,
                "new_score": s.new_score,
                "old_grade": s.old_grade,
                "new_grade": s.new_grade,
                "comparable": s.comparable,
                "direction": s.direction,
                "new": to_dict(s.new),
                "fixed": to_dict(s.fixed),
                "persisting": to_dict(s.persisting),
            }
            for s in diff.sites
        ],
    }
