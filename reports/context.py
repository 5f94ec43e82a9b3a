"""What the templates see: typed, frozen views built from a Scan.

Templates never reach into the data model or a database; every figure, grouping
and ordering is decided here, where it can be typed and tested. Strings a website
sent stay plain ``str`` so autoescaping always applies to them.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace

from scanner.messages import Translator, translator
from scanner.messages.findings import finding_text
from scanner.models import (
    ApiCall,
    Banner,
    ConsentChoice,
    Cookie,
    Evidence,
    Finding,
    Initiator,
    Party,
    Phase,
    Request,
    Scan,
    Severity,
    SiteResult,
    SiteStatus,
    StorageItem,
)

from .diff import ScanDiff, SiteDiff, diff_scans, site_key

__all__ = [
    "ComparisonReport",
    "DiffReport",
    "SiteReport",
    "build_comparison_report",
    "build_diff_report",
    "build_site_report",
    "safe_link",
    "site_slugs",
]

PHASE_ORDER: tuple[Phase, ...] = (Phase.NONE, Phase.REJECT, Phase.ACCEPT)
"""The visitor journeys in the order a report tells them."""

GRADES: tuple[str, ...] = ("A", "B", "C", "D", "E", "F")
"""Grades best first, as ``docs/scoring.md`` defines them."""

MAX_EVIDENCE = 25
"""Evidence items shown per finding; the rest is counted so a page stays readable."""

MAX_MATRIX_ORGANISATIONS = 30
"""Columns of the sites-by-organisations matrix; the rarest are counted, not drawn."""

_MEASURED = (SiteStatus.DONE, SiteStatus.PARTIAL)


# --------------------------------------------------------------------------- helpers


def slugify(name: str) -> str:
    """A file name from a site name: ASCII, lower case, hyphens, never a path."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:80].strip("-") or "site"


def site_slugs(scan: Scan) -> tuple[str, ...]:
    """Unique slug per site, aligned with ``scan.sites`` (``-2``, ``-3`` on collisions)."""
    used: set[str] = set()
    out: list[str] = []
    for r in scan.sites:
        base = slugify(r.site.name)
        slug, n = base, 1
        while slug in used:
            n += 1
            slug = f"{base}-{n}"
        used.add(slug)
        out.append(slug)
    return tuple(out)


def slug_of(scan: Scan, result: SiteResult) -> str:
    """The slug of ``result`` within ``scan`` (by identity, then by equality)."""
    slugs = site_slugs(scan)
    for i, r in enumerate(scan.sites):
        if r is result:
            return slugs[i]
    for i, r in enumerate(scan.sites):
        if r == result:
            return slugs[i]
    return slugify(result.site.name)


def safe_link(url: str | None) -> str:
    """``url`` when it may become an ``href`` (plain https), else ``""`` (shown as text)."""
    if not url:
        return ""
    if re.fullmatch(r"https://[A-Za-z0-9.-]+(?::\d+)?(?:/[^\s\"'<>`]*)?", url):
        return url
    return ""


def _share(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))


def _phases(items: Iterable[Phase]) -> tuple[str, ...]:
    present = set(items)
    return tuple(p.value for p in PHASE_ORDER if p in present)


def _sniff_image(data: bytes) -> str | None:
    # Only raster formats we recognise are embedded: never SVG or HTML.
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


# ----------------------------------------------------------------------- shared views


@dataclass(frozen=True, slots=True)
class ScanInfo:
    """The measurement conditions that make a report stand as evidence."""

    id: str
    """Scan id, to find the raw data again."""
    started_at: str
    """When the scan started (UTC, ISO 8601)."""
    finished_at: str | None
    """When it finished; ``None`` for an interrupted scan."""
    tool_version: str
    """privacyscan version."""
    browser: str
    """Browser product and version."""
    options: tuple[tuple[str, str], ...]
    """Options the scan ran with, as (name, value)."""
    lists: tuple[tuple[str, str], ...]
    """Knowledge lists and their versions, as (name, version)."""


