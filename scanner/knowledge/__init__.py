"""What privacyscan knows about third parties and cookie names, and where it comes from.

Classification must not depend on the network during a scan, so knowledge comes from
two places only: our own curated base shipped in this package (``services.json``,
``cookies.json``, read by :mod:`.base`) and, when the user ran ``privacyscan lists
update``, imported community lists kept in a local cache directory (:mod:`.lists`,
parsed by :mod:`.importers`). Our curated entries always win over imported ones
because we wrote and checked them for Dutch municipal sites.

Imports run one way: ``importers`` and ``lists`` build on ``base``; this module
combines them. Classification (:mod:`scanner.classify`) only reads a
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
    """Our curated base plus, when cached, the imported lists (curated entries win).

    Reads files only; never downloads. A corrupt cached list is skipped rather than
    failing the scan, because the curated base alone still classifies the common cases.
    """
    curated = load_curated()
    if cache_dir is None:
        return curated
    services, cookies, versions = load_cached_lists(cache_dir)
    return Knowledge(
        curated.services + services,
        curated.cookies + cookies,
        (*curated.versions, *versions),
    )
