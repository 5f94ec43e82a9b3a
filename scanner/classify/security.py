"""The security rules: is the website itself kept safely? (the security grade)

Each rule reads the security facts of one site (:class:`~scanner.models.SecurityFacts`:
what the browser received for each visited page, and what privacyscan's own direct
probes found per host) and gives findings like the privacy rules do: stable ids
(``rule:subject``, the subject a host), a severity, parameters, no words. Their
findings count for the security grade, never the privacy grade (``grade=SECURITY``
in :data:`SECURITY_RULES`, registered in :data:`scanner.classify.rules.RULES`).

Severities follow what the norm says: what the law requires of a government website
(HTTPS with HSTS, the redirect to HTTPS on the same host first, TLS settings rated
"sufficient" or "good": *Besluit beveiligde verbinding met overheidswebsites en
-webapplicaties*, art. 2) is a violation or a likely violation; an open standard on
the "pas toe of leg uit" list (security.txt) or an advised header is review; advice
is info. A check whose facts were not measured (no probe, an http page) gives no
finding: the report says it was not measured.

Pure like every rule: dates are judged against the moment of the measurement
(``HostProbe.checked_at``, the page visit's start), never against a clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

from scanner.classify.context import RuleContext
from scanner.classify.registry import SECURITY, Rule
from scanner.domains import host_of
from scanner.models import (
    Certificate,
    DocumentSecurity,
    Evidence,
    Finding,
    HostProbe,
    ParamValue,
    Phase,
    SecurityFacts,
    Severity,
)

__all__ = [
    "EXPIRY_WARNING_DAYS",
    "HSTS_MIN_MAX_AGE",
    "LAX_REFERRER_POLICIES",
    "OLD_TLS_VERSIONS",
    "SECURITY_RULES",
    "hsts_directives",
    "name_matches",
]

HSTS_MIN_MAX_AGE = 31_536_000
"""One year: the HSTS ``max-age`` the preload list requires and the norm treats as enough."""

EXPIRY_WARNING_DAYS = 14
"""A certificate expiring within this many days of the measurement asks for review."""

OLD_TLS_VERSIONS = ("TLS 1.0", "TLS 1.1")
"""Versions the NCSC TLS guidelines (2.1) rate "phase out" (uitfaseren)."""

LAX_REFERRER_POLICIES = frozenset({"unsafe-url", "no-referrer-when-downgrade"})
"""Policies that send the full page URL (path and query) to other websites."""

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

_REFERRER_POLICIES = frozenset(
    {
        "no-referrer",
        "no-referrer-when-downgrade",
        "origin",
        "origin-when-cross-origin",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
        "unsafe-url",
    }
)
_MAX_AGE_RE = re.compile(r"^\s*max-age\s*=\s*\"?(\d+)\"?\s*$", re.IGNORECASE)
_NONCE_OR_HASH = ("'nonce-", "'sha256-", "'sha384-", "'sha512-", "'strict-dynamic'")


# --------------------------------------------------------------------------- helpers


def _facts(ctx: RuleContext) -> SecurityFacts | None:
    return ctx.result.security


def _site_host(ctx: RuleContext) -> str:
    return host_of(ctx.result.site.url) or ctx.result.site.url


def _documents(ctx: RuleContext) -> tuple[DocumentSecurity, ...]:
    facts = _facts(ctx)
    return facts.documents if facts is not None else ()


def _home(ctx: RuleContext) -> DocumentSecurity | None:
    """The home page's document: the site's configuration as a first visitor meets it."""
    documents = _documents(ctx)
    return documents[0] if documents else None


def _probes(ctx: RuleContext) -> tuple[HostProbe, ...]:
    facts = _facts(ctx)
    return facts.hosts if facts is not None and facts.probed else ()


def _main_host(ctx: RuleContext) -> str:
    """Where the site lives: the home document's host, else the start URL's."""
    home = _home(ctx)
    return host_of(home.url) if home is not None else _site_host(ctx)


def _finding(
    rule: str,
    subject: str,
    severity: Severity,
    evidence: Iterable[Evidence],
    params: Mapping[str, ParamValue],
    variant: str = "",
) -> Finding:
    return Finding(
        id=f"{rule}:{subject}",
        rule=rule,
        severity=severity,
        subject=subject,
        evidence=tuple(dict.fromkeys(evidence)),
        variant=variant,
        params=tuple(sorted(params.items())),
    )


def _doc_evidence(doc: DocumentSecurity, subject: str = "") -> Evidence:
    return Evidence(doc.page_url, Phase.NONE, subject or doc.url)


def _probe_evidence(ctx: RuleContext, probe: HostProbe, subject: str) -> Evidence:
    home = _home(ctx)
    page = home.page_url if home is not None else ctx.result.site.url
    return Evidence(page, Phase.NONE, subject)


def _sorted(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({v for v in values if v}))


def _when(iso: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _first_value(header: str) -> str:
    """The first of several values joined with commas (as a browser reads HSTS)."""
    return header.split(",", 1)[0].strip()


def hsts_directives(header: str) -> tuple[int | None, bool, bool]:
    """(max-age, includeSubDomains, preload) of a ``Strict-Transport-Security`` value.

    Only the first header counts (RFC 6797, 8.1); ``max-age`` is ``None`` when it is
    missing or not a number, which makes the policy invalid.
    """
    max_age: int | None = None
    subdomains = preload = False
    for directive in _first_value(header).split(";"):
        name = directive.strip().lower()
        match = _MAX_AGE_RE.match(directive)
        if match:
            max_age = int(match.group(1))
        elif name == "includesubdomains":
            subdomains = True
        elif name == "preload":
            preload = True
    return max_age, subdomains, preload


def _csp_directives(policy: str) -> dict[str, list[str]]:
    """Directive → source list of the first policy that has it (policies joined by ``,``)."""
    out: dict[str, list[str]] = {}
    for single in policy.split(","):
        for directive in single.split(";"):
            parts = directive.strip().split()
            if parts:
                out.setdefault(parts[0].lower(), [p.lower() for p in parts[1:]])
    return out


def _csp_weaknesses(policy: str) -> tuple[str, ...]:
    """What makes a policy weak against script injection: ``unsafe-inline`` (without a
    nonce or hash), ``unsafe-eval``, a wildcard or scheme-only source, or no script rule."""
    directives = _csp_directives(policy)
    sources = directives.get("script-src", directives.get("default-src"))
    if sources is None:
        return ("no-script-src",)
    found = []
    if "'unsafe-inline'" in sources and not any(s.startswith(_NONCE_OR_HASH) for s in sources):
        found.append("unsafe-inline")
    if "'unsafe-eval'" in sources:
        found.append("unsafe-eval")
    if any(s in ("*", "http:", "https:", "data:") for s in sources):
        found.append("wildcard")
    return tuple(found)


def _framing_protected(doc: DocumentSecurity) -> bool:
    if doc.csp and "frame-ancestors" in _csp_directives(doc.csp):
        return True
    value = _first_value(doc.x_frame_options or "").lower()
    return value in ("deny", "sameorigin")


def _referrer_policy(header: str | None) -> str | None:
    """The policy a browser applies: the last value it knows in the list."""
    if not header:
        return None
    known = [
        v.strip().lower() for v in header.split(",") if v.strip().lower() in _REFERRER_POLICIES
    ]
    return known[-1] if known else None


def name_matches(host: str, names: Iterable[str]) -> bool:
    """Whether a certificate's names cover ``host`` (a ``*.`` wildcard covers one label)."""
    host = host.lower().rstrip(".")
    for name in names:
        name = name.lower().rstrip(".")
        if name == host:
            return True
        if name.startswith("*.") and "." in host and host.split(".", 1)[1] == name[2:]:
            return True
    return False


