"""The comparison's view: all sites ranked, the headline figures, the matrix, for the
privacy officer and the board. Its judgements are the classification's
(``SiteResult.verdicts``); it only counts them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace

from scanner.models import (
    Cookie,
    Phase,
    Request,
    Scan,
    SiteResult,
    StorageItem,
)

from ..diff import ScanDiff, diff_scans
from .shared import (
    MEASURED,
    ScanInfo,
    SeverityCounts,
    SiteChange,
    majority,
    organisation_of,
    privacy_findings,
    scan_info,
    severity_counts,
    site_change,
    site_diff_for,
    site_slugs,
)

__all__ = ["ComparisonReport", "build_comparison_report"]

GRADES: tuple[str, ...] = ("A", "B", "C", "D", "E", "F")
"""Grades best first, as ``docs/scoring.md`` defines them."""

MAX_MATRIX_ORGANISATIONS = 30
"""Columns of the sites-by-organisations matrix; the rarest are counted, not drawn."""


def _share(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


# ------------------------------------------------------------------ comparison report


@dataclass(frozen=True, slots=True)
class RankRow:
    """One site in the ranking."""

    rank: int | None
    """Position by grade and score (equal scores share a rank); ``None`` when unscored."""
    name: str
    """Site name."""
    href: str
    """Relative link to the site report."""
    province: str | None
    """Province."""
    url: str
    """Start URL (text only)."""
    status: str
    """Visit status value."""
    error: str | None
    """Error class when the site failed."""
    grade: str | None
    """Grade."""
    score: int | None
    """Score."""
    counts: SeverityCounts
    """Findings per severity."""
    tracking: bool
    """Tracking before consent (``Verdicts.tracks_before_consent``)."""
    non_eea: bool
    """Third-party requests to non-EEA organisations before consent."""
    no_banner_while_tracking: bool
    """Tracking before consent without a consent banner."""
    banner: bool
    """A consent banner was found on the home page."""
    reject_first_layer: bool
    """That banner can be refused on its first layer (``False`` without a banner)."""
    refusal_works: bool | None
    """Refusing was tried and left no tracking; ``None`` when not tried
    (``Verdicts.refusal_works``)."""
    change: SiteChange | None
    """Change since the previous scan."""
    security_grade: str | None = None
    """Security grade (``SiteResult.security_grade``); ``None`` when not measured."""
    security_score: int | None = None
    """Security score."""
    security_rank: int | None = None
    """Position by security grade and score (equal scores share a rank); ``None`` when
    the site has no security grade."""


@dataclass(frozen=True, slots=True)
class ProvinceGroup:
    """The ranking within one province."""

    name: str | None
    """Province; ``None`` for sites without one."""
    rows: tuple[RankRow, ...]
    """Its sites, ranked."""
    average_score: int | None
    """Mean score of its scored sites."""


@dataclass(frozen=True, slots=True)
class Headline:
    """The figures a board reads first."""

    measured: int
    """Sites that could be measured."""
    tracking_sites: int
    """Measured sites with tracking before consent."""
    tracking_share: int | None
    """That as a whole percentage of measured sites."""
    non_eea_sites: int
    """Measured sites contacting non-EEA organisations before consent."""
    non_eea_share: int | None
    """That as a whole percentage of measured sites."""
    no_banner_sites: int
    """Measured sites that track before consent and show no consent banner."""
    no_banner_share: int | None
    """That as a whole percentage of the sites that track before consent."""
    refusal_tried: int
    """Measured sites with a banner on which refusing was tried (a refusing visitor ran)."""
    refusal_works_sites: int
    """Of those, the sites where refusing works (``Verdicts.refusal_works``)."""
    refusal_works_share: int | None
    """That as a whole percentage of :attr:`refusal_tried`."""
    violations: int
    """Findings of severity violation over all sites."""
    sites_with_violations: int
    """Sites with at least one violation."""
    failed: int
    """Sites that could not be measured."""


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar of the grade chart, with its geometry in SVG user units."""

    label: str
    """Grade letter, or ``-`` for sites without a grade."""
    count: int
    """Sites with that grade."""
    x: int
    """Left edge."""
    y: int
    """Top edge."""
    width: int
    """Bar width."""
    height: int
    """Bar height (0 for an empty grade)."""


