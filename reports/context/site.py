"""The per-site report's view: what one site did, for the webmaster or supplier."""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from scanner.domains import host_of
from scanner.messages import Translator, translator
from scanner.models import (
    ApiCall,
    Banner,
    ConsentChoice,
    Cookie,
    Initiator,
    Party,
    Phase,
    Scan,
    Severity,
    SiteResult,
    SiteStatus,
)

from ..diff import ScanDiff, diff_scans
from .shared import (
    MEASURED,
    PHASE_ORDER,
    FindingView,
    ScanInfo,
    SeverityCounts,
    SiteChange,
    finding_view,
    majority,
    organisation_of,
    phase_values,
    privacy_findings,
    scan_info,
    security_findings,
    severity_counts,
    site_change,
    site_diff_for,
    slug_of,
    unique,
)

__all__ = ["SiteReport", "build_site_report"]


def _sniff_image(data: bytes) -> str | None:
    # Only raster formats we recognise are embedded: never SVG or HTML.
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


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
class PayloadRow:
    """One request to a known pixel or analytics endpoint and what it sent (``Payload``)."""

    phase: str
    """Phase value of the visitor who sent it."""
    page_url: str
    """The page that was open (text only)."""
    host: str
    """The host it went to."""
    organisation: str | None
    """Organisation behind the host."""
    vendor: str
    """The format (``meta``, ``google-analytics-4``…)."""
    account: str | None
    """The site's account with the vendor."""
    events: tuple[str, ...]
    """Events sent."""
    params: tuple[tuple[str, str], ...]
    """Other parameters, as sent (text only)."""
    personal_data: tuple[tuple[str, str], ...]
    """(field, form) of each personal-data field: the values are never kept."""
    flags: tuple[str, ...]
    """``remarketing``, ``non-personalised-ads``…"""
    method: str
    """``GET`` or ``POST``."""
    from_body: bool
    """Part of it was read from the POST body."""


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
class HostRow:
    """One probed host: the TLS versions it accepts, its certificate, its http answer."""

    host: str
    """The host probed."""
    versions: tuple[tuple[str, str], ...]
    """(TLS version, ``yes``/``no``/``unknown``), oldest first."""
    certificate_subject: str | None
    """Subject of its certificate; ``None`` when none was seen."""
    certificate_issuer: str | None
    """Who issued it."""
    certificate_valid_to: str | None
    """End of its validity (ISO 8601)."""
    trust: str
    """``public``, ``pinned``, ``ignored``, ``untrusted`` or ``""`` (unknown)."""
    http_status: int | None
    """What ``http://HOST/`` answered; ``None`` when nothing did."""
    http_location: str | None
    """Where it redirected (text only)."""
    http_error: str | None
    """Why it gave no answer."""
    error: str | None
    """Why the host could not be probed over https."""


@dataclass(frozen=True, slots=True)
class HeaderRow:
    """One security header of the home page, as received."""

    name: str
    """Header name."""
    value: str | None
    """Its value (text only); ``None`` when absent."""


@dataclass(frozen=True, slots=True)
class SecurityTxtView:
    """The site's security.txt as found."""

    url: str
    """Where it was looked for, or found after redirects (text only)."""
    found: bool
    """It was found."""
    expires: str | None
    """Its ``Expires`` as written."""
    signed: bool
    """It is OpenPGP-signed."""
    errors: tuple[str, ...]
    """``sectxt`` error codes."""


@dataclass(frozen=True, slots=True)
class SecurityView:
    """The security section: the security grade, its findings and the facts measured."""

    measured: bool
    """Security was measured in this scan (``SiteResult.security`` is set)."""
    probed: bool
    """The direct probes finished (TLS versions, http://, security.txt measured)."""
    grade: str | None
    """Security grade, ``A`` to ``F``; ``None`` when there is none."""
    score: int | None
    """Security score, 0 to 100."""
    verdict: str
    """Key of the one-sentence verdict (``security.verdict.*``)."""
    verdict_count: int
    """The count the verdict sentence names."""
    counts: SeverityCounts
    """Security findings per severity."""
    finding_groups: tuple[FindingGroup, ...]
    """Security findings grouped by severity, worst first."""
    hosts: tuple[HostRow, ...]
    """The probed hosts."""
    negotiated: str | None
    """What the browser negotiated for the home page (protocol, cipher, key exchange)."""
    headers: tuple[HeaderRow, ...]
    """The home page's security headers, present or not."""
    security_txt: SecurityTxtView | None
    """security.txt of the site's main host; ``None`` when not looked for."""


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
    payloads: tuple[PayloadRow, ...]
    """Requests to known pixels and analytics endpoints with what they sent, in journey
    order, those with personal data first within a visitor."""
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
    security: SecurityView
    """The website's own security basics: the security grade and what it rests on."""
    index_href: str
    """Relative link back to the comparison."""
    visits: int = 1
    """Visits of the first visitor the findings were counted over (``--visits``)."""
    visit_differences: tuple[FindingView, ...] = ()
    """Findings not seen in every visit (privacy and security), most serious first:
    how the visits differed."""


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
                domains=unique(p.domain for p in parties),
                services=unique(p.service or "" for p in parties),
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


