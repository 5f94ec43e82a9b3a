"""The rules: small pure functions from one site's observations to findings, and
:data:`RULES`, the one declaration of each.

Most rules look only at observations of a first-time visitor who has not chosen
anything yet (``Phase.NONE``): that is the moment the law is about ("before consent").

The consent rules (declared with ``consent=True``: ``no-banner-while-tracking`` and the
rules after it) judge the banner and what happened after a refusal. They run only when
the engine says it ran the banner test (``consent_tested``); without it, reject and
accept observations are ignored, so a capture made with ``--phases none`` gives
exactly the Phase.NONE findings. Observations of the accept visitor never produce more
than ``info``: they are the inventory of what the site does with consent.

A finding's id is ``rule:subject`` where the subject is independent of page order and
time (a cookie ``name@domain``, an organisation, a service, a domain, the site's host),
so the same problem keeps the same id from scan to scan and a report can track it.
Rules write no words: a finding carries its ``variant`` and ``params``, and its text
is rendered from the message catalogue in the reader's language.

Adding a rule: write ``rule_x(ctx) -> list[Finding]`` below, declare it in
:data:`RULES` (id, severity, legal link, flags), and add its texts in both languages
to ``scanner/messages/*.json`` (``rule.<id>.title|explanation|fix|legal``);
``docs/rules.md`` and the tests name what else to check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from scanner.classify.context import GOOGLE, GOOGLE_ANALYTICS, RuleContext
from scanner.classify.identifiers import cookie_tokens, identifiers
from scanner.classify.purposes import (
    BENIGN_CATEGORIES,
    CONSENT_MODE_CATEGORIES,
    EMBED_CATEGORIES,
    INFRASTRUCTURE_CATEGORIES,
    PURPOSE_RANK,
    REFUSAL_TRACKING_CATEGORIES,
    TRACKER_CATEGORIES,
)
from scanner.classify.registry import SECURITY, Rule, RuleRegistry
from scanner.classify.security import SECURITY_RULES
from scanner.classify.sync import SyncChain
from scanner.domains import host_of
from scanner.models import (
    ApiCall,
    ConsentChoice,
    Cookie,
    CookieSource,
    Evidence,
    Finding,
    Initiator,
    ParamValue,
    Party,
    Phase,
    Request,
    Severity,
    StorageItem,
)
from scanner.netguard import refusal_kind
from scanner.snapshots import VENDOR as SNAPSHOT_VENDOR

__all__ = ["RULES", "run_rules"]

SELF_HOSTABLE_ANALYTICS = frozenset({"Matomo"})
"""Analytics whose first-party cookies can mean a self-hosted installation."""
HOSTED_MATOMO_ORGANISATIONS = frozenset({"InnoCraft", "Piwik PRO"})
"""Cloud vendors using the same ``_pk_*`` cookies: if contacted, it is not self-hosted."""

ADEQUATE_COUNTRIES = frozenset(
    {"AD", "AR", "CA", "CH", "FO", "GB", "GG", "IL", "IM", "JE", "JP", "KR", "NZ", "UY"}
)
"""Countries with an EU adequacy decision (art. 45 AVG), apart from the United States,
whose Data Privacy Framework covers only certified companies and is contested."""

MAX_LIFETIME_S = 396 * 24 * 3600
"""13 months (rounded up to 396 days), the maximum cookie lifetime regulators accept."""

FINGERPRINTING_API_PREFIXES = ("canvas.", "webgl.")
"""API reads that fire rule 5 alone: canvas read-back, WebGL's unmasked GPU."""
STRONG_FINGERPRINTING_APIS = frozenset({"audio.OfflineAudioContext", "webrtc.iceCandidate"})
"""Further APIs that fire rule 5 alone: an audio fingerprint rendered offline, and a
script reading the text of a WebRTC ICE candidate (which holds the device's addresses)."""
WEBRTC_DISCOVERY = (
    "webrtc.RTCPeerConnection",
    frozenset({"webrtc.createDataChannel", "webrtc.createOffer"}),
)
"""WebRTC local-IP discovery: a script that opens a peer connection and makes an offer
(or a data channel) starts ICE candidate gathering with no call to take part in. privacyscan's
visitor gathers no candidates (``webrtc.ip_handling_policy``), so the attempt is the evidence."""
WEAK_FINGERPRINTING_APIS = frozenset(
    {"audio.AudioContext", "media.enumerateDevices", "battery.getBattery"}
)
"""APIs with everyday uses (a notification sound, a video call, a battery saver): one of
them is nothing, two by one script (or one with a navigator/screen sweep) a fingerprint."""
SWEEP_PREFIXES = ("navigator.", "screen.")
SWEEP_WEAK = 8
"""Distinct navigator/screen properties one script reads that count as a weak signal.
``hooks.js`` records none until a frame has read this many (``SWEEP_MIN``): one
``navigator.language`` read to pick the site's language is never recorded."""
SWEEP_STRONG = 14
"""Distinct navigator/screen properties that fire rule 5 alone (of the 19 hooked:
plugins, mimeTypes, hardwareConcurrency, deviceMemory, … and the screen's sizes and depth)."""
FINGERPRINTING_WEAK_MIN = 2
"""Weak signals one script needs to fire rule 5."""

_SESSION_NAME_RE = re.compile(r"sess|sid$|^sid|token|auth|login", re.IGNORECASE)
_CSRF_RE = re.compile(r"csrf|xsrf", re.IGNORECASE)
"""Anti-forgery cookies must stay readable by the site's scripts: no HttpOnly advice."""


# --------------------------------------------------------------------------- helpers

_Obs = tuple[str, int, Evidence]
"""(page URL, time within the page, evidence) of one observation."""


def _cookie_obs(c: Cookie) -> _Obs:
    initiator = c.initiator
    if initiator is None and c.set_by:
        initiator = Initiator("http" if c.source == CookieSource.HTTP else "script", c.set_by)
    return (c.page_url, c.first_seen_ms, Evidence(c.page_url, c.phase, _cookie_id(c), initiator))


def _request_obs(r: Request) -> _Obs:
    return (r.page_url, r.t_ms, Evidence(r.page_url, r.phase, r.url, r.initiator))


def _storage_obs(s: StorageItem) -> _Obs:
    subject = f"{s.kind.value} {s.origin} {s.key}"
    return (s.page_url, s.first_seen_ms, Evidence(s.page_url, s.phase, subject, s.initiator))


def _api_obs(a: ApiCall) -> _Obs:
    return (a.page_url, 0, Evidence(a.page_url, a.phase, a.api, a.initiator))


def _script_name(a: ApiCall) -> str:
    """The calling script without query or fragment, short enough for a sentence."""
    url = (a.initiator.url if a.initiator else None) or a.frame_url or a.page_url
    return url.split("#", 1)[0].split("?", 1)[0]


def _cookie_id(c: Cookie) -> str:
    return f"{c.name}@{c.domain}"


@dataclass(slots=True)
class _Group:
    """Observations gathered under one finding subject."""

    party: Party | None
    severity: Severity
    obs: list[_Obs] = field(default_factory=list)
    hosts: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    third_party: bool = False
    strong: bool = False

    def raise_to(self, severity: Severity) -> None:
        if severity.rank < self.severity.rank:
            self.severity = severity


