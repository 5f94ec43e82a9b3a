"""The community lists shipped inside the package, so an offline scan knows them.

A scan never downloads, and ``make scan`` on a fresh machine has no cache: without a
copy in the package, Adform, The Trade Desk and two thousand other third parties would
be "unknown". So each list our importers read (:mod:`.importers`) is shipped as a
compact snapshot in ``bundled/``: only the fields classification uses, one entry per
line, with the list's licence text beside it and its upstream version in the document.

``tools/make_knowledge_snapshot.py`` makes the snapshots from the reference copies in
``../shared/data/`` with :func:`cookie_snapshot` and :func:`service_snapshot`, and a
test checks that what is shipped is what the importers make from those copies. A list
that ``privacyscan lists update`` cached replaces its snapshot
(:func:`scanner.knowledge.load_knowledge`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from importlib import resources
from types import MappingProxyType
from typing import Any

from scanner.knowledge.base import (
    CATEGORIES,
    CookiePattern,
    KnowledgeError,
    MatchKind,
    ServiceDomain,
)
from scanner.knowledge.importers import OCD_DATASET, OCD_SOURCE, TPW_DATASET, TPW_SOURCE

__all__ = [
    "COOKIE_FIELDS",
    "SERVICE_FIELDS",
    "SNAPSHOTS",
    "Snapshot",
    "cookie_snapshot",
    "dumps",
    "parse_snapshot",
    "read_snapshot",
    "service_snapshot",
    "snapshot_version",
]

SNAPSHOTS: Mapping[str, str] = MappingProxyType(
    {OCD_DATASET: "open-cookie-database.json", TPW_DATASET: "third-party-web.json"}
)
"""List name → its snapshot's file name in ``scanner/knowledge/bundled/``."""

COOKIE_FIELDS = ("name", "match", "service", "organisation", "category", "domains")
"""An Open Cookie Database entry in a snapshot: these fields of :class:`CookiePattern`."""

SERVICE_FIELDS = ("service", "organisation", "category", "domains")
"""A third-party-web entry in a snapshot: one entity and all its domains."""

_MATCHES: Mapping[str, MatchKind] = MappingProxyType(
    {"exact": "exact", "prefix": "prefix", "regex": "regex"}
)

Snapshot = tuple[tuple[ServiceDomain, ...], tuple[CookiePattern, ...], str]
"""What a snapshot holds: services, cookie patterns, and its version for the scan record."""


def cookie_snapshot(patterns: Iterable[CookiePattern], meta: Mapping[str, str]) -> dict[str, Any]:
    """The snapshot document of the Open Cookie Database from the importer's patterns."""
    entries = [
        [p.name, p.match, p.service, p.organisation, p.category, list(p.domains)] for p in patterns
    ]
    return {**meta, "list": OCD_DATASET, "fields": list(COOKIE_FIELDS), "entries": entries}


def service_snapshot(services: Iterable[ServiceDomain], meta: Mapping[str, str]) -> dict[str, Any]:
    """The snapshot document of third-party-web from the importer's services.

    The importer gives one record per domain; consecutive domains of one entity (same
    service, organisation and category) become one entry.
    """
    entries: list[list[Any]] = []
    for s in services:
        key = [s.service, s.organisation, s.category]
        if entries and entries[-1][:3] == key:
            entries[-1][3].append(s.domain)
        else:
            entries.append([*key, [s.domain]])
    return {**meta, "list": TPW_DATASET, "fields": list(SERVICE_FIELDS), "entries": entries}


def dumps(document: Mapping[str, Any]) -> str:
    """A snapshot as text: its description first, then one entry per line (small diffs)."""
    head = {k: v for k, v in document.items() if k != "entries"}
    lines = [json.dumps(head, ensure_ascii=False, indent=1)[:-2] + ',\n "entries": [']
    entries = document.get("entries", [])
    for i, entry in enumerate(entries):
        comma = "," if i < len(entries) - 1 else ""
        lines.append("  " + json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + comma)
    lines.append(" ]\n}\n")
    return "\n".join(lines)


def snapshot_version(document: Mapping[str, Any]) -> str:
    """How a scan records a snapshot's list: upstream commit and date, ``bundled``."""
    commit = str(document.get("commit") or "unknown")
    date = str(document.get("date") or "")
    return f"{commit} {date} (bundled)".replace("  ", " ")


def read_snapshot(name: str) -> Snapshot:
    """The services, cookie patterns and version of the shipped snapshot of list ``name``.

    A malformed snapshot is a packaging bug (:class:`KnowledgeError`).
    """
    text = (
        resources.files("scanner.knowledge")
        .joinpath("bundled", SNAPSHOTS[name])
        .read_text(encoding="utf-8")
    )
    return parse_snapshot(name, text)


def parse_snapshot(name: str, text: str) -> Snapshot:
    """A snapshot document of list ``name`` read from its text (see :func:`read_snapshot`)."""
    try:
        document = json.loads(text)
        entries = document["entries"]
        if name == OCD_DATASET:
            return (), tuple(_cookie(e) for e in entries), snapshot_version(document)
        services = tuple(s for e in entries for s in _services(e))
        return services, (), snapshot_version(document)
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise KnowledgeError(f"bundled snapshot {SNAPSHOTS[name]} is malformed: {exc}") from exc


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"expected a string or null, got {value!r}")


def _category(value: Any) -> str | None:
    if value is None or value in CATEGORIES:
        return value if value is None else str(value)
    raise TypeError(f"unknown category {value!r}")


def _cookie(entry: list[Any]) -> CookiePattern:
    name, match, service, organisation, category, domains = entry
    if not isinstance(name, str) or not name or not isinstance(domains, list):
        raise TypeError(f"bad cookie entry {entry!r}")
    return CookiePattern(
        name=name,
        match=_MATCHES[match],
        service=_text(service),
        organisation=_text(organisation),
        category=_category(category),
        source=OCD_SOURCE,
        dataset=OCD_DATASET,
        domains=tuple(str(d) for d in domains),
    )


def _services(entry: list[Any]) -> list[ServiceDomain]:
    service, organisation, category, domains = entry
    if not isinstance(domains, list):
        raise TypeError(f"bad service entry {entry!r}")
    return [
        ServiceDomain(
            domain=str(domain),
            organisation=_text(organisation),
            service=_text(service),
            category=_category(category),
            country=None,
            eea=None,
            source=TPW_SOURCE,
            dataset=TPW_DATASET,
        )
        for domain in domains
    ]