@dataclass(frozen=True, slots=True)
class BarChart:
    """Grades of all sites as an inline SVG bar chart."""

    bars: tuple[Bar, ...]
    """Bars from A to F, then unscored."""
    width: int
    """SVG width."""
    height: int
    """SVG height."""
    baseline: int
    """Y of the axis."""


@dataclass(frozen=True, slots=True)
class MatrixCell:
    """Presence of one organisation on one site before consent."""

    count: int
    """Requests, cookies and storage items of that organisation before consent."""
    level: int
    """Heat level 0 (absent) to 4."""


@dataclass(frozen=True, slots=True)
class MatrixRow:
    """One site in the matrix."""

    name: str
    """Site name."""
    href: str
    """Relative link to the site report."""
    cells: tuple[MatrixCell, ...]
    """One cell per organisation column."""
    y: int
    """Top of the row in the SVG."""


@dataclass(frozen=True, slots=True)
class Matrix:
    """Sites by organisations present before consent, as a table and an SVG heat map."""

    organisations: tuple[str, ...]
    """Column headings, most widespread first."""
    column_x: tuple[int, ...]
    """Left edge of each column in the SVG."""
    rows: tuple[MatrixRow, ...]
    """Measured sites, ranked."""
    omitted: int
    """Organisations left out beyond :data:`MAX_MATRIX_ORGANISATIONS`."""
    cell: int
    """Cell size in SVG units."""
    left: int
    """Width of the site-name column in the SVG."""
    top: int
    """Height of the organisation header in the SVG."""
    width: int
    """SVG width."""
    height: int
    """SVG height."""


@dataclass(frozen=True, slots=True)
class ComparisonReport:
    """Everything the comparison shows, for the privacy officer and the board."""

    scan: ScanInfo
    """Measurement conditions."""
    total_sites: int
    """Sites in the scan."""
    headline: Headline
    """Headline figures."""
    ranking: tuple[RankRow, ...]
    """All sites ranked."""
    security_ranking: tuple[RankRow, ...]
    """All sites ranked by security grade (``RankRow.security_rank``)."""
    provinces: tuple[ProvinceGroup, ...]
    """The ranking per province, provinces by name."""
    grade_chart: BarChart
    """Grade distribution."""
    matrix: Matrix
    """Sites by organisations before consent."""
    has_previous: bool
    """A previous scan was given."""
    previous_started_at: str
    """When the previous scan started; ``""`` without one."""
    changes: tuple[RankRow, ...]
    """Sites whose grade, score or findings changed, worst change first."""
    new_findings: int
    """New findings since the previous scan over all sites."""
    fixed_findings: int
    """Fixed findings since the previous scan over all sites."""


def _observations(result: SiteResult) -> Iterator[Request | Cookie | StorageItem]:
    yield from result.requests
    yield from result.cookies
    yield from result.storage


def _before_consent_orgs(result: SiteResult) -> Counter[str]:
    c: Counter[str] = Counter()
    for item in _observations(result):
        p = item.party
        if item.phase is Phase.NONE and p is not None and not p.first_party:
            c[organisation_of(p)] += 1
    return c


def _grade_order(row: RankRow) -> tuple[int, int, str]:
    grade = GRADES.index(row.grade) if row.grade in GRADES else len(GRADES)
    score = -row.score if row.score is not None else 1
    return (grade if row.score is not None else len(GRADES) + 1, score, row.name.lower())


