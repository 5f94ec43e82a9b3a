"""What every rule sees: one classified site, its observations split by visitor, sorted.

Built once per site by :func:`make_context`, so the rules are independent of the
order in which the browser reported things, and of the language of any report: a
rule decides, it writes no words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from scanner.classify.parties import PartyResolver
from scanner.classify.purposes import BENIGN_CATEGORIES
from scanner.classify.sync import SyncChain, sync_chains
from scanner.models import (
    ApiCall,
    Cookie,
    Phase,
    Request,
    SiteResult,
    StorageItem,
)

__all__ = ["GOOGLE", "GOOGLE_ANALYTICS", "RuleContext", "google_consent_mode", "make_context"]

GOOGLE = "Google"
GOOGLE_ANALYTICS = "Google Analytics"
_GA_COOKIE_RE = re.compile(r"^_ga($|_)|^_gid$|^_gat|^_gcl_|^_gac_")
_USER_ID_PARAMS = frozenset({"uid", "user_id", "userid", "_uid"})


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What every rule sees: one classified site, its observations per phase, sorted.

    ``cookies``, ``requests``, ``storage`` and ``api_calls`` are the Phase.NONE
    observations; the reject and accept visitors' cookies and requests are kept apart
    and are empty unless ``consent_tested``.
    """

    result: SiteResult
    resolver: PartyResolver
    cookies: tuple[Cookie, ...]
    requests: tuple[Request, ...]
    storage: tuple[StorageItem, ...]
    page_order: Mapping[str, int] = field(default_factory=dict)
    api_calls: tuple[ApiCall, ...] = ()
    consent_tested: bool = False
    """The engine ran the banner test: ``banner is None`` then means "no banner found"."""
    reject_cookies: tuple[Cookie, ...] = ()
    reject_requests: tuple[Request, ...] = ()
    accept_cookies: tuple[Cookie, ...] = ()
    accept_requests: tuple[Request, ...] = ()
    google_consent_mode: bool = False
    """Google Analytics ran cookieless before consent (Consent Mode, see rule 7)."""
    sync: tuple[SyncChain, ...] = ()
    """Cookie-sync chains of the first visitor (:mod:`scanner.classify.sync`): told as
    one story by ``cookie-sync-before-consent``, so their hops and cookies are not told
    again hop by hop (:meth:`in_sync`)."""
    sync_requests: frozenset[Request] = frozenset()
    sync_cookies: frozenset[tuple[str, str, str]] = frozenset()

    def in_sync(self, item: Request | Cookie) -> bool:
        """Whether a first-visitor request or cookie is part of a cookie-sync chain."""
        if isinstance(item, Request):
            return item in self.sync_requests
        return (item.name, item.domain, item.path) in self.sync_cookies

    def page_rank(self, url: str) -> int:
        """Position of a page in the capture; unknown pages sort last."""
        return self.page_order.get(url, len(self.page_order))


def make_context(
    result: SiteResult, resolver: PartyResolver, *, consent_tested: bool = False
) -> RuleContext:
    """Split observations by phase and sort them so rules are order-independent.

    Reject and accept observations are kept only when ``consent_tested``.
    """
    order: dict[str, int] = {}
    for page in result.pages:
        for url in (page.url, page.final_url):
            if url and url not in order:
                order[url] = len(order)

    def rank(url: str) -> int:
        return order.get(url, len(order))

    def cookies_of(phase: Phase) -> tuple[Cookie, ...]:
        return tuple(
            sorted(
                (c for c in result.cookies if c.phase == phase),
                key=lambda c: (
                    rank(c.page_url),
                    c.page_url,
                    c.first_seen_ms,
                    c.name,
                    c.domain,
                    c.path,
                ),
            )
        )

    def requests_of(phase: Phase) -> tuple[Request, ...]:
        return tuple(
            sorted(
                (r for r in result.requests if r.phase == phase),
                key=lambda r: (rank(r.page_url), r.page_url, r.t_ms, r.url, r.method),
            )
        )

    storage = sorted(
        (s for s in result.storage if s.phase == Phase.NONE),
        key=lambda s: (rank(s.page_url), s.page_url, s.first_seen_ms, s.origin, s.kind, s.key),
    )
    api_calls = sorted(
        (a for a in result.api_calls if a.phase == Phase.NONE),
        key=lambda a: (
            rank(a.page_url),
            a.page_url,
            a.api,
            a.initiator.url if a.initiator and a.initiator.url else "",
            a.frame_url or "",
        ),
    )
    cookies = cookies_of(Phase.NONE)
    requests = requests_of(Phase.NONE)
    chains = sync_chains(cookies, requests)
    return RuleContext(
        result=result,
        resolver=resolver,
        cookies=cookies,
        requests=requests,
        storage=tuple(storage),
        page_order=order,
        api_calls=tuple(api_calls),
        consent_tested=consent_tested,
        reject_cookies=cookies_of(Phase.REJECT) if consent_tested else (),
        reject_requests=requests_of(Phase.REJECT) if consent_tested else (),
        accept_cookies=cookies_of(Phase.ACCEPT) if consent_tested else (),
        accept_requests=requests_of(Phase.ACCEPT) if consent_tested else (),
        google_consent_mode=google_consent_mode(cookies, requests),
        sync=chains,
        sync_requests=frozenset(hop for chain in chains for hop in chain.hops),
        sync_cookies=frozenset(
            (c.name, c.domain, c.path) for chain in chains for hop in chain.cookies for c in hop
        ),
    )


def _query(url: str) -> dict[str, str]:
    try:
        return {k.lower(): v for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)}
    except ValueError:
        return {}


def _is_ga_collect(r: Request) -> bool:
    """A Google Analytics hit (``/g/collect``, ``/collect``, ``/j/collect``, …)."""
    if r.party is None or r.party.service != GOOGLE_ANALYTICS:
        return False
    try:
        path = urlsplit(r.url).path
    except ValueError:
        return False
    return path.rstrip("/").endswith("collect")


def _cookieless_hit(url: str) -> bool:
    """A hit that Consent Mode sent without analytics storage, or without a client id.

    ``gcs=G1xy``: x is ad_storage, y analytics_storage; ``1`` granted, ``0`` denied, ``-``
    not set. A user id (``uid``) identifies the visitor whatever the consent state.
    """
    params = _query(url)
    if _USER_ID_PARAMS & params.keys():
        return False
    gcs = params.get("gcs", "")
    if len(gcs) >= 4 and gcs.startswith("G1") and gcs[3] in "0-":
        return True
    return "cid" not in params


def google_consent_mode(cookies: Iterable[Cookie], requests: Iterable[Request]) -> bool:
    """Whether Google Analytics ran before consent without identifying the visitor.

    Judged by cookies and parameters, not by host: at least one Google Analytics hit, every
    hit cookieless (:func:`_cookieless_hit`), and no Google analytics or advertising
    cookie (``_ga*``, ``_gid``, ``_gcl_*``, ``IDE``, ``NID``, …) stored.
    """
    for c in cookies:
        if not c.stored:
            continue
        p = c.party
        google = p is not None and p.organisation == GOOGLE
        if _GA_COOKIE_RE.search(c.name) or (
            google and p is not None and p.category not in BENIGN_CATEGORIES
        ):
            return False
    hits = [r for r in requests if _is_ga_collect(r)]
    return bool(hits) and all(_cookieless_hit(r.url) for r in hits)