def _add(
    groups: dict[str, _Group], subject: str, party: Party | None, severity: Severity, obs: _Obs
) -> _Group:
    group = groups.get(subject)
    if group is None:
        group = groups[subject] = _Group(party, severity)
    else:
        group.raise_to(severity)
        # One organisation, several services: name it by its most telling purpose
        # ("Google (analytics)", not the tag manager that happened to load first).
        if _purpose_rank(party) < _purpose_rank(group.party):
            group.party = party
    group.obs.append(obs)
    return group


def _purpose_rank(party: Party | None) -> int:
    category = party.category if party is not None else None
    return PURPOSE_RANK.index(category) if category in PURPOSE_RANK else len(PURPOSE_RANK)


def _evidence(ctx: RuleContext, obs: Iterable[_Obs]) -> tuple[Evidence, ...]:
    """One evidence per page (its earliest observation), in page order."""
    first: dict[str, tuple[int, str, Evidence]] = {}
    for page, t, ev in obs:
        cand = (t, ev.subject, ev)
        best = first.get(page)
        if best is None or cand[:2] < best[:2]:
            first[page] = cand
    pages = sorted(first, key=lambda p: (ctx.page_rank(p), p))
    return tuple(first[p][2] for p in pages)


def _party_params(party: Party | None) -> dict[str, ParamValue]:
    """The parameters describing a party (who, which product, what for, where)."""
    if party is None:
        return dict.fromkeys(("organisation", "service", "category", "domain", "country"))
    return {
        "organisation": party.organisation or party.domain or None,
        "service": party.service,
        "category": party.category,
        "domain": party.domain,
        "country": party.country,
    }


def _sorted(names: Iterable[str]) -> tuple[str, ...]:
    """Names in a stable order, without empty ones (a report shortens long lists)."""
    return tuple(sorted(n for n in names if n))


def _finding(
    ctx: RuleContext,
    rule: str,
    subject: str,
    group: _Group,
    params: Mapping[str, ParamValue],
    variant: str = "",
    evidence: tuple[Evidence, ...] | None = None,
) -> Finding:
    """A finding of ``rule``; ``evidence`` replaces the per-page evidence of the group.

    Its words are not written here: ``variant`` and ``params`` are what a report renders
    them from, in the reader's language (``scanner.messages.findings``).
    """
    party = group.party
    return Finding(
        id=f"{rule}:{subject}",
        rule=rule,
        severity=group.severity,
        subject=subject,
        organisation=party.organisation if party else None,
        category=party.category if party else None,
        country=party.country if party else None,
        evidence=_evidence(ctx, group.obs) if evidence is None else evidence,
        variant=variant,
        params=tuple(sorted(params.items())),
    )


def _stored(ctx: RuleContext) -> Iterable[Cookie]:
    return (c for c in ctx.cookies if c.stored)


def _third_party_requests(ctx: RuleContext) -> Iterable[Request]:
    return (r for r in ctx.requests if r.party is not None and not r.party.first_party)


def _service_key(party: Party) -> str:
    return party.service or party.organisation or party.domain


def _embed_party(ctx: RuleContext, party: Party | None, frame_url: str | None) -> Party | None:
    """The video or map embed responsible for a cookie or storage item, if any."""
    if party is None or party.category in BENIGN_CATEGORIES:
        return None
    if party.category in EMBED_CATEGORIES:
        return party
    if frame_url and not party.first_party:
        frame = ctx.resolver.party_for_url(frame_url, ctx.result.site)
        if not frame.first_party and frame.category in EMBED_CATEGORIES:
            return frame
    return None


# ----------------------------------------------------------------------------- rules


def rule_cookie_tracking(ctx: RuleContext) -> list[Finding]:
    """Marketing, social or fingerprinting cookies stored before consent: violation.

    Third-party cookies and first-party cookies recognised by name (``_fbp``) alike;
    analytics, session replay and embed cookies are judged by their own rules.
    """
    rule = "cookie-tracking-before-consent"
    groups: dict[str, _Group] = {}
    for c in _stored(ctx):
        p = c.party
        if p is None or p.category not in TRACKER_CATEGORIES or ctx.in_sync(c):
            continue
        if _embed_party(ctx, p, c.frame_url) is not None:
            continue
        group = _add(groups, _cookie_id(c), p, Severity.VIOLATION, _cookie_obs(c))
        group.names.add(c.name)
    return [
        _finding(ctx, rule, s, g, _party_params(g.party) | {"cookie": next(iter(g.names))})
        for s, g in groups.items()
    ]


def rule_cookie_unknown_third_party(ctx: RuleContext) -> list[Finding]:
    """Third-party cookies we cannot place: review, since their purpose is unproven."""
    rule = "cookie-unknown-third-party"
    groups: dict[str, _Group] = {}
    for c in _stored(ctx):
        p = c.party
        if p is None or p.first_party or p.category is not None or ctx.in_sync(c):
            continue
        if _embed_party(ctx, p, c.frame_url) is not None:
            continue
        group = _add(groups, _cookie_id(c), p, Severity.REVIEW, _cookie_obs(c))
        group.names.add(c.name)
    return [
        _finding(ctx, rule, s, g, _party_params(g.party) | {"cookie": next(iter(g.names))})
        for s, g in groups.items()
    ]


def rule_storage_tracking(ctx: RuleContext) -> list[Finding]:
    """Tracking data written to localStorage/sessionStorage/IndexedDB before consent."""
    rule = "storage-tracking-before-consent"
    groups: dict[str, _Group] = {}
    items: dict[str, StorageItem] = {}
    for s in ctx.storage:
        p = s.party
        if p is None or p.category not in TRACKER_CATEGORIES:
            continue
        if _embed_party(ctx, p, s.frame_url) is not None:
            continue
        subject = f"{s.key}@{s.origin}"
        _add(groups, subject, p, Severity.VIOLATION, _storage_obs(s))
        items.setdefault(subject, s)
    out = []
    for subject, g in groups.items():
        s = items[subject]
        params = _party_params(g.party) | {
            "key": s.key,
            "kind": s.kind.value,
            "origin": s.origin,
        }
        out.append(_finding(ctx, rule, subject, g, params))
    return out


def rule_tracker_requests(ctx: RuleContext) -> list[Finding]:
    """Requests to marketing, social or fingerprinting parties before consent: violation.

    A script, pixel or beacon reads information from the device and passes on the IP
    address and the page, cookie or not. One finding per organisation.
    """
    rule = "tracker-request-before-consent"
    groups: dict[str, _Group] = {}
    for r in _third_party_requests(ctx):
        p = r.party
        if p is None or p.category not in TRACKER_CATEGORIES or ctx.in_sync(r):
            continue
        group = _add(groups, p.organisation or p.domain, p, Severity.VIOLATION, _request_obs(r))
        group.hosts.add(host_of(r.url))
    return [
        _finding(ctx, rule, s, g, _party_params(g.party) | {"hosts": _sorted(g.hosts)})
        for s, g in groups.items()
    ]


