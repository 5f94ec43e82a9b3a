"""Downloading and caching the community lists (``privacyscan lists update``).

A scan never downloads: it reads whatever the last update left in the cache (else the
snapshot shipped in the package, :mod:`.bundled`), and the versions it used go into the
scan record so a report can say which lists it rests on. The download itself is
injected (``fetch``) so this module does no network I/O of its own and tests can feed
it local files.

The Open Cookie Database is one CSV file on GitHub. third-party-web is read in the
form its maintainers publish for programs: ``dist/entities.json`` of the npm package
``third-party-web``, fetched from the npm registry (its metadata names the release
and the tarball with its SHA-512; the tarball is checked against it and only that one
JSON file is read from it, in memory). The GitHub repository's ``data/entities.js``
is a JavaScript module, which would have to be run or parsed as JavaScript.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType

from scanner.errors import PrivacyscanError
from scanner.knowledge.base import CookiePattern, ServiceDomain
from scanner.knowledge.importers import (
    ImportStats,
    parse_open_cookie_database,
    parse_third_party_web,
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
        THIRD_PARTY_WEB: "https://registry.npmjs.org/third-party-web/latest",
    }
)
"""List name → upstream URL we download: the file itself, or (third-party-web) the npm
registry's metadata of the latest release, which names the tarball to download."""

NPM_REGISTRY = "https://registry.npmjs.org/"
"""A tarball named by the registry's metadata must come from the registry itself."""

NPM_MEMBER = "package/dist/entities.json"
"""The one file read from third-party-web's npm tarball."""

MAX_MEMBER_BYTES = 32 * 1024 * 1024
"""A larger ``entities.json`` is no list but an accident (it is about 0.3 MB)."""

FILENAMES: Mapping[str, str] = MappingProxyType(
    {OPEN_COOKIE_DATABASE: "open-cookie-database.csv", THIRD_PARTY_WEB: "entities.json"}
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


def list_version(sha256: str, downloaded_at: str, release: str = "") -> str:
    """Human version of a downloaded list: its release (when the upstream names one),
    content hash prefix and download date."""
    date = downloaded_at[:10] if downloaded_at[:4].isdigit() else downloaded_at
    return f"{release + ' ' if release else ''}sha256:{sha256[:12]} {date}"


def _import(name: str, data: bytes, stats: ImportStats) -> int:
    if name == OPEN_COOKIE_DATABASE:
        return len(parse_open_cookie_database(data, stats))
    return len(parse_third_party_web(data, stats))


def _download(name: str, url: str, fetch: Callable[[str], bytes]) -> tuple[bytes, str, str]:
    """(file content, where it came from, upstream release or ``""``) of one list."""
    if name != THIRD_PARTY_WEB:
        return fetch(url), url, ""
    try:
        meta = json.loads(fetch(url).decode("utf-8"))
        release = str(meta["version"])
        tarball = str(meta["dist"]["tarball"])
        integrity = str(meta["dist"]["integrity"])
    except (ValueError, KeyError, TypeError, UnicodeError) as exc:
        raise ListUpdateError(f"{name}: the npm registry's answer is not usable: {exc}") from exc
    if not tarball.startswith(NPM_REGISTRY):
        raise ListUpdateError(f"{name}: tarball outside the npm registry: {tarball}")
    data = fetch(tarball)
    algorithm, _, expected = integrity.partition("-")
    if algorithm != "sha512" or base64.b64decode(expected) != hashlib.sha512(data).digest():
        raise ListUpdateError(f"{name}: {tarball} does not match its registry checksum")
    return _npm_member(name, data), tarball, release


def _npm_member(name: str, tgz: bytes) -> bytes:
    """``dist/entities.json`` from an npm tarball, read in memory (nothing is unpacked)."""
    try:
        with tarfile.open(fileobj=io.BytesIO(tgz), mode="r:gz") as archive:
            member = archive.getmember(NPM_MEMBER)
            if not member.isfile() or member.size > MAX_MEMBER_BYTES:
                raise ListUpdateError(f"{name}: {NPM_MEMBER} in the tarball is not a small file")
            handle = archive.extractfile(member)
            if handle is None:
                raise ListUpdateError(f"{name}: {NPM_MEMBER} cannot be read from the tarball")
            return handle.read()
    except (tarfile.TarError, KeyError, OSError, EOFError) as exc:
        raise ListUpdateError(f"{name}: not an npm tarball with {NPM_MEMBER}: {exc}") from exc


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
            data, source, release = _download(name, url, fetch)
        except ListUpdateError:
            raise
        except Exception as exc:
            raise ListUpdateError(f"{name}: download from {url} failed: {exc}") from exc
        stats = ImportStats()
        try:
            _import(name, data, stats)
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
            "url": source,
            "release": release,
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
        versions.append((name, list_version(str(meta["sha256"]), stamp, str(meta["release"]))))
    return versions


def load_cached_lists(
    cache_dir: Path,
) -> tuple[tuple[ServiceDomain, ...], tuple[CookiePattern, ...], list[tuple[str, str]]]:
    """Imported services, cookie patterns and versions of whatever lists are cached.

    A missing or unreadable list is left out (and so absent from the versions); the
    caller falls back to the shipped snapshot for it (:func:`scanner.knowledge.load_knowledge`).
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
                cookies += parse_open_cookie_database(data)
            else:
                services += parse_third_party_web(data)
        except (OSError, ValueError, UnicodeError):
            continue
        digest = hashlib.sha256(data).hexdigest()
        downloaded_at = "unknown date"
        release = ""
        try:
            meta = json.loads(_meta_path(cache_dir, name).read_text(encoding="utf-8"))
            if isinstance(meta, dict) and isinstance(meta.get("downloaded_at"), str):
                downloaded_at = meta["downloaded_at"]
            if isinstance(meta, dict) and isinstance(meta.get("release"), str):
                release = meta["release"]
        except (OSError, ValueError):
            pass
        versions.append((name, list_version(digest, downloaded_at, release)))
    return services, cookies, versions