def _payloads(result: SiteResult) -> tuple[PayloadRow, ...]:
    order = {p: i for i, p in enumerate(PHASE_ORDER)}
    rows = []
    for i, r in enumerate(result.requests):
        payload = r.payload
        if payload is None:
            continue
        row = PayloadRow(
            phase=r.phase.value,
            page_url=r.page_url,
            host=host_of(r.url),
            organisation=(r.party.organisation or r.party.domain) if r.party else None,
            vendor=payload.vendor,
            account=payload.account,
            events=payload.events,
            params=payload.params,
            personal_data=payload.personal_data,
            flags=payload.flags,
            method=r.method,
            from_body=payload.from_body,
        )
        rows.append(((order.get(r.phase, 3), not payload.personal_data, i), row))
    rows.sort(key=lambda item: item[0])
    return tuple(row for _, row in rows)


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
        org = organisation_of(a.party) if a.party else None
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
                phases=phase_values(a.phase for a in calls),
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
    if result.status not in MEASURED:
        return "verdict.failed" if result.status is SiteStatus.FAILED else "verdict.pending"
    if counts.violation:
        return "verdict.violation"
    if counts.likely_violation:
        return "verdict.likely_violation"
    if counts.review:
        return "verdict.review"
    return "verdict.clean"


_HEADERS = (
    ("Strict-Transport-Security", "hsts"),
    ("Content-Security-Policy", "csp"),
    ("X-Content-Type-Options", "x_content_type_options"),
    ("X-Frame-Options", "x_frame_options"),
    ("Referrer-Policy", "referrer_policy"),
    ("Permissions-Policy", "permissions_policy"),
)


def _security_verdict(result: SiteResult, counts: SeverityCounts) -> tuple[str, int]:
    if result.security_grade is None:
        return "security.verdict.none", 0
    for key, n in (
        ("security.verdict.violation", counts.violation),
        ("security.verdict.likely_violation", counts.likely_violation),
        ("security.verdict.review", counts.review),
    ):
        if n:
            return key, n
    return "security.verdict.clean", 0


def _security(result: SiteResult, t: Translator, new_ids: set[str]) -> SecurityView:
    findings = security_findings(result)
    counts = severity_counts(majority(findings))
    verdict, n = _security_verdict(result, counts)
    facts = result.security
    home = facts.documents[0] if facts is not None and facts.documents else None
    hosts = []
    for probe in facts.hosts if facts is not None else ():
        cert = probe.certificate
        hosts.append(
            HostRow(
                host=probe.host,
                versions=tuple(
                    (v, "unknown" if ok is None else ("yes" if ok else "no"))
                    for v, ok in probe.tls_versions
                ),
                certificate_subject=cert.subject if cert else None,
                certificate_issuer=cert.issuer if cert else None,
                certificate_valid_to=cert.valid_to if cert else None,
                trust=probe.certificate_trust,
                http_status=probe.http_status,
                http_location=probe.http_location,
                http_error=probe.http_error,
                error=probe.error,
            )
        )
    main = home.url.split("/")[2] if home is not None and "//" in home.url else None
    txt_probe = next(
        (p for p in (facts.hosts if facts else ()) if p.security_txt and p.host == main),
        next((p for p in (facts.hosts if facts else ()) if p.security_txt), None),
    )
    txt = txt_probe.security_txt if txt_probe is not None else None
    negotiated = None
    if home is not None and home.tls_protocol:
        parts = (home.tls_protocol, home.tls_cipher, home.tls_key_exchange)
        negotiated = ", ".join(p for p in parts if p)
    return SecurityView(
        measured=facts is not None,
        probed=facts is not None and facts.probed,
        grade=result.security_grade,
        score=result.security_score,
        verdict=verdict,
        verdict_count=n,
        counts=counts,
        finding_groups=_groups(finding_view(f, t, is_new=f.id in new_ids) for f in findings),
        hosts=tuple(hosts),
        negotiated=negotiated,
        headers=tuple(HeaderRow(name, getattr(home, field)) for name, field in _HEADERS)
        if home is not None
        else (),
        security_txt=SecurityTxtView(
            url=txt.final_url or txt.url,
            found=txt.found,
            expires=txt.expires,
            signed=txt.signed,
            errors=txt.errors,
        )
        if txt is not None
        else None,
    )


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
    site_diff = site_diff_for(result, diff)
    new_ids = {f.id for f in site_diff.new} if site_diff else set()
    privacy = privacy_findings(result)
    counts = severity_counts(majority(privacy))
    phases = _measured_phases(result)
    cookies = _cookies(result, phases)
    third, unclassified = _third_parties(result, phases)
    pages = _pages(result)
    verdict = _verdict(result, counts)
    return SiteReport(
        scan=scan_info(scan, result),
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
        finding_groups=_groups(finding_view(f, t, is_new=f.id in new_ids) for f in privacy),
        phases=tuple(p.value for p in phases),
        banner=_banner(result),
        cookies=cookies,
        tracking_after_refusal=(
            result.verdicts.tracking_cookies_after_refusal if result.verdicts else ()
        ),
        third_parties=third,
        unclassified_requests=unclassified,
        payloads=_payloads(result),
        storage=_storage(result),
        api_calls=_api_calls(result),
        pages=pages,
        pages_ok=sum(1 for p in pages if p.ok),
        pages_failed=sum(1 for p in pages if not p.ok),
        pages_discovered=result.pages_discovered,
        screenshots=_screenshots(result),
        change=site_change(site_diff) if site_diff else None,
        security=_security(result, t, new_ids),
        index_href="../index.html",
        visits=max((f.visits for f in result.findings), default=1),
        visit_differences=tuple(
            finding_view(f, t, is_new=f.id in new_ids)
            for f in result.findings
            if f.seen_in < f.visits
        ),
    )
