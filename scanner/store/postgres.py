"""The scan history in PostgreSQL: one history shared by every worker of a fleet.

Same tables and migrations as SQLite (:mod:`.schema`, :mod:`.migrate`), through
psycopg 3 (the ``fleet`` extra). Writes run at READ COMMITTED and lock the rows they
replace (see :func:`scanner.store.sql._save_site`); reads of a whole scan run at
REPEATABLE READ so they see one snapshot. A connection that a restart of the server
broke is replaced before use (``pool_pre_ping``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa

from .base import StoreError
from .sql import SQLStore

__all__ = ["PostgresStore", "postgres_url"]

CONNECT_TIMEOUT_S = 10


def postgres_url(url: str) -> sa.URL:
    """``postgresql://…`` or ``postgres://…`` as a SQLAlchemy URL for psycopg 3."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise StoreError(f"not a database URL: {exc}") from None
    return parsed.set(drivername="postgresql+psycopg")


class PostgresStore(SQLStore):
    """A :class:`~scanner.store.base.ScanStore` in the PostgreSQL database at ``url``."""

    def __init__(
        self, url: str, *, migrate: bool = True, extra_versions: Sequence[Path] = ()
    ) -> None:
        parsed = postgres_url(url)
        try:
            engine = sa.create_engine(
                parsed,
                pool_pre_ping=True,
                connect_args={
                    "connect_timeout": CONNECT_TIMEOUT_S,
                    "application_name": "privacyscan",
                },
            )
        except ModuleNotFoundError as exc:  # psycopg is in the fleet extra
            raise StoreError(
                f"PostgreSQL needs the driver psycopg ({exc.name} is missing): "
                "pip install 'privacyscan[fleet]'"
            ) from None
        where = parsed.set(drivername="postgresql").render_as_string(hide_password=True)
        super().__init__(engine, where, migrate=migrate, extra_versions=extra_versions)
