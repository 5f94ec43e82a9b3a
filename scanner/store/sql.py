"""The scan history in SQL: normalised, queryable, one transaction per site.

One implementation for SQLite (the embedded default, :mod:`.sqlite`) and PostgreSQL
(a history shared by many workers, :mod:`.postgres`), on SQLAlchemy Core: the tables
are :mod:`.schema`, their history :mod:`.migrate`. Every entity of the model is a
table with real columns (party fields included), so questions like "which
municipalities load google-analytics.com before consent" are one SQL query (see
``docs/schema.md``). Only small nested values (initiator stacks, redirect chains,
links, options) are JSON text.

Several writers at once are safe: ``save_site`` replaces a site's result in one
transaction that first locks the site's row (SQLite: the database's write lock), so
however many times a site is delivered and saved, and by however many processes at
once, it has one result: the last one saved.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import gzip
import json
import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from enum import Enum
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from .. import rows, serialize
from ..classify.coverage import knowledge_share
from ..classify.verdicts import judge
from ..models import (
    ApiCall,
    Banner,
    BannerButton,
    ConsentChoice,
    Cookie,
    CookieSource,
    Evidence,
    Finding,
    Har,
    Initiator,
    KnowledgeShare,
    Page,
    ParamValue,
    Party,
    Payload,
    Phase,
    Redirect,
    Request,
    Scan,
    Screenshot,
    SecurityFacts,
    Severity,
    Site,
    SiteResult,
    SiteStatus,
    StorageItem,
    StorageKind,
    TypedLeak,
    Verdicts,
    WebSocketSent,
)
from . import schema as t
from .base import ScanNotFound, ScanSummary, StoreError, StoreVersionError, resolve_ref
from .migrate import current_revision, prepare

__all__ = ["VERDICTS_VERSION", "SQLStore"]

VERDICTS_VERSION = 2
"""``sites.verdicts_version`` of a site saved now: its verdicts and knowledge share are the
classification's. 0 marks a site saved before verdicts were kept; they are judged when it
is read. 1 marks one saved before the knowledge share was kept (migration 5); its share
is computed when it is read."""

_Row = dict[str, Any]
_CHILD_TABLES = (
    t.pages,
    t.cookies,
    t.requests,
    t.storage_items,
    t.api_calls,
    t.screenshots,
    t.banner_buttons,
    t.consent_choices,
    t.findings,
)
"""Tables with one row per item of a site, in ``position`` order (``banners`` has no
position: a site has at most one)."""


class SQLStore:
    """A :class:`~scanner.store.base.ScanStore` in a SQL database reached by ``engine``.

    ``where`` names the database in messages (a path, or a URL without its password).
    The schema is created or upgraded on open (:func:`~scanner.store.migrate.prepare`);
    with ``migrate=False`` a database at another revision is refused instead (what a
    worker does: it never changes a shared history's schema). ``extra_versions`` exists
    so tests can exercise a revision after the head; callers leave it alone.
    """

    def __init__(
        self,
        engine: Engine,
        where: str,
        *,
        migrate: bool = True,
        extra_versions: Sequence[Path] = (),
    ) -> None:
        self.engine = engine
        self.where = where
        self._lock = threading.RLock()
        self._closed = False
        try:
            with self._write() as conn:
                self.revision = prepare(conn, where, migrate=migrate, extra_versions=extra_versions)
        except sa.exc.DatabaseError as exc:
            engine.dispose()
            raise StoreError(f"{where}: not a usable scan history ({_reason(exc)})") from exc
        except BaseException:
            engine.dispose()
            raise

    # -- the protocol ------------------------------------------------------------

    def create_scan(self, scan: Scan, sites: Sequence[Site]) -> None:
        """Register a scan and its sites as pending, in one transaction."""
        urls = [s.url for s in sites]
        if len(set(urls)) != len(urls):
            raise StoreError(f"scan {scan.id}: two sites share a URL")
        try:
            with self._write() as conn:
                if conn.execute(sa.select(t.scans.c.id).where(t.scans.c.id == scan.id)).first():
                    raise StoreError(f"scan {scan.id} already exists in the scan history")
                conn.execute(
                    t.scans.insert(),
                    {
                        "id": scan.id,
                        "started_at": scan.started_at,
                        "finished_at": scan.finished_at,
                        "tool_version": scan.tool_version,
                        "browser": scan.browser,
                        "options": _json(scan.options),
                        "lists": _json(scan.lists),
                    },
                )
                _insert_many(
                    conn,
                    t.sites,
                    [
                        _site_row(scan.id, i, SiteResult(site=s, status=SiteStatus.PENDING))
                        for i, s in enumerate(sites)
                    ],
                )
                for result in scan.sites:
                    _save_site(conn, scan.id, result)
        except sa.exc.IntegrityError:  # another process registered the same ID first
            raise StoreError(f"scan {scan.id} already exists in the scan history") from None

    def save_site(self, scan_id: str, result: SiteResult) -> None:
        """Replace the site's result in one transaction; durable when this returns."""
        with self._write() as conn:
            _save_site(conn, scan_id, result)

    def finish_scan(self, scan_id: str, finished_at: str) -> None:
        """Record when the scan ended."""
        with self._write() as conn:
            done = conn.execute(
                t.scans.update().where(t.scans.c.id == scan_id).values(finished_at=finished_at)
            )
            if done.rowcount == 0:
                raise ScanNotFound(f"no scan {scan_id!r} in the scan history")

    def get_scan(self, scan_id: str) -> Scan:
        """Load the whole scan from one consistent snapshot."""
        with self._read() as conn:
            head = _one(conn, sa.select(t.scans).where(t.scans.c.id == scan_id))
            if head is None:
                raise ScanNotFound(f"no scan {scan_id!r} in the scan history")
            site_rows = _all(
                conn,
                sa.select(t.sites).where(t.sites.c.scan_id == scan_id).order_by(t.sites.c.position),
            )
            children = {table.name: _children(conn, table, scan_id) for table in _CHILD_TABLES}
            banners = _banners(conn, scan_id)
            security = _security(conn, scan_id)
            evidence = _evidence(conn, scan_id)
            hars = _hars(conn, scan_id)
        results = tuple(
            _judged(
                r,
                SiteResult(
                    site=_site(r),
                    status=SiteStatus(r["status"]),
                    error=_ostr(r["error"]),
                    error_message=_ostr(r["error_message"]),
                    started_at=str(r["started_at"]),
                    finished_at=str(r["finished_at"]),
                    pages=tuple(_page(p) for p in children["pages"][r["id"]]),
                    cookies=tuple(_cookie(c) for c in children["cookies"][r["id"]]),
                    requests=tuple(_request(q) for q in children["requests"][r["id"]]),
                    storage=tuple(_storage(s) for s in children["storage_items"][r["id"]]),
                    api_calls=tuple(_api_call(a) for a in children["api_calls"][r["id"]]),
                    screenshots=tuple(_screenshot(s) for s in children["screenshots"][r["id"]]),
                    banner=_banner(banners.get(r["id"]), children["banner_buttons"][r["id"]]),
                    choices=tuple(_choice(c) for c in children["consent_choices"][r["id"]]),
                    pages_discovered=int(r["pages_discovered"]),
                    findings=tuple(
                        _finding(f, evidence[f["id"]]) for f in children["findings"][r["id"]]
                    ),
                    score=_oint(r["score"]),
                    grade=_ostr(r["grade"]),
                    security=security.get(r["id"]),
                    security_score=_oint(r["security_score"]),
                    security_grade=_ostr(r["security_grade"]),
                    hars=tuple(hars[r["id"]]),
                ),
            )
            for r in site_rows
        )
        return Scan(
            id=str(head["id"]),
            started_at=str(head["started_at"]),
            finished_at=_ostr(head["finished_at"]),
            tool_version=str(head["tool_version"]),
            browser=str(head["browser"]),
            options=_pairs(head["options"]),
            lists=_pairs(head["lists"]),
            sites=results,
        )

    def har_data(self, scan_id: str, url: str, phase: Phase) -> str | None:
        """The HTTP Archive (JSON text) of the visitor ``phase`` of the scan's site with
        start URL ``url``; ``None`` when none was kept."""
        h, si = t.hars, t.sites
        query = (
            sa.select(h.c.data)
            .join(si, si.c.id == h.c.site_id)
            .where(si.c.scan_id == scan_id, si.c.url == url, h.c.phase == phase.value)
            .order_by(h.c.position)
            .limit(1)
        )
        with self._read() as conn:
            data = conn.execute(query).scalar_one_or_none()
        return None if data is None else gzip.decompress(bytes(data)).decode("utf-8")

    def pending_sites(self, scan_id: str) -> list[Site]:
        """Sites still to visit, in registration order."""
        with self._read() as conn:
            _require_scan(conn, scan_id)
            found = _all(
                conn,
                sa.select(t.sites)
                .where(t.sites.c.scan_id == scan_id, t.sites.c.status == SiteStatus.PENDING.value)
                .order_by(t.sites.c.position),
            )
        return [_site(r) for r in found]

    def list_scans(self) -> list[ScanSummary]:
        """Summaries, newest first, counted by SQL rather than by loading scans."""
        return self._summaries(None)

    def scan_summary(self, scan_id: str) -> ScanSummary:
        """One scan's summary, counted by SQL."""
        found = self._summaries(scan_id)
        if not found:
            raise ScanNotFound(f"no scan {scan_id!r} in the scan history")
        return found[0]

    def site_status(self, scan_id: str, url: str) -> SiteStatus | None:
        """The status of the scan's site with ``url``, if registered."""
        with self._read() as conn:
            _require_scan(conn, scan_id)
            status = conn.execute(
                sa.select(t.sites.c.status).where(
                    t.sites.c.scan_id == scan_id, t.sites.c.url == url
                )
            ).scalar()
        return None if status is None else SiteStatus(status)

    def _summaries(self, only: str | None) -> list[ScanSummary]:
        si = t.sites

        def of_scan(query: sa.Select[Any]) -> sa.Select[Any]:
            return query if only is None else query.where(si.c.scan_id == only)

        with self._read() as conn:
            query = sa.select(t.scans).order_by(t.scans.c.started_at.desc(), t.scans.c.id.desc())
            heads = _all(conn, query if only is None else query.where(t.scans.c.id == only))
            statuses: dict[str, dict[str, int]] = defaultdict(dict)
            for scan_id, status, n in conn.execute(
                of_scan(sa.select(si.c.scan_id, si.c.status, sa.func.count())).group_by(
                    si.c.scan_id, si.c.status
                )
            ):
                statuses[scan_id][status] = int(n)
            pages = {
                scan_id: int(n)
                for scan_id, n in conn.execute(
                    of_scan(
                        sa.select(si.c.scan_id, sa.func.count()).select_from(
                            t.pages.join(si, si.c.id == t.pages.c.site_id)
                        )
                    ).group_by(si.c.scan_id)
                )
            }
            severities: dict[str, dict[str, int]] = defaultdict(dict)
            for scan_id, severity, n in conn.execute(
                of_scan(
                    sa.select(si.c.scan_id, t.findings.c.severity, sa.func.count()).select_from(
                        t.findings.join(si, si.c.id == t.findings.c.site_id)
                    )
                ).group_by(si.c.scan_id, t.findings.c.severity)
            ):
                severities[scan_id][severity] = int(n)
        out = []
        for h in heads:
            by_status = statuses[h["id"]]
            out.append(
                ScanSummary(
                    id=str(h["id"]),
                    started_at=str(h["started_at"]),
                    finished_at=_ostr(h["finished_at"]),
                    tool_version=str(h["tool_version"]),
                    browser=str(h["browser"]),
                    options=_pairs(h["options"]),
                    sites_total=sum(by_status.values()),
                    sites_done=by_status.get(SiteStatus.DONE.value, 0),
                    sites_partial=by_status.get(SiteStatus.PARTIAL.value, 0),
                    sites_failed=by_status.get(SiteStatus.FAILED.value, 0),
                    sites_pending=by_status.get(SiteStatus.PENDING.value, 0),
                    pages=pages.get(h["id"], 0),
                    findings_by_severity=tuple(
                        (s, severities[h["id"]].get(s.value, 0)) for s in Severity
                    ),
                )
            )
        return out

    def resolve_scan_id(self, ref: str) -> str:
        """See :func:`~scanner.store.base.resolve_ref`."""
        with self._read() as conn:
            ids = [
                str(i)
                for i in conn.execute(
                    sa.select(t.scans.c.id).order_by(
                        t.scans.c.started_at.desc(), t.scans.c.id.desc()
                    )
                ).scalars()
            ]
        return resolve_ref(ref, ids)

    def check_revision(self) -> None:
        """Raise :class:`StoreVersionError` when the database's schema revision is no
        longer the one this store opened it at (a newer privacyscan upgraded it since)."""
        with self._read() as conn:
            now = current_revision(conn)
        if now != self.revision:
            raise StoreVersionError(
                f"{self.where} now has schema revision {now}, but this privacyscan has "
                f"revision {self.revision}: run the same privacyscan version everywhere"
            )

    def close(self) -> None:
        """Close the connections (SQLite checkpoints the WAL on the last close)."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- transactions ---------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction (SQLite: ``BEGIN IMMEDIATE``, the write lock up front, so
        it never deadlocks; PostgreSQL: rows are locked as they are touched)."""
        with self._transaction(write=True) as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """A read transaction in which several SELECTs see the same snapshot."""
        with self._transaction(write=False) as conn:
            yield conn

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Connection]:
        if self._closed:
            raise StoreError(f"the scan history {self.where} is closed")
        options: dict[str, Any] = {"privacyscan_write": write}
        if self.engine.dialect.name == "postgresql" and not write:
            options["isolation_level"] = "REPEATABLE READ"
        try:
            connection = self.engine.connect()
        except sa.exc.DBAPIError as exc:
            if self.engine.dialect.name == "sqlite":  # a file that is not a database
                raise StoreError(
                    f"{self.where}: not a usable scan history ({_reason(exc)})"
                ) from exc
            raise StoreError(f"cannot reach the scan history {self.where}: {_reason(exc)}") from exc
        try:
            with connection.execution_options(**options) as conn, conn.begin():
                yield conn
        except sa.exc.OperationalError as exc:
            raise StoreError(f"{self.where}: the database failed ({_reason(exc)})") from exc


