"""How much of what a site did the knowledge lists could name: the knowledge share.

Each third-party registrable domain and each stored cookie either has a known
organisation *and* purpose, or it is work for a person (a privacy officer looking it
up). The share is a measurement condition: a scan whose knowledge names 60 % of what
it met says less than one that names 95 %, so the comparison and the exports show it.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain

from scanner.classify.verdicts import MEASURED
from scanner.models import KnowledgeShare, Party, SiteResult

__all__ = ["is_known", "knowledge_share", "scan_knowledge_share"]


def is_known(party: Party | None) -> bool:
    """Whether we can say who is behind it and what for."""
    return party is not None and bool(party.organisation) and party.category is not None


def knowledge_share(result: SiteResult) -> KnowledgeShare | None:
    """The share of a classified site, over every visitor; ``None`` when not measured.

    A third-party domain is known when any of its requests, cookies or storage items
    has a known party (``google.com`` is known by its reCAPTCHA path); a cookie is
    counted once per identity (name, domain, path), known when its first record is.
    """
    if result.status not in MEASURED:
        return None
    seen: dict[str, bool] = {}
    parties = chain(
        (r.party for r in result.requests),
        (c.party for c in result.cookies),
        (s.party for s in result.storage),
    )
    for p in parties:
        if p is None or p.first_party or not p.domain:
            continue
        seen[p.domain] = seen.get(p.domain, False) or is_known(p)
    cookies: dict[tuple[str, str, str], bool] = {}
    for c in result.cookies:
        if c.stored:
            cookies.setdefault((c.name, c.domain, c.path), is_known(c.party))
    return KnowledgeShare(
        known_domains=tuple(sorted(d for d, known in seen.items() if known)),
        unknown_domains=tuple(sorted(d for d, known in seen.items() if not known)),
        cookies=len(cookies),
        cookies_known=sum(cookies.values()),
    )


def scan_knowledge_share(results: Iterable[SiteResult]) -> KnowledgeShare:
    """The share over a whole scan: distinct domains over all sites (a domain known on
    one site is known), cookies summed over sites; sites without a share are left out."""
    known: set[str] = set()
    unknown: set[str] = set()
    cookies = cookies_known = 0
    for r in results:
        share = r.knowledge
        if share is None:
            continue
        known.update(share.known_domains)
        unknown.update(share.unknown_domains)
        cookies += share.cookies
        cookies_known += share.cookies_known
    return KnowledgeShare(
        known_domains=tuple(sorted(known)),
        unknown_domains=tuple(sorted(unknown - known)),
        cookies=cookies,
        cookies_known=cookies_known,
    )
