"""The scan history in one SQLite file: the embedded default.

The file holds what visitors' browsers were made to store, so it is created readable
by its owner only. SQLite's write lock makes every write transaction exclusive
(``BEGIN IMMEDIATE``: taken up front, so two writers never deadlock) and WAL lets
readers go on meanwhile; ``synchronous = FULL`` makes a committed ``save_site``
survive a power cut, not just a crash.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from .sql import SQLStore

__all__ = ["SQLiteStore"]


class SQLiteStore(SQLStore):
    """A :class:`~scanner.store.base.ScanStore` in a SQLite file at ``path``."""

    def __init__(
        self,
        path: Path,
        *,
        busy_timeout_ms: int = 10_000,
        migrate: bool = True,
        extra_versions: Sequence[Path] = (),
    ) -> None:
        self.path = Path(path)
        _create_private(self.path)
        engine = sa.create_engine(
            sa.URL.create("sqlite+pysqlite", database=str(self.path)),
            connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
        )

        @sa.event.listens_for(engine, "connect")
        def _connect(dbapi_conn: Any, _record: Any) -> None:
            # Transactions are begun below, not by the driver: BEGIN IMMEDIATE for writes.
            dbapi_conn.isolation_level = None
            for pragma in (
                f"busy_timeout = {int(busy_timeout_ms)}",
                "foreign_keys = ON",
                "journal_mode = WAL",
                "synchronous = FULL",
            ):
                dbapi_conn.execute(f"PRAGMA {pragma}")

        @sa.event.listens_for(engine, "begin")
        def _begin(conn: sa.Connection) -> None:
            write = conn.get_execution_options().get("privacyscan_write", True)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        super().__init__(engine, str(self.path), migrate=migrate, extra_versions=extra_versions)


def _create_private(path: Path) -> None:
    """Create the database file with mode 0600 before SQLite opens it.

    SQLite gives the -wal and -shm files the main file's mode, so they inherit it.
    An existing file keeps the mode its owner gave it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    try:
        os.fchmod(fd, 0o600)  # the umask may have taken bits away; make it exact
    finally:
        os.close(fd)
