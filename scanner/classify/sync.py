"""Cookie-sync chains: one redirect passing the visitor's identifiers between ad domains.

An ad exchange that wants to know a visitor under a partner's id makes the browser
load its sync URL; that answers with a redirect to the partner, carrying its own id in
the URL, and each hop sets its cookie: ``cm.adform.net`` → ``match.adsrvr.org`` →
``ib.adnxs.com``. Seen hop by hop it reads as three unrelated trackers (or three
unknowns); it is one act: after it, every exchange in the chain can recognise the
visitor under the others' ids. So it is found here, once per site, as a chain, and the
rule ``cookie-sync-before-consent`` tells it as one story.

A chain is a redirect chain (each hop a request whose initiator is a ``redirect`` from
the previous hop's URL) in which at least two distinct registrable domains of
ad-tech parties (:data:`~scanner.classify.purposes.AD_TECH_CATEGORIES`) each receive
or set an identifier: a cookie set by that hop's response, or an id in its URL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from scanner.classify.identifiers import cookie_tokens, identifiers
from scanner.classify.purposes import AD_TECH_CATEGORIES
from scanner.models import Cookie, Request

__all__ = ["SyncChain", "sync_chains"]


@dataclass(frozen=True, slots=True)
class SyncChain:
    """One cookie-sync redirect chain, in the order the browser followed it."""

    hops: tuple[Request, ...]
    """Every request of the redirect chain, the first one included."""
    cookies: tuple[tuple[Cookie, ...], ...]
    """Per hop, the cookies its response set (stored), in the order of :attr:`hops`."""
    id_params: tuple[tuple[str, ...], ...]
    """Per hop, the query parameters of its URL that carry an identifier."""

    @property
    def domains(self) -> tuple[str, ...]:
        """The registrable domains of the ad-tech hops that got an identifier, in order."""
        out: list[str] = []
        for hop, cookies, params in zip(self.hops, self.cookies, self.id_params, strict=True):
            party = hop.party
            if _ad_tech(hop) and (cookies or params) and party and party.domain not in out:
                out.append(party.domain)
        return tuple(out)


def _ad_tech(r: Request) -> bool:
    return (
        r.party is not None and not r.party.first_party and r.party.category in AD_TECH_CATEGORIES
    )


def _chains(requests: Iterable[Request]) -> list[list[Request]]:
    """Redirect chains (at least two hops), each in the order it was followed."""
    ordered = list(requests)
    next_hop: dict[tuple[str, str], list[Request]] = {}
    for r in ordered:
        if r.initiator.type == "redirect" and r.initiator.url:
            next_hop.setdefault((r.page_url, r.initiator.url), []).append(r)
    chains = []
    for r in ordered:
        if r.initiator.type == "redirect":
            continue
        chain = [r]
        seen = {id(r)}
        while True:
            candidates = next_hop.get((chain[-1].page_url, chain[-1].url), [])
            following = next((c for c in candidates if id(c) not in seen), None)
            if following is None:
                break
            candidates.remove(following)
            seen.add(id(following))
            chain.append(following)
        if len(chain) > 1:
            chains.append(chain)
    return chains


def sync_chains(cookies: Iterable[Cookie], requests: Iterable[Request]) -> tuple[SyncChain, ...]:
    """The cookie-sync chains among one visitor's classified requests (sorted as the
    rules see them), with the cookies each hop set."""
    stored = [c for c in cookies if c.stored]
    tokens = cookie_tokens(stored)
    by_setter: dict[str, list[Cookie]] = {}
    for c in stored:
        if c.set_by:
            by_setter.setdefault(c.set_by, []).append(c)
    found = []
    for chain in _chains(requests):
        chain_cookies = tuple(tuple(by_setter.get(hop.url, ())) for hop in chain)
        params = tuple(
            tuple(sorted(strong)) for strong, _weak in (identifiers(h.url, tokens) for h in chain)
        )
        candidate = SyncChain(tuple(chain), chain_cookies, params)
        if len(candidate.domains) >= 2:
            found.append(candidate)
    return tuple(found)