def _scan_info(scan: Scan) -> ScanInfo:
    return ScanInfo(
        id=scan.id,
        started_at=scan.started_at,
        finished_at=scan.finished_at,
        tool_version=scan.tool_version,
        browser=scan.browser,
        options=scan.options,
        lists=scan.lists,
    )


@dataclass(frozen=True, slots=True)
class SeverityCounts:
    """How many findings of each severity a site (or a diff) has."""

    violation: int
    """Findings that break the law as the rule reads it."""
    likely_violation: int
    """Findings that very probably do."""
    review: int
    """Findings a person must judge."""
    info: int
    """Facts worth knowing, no judgement."""

    @property
    def total(self) -> int:
        """All findings."""
        return self.violation + self.likely_violation + self.review + self.info


def _counts(findings: Iterable[Finding]) -> SeverityCounts:
    c = Counter(f.severity for f in findings)
    return SeverityCounts(
        violation=c[Severity.VIOLATION],
        likely_violation=c[Severity.LIKELY_VIOLATION],
        review=c[Severity.REVIEW],
        info=c[Severity.INFO],
    )


@dataclass(frozen=True, slots=True)
class EvidenceView:
    """One place a finding was seen, with the script or response responsible."""

    page_url: str
    """Page that was open (text only, never a link)."""
    phase: str
    """Phase value: ``none``, ``reject`` or ``accept``."""
    subject: str
    """Cookie, request URL or storage key concerned."""
    initiator_type: str | None
    """``parser``, ``script``, ``redirect``, … or ``None`` when unknown."""
    initiator_url: str | None
    """Script or response responsible (text only)."""
    initiator_line: int | None
    """Line in that script, where known."""
    stack: tuple[str, ...]
    """JavaScript stack, innermost first."""


def _evidence(e: Evidence) -> EvidenceView:
    init = e.initiator
    return EvidenceView(
        page_url=e.page_url,
        phase=e.phase.value,
        subject=e.subject,
        initiator_type=init.type if init else None,
        initiator_url=init.url if init else None,
        initiator_line=init.line if init else None,
        stack=init.stack if init else (),
    )


@dataclass(frozen=True, slots=True)
class FindingView:
    """A finding as the webmaster reads it: what, where, who did it, the rule and the fix."""

    id: str
    """Stable id, the same in every scan (to look it up in the diff)."""
    rule: str
    """Rule identifier."""
    severity: str
    """Severity value: ``violation``, ``likely_violation``, ``review`` or ``info``."""
    title: str
    """One line a non-specialist understands."""
    subject: str
    """What it is about: a cookie, an organisation, a host."""
    explanation: str
    """Why it matters."""
    fix: str
    """What to change."""
    legal_basis: str
    """Article or guidance it rests on."""
    legal_url: str
    """Link to the rule when it is plain https; ``""`` otherwise (then shown as text)."""
    legal_url_text: str
    """The rule URL as given, shown as text when it may not be a link."""
    organisation: str | None
    """Organisation concerned."""
    category: str | None
    """Purpose category."""
    country: str | None
    """Country of the organisation's seat."""
    phases: tuple[str, ...]
    """Phases it was seen in, in journey order."""
    pages: tuple[str, ...]
    """Pages it was seen on, deduplicated, in order."""
    initiators: tuple[str, ...]
    """Scripts or responses that caused it, deduplicated (text only)."""
    evidence: tuple[EvidenceView, ...]
    """Up to :data:`MAX_EVIDENCE` evidence items."""
    evidence_omitted: int
    """Evidence items not shown."""
    is_new: bool
    """Not present in the previous scan (always ``False`` without one)."""


def _finding(f: Finding, t: Translator, *, is_new: bool = False) -> FindingView:
    text = finding_text(f, t)
    legal = safe_link(text.legal_url)
    return FindingView(
        id=f.id,
        rule=f.rule,
        severity=f.severity.value,
        title=text.title,
        subject=f.subject,
        explanation=text.explanation,
        fix=text.fix,
        legal_basis=text.legal_basis,
        legal_url=legal,
        legal_url_text="" if legal else text.legal_url,
        organisation=f.organisation,
        category=f.category,
        country=f.country,
        phases=_phases(e.phase for e in f.evidence),
        pages=_unique(e.page_url for e in f.evidence),
        initiators=_unique(e.initiator.url or "" for e in f.evidence if e.initiator),
        evidence=tuple(_evidence(e) for e in f.evidence[:MAX_EVIDENCE]),
        evidence_omitted=max(0, len(f.evidence) - MAX_EVIDENCE),
        is_new=is_new,
    )