def _reason(exc: sa.exc.DBAPIError) -> str:
    """The driver's own message, first line, without SQLAlchemy's statement dump."""
    return str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)


def _one(conn: Connection, query: sa.Select[Any]) -> Any:
    return conn.execute(query).mappings().first()


def _all(conn: Connection, query: sa.Select[Any]) -> list[Any]:
    return list(conn.execute(query).mappings())


def _require_scan(conn: Connection, scan_id: str, *, lock: bool = False) -> None:
    query = sa.select(t.scans.c.id).where(t.scans.c.id == scan_id)
    if conn.execute(query.with_for_update() if lock else query).first() is None:
        raise ScanNotFound(f"no scan {scan_id!r} in the scan history")


# -- writing -------------------------------------------------------------------------


def _save_site(conn: Connection, scan_id: str, result: SiteResult) -> None:
    """Upsert the site row and replace all its children (inside the caller's transaction).

    The site's row is locked first (``FOR UPDATE``; SQLite holds the database's write
    lock already), so two deliveries of one site saved at the same time are saved one
    after the other, each replacing everything of the site: one result remains. A site
    not registered is appended under the scan's row lock, so two new sites never take
    the same position.
    """
    si = t.sites
    find = (
        sa.select(si.c.id, si.c.position)
        .where(si.c.scan_id == scan_id, si.c.url == result.site.url)
        .with_for_update()
    )
    found = conn.execute(find).first()
    if found is None:
        _require_scan(conn, scan_id, lock=True)
        found = conn.execute(find).first()  # a concurrent save may have appended it
    if found is None:
        position = conn.execute(
            sa.select(sa.func.coalesce(sa.func.max(si.c.position) + 1, 0)).where(
                si.c.scan_id == scan_id
            )
        ).scalar_one()
        row = _site_row(scan_id, int(position), result)
        site_id = int(conn.execute(si.insert().returning(si.c.id), row).scalar_one())
    else:
        site_id = int(found.id)
        row = _site_row(scan_id, int(found.position), result)
        conn.execute(si.update().where(si.c.id == site_id).values(**row))
        # Evidence goes with its findings (ON DELETE CASCADE); buttons before their banner.
        for table in (*_CHILD_TABLES, t.banners, t.site_security, t.hars):
            conn.execute(table.delete().where(table.c.site_id == site_id))
    _insert_many(conn, t.pages, _child_rows(site_id, result.pages))
    _insert_many(conn, t.cookies, _child_rows(site_id, result.cookies))
    _insert_many(conn, t.requests, _child_rows(site_id, result.requests))
    _insert_many(conn, t.storage_items, _child_rows(site_id, result.storage))
    _insert_many(conn, t.api_calls, _child_rows(site_id, result.api_calls))
    _insert_many(
        conn,
        t.screenshots,
        [_screenshot_row(site_id, i, s) for i, s in enumerate(result.screenshots)],
    )
    if result.banner is not None:
        conn.execute(t.banners.insert(), _banner_row(site_id, result.banner))
        _insert_many(conn, t.banner_buttons, _child_rows(site_id, result.banner.buttons))
    _insert_many(conn, t.consent_choices, _child_rows(site_id, result.choices))
    _insert_many(conn, t.hars, [_har_row(site_id, i, h) for i, h in enumerate(result.hars)])
    if result.security is not None:
        conn.execute(
            t.site_security.insert(),
            {
                "site_id": site_id,
                "probed": int(result.security.probed),
                "data": _json(result.security),
            },
        )
    for i, finding in enumerate(result.findings):
        frow = {
            "site_id": site_id,
            "position": i,
            **_record_row(finding, skip=("evidence",), rename={"id": "finding_id"}),
        }
        finding_id = conn.execute(t.findings.insert().returning(t.findings.c.id), frow)
        fid = int(finding_id.scalar_one())
        evidence = [
            {"finding": fid, "position": j, **_record_row(e)}
            for j, e in enumerate(finding.evidence)
        ]
        _insert_many(conn, t.finding_evidence, evidence)