# ----------------------------------------------------------------------------- rules


def rule_page_over_http(ctx: RuleContext) -> list[Finding]:
    """A page of the site ended on plain ``http:``: violation (HTTPS is mandatory)."""
    rule = "security-page-over-http"
    pages = [
        p
        for p in ctx.result.pages
        if p.phase is Phase.NONE and p.final_url and p.final_url.startswith("http:")
    ]
    if not pages:
        return []
    evidence = [Evidence(p.url, Phase.NONE, p.final_url or p.url) for p in pages]
    params: dict[str, ParamValue] = {
        "site": _site_host(ctx),
        "pages": _sorted(p.final_url or "" for p in pages),
    }
    return [_finding(rule, _site_host(ctx), Severity.VIOLATION, evidence, params)]


def rule_https_redirect(ctx: RuleContext) -> list[Finding]:
    """``http://HOST/`` must send the visitor to ``https://HOST/`` first (one per host).

    Serving the site over plain http is a violation; a first redirect elsewhere (another
    host, or http again) a likely violation. A host that does not answer on http at all
    is fine: there is nothing to downgrade to.
    """
    rule = "security-https-redirect"
    out = []
    for probe in _probes(ctx):
        status = probe.http_status
        if status is None:
            continue
        url = f"http://{probe.host}/"
        if status in REDIRECT_STATUSES:
            location = urljoin(url, (probe.http_location or "").strip())
            try:
                target = urlsplit(location)
                target_host = (target.hostname or "").lower()
            except ValueError:
                target, target_host = urlsplit(""), ""
            if target.scheme == "https" and target_host == probe.host:
                continue
            severity, variant = Severity.LIKELY_VIOLATION, "other-host"
        else:
            location, severity, variant = "", Severity.VIOLATION, ""
        params: dict[str, ParamValue] = {
            "host": probe.host,
            "status": status,
            "location": location or None,
        }
        ev = _probe_evidence(ctx, probe, url)
        out.append(_finding(rule, probe.host, severity, [ev], params, variant))
    return out