@dataclass(frozen=True, slots=True)
class FindingGroup:
    """The findings of one severity, so a report can list the worst first."""

    severity: str
    """Severity value."""
    findings: tuple[FindingView, ...]
    """Findings of that severity, ordered by id."""


def _groups(findings: Iterable[FindingView]) -> tuple[FindingGroup, ...]:
    by_sev: dict[str, list[FindingView]] = {}
    for f in findings:
        by_sev.setdefault(f.severity, []).append(f)
    return tuple(
        FindingGroup(s.value, tuple(sorted(by_sev[s.value], key=lambda f: f.id)))
        for s in Severity
        if s.value in by_sev
    )


@dataclass(frozen=True, slots=True)
class SiteChange:
    """How a site changed since the previous scan."""

    direction: str
    """``improved``, ``worsened``, ``unchanged``, ``added``, ``removed`` or ``unknown``."""
    previous_grade: str | None
    """Grade in the previous scan."""
    previous_score: int | None
    """Score in the previous scan."""
    new_count: int
    """Findings that appeared."""
    fixed_count: int
    """Findings that disappeared."""
    persisting_count: int
    """Findings in both scans."""
    comparable: bool
    """Both visits measured the site, so the counts are meaningful."""


def _change(d: SiteDiff) -> SiteChange:
    return SiteChange(
        direction=d.direction,
        previous_grade=d.old_grade,
        previous_score=d.old_score,
        new_count=len(d.new),
        fixed_count=len(d.fixed),
        persisting_count=len(d.persisting),
        comparable=d.comparable,
    )


# ------------------------------------------------------------------------ site report


@dataclass(frozen=True, slots=True)
class CookieRow:
    """One cookie identity (name, domain, path) across the visitors.

    The descriptive fields come from the record of the first visitor that saw it (the
    one who made no choice, else the one who refused, else the one who accepted).
    """

    name: str
    """Cookie name as the site sent it (text only)."""
    domain: str
    """Cookie domain."""
    path: str
    """Cookie path."""
    first_party: bool | None
    """First party; ``None`` when not classified."""
    organisation: str | None
    """Organisation behind it."""
    service: str | None
    """Product behind it."""
    category: str | None
    """Purpose category."""
    lifetime_s: int | None
    """Lifetime in seconds; ``None`` for a session cookie."""
    source: str
    """``http``, ``js`` or ``unknown``."""
    set_by: str | None
    """Response or script that set it."""
    stack: tuple[str, ...]
    """Stack of a JavaScript write."""
    stored: bool
    """The browser accepted it."""
    blocked_reasons: tuple[str, ...]
    """Why the browser refused it."""
    page_url: str
    """First page it appeared on."""
    secure: bool
    """Sent over https only."""
    http_only: bool
    """Hidden from scripts."""
    same_site: str | None
    """SameSite attribute."""
    seen: tuple[bool, ...]
    """Whether it was set, per phase of :attr:`SiteReport.phases` (the difference
    between the visitors)."""


@dataclass(frozen=True, slots=True)
class ThirdPartyRow:
    """One outside organisation the site made the browser talk to."""

    organisation: str
    """Organisation, or the domain when the organisation is unknown."""
    domains: tuple[str, ...]
    """Registrable domains contacted."""
    services: tuple[str, ...]
    """Products seen."""
    category: str | None
    """Main purpose."""
    country: str | None
    """Country of the seat."""
    eea: bool | None
    """Inside the European Economic Area."""
    requests_by_phase: tuple[int, int, int]
    """Requests before any choice, after refusing, after accepting."""
    phase_requests: tuple[int, ...]
    """Requests per phase of :attr:`SiteReport.phases` (0: not contacted by that visitor)."""
    resource_types: tuple[tuple[str, int], ...]
    """Chromium resource types with counts, most frequent first."""
    beacons: int
    """Beacons, tracking pixels and keepalive sends."""
    with_cookies: int
    """Requests that carried cookies."""

    @property
    def before_consent(self) -> bool:
        """Contacted before the visitor chose anything."""
        return self.requests_by_phase[0] > 0


