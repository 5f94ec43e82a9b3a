"""Hosts, registrable domains and a site's own domains: the one place that decides them.

Crawl scope ("is this page part of the site?") and party judgement ("is this request
first party?") rest on the same question, so they must get the same answer: both ask
:class:`SiteScope`, built on one :class:`Domains`.

**One public-suffix configuration.** tldextract's bundled snapshot of the Public
Suffix List, never downloaded (``suffix_list_urls=()``, ``cache_dir=None``), with its
private section counted as suffixes: ``gemeente.github.io`` and ``andere.github.io``
are two registrable domains, as are two CloudFront distributions, because a scope is
an organisational boundary and ``github.io`` is no organisation's site.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from tldextract import TLDExtract

from scanner.models import Site

__all__ = ["Domains", "SiteScope", "clean_host", "host_of"]


def clean_host(host: str) -> str:
    """Lower-case host without brackets, port, leading or trailing dots.

    ``.Example.NL.`` → ``example.nl``; ``[::1]:8080`` → ``::1``; ``www.x.nl:8443`` →
    ``www.x.nl``. A cookie domain (``.example.nl``) is cleaned the same way.
    """
    host = host.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        return host[1:end] if end > 0 else host.strip("[]")
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.strip(".")


def host_of(url: str) -> str:
    """Host of a URL, an origin or a bare ``host[:port]/path`` (``""`` when there is none).

    ``https://www.example.nl:8443/a`` → ``www.example.nl``; ``www.example.nl/path`` →
    ``www.example.nl``; ``http://[::1]:8080/`` → ``::1``.
    """
    url = url.strip()
    if "//" not in url:
        return clean_host(url.split("/", 1)[0])
    try:
        return (urlsplit(url).hostname or "").lower().strip(".")
    except ValueError:
        return ""


class Domains:
    """Registrable domains (eTLD+1) by the one public-suffix configuration.

    Reusable across sites; it keeps a cache per instance (never per module), so build
    one per scan and pass it down.
    """

    __slots__ = ("_cache", "_extract")

    def __init__(self) -> None:
        self._extract = TLDExtract(
            suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
        )
        self._cache: dict[str, str] = {}

    def registrable(self, host: str) -> str:
        """eTLD+1 of a host or cookie domain; an IP address or ``localhost`` is its own domain.

        An unknown top-level domain (``.test``, ``.internal``) counts as a suffix of
        one label; a host that is itself a public suffix (``github.io``) is its own
        domain; ``""`` for an empty host.
        """
        clean = clean_host(host)
        cached = self._cache.get(clean)
        if cached is None:
            cached = self._cache[clean] = self._compute(clean)
        return cached

    def _compute(self, clean: str) -> str:
        if not clean:
            return ""
        try:
            return str(ipaddress.ip_address(clean))
        except ValueError:
            pass
        if clean == "localhost" or clean.endswith(".localhost"):
            return "localhost"
        ext = self._extract(clean)
        suffix, domain = str(ext.suffix), str(ext.domain)
        if suffix and domain:
            return f"{domain}.{suffix}"
        if not suffix:
            return ".".join(clean.split(".")[-2:])
        return clean


class SiteScope:
    """A site's own registrable domains: the party scope and the crawl scope in one.

    The domain of the site's URL, its declared ``extra_domains`` (given as domains or
    hosts) and any domain added with :meth:`including` (where its home page
    redirected to). What is inside is first party and may be crawled.
    """

    __slots__ = ("_also", "domains", "psl", "site")

    def __init__(self, site: Site, domains: Domains, *, also: Iterable[str] = ()) -> None:
        self.site = site
        self.psl = domains
        self._also = tuple(also)
        hosts = [host_of(site.url), *site.extra_domains, *(host_of(a) or a for a in self._also)]
        self.domains: frozenset[str] = frozenset(d for d in map(domains.registrable, hosts) if d)
        """Registrable domains (eTLD+1) that are the site's own."""

    def registrable_domain(self, host: str) -> str:
        """eTLD+1 of ``host`` (see :meth:`Domains.registrable`)."""
        return self.psl.registrable(host)

    def owns(self, host_or_domain: str) -> bool:
        """Whether a host or cookie domain (with or without leading dot) is the site's own."""
        domain = self.psl.registrable(host_or_domain)
        return bool(domain) and domain in self.domains

    def contains(self, url: str) -> bool:
        """Whether ``url`` is an http(s) URL on one of the site's domains."""
        try:
            parts = urlsplit(url.strip())
            host = parts.hostname
        except ValueError:
            return False
        if parts.scheme.lower() not in ("http", "https") or not host:
            return False
        return self.owns(host)

    def including(self, url_or_host: str) -> SiteScope:
        """This scope widened by one more domain, e.g. where the home page redirected to."""
        if self.owns(host_of(url_or_host) or url_or_host):
            return self
        return SiteScope(self.site, self.psl, also=(*self._also, url_or_host))