def rule_hsts_missing(ctx: RuleContext) -> list[Finding]:
    """The home page came over HTTPS without a valid HSTS policy: violation.

    Judged on the page itself, after redirects: HSTS on a redirect alone does not count.
    """
    rule = "security-hsts-missing"
    home = _home(ctx)
    if home is None or not home.url.startswith("https:"):
        return []
    if home.hsts is not None and hsts_directives(home.hsts)[0] is not None:
        return []
    host = host_of(home.url)
    params: dict[str, ParamValue] = {"host": host, "header": home.hsts}
    return [_finding(rule, host, Severity.VIOLATION, [_doc_evidence(home)], params)]


def rule_hsts_weak(ctx: RuleContext) -> list[Finding]:
    """HSTS for less than a year (review), or without ``includeSubDomains`` (info)."""
    rule = "security-hsts-weak"
    home = _home(ctx)
    if home is None or not home.url.startswith("https:") or home.hsts is None:
        return []
    max_age, subdomains, preload = hsts_directives(home.hsts)
    if max_age is None or (max_age >= HSTS_MIN_MAX_AGE and subdomains):
        return []
    short = max_age < HSTS_MIN_MAX_AGE
    host = host_of(home.url)
    params: dict[str, ParamValue] = {
        "host": host,
        "max_age": max_age,
        "include_subdomains": subdomains,
        "preload": preload,
    }
    return [
        _finding(
            rule,
            host,
            Severity.REVIEW if short else Severity.INFO,
            [_doc_evidence(home, f"Strict-Transport-Security: {home.hsts}")],
            params,
            "" if short else "subdomains",
        )
    ]


def rule_mixed_content(ctx: RuleContext) -> list[Finding]:
    """An https page asking for plain-http scripts, images, frames…: likely violation.

    Active content (scripts, frames, XHR) is blocked by the browser, so the page breaks;
    passive content is fetched over https instead or shown with a warning. Either way
    the page itself asks for an unencrypted connection.
    """
    rule = "security-mixed-content"
    urls: set[str] = set()
    evidence = []
    active = False
    for doc in _documents(ctx):
        for m in doc.mixed_content:
            if m.resource_type == "Form":
                continue
            urls.add(m.url)
            active |= m.resolution == "blocked"
            evidence.append(_doc_evidence(doc, m.url))
    if not urls:
        return []
    params: dict[str, ParamValue] = {"site": _site_host(ctx), "urls": _sorted(urls)}
    variant = "" if active else "passive"
    return [_finding(rule, _site_host(ctx), Severity.LIKELY_VIOLATION, evidence, params, variant)]