@dataclass(frozen=True, slots=True)
class StorageRow:
    """One browser storage item."""

    kind: str
    """``localStorage``, ``sessionStorage`` or ``indexedDB``."""
    origin: str
    """Origin owning it."""
    key: str
    """Key or database name (text only)."""
    phase: str
    """Phase value."""
    first_party: bool | None
    """First party; ``None`` when not classified."""
    organisation: str | None
    """Organisation behind it."""
    category: str | None
    """Purpose category."""
    initiator_url: str | None
    """Script that wrote it."""
    size: int
    """Characters of key plus value."""


@dataclass(frozen=True, slots=True)
class PageRow:
    """One page visit: the crawl coverage."""

    url: str
    """URL asked for."""
    phase: str
    """Phase value."""
    final_url: str | None
    """Where the browser ended."""
    status: int | None
    """HTTP status of the final document."""
    title: str
    """Page title (text only)."""
    load_ms: int | None
    """Milliseconds until ``load``."""
    redirects: int
    """Redirect hops."""
    error: str | None
    """Error class when the visit failed."""
    error_message: str | None
    """What went wrong."""

    @property
    def ok(self) -> bool:
        """The page was captured."""
        return self.error is None


@dataclass(frozen=True, slots=True)
class ApiCallRow:
    """A fingerprinting feature one script read, summed over the visitors."""

    api: str
    """What was read, e.g. ``canvas.toDataURL`` (text only)."""
    script_url: str | None
    """The script that read it (text only, never a link); ``None`` when unknown."""
    organisation: str | None
    """Organisation behind the script (or its domain); ``None`` when not classified."""
    first_party: bool | None
    """The site's own script; ``None`` when not classified."""
    category: str | None
    """Purpose category of the script's party."""
    phases: tuple[str, ...]
    """Phases it was seen in, in journey order."""
    count: int
    """Reads over all those phases."""


@dataclass(frozen=True, slots=True)
class ButtonView:
    """A button on the first layer of the consent banner."""

    text: str
    """Its text as the site wrote it (text only)."""
    role: str
    """``accept``, ``reject``, ``settings``, ``save`` or ``other``."""
    rule: str | None
    """Detector rule that gave it that role."""


@dataclass(frozen=True, slots=True)
class ChoiceView:
    """What happened when the refusing or the accepting visitor used the banner."""

    phase: str
    """``reject`` or ``accept``."""
    clicked: bool
    """Something was clicked."""
    method: str | None
    """``autoconsent`` or ``heuristic``."""
    element_text: str | None
    """Text of the element clicked (text only)."""
    rule: str | None
    """Detector rule that chose it."""
    reason: str
    """Why that element was chosen, or why nothing could be clicked (the scanner's words)."""
    layer: int | None
    """1 for the first layer, 2 behind "Instellingen"; ``None`` when unknown."""
    banner_closed: bool
    """The banner went away after the click."""
    banner_on_next_page: bool
    """The banner came back on the next page: the choice was not remembered."""


@dataclass(frozen=True, slots=True)
class BannerView:
    """The consent banner a first-time visitor saw, and how refusing and accepting went."""

    cmp: str | None
    """Consent manager recognised; ``None`` for a site's own (custom) banner."""
    method: str
    """``autoconsent`` or ``heuristic``: how it was found."""
    page_url: str
    """Page it was seen on (text only)."""
    frame_url: str | None
    """Frame it lives in when that is not the page (text only)."""
    buttons: tuple[ButtonView, ...]
    """First-layer buttons, in the banner's order."""
    reject_on_first_layer: bool
    """Refusing is possible on the first layer (the AP: as easy as accepting)."""
    accept_on_first_layer: bool
    """Accepting is possible on the first layer."""
    settings_on_first_layer: bool
    """A settings button is on the first layer."""
    blocks_page: bool
    """A layer covers the page until a choice is made."""
    cookie_wall: bool
    """It blocks the page and cannot be refused: no reject button on the first layer
    and the refusing visitor found none to click (``Verdicts.cookie_wall``)."""
    in_shadow_dom: bool
    """It lives in a shadow DOM."""
    text: str
    """The banner's text, shortened (text only)."""
    screenshot: str | None
    """The banner as a ``data:`` URI, only when it decodes to a raster image."""
    choices: tuple[ChoiceView, ...]
    """Refusal first, then acceptance, as far as they were tried."""


