"""Importers for community lists: the Open Cookie Database and third-party-web.

Both lists are large and maintained by others, so they fill gaps in our curated base
rather than replace it. They are read as data only: the Open Cookie Database is a CSV
file, third-party-web's entities come as the JSON its npm package publishes
(``dist/entities.json``), so a changed or hostile upstream file can at worst be
rejected; nothing of it is ever executed.

The Open Cookie Database names the domain a cookie lives on for about half of its
rows. Cookie names are not unique (``uid``, ``C``, ``token``, ``lang`` belong to
Adform, Xandr, LinkedIn… and to many sites' own code), so an imported pattern is
*scoped*: it names a cookie on its own domains, and elsewhere (on the site's own
domain, say) only when the name is distinctive (:func:`distinctive_name`).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.domains import Domains
from scanner.knowledge.base import CookiePattern, MatchKind, ServiceDomain

__all__ = [
    "OCD_DATASET",
    "OCD_SOURCE",
    "TPW_DATASET",
    "TPW_SOURCE",
    "ImportStats",
    "import_open_cookie_database",
    "import_third_party_web",
    "parse_open_cookie_database",
    "parse_third_party_web",
    "scope_domains",
]

OCD_DATASET = "open-cookie-database"
TPW_DATASET = "third-party-web"
OCD_SOURCE = "https://github.com/jkwakman/Open-Cookie-Database"
TPW_SOURCE = "https://github.com/patrickhulce/third-party-web"

OCD_CATEGORIES = {
    "necessary": "necessary",
    "functional": "functional",
    "analytics": "analytics",
    "marketing": "marketing",
    "security": "security",
    "personalization": "functional",
}
"""Open Cookie Database category (lower-cased) → ours."""

TPW_CATEGORIES: dict[str, str | None] = {
    "ad": "advertising",
    "analytics": "analytics",
    "cdn": "cdn",
    "consent-provider": "consent",
    "content": "functional",
    "customer-success": "functional",
    "hosting": "cdn",
    "marketing": "marketing",
    "other": None,
    "social": "social",
    "tag-manager": "functional",
    "utility": "functional",
    "video": "video",
}
"""third-party-web category → ours (``other`` means we do not know the purpose). Its
``ad`` entities (ad servers, exchanges, demand-side platforms) are ``advertising``; its
``marketing`` ones (marketing automation, e-mail, chat-based lead capture) stay ``marketing``."""

_OCD_NAME = "Cookie / Data Key name"
_DOMAIN_RE = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")


@dataclass(slots=True)
class ImportStats:
    """Counts of one import, so a caller can tell a healthy list from a broken one."""

    imported: int = 0
    skipped: int = 0
    """Rows or entries that were malformed and left out."""


def import_open_cookie_database(
    path: Path, stats: ImportStats | None = None, domains: Domains | None = None
) -> tuple[CookiePattern, ...]:
    """Cookie patterns from the Open Cookie Database CSV file at ``path``."""
    return parse_open_cookie_database(path.read_bytes(), stats, domains)


def parse_open_cookie_database(
    data: bytes, stats: ImportStats | None = None, domains: Domains | None = None
) -> tuple[CookiePattern, ...]:
    """Cookie patterns from the Open Cookie Database CSV; malformed rows are skipped.

    A row's ``Domain`` becomes the pattern's scope (registrable domains, see
    :func:`scope_domains`); ``domains`` computes them (one is made when not given).
    """
    stats = stats if stats is not None else ImportStats()
    domains = domains if domains is not None else Domains()
    text = data.decode("utf-8-sig", errors="replace")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    if _OCD_NAME not in header or "Wildcard match" not in header:
        raise ValueError(f"not an Open Cookie Database CSV (header {header!r})")
    out: list[CookiePattern] = []
    for row in reader:
        name = (row.get(_OCD_NAME) or "").strip()
        wildcard = (row.get("Wildcard match") or "").strip()
        if not name or None in row or wildcard not in ("0", "1", ""):
            stats.skipped += 1
            continue
        match: MatchKind = "prefix" if wildcard == "1" else "exact"
        category = OCD_CATEGORIES.get((row.get("Category") or "").strip().lower())
        out.append(
            CookiePattern(
                name=name,
                match=match,
                service=(row.get("Platform") or "").strip() or None,
                organisation=(row.get("Data Controller") or "").strip() or None,
                category=category,
                lifetime=(row.get("Retention period") or "").strip(),
                description=(row.get("Description") or "").strip(),
                source=OCD_SOURCE,
                dataset=OCD_DATASET,
                domains=scope_domains(row.get("Domain") or "", domains),
            )
        )
        stats.imported += 1
    return tuple(out)


_SCOPE_SPLIT_RE = re.compile(r"[\s,;/]+")
_PARTY_NOTE_RE = re.compile(r"\((?:1st|3rd|first|third)[ -]party\)", re.IGNORECASE)


def scope_domains(text: str, domains: Domains) -> tuple[str, ...]:
    """The registrable domains an Open Cookie Database ``Domain`` cell names.

    The cell is free text: ``adform.net (3rd party)``, ``.bing.com (3rd party) or
    .microsoft.com (3rd party)``, ``www.googletagmanager.com``, ``ads-[account].adhese.com``.
    Each domain-like word counts by its registrable domain (``googletagmanager.com``);
    a label with a placeholder in brackets is dropped (``adhese.com``); words that are
    no domain (``or``, ``id5-sync``) are ignored. Sorted, without duplicates.
    """
    found: set[str] = set()
    cleaned = _PARTY_NOTE_RE.sub(" ", text.replace("\u200b", "").lower())
    for word in _SCOPE_SPLIT_RE.split(cleaned):
        labels = [label for label in word.strip(".").split(".") if "[" not in label]
        host = ".".join(labels)
        if host and _DOMAIN_RE.match(host):
            found.add(domains.registrable(host))
    return tuple(sorted(d for d in found if d))


def import_third_party_web(
    path: Path, stats: ImportStats | None = None
) -> tuple[ServiceDomain, ...]:
    """Service domains from third-party-web's ``entities.json`` file at ``path``."""
    return parse_third_party_web(path.read_bytes(), stats)