def rule_cookie_sync(ctx: RuleContext) -> list[Finding]:
    """A cookie-sync chain before consent: violation, one per set of ad domains synced.

    One redirect chain passed the visitor's identifiers between several ad-tech parties
    (:mod:`scanner.classify.sync`). Told as one story, hop by hop; the hops' requests
    and cookies are not told again by rules 1, 1b, 2 and 6.
    """
    rule = "cookie-sync-before-consent"
    groups: dict[str, _Group] = {}
    chains: dict[str, SyncChain] = {}
    for chain in ctx.sync:
        subject = "+".join(sorted(chain.domains))
        first = next(h for h in chain.hops if h.party and h.party.domain == chain.domains[0])
        group = _add(groups, subject, first.party, Severity.VIOLATION, _request_obs(chain.hops[0]))
        group.obs.extend(_request_obs(h) for h in chain.hops[1:])
        chains.setdefault(subject, chain)
    out = []
    for subject, group in groups.items():
        chain = chains[subject]
        organisations = tuple(
            (h.party.organisation or h.party.domain) if h.party else host_of(h.url)
            for h in chain.hops
        )
        params = _party_params(group.party) | {
            "hops": tuple(host_of(h.url) for h in chain.hops),
            "hop_organisations": organisations,
            "hop_cookies": tuple(", ".join(sorted({c.name for c in cs})) for cs in chain.cookies),
            "organisations": tuple(dict.fromkeys(organisations)),
        }
        evidence = tuple(
            Evidence(page, phase, url, initiator)
            for page, phase, url, initiator in dict.fromkeys(
                (h.page_url, h.phase, h.url, h.initiator)
                for c in ctx.sync
                if "+".join(sorted(c.domains)) == subject
                for h in c.hops
            )
        )
        out.append(_finding(ctx, rule, subject, group, params, evidence=evidence))
    return out


def rule_personal_data(ctx: RuleContext) -> list[Finding]:
    """Personal data in a pixel or analytics hit to a third party before consent.

    An e-mail address, phone number, name, birth date, address or a user id the site
    assigned (``Payload.personal_data``), hashed or not: hashing with SHA-256 is what
    the vendors ask for so they can match the visitor to their own users; it makes no
    anonymous data. Violation, one per organisation; variant ``hashed`` when every
    field was sent as a hash.
    """
    rule = "personal-data-before-consent"
    groups: dict[str, _Group] = {}
    fields: dict[str, dict[str, str]] = {}
    events: dict[str, dict[str, None]] = {}
    for r in _third_party_requests(ctx):
        payload, p = r.payload, r.party
        if payload is None or not payload.personal_data or p is None:
            continue
        subject = p.organisation or p.domain
        group = _add(groups, subject, p, Severity.VIOLATION, _request_obs(r))
        group.hosts.add(host_of(r.url))
        for name, form in payload.personal_data:
            fields.setdefault(subject, {}).setdefault(name, form)
        events.setdefault(subject, {}).update(dict.fromkeys(payload.events))
    out = []
    for subject, group in groups.items():
        forms = fields[subject]
        params = _party_params(group.party) | {
            "fields": _sorted(forms),
            "events": tuple(e for e in events[subject] if e),
            "hosts": _sorted(group.hosts),
        }
        variant = "hashed" if set(forms.values()) == {"sha256"} else ""
        out.append(_finding(ctx, rule, subject, group, params, variant))
    return out


def rule_analytics(ctx: RuleContext) -> list[Finding]:
    """Analytics before consent: review against the AP conditions; self-hosted: info."""
    rule = "analytics-before-consent"
    groups: dict[str, _Group] = {}
    for c in _stored(ctx):
        if c.party is not None and c.party.category == "analytics":
            g = _add(groups, _service_key(c.party), c.party, Severity.REVIEW, _cookie_obs(c))
            g.third_party |= not c.party.first_party
    for s in ctx.storage:
        if s.party is not None and s.party.category == "analytics":
            g = _add(groups, _service_key(s.party), s.party, Severity.REVIEW, _storage_obs(s))
            g.third_party |= not s.party.first_party
    hosted_matomo = False
    for r in _third_party_requests(ctx):
        p = r.party
        if p is None or p.category != "analytics":
            continue
        hosted_matomo |= p.organisation in HOSTED_MATOMO_ORGANISATIONS
        g = _add(groups, _service_key(p), p, Severity.REVIEW, _request_obs(r))
        g.third_party = True
        if g.party is not None and g.party.first_party:
            g.party = p  # describe the service by its third-party endpoint
    out = []
    for subject, g in groups.items():
        variant = ""
        if not g.third_party and subject in SELF_HOSTABLE_ANALYTICS and not hosted_matomo:
            g.severity = Severity.INFO
            variant = "self-hosted"
        elif subject == GOOGLE_ANALYTICS and ctx.google_consent_mode:
            variant = "consent-mode"
        out.append(_finding(ctx, rule, subject, g, _party_params(g.party), variant))
    return out


def rule_session_replay(ctx: RuleContext) -> list[Finding]:
    """Session recording (Hotjar, Clarity, …) before consent: violation."""
    rule = "session-replay-before-consent"
    groups: dict[str, _Group] = {}
    for c in _stored(ctx):
        if c.party is not None and c.party.category == "session_replay":
            _add(groups, _service_key(c.party), c.party, Severity.VIOLATION, _cookie_obs(c))
    for s in ctx.storage:
        if s.party is not None and s.party.category == "session_replay":
            _add(groups, _service_key(s.party), s.party, Severity.VIOLATION, _storage_obs(s))
    for r in _third_party_requests(ctx):
        if r.party is not None and r.party.category == "session_replay":
            _add(groups, _service_key(r.party), r.party, Severity.VIOLATION, _request_obs(r))
    return [_finding(ctx, rule, s, g, _party_params(g.party)) for s, g in groups.items()]


def fingerprinting_apis(apis: Iterable[str]) -> bool:
    """Whether the APIs one script read add up to a device fingerprint (pure, for rule 5).

    Canvas read-back, WebGL's unmasked GPU, an OfflineAudioContext, reading an ICE
    candidate or WebRTC local-IP discovery fire alone; so does a sweep over
    ``SWEEP_STRONG`` navigator/screen properties. A realtime AudioContext, listing media
    devices, the battery and a smaller sweep (``SWEEP_WEAK``) are weak signals: it
    takes ``FINGERPRINTING_WEAK_MIN`` of them. Font probing counts for nothing here.
    """
    names = set(apis)
    if any(a.startswith(FINGERPRINTING_API_PREFIXES) for a in names):
        return True
    if names & STRONG_FINGERPRINTING_APIS:
        return True
    if WEBRTC_DISCOVERY[0] in names and names & WEBRTC_DISCOVERY[1]:
        return True
    swept = sum(1 for a in names if a.startswith(SWEEP_PREFIXES))
    if swept >= SWEEP_STRONG:
        return True
    weak = len(names & WEAK_FINGERPRINTING_APIS) + (1 if swept >= SWEEP_WEAK else 0)
    return weak >= FINGERPRINTING_WEAK_MIN


def _api_label(api: str, swept: int) -> str:
    """An API's name in a finding; a navigator/screen sweep is one entry with its size."""
    return f"navigator/screen ({swept})" if api.startswith(SWEEP_PREFIXES) else api


