"""One migration history for every back end: Alembic revisions, and the bridge to them.

The schema's versions are the Alembic revisions in ``scanner/store/alembic/versions``:
``0001`` is the schema the hand-kept SQLite migrations 1–6 left, each later one a
change made for both SQLite and PostgreSQL. :func:`prepare` runs inside the store's
first transaction:

- a new database (SQLite or PostgreSQL) is created by upgrading to the head;
- a SQLite file of privacyscan before Alembic (``PRAGMA user_version`` 1–6) is brought
  to version 6 by the frozen statements of :mod:`.legacy`, stamped ``0001`` and
  upgraded to the head, all in that one transaction: a failure changes nothing;
- a database at an older revision is upgraded, one at a revision this privacyscan does
  not know (a newer one) is refused, and so is any other revision when the caller
  must not migrate (a worker never changes the schema of a shared history; it may
  create it in an empty database).

SQLite files under Alembic carry ``user_version`` 7, so a privacyscan from before
Alembic refuses them instead of writing into a schema it does not know.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from .base import StoreError, StoreVersionError
from .legacy import MIGRATIONS

__all__ = ["ALEMBIC_USER_VERSION", "head_revision", "prepare", "revisions"]

SCRIPTS = Path(__file__).resolve().parent / "alembic"
LEGACY_VERSION = len(MIGRATIONS)
"""``user_version`` of a SQLite file at the baseline (revision ``0001``)."""
BASELINE = "0001"
ALEMBIC_USER_VERSION = LEGACY_VERSION + 1
"""``user_version`` of a SQLite file whose schema Alembic keeps."""
_PG_LOCK = 0x70726976  # "priv": the advisory lock id that serialises migrations


def _config(extra_versions: Sequence[Path] = ()) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.set_main_option("path_separator", "os")
    locations = [str(SCRIPTS / "versions"), *(str(p) for p in extra_versions)]
    config.set_main_option("version_locations", os.pathsep.join(locations))
    return config


@functools.cache
def _script(extra_versions: tuple[Path, ...] = ()) -> ScriptDirectory:
    return ScriptDirectory.from_config(_config(extra_versions))


def head_revision(extra_versions: Sequence[Path] = ()) -> str:
    """The revision this privacyscan writes: the schema version workers must share."""
    head = _script(tuple(extra_versions)).get_current_head()
    assert head is not None
    return head


def revisions(extra_versions: Sequence[Path] = ()) -> list[str]:
    """Every known revision, oldest first."""
    walk = _script(tuple(extra_versions)).walk_revisions()
    return [r.revision for r in reversed(list(walk))]


def current_revision(conn: sa.Connection) -> str | None:
    """The database's revision (``None``: not under Alembic)."""
    return MigrationContext.configure(conn).get_current_revision()


def prepare(
    conn: sa.Connection,
    where: str,
    *,
    migrate: bool = True,
    extra_versions: Sequence[Path] = (),
) -> str:
    """Bring the schema to the head inside ``conn``'s open transaction, or refuse.

    ``where`` names the database in messages (a path, or a URL without password).
    Returns the revision the database is at. Raises :class:`StoreVersionError` for a
    newer database, or for any other revision when ``migrate`` is false (an empty
    database is created all the same).
    """
    extra = tuple(extra_versions)
    head = head_revision(extra)
    sqlite = conn.dialect.name == "sqlite"
    if not sqlite:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK})
    tables = set(sa.inspect(conn).get_table_names())
    revision = current_revision(conn) if "alembic_version" in tables else None
    stamp: str | None = None
    if revision is None:
        legacy = _user_version(conn) if sqlite else 0
        if legacy > LEGACY_VERSION:
            raise StoreVersionError(
                f"{where} has schema version {legacy}, but this privacyscan understands up "
                f"to version {LEGACY_VERSION} and the revisions up to {head}: upgrade "
                "privacyscan or use another database"
            )
        if legacy == 0 and tables:
            raise StoreError(
                f"{where}: not a privacyscan scan history (it has tables of something "
                f"else: {', '.join(sorted(tables)[:5])}); use an empty database"
            )
        if legacy:
            stamp = BASELINE
            if not migrate:
                raise StoreVersionError(
                    f"{where} has schema version {legacy}, but this privacyscan needs "
                    f"revision {head}; run `privacyscan scans --db …` with this version "
                    "once to upgrade it"
                )
        raw = conn.connection.driver_connection
        for migration in MIGRATIONS[legacy:] if legacy else ():
            migration(raw)  # type: ignore[arg-type]
    elif revision not in revisions(extra):
        raise StoreVersionError(
            f"{where} has schema revision {revision}, which this privacyscan does not know "
            f"(it knows up to {head}): the database was upgraded by a newer privacyscan; "
            "upgrade privacyscan"
        )
    elif revision != head and not migrate:
        raise StoreVersionError(
            f"{where} has schema revision {revision}, but this privacyscan has revision "
            f"{head}: run the same privacyscan version everywhere ("
            + (
                "upgrade the database with `privacyscan scans --db …` of this version)"
                if revisions(extra).index(revision) < revisions(extra).index(head)
                else "upgrade privacyscan)"
            )
        )
    if revision == head:
        return head
    config = _config(extra)
    config.attributes["connection"] = conn
    if stamp is not None:
        command.stamp(config, stamp)
    command.upgrade(config, "head")
    if sqlite:
        conn.exec_driver_sql(f"PRAGMA user_version = {ALEMBIC_USER_VERSION}")
    return head


def _user_version(conn: sa.Connection) -> int:
    return int(conn.exec_driver_sql("PRAGMA user_version").scalar_one())
