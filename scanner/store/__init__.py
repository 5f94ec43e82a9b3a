"""The scan history: where scans and their per-site results are kept between runs.

Callers depend on :class:`ScanStore` and get one from :func:`open_store`: a SQLite
file (the embedded default) or a PostgreSQL database (a history many workers share),
both :class:`SQLStore` on one schema and one migration history. :class:`MemoryStore`
serves the tests.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError
from .base import (
    ScanNotFound,
    ScanStore,
    ScanSummary,
    StoreError,
    StoreVersionError,
    resolve_ref,
)
from .memory import MemoryStore
from .sql import SQLStore
from .sqlite import SQLiteStore

__all__ = [
    "MemoryStore",
    "SQLStore",
    "SQLiteStore",
    "ScanNotFound",
    "ScanStore",
    "ScanSummary",
    "StoreError",
    "StoreTargetError",
    "StoreVersionError",
    "describe_target",
    "is_postgres",
    "open_store",
    "resolve_ref",
]

POSTGRES_SCHEMES = ("postgresql", "postgres")


class StoreTargetError(StoreError, ConfigError):
    """The database was named in a way privacyscan cannot use (a usage error: exit 2)."""


def is_postgres(target: str | Path) -> bool:
    """Whether ``target`` names a PostgreSQL database rather than a SQLite file."""
    scheme, sep, _ = str(target).partition("://")
    return bool(sep) and scheme.split("+")[0].lower() in POSTGRES_SCHEMES


def describe_target(target: str | Path) -> str:
    """``target`` for messages: a path, or a URL without its password."""
    if not is_postgres(target):
        return str(target)
    from .postgres import postgres_url

    try:
        url = postgres_url(str(target)).set(drivername="postgresql")
    except StoreError:
        return "postgresql://…"
    return url.render_as_string(hide_password=True)


def open_store(target: str | Path, *, migrate: bool = True) -> SQLStore:
    """The scan history at ``target``: ``postgresql://user@host/db`` (or ``postgres://``)
    for PostgreSQL, anything else without ``scheme://`` a SQLite file path.

    The schema is created or upgraded on open unless ``migrate`` is false: then a
    database at another schema revision is refused (:class:`StoreVersionError`). A
    URL of another scheme is a :class:`StoreTargetError`; an unreachable or unusable
    database a :class:`StoreError`.
    """
    text = str(target)
    if is_postgres(text):
        from .postgres import PostgresStore

        return PostgresStore(text, migrate=migrate)
    scheme, sep, rest = text.partition("://")
    if sep:
        if scheme.lower() == "sqlite":
            # SQLAlchemy's spelling: sqlite:///relative.db, sqlite:////absolute.db
            return SQLiteStore(Path(rest[1:] if rest.startswith("/") else rest), migrate=migrate)
        raise StoreTargetError(
            f"unsupported database URL scheme {scheme!r}: use a SQLite file path "
            "(privacyscan.db) or postgresql://user@host/dbname"
        )
    return SQLiteStore(Path(text), migrate=migrate)