def rule_fingerprinting_api(ctx: RuleContext) -> list[Finding]:
    """Scripts reading fingerprinting APIs before consent (``fingerprinting_apis``).

    Reading device information is "similar technology" under Tw 11.7a (EDPB guidelines
    2/2023): a third-party script doing it is a likely violation (not certain: canvas
    read-back has innocent uses); bot protection (security) and the site's own scripts
    only ask for review. One finding per registrable domain of the calling script.
    """
    rule = "fingerprinting-api"
    groups: dict[str, _Group] = {}
    scripts: dict[str, set[str]] = {}
    per_script: dict[str, set[str]] = {}
    for a in ctx.api_calls:
        if a.api != "font.measureText":
            per_script.setdefault(_script_name(a), set()).add(a.api)
    fingerprinting = {s for s, apis in per_script.items() if fingerprinting_apis(apis)}
    for a in ctx.api_calls:
        p = a.party
        name = _script_name(a)
        if p is None or a.api == "font.measureText" or name not in fingerprinting:
            continue
        lenient = p.first_party or p.category in BENIGN_CATEGORIES
        severity = Severity.REVIEW if lenient else Severity.LIKELY_VIOLATION
        group = _add(groups, p.domain, p, severity, _api_obs(a))
        swept = sum(1 for api in per_script[name] if api.startswith(SWEEP_PREFIXES))
        group.names.add(_api_label(a.api, swept))
        group.third_party |= not p.first_party
        scripts.setdefault(p.domain, set()).add(_script_name(a))
    for a in ctx.api_calls:
        if a.party is not None and a.party.domain in groups and a.api == "font.measureText":
            group = groups[a.party.domain]
            group.names.add(a.api)
            group.obs.append(_api_obs(a))
            scripts[a.party.domain].add(_script_name(a))
    out = []
    for subject, g in groups.items():
        if not g.third_party:
            variant = "first-party"
        elif g.severity == Severity.REVIEW:
            variant = "security"
        else:
            variant = ""
        params = _party_params(g.party) | {
            "apis": _sorted(g.names),
            "scripts": _sorted(scripts[subject]),
        }
        out.append(_finding(ctx, rule, subject, g, params, variant))
    return out


BEHAVIOUR_LISTENER_PREFIX = "listener."
TYPING = frozenset({"keydown", "keyup", "keypress", "input", "beforeinput"})


def behaviour_listener(api: str) -> bool:
    """Whether a ``listener.<type>:<place>`` record is behaviour tracking (pure).

    What the visitor types into a form field, how the pointer or a finger moves over the
    page, how the device is held: yes. A key listener on the whole document alone is
    not: dialogs and menus close on Escape that way.
    """
    if not api.startswith(BEHAVIOUR_LISTENER_PREFIX):
        return False
    kind, _, place = api[len(BEHAVIOUR_LISTENER_PREFIX) :].partition(":")
    return not (kind in TYPING and place != "field")


def rule_behaviour_tracking(ctx: RuleContext) -> list[Finding]:
    """Third-party scripts listening to the visitor's keys, pointer or sensors: review.

    A listener shows what a script is able to record, not that it sent anything (the
    form-typing step proves that). Consent, security and necessary services (a consent
    manager's keyboard handling) are left out, as are the site's own scripts. One
    finding per registrable domain of the listening script.
    """
    rule = "behaviour-tracking"
    groups: dict[str, _Group] = {}
    scripts: dict[str, set[str]] = {}
    for a in ctx.api_calls:
        p = a.party
        if p is None or p.first_party or p.category in BENIGN_CATEGORIES:
            continue
        if not behaviour_listener(a.api):
            continue
        group = _add(groups, p.domain, p, Severity.REVIEW, _api_obs(a))
        group.names.add(a.api[len(BEHAVIOUR_LISTENER_PREFIX) :])
        scripts.setdefault(p.domain, set()).add(_script_name(a))
    for a in ctx.api_calls:
        # Once a script tracks behaviour, its document key listeners belong to the picture.
        p = a.party
        if p is not None and p.domain in groups and a.api.startswith(BEHAVIOUR_LISTENER_PREFIX):
            groups[p.domain].names.add(a.api[len(BEHAVIOUR_LISTENER_PREFIX) :])
    return [
        _finding(
            ctx,
            rule,
            subject,
            g,
            _party_params(g.party)
            | {"listeners": _sorted(g.names), "scripts": _sorted(scripts[subject])},
        )
        for subject, g in groups.items()
    ]


WHOLE_DOCUMENT_OBSERVER = "dom.observe:document"
"""``hooks.js``'s record of a MutationObserver on the whole document (with subtree)."""


def _snapshot(r: Request) -> bool:
    return r.payload is not None and r.payload.vendor == SNAPSHOT_VENDOR


def rule_session_recording(ctx: RuleContext) -> list[Finding]:
    """A page recorded by its behaviour, whoever serves the recorder: likely violation.

    Fires for a third-party script (not a consent, security or necessary service) that
    observes every change to the whole document (``dom.observe:document``) and whose
    own requests carry snapshots of the page (``scanner.snapshots``); for a known
    session-replay vendor's script observing the whole document (its recordings may be
    compressed); and for a snapshot sent to a known vendor. A MutationObserver alone
    is how lazy loaders and consent managers watch for new elements, and a snapshot
    alone may be a form upload: neither fires for an unknown party. The finding names
    who receives the recording (the party of the snapshots' destination; the script's
    own party when the destination is the site's own or none was seen), the observing
    scripts, the destinations and the number of snapshots.
    """
    rule = "session-replay"
    site = ctx.result.site
    observers: dict[str, ApiCall] = {}
    for a in ctx.api_calls:
        p = a.party
        if a.api != WHOLE_DOCUMENT_OBSERVER or p is None or p.first_party:
            continue
        if p.category in BENIGN_CATEGORIES:
            continue
        observers.setdefault(_script_name(a), a)
    groups: dict[str, _Group] = {}
    scripts: dict[str, set[str]] = {}
    snapshots: dict[str, int] = {}
    for r in ctx.requests:
        if not _snapshot(r) or r.party is None:
            continue
        sender = (r.initiator.url or "").split("#", 1)[0].split("?", 1)[0]
        sent_by = ctx.resolver.party_for_url(sender, site) if sender else None
        sender_domain = sent_by.domain if sent_by is not None else None
        recorders = {
            name
            for name, a in observers.items()
            if name == sender or (a.party is not None and a.party.domain == sender_domain)
        }
        if not recorders and r.party.category != "session_replay":
            continue
        party = r.party
        if party.first_party and sent_by is not None and not sent_by.first_party:
            party = sent_by
        if party.first_party:
            continue
        group = _add(groups, party.domain, party, Severity.LIKELY_VIOLATION, _request_obs(r))
        group.hosts.add(host_of(r.url))
        snapshots[party.domain] = snapshots.get(party.domain, 0) + 1
        scripts.setdefault(party.domain, set()).update(recorders)
    for name, a in observers.items():
        # A known vendor's recorder: its recordings may be compressed, the observer tells.
        p = a.party
        if p is not None and p.category == "session_replay":
            if p.domain not in groups:
                _add(groups, p.domain, p, Severity.LIKELY_VIOLATION, _api_obs(a))
            scripts.setdefault(p.domain, set()).add(name)
    return [
        _finding(
            ctx,
            rule,
            subject,
            g,
            _party_params(g.party)
            | {
                "scripts": _sorted(scripts.get(subject, ())),
                "hosts": _sorted(g.hosts),
                "snapshots": snapshots.get(subject, 0),
            },
            "" if snapshots.get(subject) else "observer",
        )
        for subject, g in groups.items()
    ]


PERSONAL_TYPED = frozenset({"email", "name", "phone", "postcode"})
"""Kinds of typed value that are personal data (search and other text may be too, but a
site's own search suggestions are what a visitor expects)."""