@dataclass(frozen=True, slots=True)
class Screenshot:
    """An embedded screenshot (a data: URI, so the report stays self-contained)."""

    label: str
    """What it shows: a phase value or a free label."""
    data_uri: str
    """``data:image/…;base64,…``."""


@dataclass(frozen=True, slots=True)
class SiteReport:
    """Everything the per-site report shows, for the webmaster or supplier."""

    scan: ScanInfo
    """Measurement conditions."""
    name: str
    """Site name."""
    url: str
    """Start URL (text only)."""
    province: str | None
    """Province."""
    code: str | None
    """Official code."""
    slug: str
    """File name stem of this report."""
    status: str
    """``done``, ``partial``, ``failed`` or ``pending``."""
    error: str | None
    """Error class when the site failed."""
    error_message: str | None
    """What went wrong."""
    started_at: str
    """When the visit started."""
    finished_at: str
    """When the visit ended."""
    score: int | None
    """0 to 100."""
    grade: str | None
    """``A`` to ``F``."""
    verdict: str
    """Key of the one-sentence verdict (``verdict.*`` in the catalogue)."""
    verdict_count: int
    """The count the verdict sentence names (violations, likely violations or reviews)."""
    counts: SeverityCounts
    """Findings per severity."""
    finding_groups: tuple[FindingGroup, ...]
    """Findings grouped by severity, worst first."""
    phases: tuple[str, ...]
    """Phase values measured (the visitors), in journey order: the columns of the
    cookie and third-party tables."""
    banner: BannerView | None
    """The consent banner; ``None`` when none was found."""
    cookies: tuple[CookieRow, ...]
    """Cookies, one row per identity, third parties first, then by name."""
    tracking_after_refusal: tuple[str, ...]
    """Names of cookies with a tracking purpose set for the visitor who refused, in table
    order (``Verdicts.tracking_cookies_after_refusal``)."""
    third_parties: tuple[ThirdPartyRow, ...]
    """Outside organisations contacted, those before consent first."""
    unclassified_requests: int
    """Requests whose party is unknown (not in the third-party table)."""
    storage: tuple[StorageRow, ...]
    """Storage items."""
    api_calls: tuple[ApiCallRow, ...]
    """Fingerprinting feature reads, most frequent first."""
    pages: tuple[PageRow, ...]
    """Every page visit."""
    pages_ok: int
    """Page visits captured."""
    pages_failed: int
    """Page visits that failed."""
    pages_discovered: int
    """In-scope page URLs the crawl found (links and sitemaps)."""
    screenshots: tuple[Screenshot, ...]
    """Screenshots given to the report."""
    change: SiteChange | None
    """Change since the previous scan, when one was given."""
    index_href: str
    """Relative link back to the comparison."""


def _party_fields(p: Party | None) -> tuple[bool | None, str | None, str | None, str | None]:
    if p is None:
        return None, None, None, None
    return p.first_party, p.organisation, p.service, p.category


def _set_by(set_by: str | None, init: Initiator | None) -> str | None:
    if set_by:
        return set_by
    return init.url if init else None


def _measured_phases(result: SiteResult) -> tuple[Phase, ...]:
    present = (
        {p.phase for p in result.pages}
        | {c.phase for c in result.cookies}
        | {r.phase for r in result.requests}
    )
    return tuple(p for p in PHASE_ORDER if p in present)