def _insert_many(conn: Connection, table: sa.Table, rows: list[_Row]) -> None:
    if rows:
        conn.execute(table.insert(), rows)


def _json(value: Any) -> str:
    return json.dumps(serialize.to_dict(value), ensure_ascii=False, separators=(",", ":"))


def _site_row(scan_id: str, position: int, r: SiteResult) -> _Row:
    return {
        "scan_id": scan_id,
        "position": position,
        "url": r.site.url,
        "name": r.site.name,
        "province": r.site.province,
        "code": r.site.code,
        "extra_domains": _json(r.site.extra_domains),
        "status": r.status.value,
        "error": r.error,
        "error_message": r.error_message,
        "started_at": r.started_at,
        "finished_at": r.finished_at,
        "score": r.score,
        "grade": r.grade,
        "security_score": r.security_score,
        "security_grade": r.security_grade,
        "pages_discovered": r.pages_discovered,
        "verdicts_version": VERDICTS_VERSION,
        **_verdict_columns(r.verdicts),
        **_knowledge_columns(r.knowledge),
    }


def _knowledge_columns(k: KnowledgeShare | None) -> _Row:
    """``SiteResult.knowledge`` as ``knowledge_*`` columns, all NULL when there is none."""
    return {
        f"knowledge_{f.name}": None if k is None else _column(getattr(k, f.name))
        for f in dataclasses.fields(KnowledgeShare)
    }