def parse_third_party_web(
    data: bytes, stats: ImportStats | None = None
) -> tuple[ServiceDomain, ...]:
    """Service domains from third-party-web's entities as JSON (``dist/entities.json``).

    The document is an array of entities (``name``, ``company``, ``category``,
    ``homepage``, ``domains``…). An entity that is not an object, or has no name or no
    usable domain, is skipped and counted, so one bad entry upstream does not throw
    away two thousand good ones; a document that is no JSON array is rejected.
    """
    stats = stats if stats is not None else ImportStats()
    try:
        entities = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not third-party-web's entities JSON: {exc}") from exc
    if not isinstance(entities, list):
        raise ValueError("not third-party-web's entities JSON: expected an array")
    out: list[ServiceDomain] = []
    for entity in entities:
        if not isinstance(entity, dict):
            stats.skipped += 1
            continue
        services = _entity_services(entity)
        if services:
            out.extend(services)
            stats.imported += 1
        else:
            stats.skipped += 1
    return tuple(out)


def _entity_services(entity: dict[str, Any]) -> list[ServiceDomain]:
    """One :class:`ServiceDomain` per usable domain pattern of one entity."""
    name = entity.get("name")
    patterns = entity.get("domains")
    if not isinstance(name, str) or not name or not isinstance(patterns, list):
        return []
    company = entity.get("company")
    organisation = company if isinstance(company, str) and company else name
    raw_category = entity.get("category")
    category = TPW_CATEGORIES.get(raw_category) if isinstance(raw_category, str) else None
    homepage = entity.get("homepage")
    description = f"{name} ({raw_category})" if isinstance(raw_category, str) else name
    if isinstance(homepage, str) and homepage:
        description += f", {homepage}"
    seen: set[str] = set()
    out = []
    for pattern in patterns:
        domain = _domain_from_pattern(pattern)
        if domain is None or domain in seen:
            continue
        seen.add(domain)
        out.append(
            ServiceDomain(
                domain=domain,
                organisation=organisation,
                service=name,
                category=category,
                country=None,
                eea=None,
                source=TPW_SOURCE,
                description=description,
                dataset=TPW_DATASET,
            )
        )
    return out


def _domain_from_pattern(pattern: object) -> str | None:
    """``*.example.com`` and ``example.com`` → ``example.com``; anything else → None."""
    if not isinstance(pattern, str):
        return None
    domain = pattern.strip().lower()
    if domain.startswith("*."):
        domain = domain[2:]
    return domain if _DOMAIN_RE.match(domain) else None