def _cookies(result: SiteResult, phases: tuple[Phase, ...]) -> tuple[CookieRow, ...]:
    by_identity: dict[tuple[str, str, str], list[Cookie]] = {}
    order = {p: i for i, p in enumerate(PHASE_ORDER)}
    for c in sorted(result.cookies, key=lambda c: order[c.phase]):
        by_identity.setdefault((c.name, c.domain, c.path), []).append(c)
    rows = []
    for records in by_identity.values():
        c = records[0]  # the first visitor's record describes the cookie
        set_in = {r.phase for r in records}
        first, org, service, category = _party_fields(c.party)
        rows.append(
            CookieRow(
                name=c.name,
                domain=c.domain,
                path=c.path,
                first_party=first,
                organisation=org,
                service=service,
                category=category,
                lifetime_s=c.lifetime_s,
                source=c.source.value,
                set_by=_set_by(c.set_by, c.initiator),
                stack=c.initiator.stack if c.initiator else (),
                stored=c.stored,
                blocked_reasons=c.blocked_reasons,
                page_url=c.page_url,
                secure=c.secure,
                http_only=c.http_only,
                same_site=c.same_site,
                seen=tuple(p in set_in for p in phases),
            )
        )
    rows.sort(key=lambda r: (r.first_party is not False, r.name.lower(), r.domain, r.path))
    return tuple(rows)


def _third_parties(
    result: SiteResult, phases: tuple[Phase, ...]
) -> tuple[tuple[ThirdPartyRow, ...], int]:
    buckets: dict[str, list[tuple[Party, Phase, str, bool, bool]]] = {}
    unclassified = 0
    for r in result.requests:
        if r.party is None:
            unclassified += 1
            continue
        if r.party.first_party:
            continue
        org = r.party.organisation or r.party.domain
        buckets.setdefault(org, []).append(
            (r.party, r.phase, r.resource_type, r.beacon is not None, bool(r.cookies_sent))
        )
    rows: list[ThirdPartyRow] = []
    for org, items in buckets.items():
        parties = [i[0] for i in items]
        phase_counts = Counter(i[1] for i in items)
        categories = Counter(p.category for p in parties if p.category)
        countries = Counter(p.country for p in parties if p.country)
        eea_values = {p.eea for p in parties if p.eea is not None}
        rows.append(
            ThirdPartyRow(
                organisation=org,
                domains=_unique(p.domain for p in parties),
                services=_unique(p.service or "" for p in parties),
                category=categories.most_common(1)[0][0] if categories else None,
                country=countries.most_common(1)[0][0] if countries else None,
                # Any non-EEA destination makes the organisation non-EEA for the reader.
                eea=(False not in eea_values) if eea_values else None,
                requests_by_phase=(
                    phase_counts[Phase.NONE],
                    phase_counts[Phase.REJECT],
                    phase_counts[Phase.ACCEPT],
                ),
                phase_requests=tuple(phase_counts[p] for p in phases),
                resource_types=tuple(
                    sorted(Counter(i[2] for i in items).items(), key=lambda kv: (-kv[1], kv[0]))
                ),
                beacons=sum(1 for i in items if i[3]),
                with_cookies=sum(1 for i in items if i[4]),
            )
        )
    rows.sort(key=lambda r: (-r.requests_by_phase[0], r.organisation.lower()))
    return tuple(rows), unclassified


def _storage(result: SiteResult) -> tuple[StorageRow, ...]:
    rows = []
    for s in result.storage:
        first, org, _service, category = _party_fields(s.party)
        rows.append(
            StorageRow(
                kind=s.kind.value,
                origin=s.origin,
                key=s.key,
                phase=s.phase.value,
                first_party=first,
                organisation=org,
                category=category,
                initiator_url=s.initiator.url if s.initiator else None,
                size=s.size,
            )
        )
    order = {p.value: i for i, p in enumerate(PHASE_ORDER)}
    rows.sort(key=lambda r: (order[r.phase], r.origin, r.key))
    return tuple(rows)


def _pages(result: SiteResult) -> tuple[PageRow, ...]:
    return tuple(
        PageRow(
            url=p.url,
            phase=p.phase.value,
            final_url=p.final_url,
            status=p.status,
            title=p.title,
            load_ms=p.load_ms,
            redirects=len(p.redirects),
            error=p.error,
            error_message=p.error_message,
        )
        for p in result.pages
    )