def rule_insecure_form(ctx: RuleContext) -> list[Finding]:
    """A form on an https page that sends what a visitor types over plain http."""
    rule = "security-form-insecure"
    targets: set[str] = set()
    evidence = []
    for doc in _documents(ctx):
        for m in doc.mixed_content:
            if m.resource_type == "Form":
                targets.add(m.url)
                evidence.append(_doc_evidence(doc, m.url))
    if not targets:
        return []
    params: dict[str, ParamValue] = {"site": _site_host(ctx), "urls": _sorted(targets)}
    return [_finding(rule, _site_host(ctx), Severity.LIKELY_VIOLATION, evidence, params)]


def rule_tls_old_versions(ctx: RuleContext) -> list[Finding]:
    """A host that still accepts TLS 1.0 or 1.1 ("phase out" for the NCSC)."""
    rule = "security-tls-old-versions"
    out = []
    for probe in _probes(ctx):
        old = tuple(v for v, accepted in probe.tls_versions if accepted and v in OLD_TLS_VERSIONS)
        if not old:
            continue
        params: dict[str, ParamValue] = {"host": probe.host, "versions": old}
        ev = _probe_evidence(ctx, probe, f"{probe.host}: {', '.join(old)}")
        out.append(_finding(rule, probe.host, Severity.LIKELY_VIOLATION, [ev], params))
    return out


def _certificates(
    ctx: RuleContext,
) -> list[tuple[str, Certificate, str, Evidence, HostProbe | None]]:
    """(host, certificate, measured at, evidence, probe) per host: the probe's when it
    ran, else what the browser was shown for that host's first page."""
    out: list[tuple[str, Certificate, str, Evidence, HostProbe | None]] = []
    seen: set[str] = set()
    for probe in _probes(ctx):
        if probe.certificate is not None and probe.host not in seen:
            seen.add(probe.host)
            ev = _probe_evidence(ctx, probe, f"https://{probe.host}/")
            out.append((probe.host, probe.certificate, probe.checked_at, ev, probe))
    started = {p.url: p.started_at for p in ctx.result.pages}
    for doc in _documents(ctx):
        host = host_of(doc.url)
        if doc.certificate is not None and host not in seen:
            seen.add(host)
            when = started.get(doc.page_url, "")
            out.append((host, doc.certificate, when, _doc_evidence(doc), None))
    return out


def rule_certificate_expired(ctx: RuleContext) -> list[Finding]:
    """A certificate past its end (or before its start) at the moment of measuring."""
    rule = "security-certificate-expired"
    out = []
    for host, cert, measured, ev, _probe in _certificates(ctx):
        now = _when(measured)
        end, start = _when(cert.valid_to), _when(cert.valid_from)
        if now is None or end is None:
            continue
        if end < now:
            variant = ""
        elif start is not None and start > now:
            variant = "not-yet-valid"
        else:
            continue
        params: dict[str, ParamValue] = {
            "host": host,
            "valid_from": cert.valid_from,
            "valid_to": cert.valid_to,
        }
        out.append(_finding(rule, host, Severity.VIOLATION, [ev], params, variant))
    return out


def rule_certificate_expiring(ctx: RuleContext) -> list[Finding]:
    """A certificate that expires within :data:`EXPIRY_WARNING_DAYS` days: review."""
    rule = "security-certificate-expiring"
    out = []
    for host, cert, measured, ev, _probe in _certificates(ctx):
        now, end = _when(measured), _when(cert.valid_to)
        if now is None or end is None or end < now:
            continue
        days = (end - now).days
        if days >= EXPIRY_WARNING_DAYS:
            continue
        params: dict[str, ParamValue] = {"host": host, "days": days, "valid_to": cert.valid_to}
        out.append(_finding(rule, host, Severity.REVIEW, [ev], params))
    return out


def rule_certificate_name(ctx: RuleContext) -> list[Finding]:
    """A certificate that does not name the host it was served for: violation."""
    rule = "security-certificate-name-mismatch"
    out = []
    for host, cert, _measured, ev, probe in _certificates(ctx):
        matches = probe.name_match if probe is not None else name_matches(host, cert.san)
        if matches is not False:
            continue
        params: dict[str, ParamValue] = {"host": host, "names": _sorted(cert.san)}
        out.append(_finding(rule, host, Severity.VIOLATION, [ev], params))
    return out