def rule_form_input_leak(ctx: RuleContext) -> list[Finding]:
    """What the visitor typed into a form field, sent before the visitor sent the form.

    The form-typing step types fictional values and submits nothing, so a request that
    carries one (``Request.typed``: as typed, URL-encoded, base64 or hashed) is a key
    logger or form tracker at work. To a third party: violation (personal data, without
    a ground, to someone the visitor never chose to tell; a hash is still personal
    data). To the site itself: variant ``first-party``, info for search and other text
    (suggestions while typing), review when a name, e-mail address, phone number or
    postcode left before it was sent. One finding per registrable domain receiving it.
    """
    rule = "form-input-leak"
    groups: dict[str, _Group] = {}
    found: dict[str, dict[str, None]] = {}
    encodings: dict[str, dict[str, None]] = {}
    for r in ctx.requests:
        p = r.party
        if not r.typed or p is None:
            continue
        if p.first_party:
            personal = any(t.kind in PERSONAL_TYPED for t in r.typed)
            severity = Severity.REVIEW if personal else Severity.INFO
        else:
            severity = Severity.VIOLATION
        group = _add(groups, p.domain, p, severity, _request_obs(r))
        group.hosts.add(host_of(r.url))
        group.third_party |= not p.first_party
        for t in r.typed:
            found.setdefault(p.domain, {})[f"{t.field} ({t.kind})"] = None
            encodings.setdefault(p.domain, {})[t.encoding] = None
    return [
        _finding(
            ctx,
            rule,
            subject,
            g,
            _party_params(g.party)
            | {
                "fields": _sorted(found[subject]),
                "encodings": _sorted(encodings[subject]),
                "hosts": _sorted(g.hosts),
            },
            "" if g.third_party else "first-party",
        )
        for subject, g in groups.items()
    ]


def rule_identifier_in_url(ctx: RuleContext) -> list[Finding]:
    """Identifiers in query strings sent to third parties: likely violation.

    Known ID parameters (``cid``, ``uid``, ``fbp``, …) or a cookie value seen in the URL
    are strong signs; a long random-looking token alone only asks for review. Analytics
    vendors get review, as their IDs are part of the AP's privacy-friendly question.
    """
    rule = "identifier-in-url"
    tokens = cookie_tokens(ctx.cookies)
    groups: dict[str, _Group] = {}
    for r in _third_party_requests(ctx):
        p = r.party
        if p is None or p.category in BENIGN_CATEGORIES or ctx.in_sync(r):
            continue
        strong, weak = identifiers(r.url, tokens)
        if not strong and not weak:
            continue
        severity = (
            Severity.LIKELY_VIOLATION if strong and p.category != "analytics" else Severity.REVIEW
        )
        group = _add(groups, p.domain, p, severity, _request_obs(r))
        group.names.update(strong | weak)
    return [
        _finding(ctx, rule, s, g, _party_params(g.party) | {"parameters": _sorted(g.names)})
        for s, g in groups.items()
    ]


def rule_transfer_outside_eea(ctx: RuleContext) -> list[Finding]:
    """Requests to an organisation outside the EEA before consent, one per organisation.

    Likely violation; review when only infrastructure (CDN, security, consent) is
    involved or the country has an adequacy decision.
    """
    rule = "transfer-outside-eea-before-consent"
    groups: dict[str, _Group] = {}
    for r in _third_party_requests(ctx):
        p = r.party
        if p is None or p.eea is not False:
            continue
        lenient = p.category in INFRASTRUCTURE_CATEGORIES or p.country in ADEQUATE_COUNTRIES
        severity = Severity.REVIEW if lenient else Severity.LIKELY_VIOLATION
        subject = p.organisation or p.domain
        group = _add(groups, subject, p, severity, _request_obs(r))
        group.hosts.add(host_of(r.url))
        group.names.add(p.category or "")
        if (
            group.party is not None
            and group.party.category in INFRASTRUCTURE_CATEGORIES
            and p.category not in INFRASTRUCTURE_CATEGORIES
        ):
            group.party = p  # describe the organisation by its most serious use
    out = []
    for subject, g in groups.items():
        variant = ""
        if subject == GOOGLE and ctx.google_consent_mode and g.names <= CONSENT_MODE_CATEGORIES:
            g.severity = Severity.REVIEW
            variant = "consent-mode"
        params = _party_params(g.party) | {"hosts": _sorted(g.hosts)}
        out.append(_finding(ctx, rule, subject, g, params, variant))
    return out


def rule_embed(ctx: RuleContext) -> list[Finding]:
    """Video or map embeds that store cookies or data before consent: violation.

    A privacy-enhanced embed (youtube-nocookie) that stores nothing yields no finding.
    """
    rule = "embed-before-consent"
    groups: dict[str, _Group] = {}
    cookie_names: dict[str, set[str]] = {}
    storage_keys: dict[str, set[str]] = {}
    for c in _stored(ctx):
        ep = _embed_party(ctx, c.party, c.frame_url)
        if ep is not None:
            key = _service_key(ep)
            _add(groups, key, ep, Severity.VIOLATION, _cookie_obs(c))
            cookie_names.setdefault(key, set()).add(c.name)
    for s in ctx.storage:
        ep = _embed_party(ctx, s.party, s.frame_url)
        if ep is not None:
            key = _service_key(ep)
            _add(groups, key, ep, Severity.VIOLATION, _storage_obs(s))
            storage_keys.setdefault(key, set()).add(s.key)
    return [
        _finding(
            ctx,
            rule,
            subject,
            g,
            _party_params(g.party)
            | {
                "cookies": _sorted(cookie_names.get(subject, ())),
                "storage_keys": _sorted(storage_keys.get(subject, ())),
            },
        )
        for subject, g in groups.items()
    ]


def rule_fonts(ctx: RuleContext) -> list[Finding]:
    """Fonts from a third party (Google Fonts): likely violation; inside the EEA: info."""
    rule = "third-party-fonts"
    groups: dict[str, _Group] = {}
    for r in _third_party_requests(ctx):
        p = r.party
        if p is None or p.category != "fonts":
            continue
        severity = Severity.INFO if p.eea is True else Severity.LIKELY_VIOLATION
        group = _add(groups, p.organisation or p.domain, p, severity, _request_obs(r))
        group.hosts.add(host_of(r.url))
    return [
        _finding(ctx, rule, s, g, _party_params(g.party) | {"hosts": _sorted(g.hosts)})
        for s, g in groups.items()
    ]


def rule_long_lifetime(ctx: RuleContext) -> list[Finding]:
    """Cookies set to live longer than 13 months: review."""
    rule = "cookie-long-lifetime"
    groups: dict[str, _Group] = {}
    longest: dict[str, int] = {}
    for c in _stored(ctx):
        if c.lifetime_s is None or c.lifetime_s <= MAX_LIFETIME_S:
            continue
        subject = _cookie_id(c)
        _add(groups, subject, c.party, Severity.REVIEW, _cookie_obs(c))
        longest[subject] = max(longest.get(subject, 0), c.lifetime_s)
    return [
        _finding(
            ctx,
            rule,
            s,
            g,
            _party_params(g.party) | {"cookie": s.rsplit("@", 1)[0], "lifetime_s": longest[s]},
        )
        for s, g in groups.items()
    ]