def _verdict_columns(v: Verdicts | None) -> _Row:
    """``SiteResult.verdicts`` as ``verdict_*`` columns, all NULL when there are none."""
    return {
        f"verdict_{f.name}": None if v is None else _column(getattr(v, f.name))
        for f in dataclasses.fields(Verdicts)
    }


def _child_rows(site_id: int, records: Sequence[Any]) -> list[_Row]:
    """A site's records of one kind, in order, as rows of their table."""
    return [{"site_id": site_id, "position": i, **_record_row(r)} for i, r in enumerate(records)]


def _record_row(record: Any, **flat: Any) -> _Row:
    """The record's fields flattened (:mod:`scanner.rows`), enums as values, lists as JSON."""
    return {name: _column(value) for name, value in rows.flatten(record, **flat).items()}


def _column(value: Any) -> Any:
    if isinstance(value, bool):  # 0/1 on both back ends (see schema)
        return int(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return _json(value)
    return value


def _screenshot_row(site_id: int, position: int, s: Screenshot) -> _Row:
    return {
        "site_id": site_id,
        "position": position,
        "label": s.label,
        "page_url": s.page_url,
        "mime": s.mime,
        "phase": s.phase.value,
        **_image_columns(s.data, "data", "data_text", empty=b""),
    }


def _har_row(site_id: int, position: int, h: Har) -> _Row:
    return {
        "site_id": site_id,
        "position": position,
        "phase": h.phase.value,
        "entries": h.entries,
        "size": h.size,
        "sha256": h.sha256,
        "content": int(h.content),
        "data": gzip.compress(h.data.encode("utf-8"), compresslevel=6),
    }


def _banner_row(site_id: int, b: Banner) -> _Row:
    return {
        "site_id": site_id,
        "page_url": b.page_url,
        "cmp": b.cmp,
        "method": b.method,
        "frame_url": b.frame_url,
        "reject_on_first_layer": int(b.reject_on_first_layer),
        "accept_on_first_layer": int(b.accept_on_first_layer),
        "settings_on_first_layer": int(b.settings_on_first_layer),
        "blocks_page": int(b.blocks_page),
        "in_shadow_dom": int(b.in_shadow_dom),
        "text": b.text,
        **_image_columns(b.screenshot, "screenshot", "screenshot_text", empty=None),
    }


def _image_columns(data: str | None, column: str, text_column: str, *, empty: Any) -> _Row:
    """The decoded image in ``column``: a quarter smaller than its base64, and a real
    BLOB/bytea in SQL. Text that would not come back identical from ``b64encode`` (not
    base64, line breaks, odd padding) goes unchanged to ``text_column`` instead (and
    ``column`` is ``empty``), so a save never fails and never alters it."""
    if data is None:
        return {column: None, text_column: None}
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return {column: empty, text_column: data}
    if base64.b64encode(raw).decode("ascii") != data:
        return {column: empty, text_column: data}
    return {column: raw, text_column: None}


# -- reading -------------------------------------------------------------------------


def _of_scan(table: sa.Table, scan_id: str) -> sa.Select[Any]:
    """Rows of a table of site children that belong to the scan's sites."""
    return (
        sa.select(table)
        .join(t.sites, t.sites.c.id == table.c.site_id)
        .where(t.sites.c.scan_id == scan_id)
    )


def _children(conn: Connection, table: sa.Table, scan_id: str) -> defaultdict[int, list[Any]]:
    """All rows of one child table for a scan, grouped by site and in saved order."""
    grouped: defaultdict[int, list[Any]] = defaultdict(list)
    query = _of_scan(table, scan_id).order_by(table.c.site_id, table.c.position)
    for row in conn.execute(query).mappings():
        grouped[int(row["site_id"])].append(row)
    return grouped


def _banners(conn: Connection, scan_id: str) -> dict[int, Any]:
    """The banner row of each site of a scan that has one, by site id."""
    return {int(r["site_id"]): r for r in _all(conn, _of_scan(t.banners, scan_id))}


def _security(conn: Connection, scan_id: str) -> dict[int, SecurityFacts]:
    """The security facts of each site of a scan that has them, by site id."""
    return {
        int(r["site_id"]): serialize.from_dict(SecurityFacts, json.loads(r["data"]))
        for r in _all(conn, _of_scan(t.site_security, scan_id))
    }


def _hars(conn: Connection, scan_id: str) -> defaultdict[int, list[Har]]:
    """Each site's archives without their data (``SQLStore.har_data`` reads one)."""
    h = t.hars
    query = (
        sa.select(h.c.site_id, h.c.phase, h.c.entries, h.c.size, h.c.sha256, h.c.content)
        .join(t.sites, t.sites.c.id == h.c.site_id)
        .where(t.sites.c.scan_id == scan_id)
        .order_by(h.c.site_id, h.c.position)
    )
    grouped: defaultdict[int, list[Har]] = defaultdict(list)
    for r in conn.execute(query).mappings():
        grouped[int(r["site_id"])].append(
            Har(
                phase=Phase(r["phase"]),
                entries=int(r["entries"]),
                size=int(r["size"]),
                sha256=str(r["sha256"]),
                content=bool(r["content"]),
            )
        )
    return grouped


def _evidence(conn: Connection, scan_id: str) -> defaultdict[int, list[Evidence]]:
    grouped: defaultdict[int, list[Evidence]] = defaultdict(list)
    e, f = t.finding_evidence, t.findings
    query = (
        sa.select(e)
        .join(f, f.c.id == e.c.finding)
        .join(t.sites, t.sites.c.id == f.c.site_id)
        .where(t.sites.c.scan_id == scan_id)
        .order_by(e.c.finding, e.c.position)
    )
    for r in conn.execute(query).mappings():
        grouped[int(r["finding"])].append(
            Evidence(
                page_url=str(r["page_url"]),
                phase=Phase(r["phase"]),
                subject=str(r["subject"]),
                initiator=_initiator(r),
            )
        )
    return grouped


def _ostr(v: Any) -> str | None:
    return None if v is None else str(v)


def _oint(v: Any) -> int | None:
    return None if v is None else int(v)


def _obool(v: Any) -> bool | None:
    return None if v is None else bool(v)


def _strs(text: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in json.loads(text))


def _pairs(text: Any) -> tuple[tuple[str, str], ...]:
    return tuple((str(a), str(b)) for a, b in json.loads(text))


def _site(r: Any) -> Site:
    return Site(
        name=str(r["name"]),
        url=str(r["url"]),
        province=_ostr(r["province"]),
        code=_ostr(r["code"]),
        extra_domains=_strs(r["extra_domains"]),
    )


def _party(r: Any) -> Party | None:
    if r["party_domain"] is None:
        return None
    return Party(
        first_party=bool(r["party_first_party"]),
        domain=str(r["party_domain"]),
        organisation=_ostr(r["party_organisation"]),
        service=_ostr(r["party_service"]),
        category=_ostr(r["party_category"]),
        country=_ostr(r["party_country"]),
        eea=_obool(r["party_eea"]),
        source=_ostr(r["party_source"]),
    )


def _initiator(r: Any) -> Initiator | None:
    if r["initiator_type"] is None:
        return None
    return Initiator(
        type=str(r["initiator_type"]),
        url=_ostr(r["initiator_url"]),
        line=_oint(r["initiator_line"]),
        stack=_strs(r["initiator_stack"]),
    )


def _page(r: Any) -> Page:
    return Page(
        url=str(r["url"]),
        phase=Phase(r["phase"]),
        final_url=_ostr(r["final_url"]),
        status=_oint(r["status"]),
        title=str(r["title"]),
        redirects=tuple(serialize.from_dict(Redirect, d) for d in json.loads(r["redirects"])),
        started_at=str(r["started_at"]),
        load_ms=_oint(r["load_ms"]),
        duration_ms=int(r["duration_ms"]),
        links=_strs(r["links"]),
        error=_ostr(r["error"]),
        error_message=_ostr(r["error_message"]),
    )


def _cookie(r: Any) -> Cookie:
    return Cookie(
        name=str(r["name"]),
        domain=str(r["domain"]),
        path=str(r["path"]),
        phase=Phase(r["phase"]),
        source=CookieSource(r["source"]),
        stored=bool(r["stored"]),
        blocked_reasons=_strs(r["blocked_reasons"]),
        in_jar=bool(r["in_jar"]),
        expires=_ostr(r["expires"]),
        lifetime_s=_oint(r["lifetime_s"]),
        secure=bool(r["secure"]),
        http_only=bool(r["http_only"]),
        same_site=_ostr(r["same_site"]),
        partitioned=bool(r["partitioned"]),
        size=int(r["size"]),
        value_hash=str(r["value_hash"]),
        value_prefix=str(r["value_prefix"]),
        value=_ostr(r["value"]),
        page_url=str(r["page_url"]),
        set_by=_ostr(r["set_by"]),
        initiator=_initiator(r),
        frame_url=_ostr(r["frame_url"]),
        first_seen_ms=int(r["first_seen_ms"]),
        writes=int(r["writes"]),
        party=_party(r),
    )


def _request(r: Any) -> Request:
    initiator = _initiator(r)
    return Request(
        url=str(r["url"]),
        phase=Phase(r["phase"]),
        page_url=str(r["page_url"]),
        frame_url=_ostr(r["frame_url"]),
        method=str(r["method"]),
        resource_type=str(r["resource_type"]),
        initiator=initiator if initiator is not None else Initiator("other"),
        status=_oint(r["status"]),
        remote_ip=_ostr(r["remote_ip"]),
        mime_type=_ostr(r["mime_type"]),
        beacon=_ostr(r["beacon"]),
        cookies_sent=_strs(r["cookies_sent"]),
        failed=_ostr(r["failed"]),
        t_ms=int(r["t_ms"]),
        party=_party(r),
        payload=_payload(r),
        typed=_typed(r.get("typed")),
        websocket=_websocket(r),
    )


def _websocket(r: Any) -> WebSocketSent | None:
    if r["websocket_frames_sent"] is None:
        return None
    return WebSocketSent(
        frames_sent=int(r["websocket_frames_sent"]),
        bytes_sent=int(r["websocket_bytes_sent"] or 0),
        first_bytes_sha256=_ostr(r["websocket_first_bytes_sha256"]),
    )


def _typed(text: Any) -> tuple[TypedLeak, ...]:
    """``Request.typed`` from its JSON column; ``()`` for rows saved before it existed."""
    if not text:
        return ()
    return tuple(serialize.from_dict(TypedLeak, item) for item in json.loads(text))


def _payload(r: Any) -> Payload | None:
    if r["payload_vendor"] is None:
        return None
    return Payload(
        vendor=str(r["payload_vendor"]),
        account=_ostr(r["payload_account"]),
        events=_strs(r["payload_events"]),
        params=_pairs(r["payload_params"]),
        personal_data=_pairs(r["payload_personal_data"]),
        flags=_strs(r["payload_flags"]),
        from_body=bool(r["payload_from_body"]),
    )


def _storage(r: Any) -> StorageItem:
    return StorageItem(
        kind=StorageKind(r["kind"]),
        origin=str(r["origin"]),
        key=str(r["key"]),
        phase=Phase(r["phase"]),
        page_url=str(r["page_url"]),
        frame_url=_ostr(r["frame_url"]),
        initiator=_initiator(r),
        value_hash=str(r["value_hash"]),
        value_prefix=str(r["value_prefix"]),
        value=_ostr(r["value"]),
        size=int(r["size"]),
        first_seen_ms=int(r["first_seen_ms"]),
        writes=int(r["writes"]),
        party=_party(r),
    )


def _api_call(r: Any) -> ApiCall:
    return ApiCall(
        api=str(r["api"]),
        phase=Phase(r["phase"]),
        page_url=str(r["page_url"]),
        frame_url=_ostr(r["frame_url"]),
        origin=str(r["origin"]),
        initiator=_initiator(r),
        count=int(r["count"]),
        party=_party(r),
    )


def _screenshot(r: Any) -> Screenshot:
    return Screenshot(
        label=str(r["label"]),
        page_url=str(r["page_url"]),
        mime=str(r["mime"]),
        data=_image_text(r["data"], r["data_text"]),
        phase=Phase(r["phase"]),
    )


def _image_text(data: Any, text: Any) -> str:
    """The base64 text :func:`_image_columns` was given back. A SQLite file written
    before revision 0002 may hold such a text in the image column itself."""
    if text is not None:
        return str(text)
    return base64.b64encode(data).decode("ascii") if isinstance(data, bytes) else str(data)


def _banner(r: Any, buttons: list[Any]) -> Banner | None:
    if r is None:
        return None
    return Banner(
        page_url=str(r["page_url"]),
        cmp=str(r["cmp"]),
        method=str(r["method"]),
        frame_url=_ostr(r["frame_url"]),
        buttons=tuple(
            BannerButton(text=str(b["text"]), role=str(b["role"]), rule=_ostr(b["rule"]))
            for b in buttons
        ),
        reject_on_first_layer=bool(r["reject_on_first_layer"]),
        accept_on_first_layer=bool(r["accept_on_first_layer"]),
        settings_on_first_layer=bool(r["settings_on_first_layer"]),
        blocks_page=bool(r["blocks_page"]),
        in_shadow_dom=bool(r["in_shadow_dom"]),
        text=str(r["text"]),
        screenshot=None
        if r["screenshot"] is None and r["screenshot_text"] is None
        else _image_text(r["screenshot"], r["screenshot_text"]),
    )


def _choice(r: Any) -> ConsentChoice:
    return ConsentChoice(
        phase=Phase(r["phase"]),
        clicked=bool(r["clicked"]),
        method=_ostr(r["method"]),
        element_text=_ostr(r["element_text"]),
        rule=_ostr(r["rule"]),
        reason=str(r["reason"]),
        layer=_oint(r["layer"]),
        banner_closed=bool(r["banner_closed"]),
        banner_on_next_page=bool(r["banner_on_next_page"]),
    )


def _judged(row: Any, result: SiteResult) -> SiteResult:
    """The result with its verdicts and knowledge share: as saved, or judged now for a
    site saved before they were kept (``verdicts_version`` 0, resp. below 2), from its
    observations and findings."""
    version = int(row["verdicts_version"])
    if version < 2:
        result = replace(result, knowledge=knowledge_share(result))
    elif row["knowledge_cookies"] is not None:
        result = replace(
            result,
            knowledge=KnowledgeShare(
                known_domains=_strs(row["knowledge_known_domains"]),
                unknown_domains=_strs(row["knowledge_unknown_domains"]),
                cookies=int(row["knowledge_cookies"]),
                cookies_known=int(row["knowledge_cookies_known"]),
            ),
        )
    if version == 0:
        return replace(result, verdicts=judge(result))
    if row["verdict_tracks_before_consent"] is None:
        return result
    return replace(
        result,
        verdicts=Verdicts(
            tracks_before_consent=bool(row["verdict_tracks_before_consent"]),
            non_eea_before_consent=bool(row["verdict_non_eea_before_consent"]),
            no_banner_while_tracking=bool(row["verdict_no_banner_while_tracking"]),
            refusal_tried=bool(row["verdict_refusal_tried"]),
            refusal_works=_obool(row["verdict_refusal_works"]),
            tracks_after_refusal=bool(row["verdict_tracks_after_refusal"]),
            cookie_wall=bool(row["verdict_cookie_wall"]),
            tracking_cookies_after_refusal=_strs(row["verdict_tracking_cookies_after_refusal"]),
        ),
    )


def _finding(r: Any, evidence: list[Evidence]) -> Finding:
    return Finding(
        id=str(r["finding_id"]),
        rule=str(r["rule"]),
        severity=Severity(r["severity"]),
        subject=str(r["subject"]),
        title=str(r["title"]),
        explanation=str(r["explanation"]),
        fix=str(r["fix"]),
        legal_basis=str(r["legal_basis"]),
        legal_url=str(r["legal_url"]),
        organisation=_ostr(r["organisation"]),
        category=_ostr(r["category"]),
        country=_ostr(r["country"]),
        evidence=tuple(evidence),
        variant=str(r["variant"]),
        params=_params(r["params"]),
        seen_in=int(r["seen_in"]),
        visits=int(r["visits"]),
    )


def _params(text: Any) -> tuple[tuple[str, ParamValue], ...]:
    """Finding parameters from their JSON (lists become tuples, as in the model)."""
    return tuple(
        (str(name), tuple(str(v) for v in value) if isinstance(value, list) else value)
        for name, value in json.loads(text)
    )