def rule_certificate_untrusted(ctx: RuleContext) -> list[Finding]:
    """A certificate no public trust store accepts (self-signed, incomplete chain…).

    Only from a probe, and never for a certificate the user chose to trust
    (``--trust-cert-spki``, ``--ignore-cert-errors``: an acceptance environment).
    """
    rule = "security-certificate-untrusted"
    out = []
    for probe in _probes(ctx):
        if probe.certificate_trust != "untrusted":
            continue
        params: dict[str, ParamValue] = {"host": probe.host, "reason": probe.certificate_error}
        ev = _probe_evidence(ctx, probe, f"https://{probe.host}/")
        out.append(_finding(rule, probe.host, Severity.VIOLATION, [ev], params))
    return out


def rule_csp_missing(ctx: RuleContext) -> list[Finding]:
    """No Content-Security-Policy on the home page: review."""
    rule = "security-csp-missing"
    home = _home(ctx)
    if home is None or home.csp:
        return []
    params: dict[str, ParamValue] = {"host": host_of(home.url)}
    return [_finding(rule, host_of(home.url), Severity.REVIEW, [_doc_evidence(home)], params)]


def rule_csp_weak(ctx: RuleContext) -> list[Finding]:
    """A Content-Security-Policy that still lets injected scripts run: info."""
    rule = "security-csp-weak"
    home = _home(ctx)
    if home is None or not home.csp:
        return []
    weaknesses = _csp_weaknesses(home.csp)
    if not weaknesses:
        return []
    host = host_of(home.url)
    params: dict[str, ParamValue] = {"host": host, "weaknesses": weaknesses}
    ev = _doc_evidence(home, f"Content-Security-Policy: {home.csp}")
    return [_finding(rule, host, Severity.INFO, [ev], params)]


def rule_nosniff_missing(ctx: RuleContext) -> list[Finding]:
    """No ``X-Content-Type-Options: nosniff`` on the home page: review."""
    rule = "security-nosniff-missing"
    home = _home(ctx)
    if home is None or _first_value(home.x_content_type_options or "").lower() == "nosniff":
        return []
    host = host_of(home.url)
    params: dict[str, ParamValue] = {"host": host, "header": home.x_content_type_options}
    return [_finding(rule, host, Severity.REVIEW, [_doc_evidence(home)], params)]


def rule_framing_missing(ctx: RuleContext) -> list[Finding]:
    """Neither CSP ``frame-ancestors`` nor ``X-Frame-Options`` DENY/SAMEORIGIN: review."""
    rule = "security-framing-missing"
    home = _home(ctx)
    if home is None or _framing_protected(home):
        return []
    host = host_of(home.url)
    params: dict[str, ParamValue] = {"host": host, "header": home.x_frame_options}
    return [_finding(rule, host, Severity.REVIEW, [_doc_evidence(home)], params)]


def rule_referrer_policy(ctx: RuleContext) -> list[Finding]:
    """No Referrer-Policy (info: today's browsers default to sending only the origin),
    or a lax one that sends full page URLs to other websites (review)."""
    rule = "security-referrer-policy"
    home = _home(ctx)
    if home is None:
        return []
    policy = _referrer_policy(home.referrer_policy)
    if policy is not None and policy not in LAX_REFERRER_POLICIES:
        return []
    host = host_of(home.url)
    params: dict[str, ParamValue] = {"host": host, "policy": policy}
    if policy is None:
        return [_finding(rule, host, Severity.INFO, [_doc_evidence(home)], params)]
    ev = _doc_evidence(home, f"Referrer-Policy: {home.referrer_policy}")
    return [_finding(rule, host, Severity.REVIEW, [ev], params, "lax")]


def rule_referrer_full_url(ctx: RuleContext) -> list[Finding]:
    """Third parties received the full URL of the visitor's page: likely violation.

    Measured, not inferred: the ``Referer`` the browser really sent. A page address can
    reveal what the visitor did (a search, a form, a case number); only the origin is
    needed, which is what today's browsers send when the site sets no policy.
    """
    rule = "security-referrer-full-url"
    site = ctx.result.site
    organisations: set[str] = set()
    hosts: set[str] = set()
    evidence = []
    for doc in _documents(ctx):
        for url in doc.full_referrer_to:
            party = ctx.resolver.party_for_url(url, site)
            if party.first_party:
                continue
            organisations.add(party.organisation or party.domain)
            hosts.add(host_of(url))
            evidence.append(_doc_evidence(doc, url))
    if not organisations:
        return []
    params: dict[str, ParamValue] = {
        "site": _site_host(ctx),
        "organisations": _sorted(organisations),
        "hosts": _sorted(hosts),
    }
    return [_finding(rule, _site_host(ctx), Severity.LIKELY_VIOLATION, evidence, params)]