def _set_over_https(c: Cookie, site_https: bool) -> bool:
    """Whether the cookie was set over HTTPS, where it could and should have been Secure.

    Decided by what set it: the response for a ``Set-Cookie`` (``set_by``), the document
    of its frame for ``document.cookie`` (``frame_url``). ``page_url`` is the URL asked
    for, which may be ``http://`` even though the cookie came after a redirect to HTTPS.
    """
    origin = c.set_by if c.source == CookieSource.HTTP else c.frame_url
    for url in (origin, c.frame_url, c.page_url):
        if url and "://" in url:
            return url.startswith("https:")
    return site_https


def rule_insecure_attributes(ctx: RuleContext) -> list[Finding]:
    """First-party cookies without Secure (on HTTPS), HttpOnly (session IDs) or SameSite."""
    rule = "cookie-insecure-attributes"
    groups: dict[str, _Group] = {}
    problems: dict[str, list[str]] = {}
    site_https = ctx.result.site.url.startswith("https:")
    for c in _stored(ctx):
        if c.party is None or not c.party.first_party:
            continue
        found = []
        if _set_over_https(c, site_https) and not c.secure:
            found.append("secure")
        session_like = (
            c.party.category == "necessary" or bool(_SESSION_NAME_RE.search(c.name))
        ) and not _CSRF_RE.search(c.name)
        if session_like and c.source == CookieSource.HTTP and not c.http_only:
            found.append("httponly")
        if c.same_site is None:
            found.append("samesite")
        if not found:
            continue
        subject = _cookie_id(c)
        _add(groups, subject, c.party, Severity.INFO, _cookie_obs(c))
        merged = problems.setdefault(subject, [])
        merged.extend(p for p in found if p not in merged)
    out = []
    for subject, g in groups.items():
        params = _party_params(g.party) | {
            "cookie": subject.rsplit("@", 1)[0],
            "problems": tuple(problems[subject]),
        }
        out.append(_finding(ctx, rule, subject, g, params))
    return out


def rule_blocked_cookies(ctx: RuleContext) -> list[Finding]:
    """Cookies the browser refused: not counted as stored, mentioned as info only."""
    rule = "cookie-blocked"
    groups: dict[str, _Group] = {}
    reasons: dict[str, set[str]] = {}
    for c in ctx.cookies:
        if c.stored:
            continue
        subject = _cookie_id(c)
        _add(groups, subject, c.party, Severity.INFO, _cookie_obs(c))
        reasons.setdefault(subject, set()).update(c.blocked_reasons)
    return [
        _finding(
            ctx,
            rule,
            s,
            g,
            _party_params(g.party)
            | {"cookie": s.rsplit("@", 1)[0], "reasons": _sorted(reasons[s])},
        )
        for s, g in groups.items()
    ]


def rule_private_network(ctx: RuleContext) -> list[Finding]:
    """Requests privacyscan refused because they went inside a network (``scanner.netguard``).

    From the page: it made the visitor's browser reach loopback, a router, cloud metadata
    or another internal address (review: probing a visitor's network or apps on their
    computer). From robots.txt or a sitemap (resource type ``Sitemap``): the site pointed
    the scanner inside (info: mostly a leftover of a test environment).
    """
    rule = "private-network-request"
    groups: dict[str, _Group] = {}
    for r in ctx.requests:
        kind = refusal_kind(r.failed)
        if kind is None:
            continue
        sitemap = r.resource_type == "Sitemap"
        subject = ("sitemap@" if sitemap else "") + _site_host(ctx)
        severity = Severity.INFO if sitemap else Severity.REVIEW
        group = _add(groups, subject, None, severity, _request_obs(r))
        group.hosts.add(f"{host_of(r.url)} ({kind})")
    return [
        _finding(
            ctx,
            rule,
            subject,
            g,
            {"addresses": _sorted(g.hosts)},
            "sitemap" if subject.startswith("sitemap@") else "",
        )
        for subject, g in groups.items()
    ]


# --------------------------------------------------------------------- consent rules

_BANNER_RULES_FIRING = frozenset({Severity.VIOLATION, Severity.LIKELY_VIOLATION})


def _site_host(ctx: RuleContext) -> str:
    return host_of(ctx.result.site.url) or ctx.result.site.url


def _choice(ctx: RuleContext, phase: Phase) -> ConsentChoice | None:
    return next((c for c in ctx.result.choices if c.phase == phase), None)


def _banner_evidence(ctx: RuleContext, phase: Phase = Phase.NONE, what: str = "") -> Evidence:
    """Evidence pointing at the banner (or the home page when there is none)."""
    banner = ctx.result.banner
    page = banner.page_url if banner and banner.page_url else ctx.result.site.url
    if not what:
        what = f"banner:{banner.cmp}" if banner else _site_host(ctx)
    return Evidence(page, phase, what)


def _buttons(ctx: RuleContext) -> tuple[str, ...]:
    """The texts of the banner's first-layer buttons, in the banner's order."""
    banner = ctx.result.banner
    return tuple(b.text.strip() for b in banner.buttons if b.text.strip()) if banner else ()


def _is_cookie_wall(ctx: RuleContext) -> bool:
    """The banner covers the page, offers no refusal and none could be clicked."""
    banner = ctx.result.banner
    refusal = _choice(ctx, Phase.REJECT)
    return (
        banner is not None
        and banner.blocks_page
        and not banner.reject_on_first_layer
        and refusal is not None
        and not refusal.clicked
    )


def _refused(ctx: RuleContext) -> bool:
    """The reject visitor really clicked a refusal: its observations are after refusal."""
    refusal = _choice(ctx, Phase.REJECT)
    return ctx.consent_tested and refusal is not None and refusal.clicked


def rule_no_banner_while_tracking(ctx: RuleContext) -> list[Finding]:
    """No banner was found, yet tracking happens before any choice: violation.

    Fires only when the banner test ran (``consent_tested``) and a tracking rule of the
    first visitor (``tracking`` and not ``consent`` in :data:`RULES`: cookie, storage,
    request, session replay, fingerprinting, embed) found a (likely) violation. Its
    evidence is theirs, so the report shows where.
    """
    rule = "no-banner-while-tracking"
    if ctx.result.banner is not None:
        return []
    fired = [
        f
        for tracking_rule in RULES.tracking()
        if not tracking_rule.consent
        for f in tracking_rule.check(ctx)
        if f.severity in _BANNER_RULES_FIRING
    ]
    if not fired:
        return []
    group = _Group(None, Severity.VIOLATION)
    group.obs.extend((ev.page_url, 0, ev) for f in fired for ev in f.evidence)
    trackers = {f.organisation or f.subject for f in fired}
    params: dict[str, ParamValue] = {"site": _site_host(ctx), "trackers": _sorted(trackers)}
    return [_finding(ctx, rule, _site_host(ctx), group, params)]


def rule_reject_not_on_first_layer(ctx: RuleContext) -> list[Finding]:
    """A banner without a refusal button next to "accept": likely violation.

    A cookie wall is judged by its own rule and does not fire this one too.
    """
    rule = "reject-not-on-first-layer"
    banner = ctx.result.banner
    if banner is None or banner.reject_on_first_layer:
        return []
    if _is_cookie_wall(ctx):
        return []
    refusal = _choice(ctx, Phase.REJECT)
    group = _Group(None, Severity.LIKELY_VIOLATION, [(banner.page_url, 0, _banner_evidence(ctx))])
    params: dict[str, ParamValue] = {
        "site": _site_host(ctx),
        "buttons": _buttons(ctx),
        "cmp": banner.cmp,
        "refusal_deeper": refusal is not None and refusal.clicked,
    }
    return [_finding(ctx, rule, _site_host(ctx), group, params)]