def _api_calls(result: SiteResult) -> tuple[ApiCallRow, ...]:
    groups: dict[tuple[str, str | None, str | None], list[ApiCall]] = {}
    for a in result.api_calls:
        script = a.initiator.url if a.initiator and a.initiator.url else None
        org = _org(a.party) if a.party else None
        groups.setdefault((a.api, script, org), []).append(a)
    rows = []
    for (api, script, org), calls in groups.items():
        first, _org_name, _service, category = _party_fields(calls[0].party)
        rows.append(
            ApiCallRow(
                api=api,
                script_url=script,
                organisation=org,
                first_party=first,
                category=category,
                phases=_phases(a.phase for a in calls),
                count=sum(a.count for a in calls),
            )
        )
    rows.sort(key=lambda r: (-r.count, r.api, r.script_url or ""))
    return tuple(rows)


def _data_uri(b64: str | None) -> str | None:
    """``b64`` as a ``data:`` URI when it decodes to PNG, JPEG or WebP; else ``None``."""
    if not b64:
        return None
    try:
        data = base64.b64decode(b64, validate=True)
    except ValueError:
        return None
    mime = _sniff_image(data)
    if mime is None:
        return None
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def _choice(c: ConsentChoice) -> ChoiceView:
    return ChoiceView(
        phase=c.phase.value,
        clicked=c.clicked,
        method=c.method,
        element_text=c.element_text,
        rule=c.rule,
        reason=c.reason,
        layer=c.layer,
        banner_closed=c.banner_closed,
        banner_on_next_page=c.banner_on_next_page,
    )


def _banner(result: SiteResult) -> BannerView | None:
    b: Banner | None = result.banner
    if b is None:
        return None
    order = {Phase.REJECT: 0, Phase.ACCEPT: 1}
    choices = sorted((c for c in result.choices if c.phase in order), key=lambda c: order[c.phase])
    return BannerView(
        cmp=None if b.cmp in ("", "custom") else b.cmp,
        method=b.method,
        page_url=b.page_url,
        frame_url=b.frame_url if b.frame_url and b.frame_url != b.page_url else None,
        buttons=tuple(ButtonView(x.text, x.role, x.rule) for x in b.buttons),
        reject_on_first_layer=b.reject_on_first_layer,
        accept_on_first_layer=b.accept_on_first_layer,
        settings_on_first_layer=b.settings_on_first_layer,
        blocks_page=b.blocks_page,
        cookie_wall=result.verdicts is not None and result.verdicts.cookie_wall,
        in_shadow_dom=b.in_shadow_dom,
        text=b.text,
        screenshot=_data_uri(b.screenshot),
        choices=tuple(_choice(c) for c in choices),
    )


def _screenshots(result: SiteResult) -> tuple[Screenshot, ...]:
    """The site's screenshots as data: URIs; anything but a raster image is dropped."""
    out = []
    for shot in result.screenshots:
        uri = _data_uri(shot.data)
        if uri is None:
            continue
        label = shot.label if shot.phase is Phase.NONE else f"{shot.phase.value}/{shot.label}"
        out.append(Screenshot(label, uri))
    return tuple(out)


def _verdict(result: SiteResult, counts: SeverityCounts) -> str:
    if result.status not in _MEASURED:
        return "verdict.failed" if result.status is SiteStatus.FAILED else "verdict.pending"
    if counts.violation:
        return "verdict.violation"
    if counts.likely_violation:
        return "verdict.likely_violation"
    if counts.review:
        return "verdict.review"
    return "verdict.clean"


def _site_diff_for(result: SiteResult, diff: ScanDiff | None) -> SiteDiff | None:
    if diff is None:
        return None
    key = site_key(result)
    return next((d for d in diff.sites if d.key == key), None)