def rule_permissions_policy_missing(ctx: RuleContext) -> list[Finding]:
    """No Permissions-Policy on the home page: info."""
    rule = "security-permissions-policy-missing"
    home = _home(ctx)
    if home is None or home.permissions_policy:
        return []
    params: dict[str, ParamValue] = {"host": host_of(home.url)}
    return [_finding(rule, host_of(home.url), Severity.INFO, [_doc_evidence(home)], params)]


def _security_txt_probe(ctx: RuleContext) -> HostProbe | None:
    main = _main_host(ctx)
    probes = [p for p in _probes(ctx) if p.security_txt is not None]
    return next((p for p in probes if p.host == main), probes[-1] if probes else None)


def rule_security_txt_missing(ctx: RuleContext) -> list[Finding]:
    """No security.txt where the site lives: review (on the "pas toe of leg uit" list)."""
    rule = "security-txt-missing"
    probe = _security_txt_probe(ctx)
    if probe is None or probe.security_txt is None or probe.security_txt.found:
        return []
    txt = probe.security_txt
    params: dict[str, ParamValue] = {"host": probe.host, "url": txt.url, "status": txt.status}
    ev = _probe_evidence(ctx, probe, txt.url)
    return [_finding(rule, probe.host, Severity.REVIEW, [ev], params)]


def rule_security_txt_invalid(ctx: RuleContext) -> list[Finding]:
    """A security.txt that RFC 9116 rejects (``sectxt``'s errors), or expired: review."""
    rule = "security-txt-invalid"
    probe = _security_txt_probe(ctx)
    if probe is None or probe.security_txt is None:
        return []
    txt = probe.security_txt
    if not txt.found or not txt.errors:
        return []
    params: dict[str, ParamValue] = {
        "host": probe.host,
        "url": txt.final_url or txt.url,
        "errors": txt.errors,
        "expires": txt.expires,
    }
    variant = "expired" if "expired" in txt.errors else ""
    ev = _probe_evidence(ctx, probe, txt.final_url or txt.url)
    return [_finding(rule, probe.host, Severity.REVIEW, [ev], params, variant)]


def rule_sri_missing(ctx: RuleContext) -> list[Finding]:
    """Third-party scripts without Subresource Integrity, and from how many organisations.

    Review: whoever controls those servers controls the site's pages. A script that
    changes with every release cannot carry a hash; then the question is whether that
    organisation is trusted with the pages, which a person must judge.
    """
    rule = "security-sri-missing"
    site = ctx.result.site
    scripts: set[str] = set()
    organisations: set[str] = set()
    evidence = []
    for doc in _documents(ctx):
        for tag in doc.scripts:
            if tag.integrity:
                continue
            party = ctx.resolver.party_for_url(tag.src, site)
            if party.first_party:
                continue
            scripts.add(tag.src.split("#", 1)[0])
            organisations.add(party.organisation or party.domain)
            evidence.append(_doc_evidence(doc, tag.src))
    if not scripts:
        return []
    params: dict[str, ParamValue] = {
        "site": _site_host(ctx),
        "scripts": _sorted(scripts),
        "organisations": _sorted(organisations),
        "count": len(organisations),
    }
    return [_finding(rule, _site_host(ctx), Severity.REVIEW, evidence, params)]


# ---------------------------------------------------------------------- declarations

BESLUIT = "https://zoek.officielebekendmakingen.nl/stb-2023-179.html"
"""Besluit beveiligde verbinding met overheidswebsites en -webapplicaties (Stb. 2023, 179)."""
NCSC_TLS = (
    "https://www.ncsc.nl/documenten/publicaties/2021/januari/19/"
    "ict-beveiligingsrichtlijnen-voor-transport-layer-security-2.1"
)
"""NCSC, ICT-beveiligingsrichtlijnen voor Transport Layer Security (TLS), 2.1 (as the
Besluit names it)."""
HSTS_PRELOAD = "https://hstspreload.org/"
OWASP_HEADERS = "https://owasp.org/www-project-secure-headers/"
RFC_9116 = "https://www.rfc-editor.org/rfc/rfc9116"
GDPR = "https://eur-lex.europa.eu/eli/reg/2016/679/oj"