def _rank(rows: list[RankRow]) -> tuple[RankRow, ...]:
    rows = sorted(rows, key=_grade_order)
    out: list[RankRow] = []
    prev: tuple[str | None, int | None] | None = None
    rank = 0
    for i, r in enumerate(rows, start=1):
        if r.score is None:
            out.append(_replace_rank(r, None))
            continue
        if (r.grade, r.score) != prev:
            rank, prev = i, (r.grade, r.score)
        out.append(_replace_rank(r, rank))
    return tuple(out)


def _replace_rank(r: RankRow, rank: int | None) -> RankRow:
    return replace(r, rank=rank)


def _security_rank(rows: Iterable[RankRow]) -> tuple[RankRow, ...]:
    """The rows by security grade and score, best first; unmeasured last, by name."""

    def key(r: RankRow) -> tuple[int, int, str]:
        if r.security_score is None or r.security_grade not in GRADES:
            return (len(GRADES), 0, r.name.lower())
        return (GRADES.index(r.security_grade), -r.security_score, r.name.lower())

    out: list[RankRow] = []
    prev: tuple[str | None, int | None] | None = None
    rank = 0
    for i, r in enumerate(sorted(rows, key=key), start=1):
        if r.security_score is None:
            out.append(replace(r, security_rank=None))
            continue
        if (r.security_grade, r.security_score) != prev:
            rank, prev = i, (r.security_grade, r.security_score)
        out.append(replace(r, security_rank=rank))
    return tuple(out)


def _heat(count: int) -> int:
    if count == 0:
        return 0
    if count <= 2:
        return 1
    if count <= 9:
        return 2
    if count <= 29:
        return 3
    return 4


def _grade_chart(rows: Iterable[RankRow]) -> BarChart:
    counts = Counter(r.grade if r.grade in GRADES else "-" for r in rows)
    labels = [*GRADES, "-"] if counts["-"] else list(GRADES)
    top, plot, bar_w, gap, left = 24, 160, 48, 20, 16
    most = max((counts[g] for g in labels), default=0) or 1
    bars = []
    for i, g in enumerate(labels):
        h = round(plot * counts[g] / most)
        bars.append(Bar(g, counts[g], left + i * (bar_w + gap), top + plot - h, bar_w, h))
    return BarChart(
        bars=tuple(bars),
        width=left * 2 + len(labels) * (bar_w + gap) - gap,
        height=top + plot + 28,
        baseline=top + plot,
    )


def _matrix(ranked: tuple[RankRow, ...], orgs_by_href: Mapping[str, Counter[str]]) -> Matrix:
    spread: Counter[str] = Counter()
    for c in orgs_by_href.values():
        spread.update(c.keys())
    ordered = sorted(spread, key=lambda o: (-spread[o], o.lower()))
    shown = tuple(ordered[:MAX_MATRIX_ORGANISATIONS])
    cell, left, top = 20, 220, 150
    rows = []
    measured = [r for r in ranked if r.href in orgs_by_href]
    for i, r in enumerate(measured):
        c = orgs_by_href[r.href]
        rows.append(
            MatrixRow(
                name=r.name,
                href=r.href,
                cells=tuple(MatrixCell(c[o], _heat(c[o])) for o in shown),
                y=top + i * cell,
            )
        )
    return Matrix(
        organisations=shown,
        column_x=tuple(left + j * cell for j in range(len(shown))),
        rows=tuple(rows),
        omitted=len(ordered) - len(shown),
        cell=cell,
        left=left,
        top=top,
        width=left + len(shown) * cell + 8,
        height=top + len(rows) * cell + 8,
    )