def build_site_report(
    scan: Scan,
    result: SiteResult,
    *,
    previous: Scan | None = None,
    diff: ScanDiff | None = None,
    slug: str | None = None,
    t: Translator | None = None,
) -> SiteReport:
    """The view of one site; ``diff`` and ``slug`` may be passed to avoid recomputing them.

    ``t`` is the reader's language (Dutch when not given): the findings' words are
    rendered in it.
    """
    t = t or translator()
    slug = slug or slug_of(scan, result)
    if diff is None and previous is not None:
        diff = diff_scans(previous, scan)
    site_diff = _site_diff_for(result, diff)
    new_ids = {f.id for f in site_diff.new} if site_diff else set()
    counts = _counts(result.findings)
    phases = _measured_phases(result)
    cookies = _cookies(result, phases)
    third, unclassified = _third_parties(result, phases)
    pages = _pages(result)
    verdict = _verdict(result, counts)
    return SiteReport(
        scan=_scan_info(scan),
        name=result.site.name,
        url=result.site.url,
        province=result.site.province,
        code=result.site.code,
        slug=slug,
        status=result.status.value,
        error=result.error,
        error_message=result.error_message,
        started_at=result.started_at,
        finished_at=result.finished_at,
        score=result.score,
        grade=result.grade,
        verdict=verdict,
        verdict_count={
            "verdict.violation": counts.violation,
            "verdict.likely_violation": counts.likely_violation,
            "verdict.review": counts.review,
        }.get(verdict, 0),
        counts=counts,
        finding_groups=_groups(_finding(f, t, is_new=f.id in new_ids) for f in result.findings),
        phases=tuple(p.value for p in phases),
        banner=_banner(result),
        cookies=cookies,
        tracking_after_refusal=(
            result.verdicts.tracking_cookies_after_refusal if result.verdicts else ()
        ),
        third_parties=third,
        unclassified_requests=unclassified,
        storage=_storage(result),
        api_calls=_api_calls(result),
        pages=pages,
        pages_ok=sum(1 for p in pages if p.ok),
        pages_failed=sum(1 for p in pages if not p.ok),
        pages_discovered=result.pages_discovered,
        screenshots=_screenshots(result),
        change=_change(site_diff) if site_diff else None,
        index_href="../index.html",
    )


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


def _org(p: Party) -> str:
    return p.organisation or p.domain


def _observations(result: SiteResult) -> Iterator[Request | Cookie | StorageItem]:
    yield from result.requests
    yield from result.cookies
    yield from result.storage


def _before_consent_orgs(result: SiteResult) -> Counter[str]:
    c: Counter[str] = Counter()
    for item in _observations(result):
        p = item.party
        if item.phase is Phase.NONE and p is not None and not p.first_party:
            c[_org(p)] += 1
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
        measured = result.status in _MEASURED
        # Judgements are the classification's (SiteResult.verdicts); none when unmeasured.
        verdicts = result.verdicts if measured else None
        site_diff = _site_diff_for(result, diff)
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
                counts=_counts(result.findings),
                tracking=verdicts is not None and verdicts.tracks_before_consent,
                non_eea=verdicts is not None and verdicts.non_eea_before_consent,
                no_banner_while_tracking=verdicts is not None and verdicts.no_banner_while_tracking,
                banner=measured and result.banner is not None,
                reject_first_layer=measured
                and result.banner is not None
                and result.banner.reject_on_first_layer,
                refusal_works=verdicts.refusal_works if verdicts is not None else None,
                change=_change(site_diff) if site_diff else None,
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
    measured_rows = [r for r in ranked if r.status in (s.value for s in _MEASURED)]
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
        scan=_scan_info(scan),
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
        provinces=tuple(groups),
        grade_chart=_grade_chart(ranked),
        matrix=_matrix(ranked, orgs_by_href),
        has_previous=diff is not None,
        previous_started_at=diff.old_started_at if diff else "",
        changes=tuple(changed),
        new_findings=diff.new_count if diff else 0,
        fixed_findings=diff.fixed_count if diff else 0,
    )


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
            new=tuple(_finding(f, t, is_new=True) for f in s.new),
            fixed=tuple(_finding(f, t) for f in s.fixed),
            persisting=tuple(_finding(f, t) for f in s.persisting),
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
        new_counts=_counts(f for s in diff.sites for f in s.new),
        sites=tuple(views),
    )
