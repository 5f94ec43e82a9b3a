"""What we know about third parties and cookie names, and how to look it up.

The entries (:class:`ServiceDomain`, :class:`CookiePattern`), the lookups
(:class:`Knowledge`) and our own curated base shipped beside this module
(``services.json``, ``cookies.json``). Imported lists come in through
:mod:`scanner.knowledge.lists`; this module imports neither of them, so the
importers can depend on it without a cycle.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

from scanner.domains import clean_host

__all__ = [
    "CATEGORIES",
    "CURATED",
    "EEA_COUNTRIES",
    "MATCH_KINDS",
    "CookiePattern",
    "Knowledge",
    "KnowledgeError",
    "ServiceDomain",
    "distinctive_name",
    "is_eea",
    "load_curated",
    "parse_cookies",
    "parse_services",
]

CATEGORIES = frozenset(
    {
        "advertising",
        "necessary",
        "functional",
        "analytics",
        "marketing",
        "social",
        "video",
        "session_replay",
        "fingerprinting",
        "fonts",
        "cdn",
        "consent",
        "maps",
        "security",
    }
)
"""The purposes a :class:`scanner.models.Party` can have (``None`` means unknown)."""

EEA_COUNTRIES = frozenset(
    {
        # EU member states
        "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU",
        "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES",
        "SE",
        # EEA members outside the EU
        "IS", "LI", "NO",
    }
)  # fmt: skip
"""ISO 3166 codes of the European Economic Area: transfers inside need no ch. V ground."""

MATCH_KINDS = ("exact", "prefix", "regex")

MatchKind = Literal["exact", "prefix", "regex"]

CURATED = "privacyscan"
"""``dataset`` of our own curated base; entries from it beat imported ones."""

_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")


class KnowledgeError(ValueError):
    """A knowledge file is malformed: a packaging bug or a corrupt cache file."""


def is_eea(country: str | None) -> bool | None:
    """Whether ``country`` is in the EEA; ``None`` when the country is unknown."""
    if country is None:
        return None
    return country.upper() in EEA_COUNTRIES


@dataclass(frozen=True, slots=True)
class ServiceDomain:
    """A domain (and every subdomain) that belongs to one service of one organisation."""

    domain: str
    """Registrable domain or host suffix, e.g. ``google-analytics.com``."""
    organisation: str | None
    service: str | None
    category: str | None
    country: str | None
    """ISO 3166 code of the organisation's seat; ``None`` when unknown."""
    eea: bool | None
    source: str
    """Where the fact comes from (a vendor documentation URL for curated entries)."""
    description: str = ""
    path: str = ""
    """Optional URL path prefix: ``/recaptcha`` makes ``google.com/recaptcha`` its own service."""
    dataset: str = CURATED
    """Which list the entry came from: ``privacyscan``, ``third-party-web``, …"""

    @property
    def curated(self) -> bool:
        """True for our own entries, which win over imported ones."""
        return self.dataset == CURATED


@dataclass(frozen=True, slots=True)
class CookiePattern:
    """A cookie (or storage key) name pattern and what it is known to be for."""

    name: str
    """The exact name, the prefix, or a regular expression, according to ``match``."""
    match: MatchKind
    service: str | None
    """Platform or product, e.g. ``Google Analytics``."""
    organisation: str | None
    category: str | None
    lifetime: str = ""
    """Typical lifetime in words, e.g. ``2 jaar`` (as the source states it)."""
    description: str = ""
    source: str = ""
    dataset: str = CURATED
    domains: tuple[str, ...] = ()
    """Registrable domains the name is known on (an imported list's scope); empty for
    our curated names and for imported ones without a domain. See :meth:`applies_to`."""

    @property
    def curated(self) -> bool:
        """True for our own entries, which win over imported ones."""
        return self.dataset == CURATED

    def applies_to(self, host: str | None) -> bool:
        """Whether this pattern may name a cookie (or storage key) on ``host``.

        Our curated names apply everywhere (we chose them to be unambiguous). An
        imported name applies on the domains it is known on, and anywhere else only when
        it is distinctive (:func:`distinctive_name`): ``uid`` on ``.adform.net`` is
        Adform's, ``uid`` on a municipality's own domain is not.
        """
        if self.curated:
            return True
        if host and self.domains:
            clean = clean_host(host)
            if any(clean == d or clean.endswith("." + d) for d in self.domains):
                return True
        return distinctive_name(self.name)