def rule_cookie_wall(ctx: RuleContext) -> list[Finding]:
    """The banner blocks the page and cannot be refused: likely violation."""
    rule = "cookie-wall"
    banner = ctx.result.banner
    if banner is None or not _is_cookie_wall(ctx):
        return []
    group = _Group(None, Severity.LIKELY_VIOLATION, [(banner.page_url, 0, _banner_evidence(ctx))])
    params: dict[str, ParamValue] = {
        "site": _site_host(ctx),
        "buttons": _buttons(ctx),
        "cmp": banner.cmp,
    }
    return [_finding(ctx, rule, _site_host(ctx), group, params)]


def rule_refusal_not_possible(ctx: RuleContext) -> list[Finding]:
    """A banner whose refusal could not be clicked (and that is no cookie wall)."""
    rule = "refusal-not-possible"
    banner = ctx.result.banner
    refusal = _choice(ctx, Phase.REJECT)
    if banner is None or refusal is None or refusal.clicked:
        return []
    if _is_cookie_wall(ctx):
        return []
    ev = _banner_evidence(ctx, Phase.REJECT)
    group = _Group(None, Severity.LIKELY_VIOLATION, [(ev.page_url, 0, ev)])
    params: dict[str, ParamValue] = {
        "site": _site_host(ctx),
        "buttons": _buttons(ctx),
        "cmp": banner.cmp,
        "reason": refusal.reason or None,
    }
    return [_finding(ctx, rule, _site_host(ctx), group, params)]


def rule_consent_not_remembered(ctx: RuleContext) -> list[Finding]:
    """The banner came back on the next page after a choice: review."""
    rule = "consent-not-remembered"
    forgotten = [c for c in ctx.result.choices if c.clicked and c.banner_on_next_page]
    if not forgotten:
        return []
    order = {Phase.REJECT: 0, Phase.ACCEPT: 1, Phase.NONE: 2}
    forgotten.sort(key=lambda c: order[c.phase])
    evidence = tuple(
        _banner_evidence(ctx, c.phase, c.element_text or f"banner:{c.phase.value}")
        for c in forgotten
    )
    group = _Group(None, Severity.REVIEW)
    params: dict[str, ParamValue] = {
        "site": _site_host(ctx),
        "choices": tuple(c.phase.value for c in forgotten),
    }
    return [_finding(ctx, rule, _site_host(ctx), group, params, evidence=evidence)]


def _refusal_cookie_severity(
    ctx: RuleContext, c: Cookie, hosted_matomo: bool
) -> tuple[Severity, str] | None:
    """How serious a cookie after refusal is, and the text variant; ``None``: fine.

    The category logic of the Phase.NONE rules: tracking, session replay and embed
    cookies are a violation; analytics stored on a third party's domain too. Analytics
    on the site's own domain (``_ga``) may still be the AP's privacy-friendly kind: review.
    Self-hosted Matomo and strictly necessary cookies: no finding.
    """
    p = c.party
    if p is None or p.category in BENIGN_CATEGORIES:
        return None
    if p.category in REFUSAL_TRACKING_CATEGORIES or _embed_party(ctx, p, c.frame_url):
        return Severity.VIOLATION, ""
    if p.category != "analytics":
        return None
    if not p.first_party:
        return Severity.VIOLATION, ""
    if _service_key(p) in SELF_HOSTABLE_ANALYTICS and not hosted_matomo:
        return None
    return Severity.REVIEW, "analytics"


def rule_tracking_after_refusal(ctx: RuleContext) -> list[Finding]:
    """Tracking cookies written and tracker requests made after the visitor refused.

    Only cookies the visitor's refusal was followed by a write of (``Set-Cookie`` or a
    script) count; cookies merely left in the jar are ``cookie-kept-after-refusal``. One
    finding per cookie and one per organisation receiving tracking requests.
    """
    rule = "tracking-after-refusal"
    if not _refused(ctx):
        return []
    hosted_matomo = any(
        r.party is not None and r.party.organisation in HOSTED_MATOMO_ORGANISATIONS
        for r in ctx.reject_requests
    )
    out = []
    cookies: dict[str, _Group] = {}
    variants: dict[str, str] = {}
    for c in ctx.reject_cookies:
        if not c.stored or c.source == CookieSource.UNKNOWN:
            continue
        judged = _refusal_cookie_severity(ctx, c, hosted_matomo)
        if judged is None:
            continue
        g = _add(cookies, _cookie_id(c), c.party, judged[0], _cookie_obs(c))
        g.names.add(c.name)
        variants[_cookie_id(c)] = judged[1] if g.severity != Severity.VIOLATION else ""
    for subject, g in cookies.items():
        params = _party_params(g.party) | {"cookie": next(iter(g.names))}
        out.append(_finding(ctx, rule, subject, g, params, variants[subject]))
    orgs: dict[str, _Group] = {}
    for r in ctx.reject_requests:
        p = r.party
        if p is None or p.first_party:
            continue
        if p.category in REFUSAL_TRACKING_CATEGORIES:
            severity = Severity.VIOLATION
        elif p.category == "analytics":
            severity = Severity.REVIEW
        else:
            continue
        g = _add(orgs, p.organisation or p.domain, p, severity, _request_obs(r))
        g.hosts.add(host_of(r.url))
        tracking = severity == Severity.VIOLATION
        if tracking and g.party is not None and g.party.category not in REFUSAL_TRACKING_CATEGORIES:
            g.party = p  # describe the organisation by its tracking use
    for subject, g in orgs.items():
        params = _party_params(g.party) | {"hosts": _sorted(g.hosts)}
        variant = "request" if g.severity == Severity.VIOLATION else "analytics-request"
        out.append(_finding(ctx, rule, subject, g, params, variant))
    return out


def rule_cookie_kept_after_refusal(ctx: RuleContext) -> list[Finding]:
    """Tracking cookies set before the refusal and still there after it: likely violation.

    The reject visitor's recorder starts at the click, so a cookie with no write seen
    (``CookieSource.UNKNOWN``) that is still in the jar was left in place. Less than
    setting it after refusal, but the site should delete it when the visitor refuses.
    """
    rule = "cookie-kept-after-refusal"
    if not _refused(ctx):
        return []
    groups: dict[str, _Group] = {}
    for c in ctx.reject_cookies:
        if not c.stored or not c.in_jar or c.source != CookieSource.UNKNOWN:
            continue
        judged = _refusal_cookie_severity(ctx, c, hosted_matomo=False)
        if judged is None:
            continue
        severity = Severity.LIKELY_VIOLATION if judged[0] == Severity.VIOLATION else judged[0]
        g = _add(groups, _cookie_id(c), c.party, severity, _cookie_obs(c))
        g.names.add(c.name)
    return [
        _finding(ctx, rule, s, g, _party_params(g.party) | {"cookie": next(iter(g.names))})
        for s, g in groups.items()
    ]