def build_comparison_report(
    scan: Scan, *, previous: Scan | None = None, diff: ScanDiff | None = None
) -> ComparisonReport:
    """The view of all sites; ``diff`` may be passed when the caller already has it."""
    if diff is None and previous is not None:
        diff = diff_scans(previous, scan)
    slugs = site_slugs(scan)
    rows: list[RankRow] = []
    orgs_by_href: dict[str, Counter[str]] = {}
    for result, slug in zip(scan.sites, slugs, strict=True):
        measured = result.status in MEASURED
        # Judgements are the classification's (SiteResult.verdicts); none when unmeasured.
        verdicts = result.verdicts if measured else None
        site_diff = site_diff_for(result, diff)
        href = f"sites/{slug}.html"
        if measured:
            orgs_by_href[href] = _before_consent_orgs(result)
        rows.append(
            RankRow(
                rank=None,
                name=result.site.name,
                href=href,
                province=result.site.province,
                url=result.site.url,
                status=result.status.value,
                error=result.error,
                grade=result.grade if measured else None,
                score=result.score if measured else None,
                counts=severity_counts(majority(privacy_findings(result))),
                security_grade=result.security_grade if measured else None,
                security_score=result.security_score if measured else None,
                tracking=verdicts is not None and verdicts.tracks_before_consent,
                non_eea=verdicts is not None and verdicts.non_eea_before_consent,
                no_banner_while_tracking=verdicts is not None and verdicts.no_banner_while_tracking,
                banner=measured and result.banner is not None,
                reject_first_layer=measured
                and result.banner is not None
                and result.banner.reject_on_first_layer,
                refusal_works=verdicts.refusal_works if verdicts is not None else None,
                change=site_change(site_diff) if site_diff else None,
            )
        )
    ranked = _rank(rows)
    provinces: dict[str | None, list[RankRow]] = {}
    for r in ranked:
        provinces.setdefault(r.province, []).append(r)
    groups = []
    for name in sorted(provinces, key=lambda p: (p is None, p or "")):
        members = provinces[name]
        scores = [r.score for r in members if r.score is not None]
        groups.append(
            ProvinceGroup(
                name=name,
                rows=_rank(members),
                average_score=round(sum(scores) / len(scores)) if scores else None,
            )
        )
    measured_rows = [r for r in ranked if r.status in (s.value for s in MEASURED)]
    n = len(measured_rows)
    tracking = sum(1 for r in measured_rows if r.tracking)
    non_eea = sum(1 for r in measured_rows if r.non_eea)
    no_banner = sum(1 for r in measured_rows if r.no_banner_while_tracking)
    tried = sum(1 for r in measured_rows if r.refusal_works is not None)
    works = sum(1 for r in measured_rows if r.refusal_works)
    changed = [
        r
        for r in ranked
        if r.change is not None
        and (r.change.direction != "unchanged" or r.change.new_count or r.change.fixed_count)
    ]
    direction_order = {"worsened": 0, "added": 1, "unknown": 2, "unchanged": 3, "improved": 4}
    changed.sort(
        key=lambda r: (
            direction_order.get(r.change.direction, 5) if r.change else 5,
            -(r.change.new_count if r.change else 0),
            r.name.lower(),
        )
    )
    return ComparisonReport(
        scan=scan_info(scan),
        total_sites=len(scan.sites),
        headline=Headline(
            measured=n,
            tracking_sites=tracking,
            tracking_share=_share(tracking, n),
            non_eea_sites=non_eea,
            non_eea_share=_share(non_eea, n),
            no_banner_sites=no_banner,
            no_banner_share=_share(no_banner, tracking),
            refusal_tried=tried,
            refusal_works_sites=works,
            refusal_works_share=_share(works, tried),
            violations=sum(r.counts.violation for r in ranked),
            sites_with_violations=sum(1 for r in ranked if r.counts.violation),
            failed=len(ranked) - n,
        ),
        ranking=ranked,
        security_ranking=_security_rank(ranked),
        provinces=tuple(groups),
        grade_chart=_grade_chart(ranked),
        matrix=_matrix(ranked, orgs_by_href),
        has_previous=diff is not None,
        previous_started_at=diff.old_started_at if diff else "",
        changes=tuple(changed),
        new_findings=diff.new_count if diff else 0,
        fixed_findings=diff.fixed_count if diff else 0,
    )
