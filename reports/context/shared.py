"""What every view shares: slugs, safe links, the scan's conditions, severity counts,
findings as the reader sees them (in the reader's language) and change since a
previous scan."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from scanner.classify.coverage import scan_knowledge_share
from scanner.classify.registry import PRIVACY, SECURITY
from scanner.classify.rules import RULES
from scanner.messages import Translator
from scanner.messages.findings import finding_text
from scanner.models import (
    Evidence,
    Finding,
    KnowledgeShare,
    Party,
    Phase,
    Scan,
    Severity,
    SiteResult,
    SiteStatus,
)

from ..diff import ScanDiff, SiteDiff, site_key

__all__ = [
    "EvidenceView",
    "FindingView",
    "KnowledgeView",
    "ScanInfo",
    "SeverityCounts",
    "SiteChange",
    "finding_view",
    "privacy_findings",
    "safe_link",
    "security_findings",
    "site_slugs",
    "slug_of",
    "slugify",
]

PHASE_ORDER: tuple[Phase, ...] = (Phase.NONE, Phase.REJECT, Phase.ACCEPT)
"""The visitor journeys in the order a report tells them."""

MAX_EVIDENCE = 25
"""Evidence items shown per finding; the rest is counted so a page stays readable."""

MEASURED = (SiteStatus.DONE, SiteStatus.PARTIAL)


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


def unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))


def phase_values(items: Iterable[Phase]) -> tuple[str, ...]:
    present = set(items)
    return tuple(p.value for p in PHASE_ORDER if p in present)


def organisation_of(p: Party) -> str:
    return p.organisation or p.domain


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
    knowledge: KnowledgeView | None
    """How much of the third parties and cookies met those lists could name: the
    scan's (comparison) or the site's (site report); ``None`` when not measured."""


MAX_UNKNOWN_DOMAINS = 40
"""Unknown third-party domains a report names; the rest are counted."""


@dataclass(frozen=True, slots=True)
class KnowledgeView:
    """How much of what was met the knowledge lists could name (``KnowledgeShare``)."""

    domains: int
    """Third-party registrable domains met."""
    domains_known: int
    """Of those, with a known organisation and purpose."""
    domains_share: int | None
    """That as a whole percentage; ``None`` when no third-party domain was met."""
    cookies: int
    """Stored cookies (one per identity)."""
    cookies_known: int
    """Of those, with a known organisation and purpose."""
    cookies_share: int | None
    """That as a whole percentage; ``None`` without cookies."""
    unknown_domains: tuple[str, ...]
    """The first :data:`MAX_UNKNOWN_DOMAINS` unknown domains (text only)."""
    unknown_more: int
    """Unknown domains not named."""


def knowledge_view(share: KnowledgeShare | None) -> KnowledgeView | None:
    """The reader's view of a knowledge share; ``None`` when there is none."""
    if share is None:
        return None
    known = len(share.known_domains)
    total = known + len(share.unknown_domains)
    return KnowledgeView(
        domains=total,
        domains_known=known,
        domains_share=round(100 * known / total) if total else None,
        cookies=share.cookies,
        cookies_known=share.cookies_known,
        cookies_share=round(100 * share.cookies_known / share.cookies) if share.cookies else None,
        unknown_domains=share.unknown_domains[:MAX_UNKNOWN_DOMAINS],
        unknown_more=max(0, len(share.unknown_domains) - MAX_UNKNOWN_DOMAINS),
    )


def scan_info(scan: Scan, result: SiteResult | None = None) -> ScanInfo:
    """The conditions of ``scan``; with ``result``, the knowledge share is that site's,
    else the scan's (over all its sites)."""
    share = result.knowledge if result is not None else scan_knowledge_share(scan.sites)
    measured = result is not None or any(r.knowledge is not None for r in scan.sites)
    return ScanInfo(
        id=scan.id,
        started_at=scan.started_at,
        finished_at=scan.finished_at,
        tool_version=scan.tool_version,
        browser=scan.browser,
        options=scan.options,
        lists=scan.lists,
        knowledge=knowledge_view(share) if measured else None,
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


def privacy_findings(result: SiteResult) -> tuple[Finding, ...]:
    """The findings that make up the privacy grade (what the site does to visitors)."""
    return RULES.of_grade(result.findings, PRIVACY)


def security_findings(result: SiteResult) -> tuple[Finding, ...]:
    """The findings that make up the security grade (the website's own security)."""
    return RULES.of_grade(result.findings, SECURITY)


def majority(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """The findings seen in a majority of the site's visits (all of them after one
    visit): what grades, verdicts and counts rest on (``scanner.classify.visits``)."""
    return tuple(f for f in findings if f.in_majority)


def severity_counts(findings: Iterable[Finding]) -> SeverityCounts:
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
    chain: tuple[ChainHop, ...] = ()
    """A cookie-sync finding's redirect chain, hop by hop (empty for other findings)."""
    seen_in: int = 1
    """In how many of the site's visits it was seen (``--visits``)."""
    visits: int = 1
    """Of how many visits; the report says so only when more than one."""
    in_majority: bool = True
    """Seen in more than half of the visits: it counts for the grade and the verdicts."""


@dataclass(frozen=True, slots=True)
class ChainHop:
    """One hop of a cookie-sync chain as the report tells it."""

    host: str
    """The host the browser was sent to (text only)."""
    organisation: str
    """Who is behind it (or its domain)."""
    cookies: str
    """Cookie names its response set, comma-separated; ``""`` when none."""


def _chain(f: Finding) -> tuple[ChainHop, ...]:
    hops, orgs, cookies = f.param("hops"), f.param("hop_organisations"), f.param("hop_cookies")
    if not isinstance(hops, tuple):
        return ()
    orgs = orgs if isinstance(orgs, tuple) and len(orgs) == len(hops) else ("",) * len(hops)
    cookies = (
        cookies if isinstance(cookies, tuple) and len(cookies) == len(hops) else ("",) * len(hops)
    )
    return tuple(ChainHop(h, o, c) for h, o, c in zip(hops, orgs, cookies, strict=True))


def finding_view(f: Finding, t: Translator, *, is_new: bool = False) -> FindingView:
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
        phases=phase_values(e.phase for e in f.evidence),
        pages=unique(e.page_url for e in f.evidence),
        initiators=unique(e.initiator.url or "" for e in f.evidence if e.initiator),
        evidence=tuple(_evidence(e) for e in f.evidence[:MAX_EVIDENCE]),
        evidence_omitted=max(0, len(f.evidence) - MAX_EVIDENCE),
        is_new=is_new,
        chain=_chain(f),
        seen_in=f.seen_in,
        visits=f.visits,
        in_majority=f.in_majority,
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


def site_change(d: SiteDiff) -> SiteChange:
    return SiteChange(
        direction=d.direction,
        previous_grade=d.old_grade,
        previous_score=d.old_score,
        new_count=len(d.new),
        fixed_count=len(d.fixed),
        persisting_count=len(d.persisting),
        comparable=d.comparable,
    )


def site_diff_for(result: SiteResult, diff: ScanDiff | None) -> SiteDiff | None:
    if diff is None:
        return None
    key = site_key(result)
    return next((d for d in diff.sites if d.key == key), None)