def rule_inventory_after_accept(ctx: RuleContext) -> list[Finding]:
    """Organisations contacted only after the visitor accepted: info (the inventory).

    Accepting is the visitor's choice, so nothing here is a problem; the list tells the
    privacy officer which parties the cookie statement must name.
    """
    rule = "inventory-after-accept"
    accepted = _choice(ctx, Phase.ACCEPT)
    if accepted is None or not accepted.clicked:
        return []

    def org(p: Party | None) -> str | None:
        if p is None or p.first_party:
            return None
        return p.organisation or p.domain

    parties: list[Party | None] = [c.party for c in (*ctx.cookies, *ctx.reject_cookies)]
    parties += [r.party for r in (*ctx.requests, *ctx.reject_requests)]
    seen = {org(p) for p in parties}
    groups: dict[str, _Group] = {}
    for r in ctx.accept_requests:
        name = org(r.party)
        if name is not None and name not in seen:
            g = _add(groups, name, r.party, Severity.INFO, _request_obs(r))
            g.hosts.add(host_of(r.url))
    for c in ctx.accept_cookies:
        name = org(c.party)
        if c.stored and name is not None and name not in seen:
            g = _add(groups, name, c.party, Severity.INFO, _cookie_obs(c))
            g.hosts.add(c.domain.lstrip("."))
    return [
        _finding(ctx, rule, s, g, _party_params(g.party) | {"hosts": _sorted(g.hosts)})
        for s, g in groups.items()
    ]


# ---------------------------------------------------------------------- the registry

TW_11_7A = (
    "https://wetten.overheid.nl/jci1.3:c:BWBR0009950&hoofdstuk=11&paragraaf=11.1&artikel=11.7a"
)
"""Telecommunicatiewet art. 11.7a (cookies and similar technologies: ePrivacy art. 5(3))."""
AP_COOKIES = "https://autoriteitpersoonsgegevens.nl/themas/internet-slimme-apparaten/cookies"
AP_ANALYTICS = "https://autoriteitpersoonsgegevens.nl/themas/internet-slimme-apparaten/cookies/google-analytics"
GDPR = "https://eur-lex.europa.eu/eli/reg/2016/679/oj"
EDPB_BANNERS = (
    "https://www.edpb.europa.eu/our-work-tools/our-documents/other/"
    "report-work-undertaken-cookie-banner-taskforce_en"
)
"""EDPB, Report of the work undertaken by the Cookie Banner Taskforce (17 January 2023)."""

RULES = RuleRegistry(
    # -- the first visitor, before any choice (Phase.NONE) --
    Rule(
        "cookie-tracking-before-consent",
        rule_cookie_tracking,
        Severity.VIOLATION,
        TW_11_7A,
        tracking=True,
    ),
    Rule("cookie-unknown-third-party", rule_cookie_unknown_third_party, Severity.REVIEW, TW_11_7A),
    Rule(
        "storage-tracking-before-consent",
        rule_storage_tracking,
        Severity.VIOLATION,
        TW_11_7A,
        tracking=True,
    ),
    Rule(
        "tracker-request-before-consent",
        rule_tracker_requests,
        Severity.VIOLATION,
        TW_11_7A,
        tracking=True,
    ),
    Rule(
        "cookie-sync-before-consent",
        rule_cookie_sync,
        Severity.VIOLATION,
        TW_11_7A,
        tracking=True,
    ),
    Rule(
        "personal-data-before-consent",
        rule_personal_data,
        Severity.VIOLATION,
        GDPR,
        tracking=True,
        variants=("hashed",),
    ),
    Rule(
        "analytics-before-consent",
        rule_analytics,
        Severity.REVIEW,
        AP_ANALYTICS,
        variants=("self-hosted", "consent-mode"),
    ),
    Rule(
        "session-replay-before-consent",
        rule_session_replay,
        Severity.VIOLATION,
        TW_11_7A,
        tracking=True,
    ),
    Rule(
        "fingerprinting-api",
        rule_fingerprinting_api,
        Severity.LIKELY_VIOLATION,
        TW_11_7A,
        tracking=True,
        variants=("first-party", "security"),
    ),
    Rule("behaviour-tracking", rule_behaviour_tracking, Severity.REVIEW, TW_11_7A),
    Rule(
        "session-replay",
        rule_session_recording,
        Severity.LIKELY_VIOLATION,
        TW_11_7A,
        tracking=True,
        variants=("observer",),
    ),
    Rule(
        "form-input-leak",
        rule_form_input_leak,
        Severity.VIOLATION,
        GDPR,
        tracking=True,
        variants=("first-party",),
    ),
    Rule("identifier-in-url", rule_identifier_in_url, Severity.LIKELY_VIOLATION, TW_11_7A),
    Rule(
        "transfer-outside-eea-before-consent",
        rule_transfer_outside_eea,
        Severity.LIKELY_VIOLATION,
        GDPR,
        variants=("consent-mode",),
    ),
    Rule("embed-before-consent", rule_embed, Severity.VIOLATION, TW_11_7A, tracking=True),
    Rule("third-party-fonts", rule_fonts, Severity.LIKELY_VIOLATION, GDPR),
    Rule("cookie-long-lifetime", rule_long_lifetime, Severity.REVIEW, AP_COOKIES),
    Rule(
        "cookie-insecure-attributes",
        rule_insecure_attributes,
        Severity.INFO,
        GDPR,
        grade=SECURITY,
    ),
    Rule("cookie-blocked", rule_blocked_cookies, Severity.INFO, TW_11_7A),
    Rule(
        "private-network-request",
        rule_private_network,
        Severity.REVIEW,
        TW_11_7A,
        variants=("sitemap",),
    ),
    # -- the banner test: the banner, the refusing and the accepting visitor --
    Rule(
        "no-banner-while-tracking",
        rule_no_banner_while_tracking,
        Severity.VIOLATION,
        TW_11_7A,
        tracking=True,
        consent=True,
    ),
    Rule(
        "reject-not-on-first-layer",
        rule_reject_not_on_first_layer,
        Severity.LIKELY_VIOLATION,
        EDPB_BANNERS,
        consent=True,
    ),
    Rule("cookie-wall", rule_cookie_wall, Severity.LIKELY_VIOLATION, AP_COOKIES, consent=True),
    Rule(
        "refusal-not-possible",
        rule_refusal_not_possible,
        Severity.LIKELY_VIOLATION,
        AP_COOKIES,
        consent=True,
    ),
    Rule(
        "consent-not-remembered",
        rule_consent_not_remembered,
        Severity.REVIEW,
        EDPB_BANNERS,
        consent=True,
    ),
    Rule(
        "tracking-after-refusal",
        rule_tracking_after_refusal,
        Severity.VIOLATION,
        TW_11_7A,
        tracking=True,
        consent=True,
        variants=("analytics", "request", "analytics-request"),
    ),
    Rule(
        "cookie-kept-after-refusal",
        rule_cookie_kept_after_refusal,
        Severity.LIKELY_VIOLATION,
        TW_11_7A,
        consent=True,
    ),
    Rule(
        "inventory-after-accept", rule_inventory_after_accept, Severity.INFO, TW_11_7A, consent=True
    ),
    # -- the website's own security basics: the security grade (scanner.classify.security) --
    *SECURITY_RULES,
)
"""Every rule, declared once, in documentation order (``docs/rules.md``)."""


def run_rules(ctx: RuleContext) -> tuple[Finding, ...]:
    """All findings of one site, most serious first, then by id (deterministic)."""
    return RULES.run(ctx)
