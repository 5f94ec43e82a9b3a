"""What privacyscan knows about third parties and cookie names, and where it comes from.

Classification must not depend on the network during a scan, so knowledge comes from
files only, in this order of precedence:

1. our own curated base shipped in this package (``services.json``, ``cookies.json``,
   read by :mod:`.base`): it always wins, because we wrote and checked it for Dutch
   municipal sites;
2. the community lists (Open Cookie Database, third-party-web) as the last
   ``privacyscan lists update`` left them in the local cache (:mod:`.lists`, parsed by
   :mod:`.importers`);
3. else the snapshot of each list shipped in this package (:mod:`.bundled`), so an
   offline machine that never updated still knows them.

An updated list *replaces* its snapshot (one version of a list, never two mixed), and
the versions of what was used go into every scan record (:attr:`Knowledge.versions`).

Imports run one way: ``importers``, ``bundled`` and ``lists`` build on ``base``; this
module combines them. Classification (:mod:`scanner.classify`) only reads a
:class:`Knowledge` it is given.
"""

from __future__ import annotations

from pathlib import Path

from scanner.knowledge.base import (
    CATEGORIES,
    CookiePattern,
    Knowledge,
    KnowledgeError,
    ServiceDomain,
    is_eea,
    load_curated,
)
from scanner.knowledge.bundled import SNAPSHOTS, read_snapshot
from scanner.knowledge.lists import default_cache_dir, load_cached_lists

__all__ = [
    "CATEGORIES",
    "CookiePattern",
    "Knowledge",
    "KnowledgeError",
    "ServiceDomain",
    "default_cache_dir",
    "is_eea",
    "load_knowledge",
]


def load_knowledge(cache_dir: Path | None = None) -> Knowledge:
    """Our curated base plus each community list: updated when cached, else bundled.

    Reads files only; never downloads. A corrupt cached list is skipped (its shipped
    snapshot is used instead) rather than failing the scan. Curated entries win over
    imported ones (:class:`Knowledge`).
    """
    curated = load_curated()
    services, cookies, versions = (
        load_cached_lists(cache_dir) if cache_dir is not None else ((), (), [])
    )
    updated = {name for name, _ in versions}
    for name in SNAPSHOTS:
        if name in updated:
            continue
        bundled_services, bundled_cookies, version = read_snapshot(name)
        services += bundled_services
        cookies += bundled_cookies
        versions.append((name, version))
    order = list(SNAPSHOTS)
    versions.sort(key=lambda v: order.index(v[0]) if v[0] in order else len(order))
    return Knowledge(
        curated.services + services,
        curated.cookies + cookies,
        (*curated.versions, *versions),
    )