SECURITY_RULES: tuple[Rule, ...] = (
    Rule(
        "security-page-over-http", rule_page_over_http, Severity.VIOLATION, BESLUIT, grade=SECURITY
    ),
    Rule(
        "security-https-redirect",
        rule_https_redirect,
        Severity.VIOLATION,
        BESLUIT,
        variants=("other-host",),
        grade=SECURITY,
    ),
    Rule("security-hsts-missing", rule_hsts_missing, Severity.VIOLATION, BESLUIT, grade=SECURITY),
    Rule(
        "security-hsts-weak",
        rule_hsts_weak,
        Severity.REVIEW,
        HSTS_PRELOAD,
        variants=("subdomains",),
        grade=SECURITY,
    ),
    Rule(
        "security-mixed-content",
        rule_mixed_content,
        Severity.LIKELY_VIOLATION,
        BESLUIT,
        variants=("passive",),
        grade=SECURITY,
    ),
    Rule(
        "security-form-insecure",
        rule_insecure_form,
        Severity.LIKELY_VIOLATION,
        BESLUIT,
        grade=SECURITY,
    ),
    Rule(
        "security-tls-old-versions",
        rule_tls_old_versions,
        Severity.LIKELY_VIOLATION,
        NCSC_TLS,
        grade=SECURITY,
    ),
    Rule(
        "security-certificate-expired",
        rule_certificate_expired,
        Severity.VIOLATION,
        NCSC_TLS,
        variants=("not-yet-valid",),
        grade=SECURITY,
    ),
    Rule(
        "security-certificate-name-mismatch",
        rule_certificate_name,
        Severity.VIOLATION,
        NCSC_TLS,
        grade=SECURITY,
    ),
    Rule(
        "security-certificate-untrusted",
        rule_certificate_untrusted,
        Severity.VIOLATION,
        NCSC_TLS,
        grade=SECURITY,
    ),
    Rule(
        "security-certificate-expiring",
        rule_certificate_expiring,
        Severity.REVIEW,
        NCSC_TLS,
        grade=SECURITY,
    ),
    Rule(
        "security-referrer-full-url",
        rule_referrer_full_url,
        Severity.LIKELY_VIOLATION,
        GDPR,
        grade=SECURITY,
    ),
    Rule("security-csp-missing", rule_csp_missing, Severity.REVIEW, OWASP_HEADERS, grade=SECURITY),
    Rule(
        "security-nosniff-missing",
        rule_nosniff_missing,
        Severity.REVIEW,
        OWASP_HEADERS,
        grade=SECURITY,
    ),
    Rule(
        "security-framing-missing",
        rule_framing_missing,
        Severity.REVIEW,
        OWASP_HEADERS,
        grade=SECURITY,
    ),
    Rule(
        "security-referrer-policy",
        rule_referrer_policy,
        Severity.REVIEW,
        OWASP_HEADERS,
        variants=("lax",),
        grade=SECURITY,
    ),
    Rule("security-sri-missing", rule_sri_missing, Severity.REVIEW, OWASP_HEADERS, grade=SECURITY),
    Rule(
        "security-txt-missing", rule_security_txt_missing, Severity.REVIEW, RFC_9116, grade=SECURITY
    ),
    Rule(
        "security-txt-invalid",
        rule_security_txt_invalid,
        Severity.REVIEW,
        RFC_9116,
        variants=("expired",),
        grade=SECURITY,
    ),
    Rule("security-csp-weak", rule_csp_weak, Severity.INFO, OWASP_HEADERS, grade=SECURITY),
    Rule(
        "security-permissions-policy-missing",
        rule_permissions_policy_missing,
        Severity.INFO,
        OWASP_HEADERS,
        grade=SECURITY,
    ),
)
"""The security rules in documentation order; registered in ``RULES`` after the
privacy rules (``docs/rules.md``, "Security")."""
