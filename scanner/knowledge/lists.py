"""Downloading and caching the community lists (``privacyscan lists update``).

A scan never downloads: it reads whatever the last update left in the cache, and the
versions it used go into the scan record so a report can say which lists it rests on.
The download itself is injected (``fetch``) so this module does no network I/O of its
own and tests can feed it local files.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType

from scanner.errors import PrivacyscanError
from scanner.knowledge.base import CookiePattern, ServiceDomain
from scanner.knowledge.importers import (
    ImportStats,
    import_open_cookie_database,
    import_third_party_web,
)

__all__ = [
    "LISTS",
    "ListUpdateError",
    "default_cache_dir",
    "list_version",
    "load_cached_lists",
    "update_lists",
]

OPEN_COOKIE_DATABASE = "open-cookie-database"
THIRD_PARTY_WEB = "third-party-web"

LISTS: Mapping[str, str] = MappingProxyType(
    {
        OPEN_COOKIE_DATABASE: "https://raw.githubusercontent.com/jkwakman/Open-Cookie-Database/master/open-cookie-database.csv",
        THIRD_PARTY_WEB: "https://raw.githubusercontent.com/patrickhulce/third-party-web/master/data/entities.js",
    }
)
"""List name → upstream URL of the file we download."""

FILENAMES: Mapping[str, str] = MappingProxyType(
    {OPEN_COOKIE_DATABASE: "open-cookie-database.csv", THIRD_PARTY_WEB: "entities.js"}
)
"""List name → file name in the cache directory (metadata sits beside it as ``.meta.json``)."""

MIN_ENTRIES: Mapping[str, int] = MappingProxyType({OPEN_COOKIE_DATABASE: 500, THIRD_PARTY_WEB: 500})
"""A download with fewer usable entries is treated as broken (an error page, a truncation)."""


class ListUpdateError(PrivacyscanError):
    """A downloaded list failed validation; the cached copy was left untouched."""


def default_cache_dir() -> Path:
    """Where lists are cached: ``$PRIVACYSCAN_CACHE``, ``$XDG_CACHE_HOME/privacyscan``
    or ``~/.cache/privacyscan``, so users and CI can redirect it."""
    explicit = os.environ.get("PRIVACYSCAN_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg).expanduser() / "privacyscan"
    return Path.home() / ".cache" / "privacyscan"


def _meta_path(cache_dir: Path, name: str) -> Path:
    return cache_dir / f"{FILENAMES[name]}.meta.json"


def list_version(sha256: str, downloaded_at: str) -> str:
    """Human version of a downloaded list: content hash prefix plus download date."""
    date = downloaded_at[:10] if downloaded_at[:4].isdigit() else downloaded_at
    return f"sha256:{sha256[:12]} {date}"


def _import(name: str, path: Path, stats: ImportStats) -> int:
    if name == OPEN_COOKIE_DATABASE:
        return len(import_open_cookie_database(path, stats))
    return len(import_third_party_web(path, stats))


def _atomic_write(path: Path, data: bytes) -> None:
    """Write via a temporary file and rename, so a reader never sees half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def update_lists(
    cache_dir: Path,
    fetch: Callable[[str], bytes],
    *,
    now: datetime | None = None,
) -> list[tuple[str, str]]:
    """Download, validate and cache every list; returns (name, version) pairs.

    All lists are downloaded and validated before any is written, so a failure leaves
    the previous cache as it was.
    """
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    cache_dir.mkdir(parents=True, exist_ok=True)
    checked: list[tuple[str, bytes, dict[str, object]]] = []
    for name, url in LISTS.items():
        try:
            data = fetch(url)
        except Exception as exc:
            raise ListUpdateError(f"{name}: download from {url} failed: {exc}") from exc
        with tempfile.TemporaryDirectory(dir=cache_dir) as tmpdir:
            tmp = Path(tmpdir) / FILENAMES[name]
            tmp.write_bytes(data)
            stats = ImportStats()
            try:
                _import(name, tmp, stats)
            except (ValueError, UnicodeError) as exc:
                raise ListUpdateError(f"{name}: downloaded file is not valid: {exc}") from exc
        if stats.imported < MIN_ENTRIES[name]:
            raise ListUpdateError(
                f"{name}: only {stats.imported} usable entries in the download "
                f"({stats.skipped} malformed); keeping the cached copy"
            )
        digest = hashlib.sha256(data).hexdigest()
        meta: dict[str, object] = {
            "name": name,
            "url": url,
            "sha256": digest,
            "downloaded_at": stamp,
            "entries": stats.imported,
            "skipped": stats.skipped,
        }
        checked.append((name, data, meta))
    versions: list[tuple[str, str]] = []
    for name, data, meta in checked:
        _atomic_write(cache_dir / FILENAMES[name], data)
        _atomic_write(_meta_path(cache_dir, name), json.dumps(meta, indent=2).encode() + b"\n")
        versions.append((name, list_version(str(meta["sha256"]), stamp)))
    return versions


def load_cached_lists(
    cache_dir: Path,
) -> tuple[tuple[ServiceDomain, ...], tuple[CookiePattern, ...], list[tuple[str, str]]]:
    """Imported services, cookie patterns and versions of whatever lists are cached.

    A missing or unreadable list is left out (and so absent from the versions), because
    a scan with the curated base alone is still meaningful.
    """
    services: tuple[ServiceDomain, ...] = ()
    cookies: tuple[CookiePattern, ...] = ()
    versions: list[tuple[str, str]] = []
    for name in LISTS:
        path = cache_dir / FILENAMES[name]
        if not path.is_file():
            continue
        try:
            data = path.read_bytes()
            if name == OPEN_COOKIE_DATABASE:
                cookies += import_open_cookie_database(path)
            else:
                services += import_third_party_web(path)
        except (OSError, ValueError, UnicodeError):
            continue
        digest = hashlib.sha256(data).hexdigest()
        downloaded_at = "unknown date"
        try:
            meta = json.loads(_meta_path(cache_dir, name).read_text(encoding="utf-8"))
            if isinstance(meta, dict) and isinstance(meta.get("downloaded_at"), str):
                downloaded_at = meta["downloaded_at"]
        except (OSError, ValueError):
            pass
        versions.append((name, list_version(digest, downloaded_at)))
    return services, cookies, versions
