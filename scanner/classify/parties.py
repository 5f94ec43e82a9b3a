"""Who is behind a host, cookie or storage origin: first or third party, and which service.

First party means the site's own registrable domain (eTLD+1) or one the site declared
for the same organisation; everything else is a third party. A cookie can be first
party *by domain* and still belong to a third-party *service* (``_ga`` on the
municipality's own domain is Google Analytics), so the cookie name is checked too.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scanner.domains import Domains, SiteScope, clean_host, host_of
from scanner.knowledge.base import CookiePattern, Knowledge, ServiceDomain, is_eea
from scanner.models import ApiCall, Cookie, Party, Site, StorageItem

__all__ = ["PartyResolver"]


def _path_of(url: str) -> str:
    try:
        return urlsplit(url).path or "/"
    except ValueError:
        return "/"


class PartyResolver:
    """Resolves parties for one knowledge base; reusable across sites and threads."""

    def __init__(self, domains: Domains, knowledge: Knowledge) -> None:
        self.domains = domains
        """Registrable domains and site scopes (the crawl uses the same)."""
        self.knowledge = knowledge

    def is_first_party(self, host_or_domain: str, site: Site) -> bool:
        """Whether the host (or cookie domain, with or without leading dot) is the site's own."""
        return SiteScope(site, self.domains).owns(host_or_domain)

    def _party(self, first: bool, domain: str, svc: ServiceDomain | None, site: Site) -> Party:
        if svc is None:
            return Party(
                first_party=first, domain=domain, organisation=site.name if first else None
            )
        return Party(
            first_party=first,
            domain=domain,
            organisation=svc.organisation,
            service=svc.service,
            category=svc.category,
            country=svc.country,
            eea=svc.eea,
            source=svc.dataset,
        )

    def party_for_host(self, host: str, site: Site) -> Party:
        """Party behind a host name, from its domain alone."""
        clean = clean_host(host)
        first = self.is_first_party(clean, site)
        return self._party(
            first, self.domains.registrable(clean), self._service(clean, first), site
        )

    def party_for_url(self, url: str, site: Site) -> Party:
        """Party behind a request URL; path-specific entries (``google.com/recaptcha``) win."""
        host = host_of(url)
        first = self.is_first_party(host, site)
        svc = None if first else self.knowledge.service_for_url(host, _path_of(url))
        return self._party(first, self.domains.registrable(host), svc, site)

    def _service(self, host: str, first: bool) -> ServiceDomain | None:
        # The site's own domain is never "Google" just because a list says so.
        return None if first else self.knowledge.service_for_host(host)

    def party_for_origin(self, origin: str, site: Site) -> Party:
        """Party behind a storage origin such as ``https://www.youtube.com``."""
        return self.party_for_host(host_of(origin), site)

    def party_for_cookie(self, cookie: Cookie, site: Site) -> Party:
        """By cookie domain, refined by the cookie name (``_fbp`` on the own domain is Meta)."""
        base = self.party_for_host(cookie.domain, site)
        return self._refine(base, self.knowledge.cookie_pattern(cookie.name, cookie.domain))

    def party_for_storage(self, item: StorageItem, site: Site) -> Party:
        """By storage origin, refined by the key (``_hjSessionUser_…`` is Hotjar)."""
        base = self.party_for_origin(item.origin, site)
        return self._refine(base, self.knowledge.cookie_pattern(item.key, host_of(item.origin)))

    def party_for_api_call(self, call: ApiCall, site: Site) -> Party:
        """By the calling script's URL: who runs the code, not which frame it runs in.

        An inline script (or one without an http(s) URL) is judged by its frame.
        """
        script = call.initiator.url if call.initiator else None
        for url in (script, call.frame_url, call.page_url, call.origin):
            if url and url.startswith(("http://", "https://")):
                return self.party_for_url(url, site)
        return self.party_for_url(site.url, site)

    def _refine(self, base: Party, pattern: CookiePattern | None) -> Party:
        """Combine the domain's party with what the name pattern says about the purpose."""
        if pattern is None:
            return base
        if base.first_party or base.organisation is None:
            organisation = pattern.organisation or base.organisation
            country = (
                self.knowledge.country_for_organisation(pattern.organisation)
                if pattern.organisation
                else base.country
            )
            return Party(
                first_party=base.first_party,
                domain=base.domain,
                organisation=organisation,
                service=pattern.service or base.service,
                category=pattern.category or base.category,
                country=country,
                eea=is_eea(country),
                source=pattern.dataset,
            )
        same_org = pattern.organisation in (None, base.organisation)
        category = pattern.category or base.category
        if pattern.category == "marketing" and base.category == "advertising":
            category = base.category  # the cookie list's "marketing" says less than "ad tech"
        return Party(
            first_party=False,
            domain=base.domain,
            organisation=base.organisation,
            service=(pattern.service or base.service) if same_org else base.service,
            category=category,
            country=base.country,
            eea=base.eea,
            source=pattern.dataset if same_org else base.source,
        )