def distinctive_name(name: str) -> bool:
    """A cookie name unlikely to be chosen by two unrelated programmers.

    At least eight characters (``hubspotutk``, ``JSESSIONID``), or at least four with a
    separator or digit (``_ga_``, ``__hstc``, ``TS01``). ``uid``, ``lang``, ``token``,
    ``C``: not distinctive.
    """
    if len(name) >= 8:
        return True
    return len(name) >= 4 and any(ch in "_-.:" or ch.isdigit() for ch in name)


class Knowledge:
    """Services and cookie patterns with fast lookups; immutable after construction."""

    __slots__ = (
        "_by_domain",
        "_exact",
        "_org_country",
        "_prefix",
        "_regex",
        "cookies",
        "services",
        "versions",
    )

    services: tuple[ServiceDomain, ...]
    cookies: tuple[CookiePattern, ...]
    versions: tuple[tuple[str, str], ...]
    """(list name, version) for every list that contributed, for the scan record."""

    def __init__(
        self,
        services: tuple[ServiceDomain, ...],
        cookies: tuple[CookiePattern, ...],
        versions: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.services = services
        self.cookies = cookies
        self.versions = versions
        by_domain: dict[str, list[ServiceDomain]] = {}
        org_country: dict[str, str] = {}
        # Curated first (stable sort), so the first candidate is the preferred one.
        for svc in sorted(services, key=lambda s: not s.curated):
            by_domain.setdefault(clean_host(svc.domain), []).append(svc)
            if svc.organisation and svc.country and svc.organisation not in org_country:
                org_country[svc.organisation] = svc.country
        self._by_domain = {k: tuple(v) for k, v in by_domain.items()}
        self._org_country = org_country
        exact: dict[str, list[CookiePattern]] = {}
        prefix: list[CookiePattern] = []
        regex: list[tuple[re.Pattern[str], CookiePattern]] = []
        for pat in sorted(cookies, key=lambda p: not p.curated):
            if pat.match == "exact":
                exact.setdefault(pat.name, []).append(pat)
            elif pat.match == "prefix":
                prefix.append(pat)
            else:
                try:
                    regex.append((re.compile(pat.name), pat))
                except re.error:
                    continue
        # Curated before imported, then the longest (most specific) prefix first.
        prefix.sort(key=lambda p: (not p.curated, -len(p.name)))
        self._exact = {name: tuple(pats) for name, pats in exact.items()}
        self._prefix = tuple(prefix)
        self._regex = tuple(regex)

    def _candidates(self, host: str) -> list[tuple[ServiceDomain, ...]]:
        """Entries for every suffix of ``host``, longest suffix first."""
        labels = clean_host(host).split(".")
        found = []
        for i in range(len(labels)):
            hit = self._by_domain.get(".".join(labels[i:]))
            if hit:
                found.append(hit)
        return found

    def service_for_host(self, host: str) -> ServiceDomain | None:
        """The service whose domain is the longest suffix of ``host`` (path entries ignored).

        See :meth:`_prefer_curated` for how our curated entries win over imported ones.
        """
        return self._prefer_curated(
            next((svc for svc in entries if not svc.path), None)
            for entries in self._candidates(host)
        )

    def service_for_url(self, host: str, path: str) -> ServiceDomain | None:
        """Like :meth:`service_for_host`, but entries with a matching path prefix win."""

        def best(entries: tuple[ServiceDomain, ...]) -> ServiceDomain | None:
            for svc in entries:
                if svc.path and path.startswith(svc.path):
                    return svc
            return next((svc for svc in entries if not svc.path), None)

        return self._prefer_curated(best(entries) for entries in self._candidates(host))

    @staticmethod
    def _prefer_curated(matches: Iterable[ServiceDomain | None]) -> ServiceDomain | None:
        """The best of the matches per suffix (longest suffix first).

        The longest suffix wins, except that our curated entry for a shorter suffix wins
        over an imported one for a longer suffix of the *same organisation*: we described
        ``gstatic.com`` as Google's static content, a list's ``www.gstatic.com`` adds
        nothing. An imported entry of *another* organisation on a longer suffix still
        wins (The Trade Desk's ``d1eoo1tco6rr5e.cloudfront.net`` is not Amazon's CDN).
        """
        imported: ServiceDomain | None = None
        for svc in matches:
            if svc is None:
                continue
            if not svc.curated:
                imported = imported or svc
                continue
            if imported is not None and not _same_organisation(imported, svc):
                return imported
            return svc
        return imported

    def cookie_pattern(self, name: str, host: str | None = None) -> CookiePattern | None:
        """What the name of a cookie (or storage key) on ``host`` is known to be.

        Curated beats imported, whatever the kind of match (our ``_gcl_`` prefix wins
        over an imported exact ``_gcl_au``); within each, exact beats prefix (the
        longest first) beats regex. Only patterns that apply to ``host`` count
        (:meth:`CookiePattern.applies_to`), so an imported ``uid`` names Adform's cookie
        on ``.adform.net`` and nothing elsewhere.
        """
        for curated in (True, False):
            for pat in self._exact.get(name, ()):
                if pat.curated is curated and pat.applies_to(host):
                    return pat
            for pat in self._prefix:
                if pat.curated is curated and name.startswith(pat.name) and pat.applies_to(host):
                    return pat
            for rx, pat in self._regex:
                if pat.curated is curated and rx.fullmatch(name) and pat.applies_to(host):
                    return pat
        return None

    def country_for_organisation(self, organisation: str | None) -> str | None:
        """Seat of an organisation as our services know it (cookie patterns lack it)."""
        if organisation is None:
            return None
        return self._org_country.get(organisation)


def _same_organisation(a: ServiceDomain, b: ServiceDomain) -> bool:
    """Whether two entries name one organisation: equal, or one is the other plus words
    (third-party-web names a company-less entity by its product: ``LinkedIn Ads``)."""
    x, y = (a.organisation or "").casefold(), (b.organisation or "").casefold()
    if not x or not y:
        return False
    return x == y or x.startswith(y + " ") or y.startswith(x + " ")


def _str(entry: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = entry.get(key)
    if value is None or value == "":
        if required:
            raise KnowledgeError(f"missing {key!r} in {entry!r}")
        return None
    if not isinstance(value, str):
        raise KnowledgeError(f"{key!r} must be a string in {entry!r}")
    return value


def _category(entry: dict[str, Any]) -> str | None:
    cat = _str(entry, "category")
    if cat is not None and cat not in CATEGORIES:
        raise KnowledgeError(f"unknown category {cat!r} in {entry!r}")
    return cat


def _country(entry: dict[str, Any]) -> str | None:
    country = _str(entry, "country")
    if country is not None and not _COUNTRY_RE.match(country):
        raise KnowledgeError(f"country must be an ISO 3166 alpha-2 code in {entry!r}")
    return country


def parse_services(doc: dict[str, Any], dataset: str = CURATED) -> tuple[ServiceDomain, ...]:
    """Services from the JSON document format of ``services.json``."""
    out = []
    for entry in doc.get("services", []):
        country = _country(entry)
        out.append(
            ServiceDomain(
                domain=clean_host(_str(entry, "domain", required=True) or ""),
                organisation=_str(entry, "organisation"),
                service=_str(entry, "service"),
                category=_category(entry),
                country=country,
                eea=is_eea(country),
                source=_str(entry, "source", required=True) or "",
                description=_str(entry, "description") or "",
                path=_str(entry, "path") or "",
                dataset=dataset,
            )
        )
    return tuple(out)


def parse_cookies(doc: dict[str, Any], dataset: str = CURATED) -> tuple[CookiePattern, ...]:
    """Cookie patterns from the JSON document format of ``cookies.json``."""
    out = []
    for entry in doc.get("cookies", []):
        match = entry.get("match", "exact")
        if match not in MATCH_KINDS:
            raise KnowledgeError(f"match must be one of {MATCH_KINDS} in {entry!r}")
        out.append(
            CookiePattern(
                name=_str(entry, "name", required=True) or "",
                match=match,
                service=_str(entry, "service"),
                organisation=_str(entry, "organisation"),
                category=_category(entry),
                lifetime=_str(entry, "lifetime") or "",
                description=_str(entry, "description") or "",
                source=_str(entry, "source", required=True) or "",
                dataset=dataset,
            )
        )
    return tuple(out)


def _read_package_json(name: str) -> dict[str, Any]:
    text = resources.files("scanner.knowledge").joinpath(name).read_text(encoding="utf-8")
    doc = json.loads(text)
    if not isinstance(doc, dict):
        raise KnowledgeError(f"{name}: expected a JSON object")
    return doc


def load_curated() -> Knowledge:
    """Our own curated base (``services.json``, ``cookies.json``), with its versions."""
    services_doc = _read_package_json("services.json")
    cookies_doc = _read_package_json("cookies.json")
    return Knowledge(
        parse_services(services_doc),
        parse_cookies(cookies_doc),
        (
            ("privacyscan-services", str(services_doc.get("version", "unknown"))),
            ("privacyscan-cookies", str(cookies_doc.get("version", "unknown"))),
        ),
    )
