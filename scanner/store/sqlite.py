"""The scan history in one SQLite file: normalised, queryable, one transaction per site.

Every entity of the model is a table with real columns (party fields included), so
questions like "which municipalities load google-analytics.com before consent" are
one SQL query (see ``docs/schema.md``). Only small nested values (initiator stacks,
redirect chains, links, options) are JSON text. The file holds what visitors'
browsers were made to store, so it is created readable by its owner only.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import os
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from enum import Enum
from pathlib import Path
from types import TracebackType
from typing import Any, Self

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
    Verdicts,
)
from .base import (
    ScanNotFound,
    ScanSummary,
    StoreError,
    StoreVersionError,
    resolve_ref,
)
from .migrations import MIGRATIONS, Migration

__all__ = ["VERDICTS_VERSION", "SQLiteStore"]

VERDICTS_VERSION = 2
"""``sites.verdicts_version`` of a site saved now: its verdicts and knowledge share are the
classification's. 0 marks a site saved before verdicts were kept; they are judged when it
is read. 1 marks one saved before the knowledge share was kept (migration 5); its share
is computed when it is read."""

_Row = dict[str, Any]
_CHILD_TABLES = (
    "pages",
    "cookies",
    "requests",
    "storage_items",
    "api_calls",
    "screenshots",
    "banner_buttons",
    "consent_choices",
    "findings",
)
"""Tables with one row per item of a site, in ``position`` order (``banners`` has no
position: a site has at most one)."""


class SQLiteStore:
    """A :class:`~scanner.store.base.ScanStore` in a SQLite file at ``path``.

    ``migrations`` exists so tests can exercise an upgrade; callers leave it alone.
    """

    def __init__(
        self,
        path: Path,
        *,
        busy_timeout_ms: int = 10_000,
        migrations: Sequence[Migration] = MIGRATIONS,
    ) -> None:
        self.path = Path(path)
        _create_private(self.path)
        # Usable from worker threads (e.g. asyncio.to_thread); self._lock serialises use.
        conn = sqlite3.connect(
            self.path,
            isolation_level=None,
            timeout=busy_timeout_ms / 1000,
            check_same_thread=False,
        )
        try:
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA journal_mode = WAL")
            # FULL makes a committed save_site survive a power cut, not just a crash.
            conn.execute("PRAGMA synchronous = FULL")
            _migrate(conn, migrations, self.path)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(f"{self.path}: not a usable scan history ({exc})") from exc
        except BaseException:
            conn.close()
            raise
        self._conn: sqlite3.Connection | None = conn
        self._lock = threading.RLock()

    # -- the protocol ------------------------------------------------------------

    def create_scan(self, scan: Scan, sites: Sequence[Site]) -> None:
        """Register a scan and its sites as pending, in one transaction."""
        urls = [s.url for s in sites]
        if len(set(urls)) != len(urls):
            raise StoreError(f"scan {scan.id}: two sites share a URL")
        with self._write() as conn:
            try:
                conn.execute(
                    "INSERT INTO scans (id, started_at, finished_at, tool_version, browser,"
                    " options, lists) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        scan.id,
                        scan.started_at,
                        scan.finished_at,
                        scan.tool_version,
                        scan.browser,
                        _json(scan.options),
                        _json(scan.lists),
                    ),
                )
            except sqlite3.IntegrityError:
                raise StoreError(f"scan {scan.id} already exists in the scan history") from None
            _insert_many(
                conn,
                "sites",
                [
                    _site_row(scan.id, i, SiteResult(site=s, status=SiteStatus.PENDING))
                    for i, s in enumerate(sites)
                ],
            )
            for result in scan.sites:
                _save_site(conn, scan.id, result)

    def save_site(self, scan_id: str, result: SiteResult) -> None:
        """Replace the site's result in one transaction; durable when this returns."""
        with self._write() as conn:
            _require_scan(conn, scan_id)
            _save_site(conn, scan_id, result)

    def finish_scan(self, scan_id: str, finished_at: str) -> None:
        """Record when the scan ended."""
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE scans SET finished_at = ? WHERE id = ?", (finished_at, scan_id)
            )
            if cur.rowcount == 0:
                raise ScanNotFound(f"no scan {scan_id!r} in the scan history")

    def get_scan(self, scan_id: str) -> Scan:
        """Load the whole scan from one consistent snapshot."""
        with self._read() as conn:
            head = conn.execute("SELECT * FROM scans WHERE id = ?", (scan_id,)).fetchone()
            if head is None:
                raise ScanNotFound(f"no scan {scan_id!r} in the scan history")
            site_rows = conn.execute(
                "SELECT * FROM sites WHERE scan_id = ? ORDER BY position", (scan_id,)
            ).fetchall()
            children = {t: _children(conn, t, scan_id) for t in _CHILD_TABLES}
            banners = _banners(conn, scan_id)
            security = _security(conn, scan_id)
            evidence = _evidence(conn, scan_id)
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

    def pending_sites(self, scan_id: str) -> list[Site]:
        """Sites still to visit, in registration order."""
        with self._read() as conn:
            _require_scan(conn, scan_id)
            rows = conn.execute(
                "SELECT * FROM sites WHERE scan_id = ? AND status = ? ORDER BY position",
                (scan_id, SiteStatus.PENDING.value),
            ).fetchall()
        return [_site(r) for r in rows]

    def list_scans(self) -> list[ScanSummary]:
        """Summaries, newest first, counted by SQL rather than by loading scans."""
        with self._read() as conn:
            heads = conn.execute("SELECT * FROM scans ORDER BY started_at DESC, id DESC").fetchall()
            statuses: dict[str, dict[str, int]] = defaultdict(dict)
            for row in conn.execute(
                "SELECT scan_id, status, COUNT(*) FROM sites GROUP BY scan_id, status"
            ):
                statuses[row[0]][row[1]] = int(row[2])
            pages = dict(
                conn.execute(
                    "SELECT si.scan_id, COUNT(*) FROM pages p"
                    " JOIN sites si ON si.id = p.site_id GROUP BY si.scan_id"
                ).fetchall()
            )
            severities: dict[str, dict[str, int]] = defaultdict(dict)
            for row in conn.execute(
                "SELECT si.scan_id, f.severity, COUNT(*) FROM findings f"
                " JOIN sites si ON si.id = f.site_id GROUP BY si.scan_id, f.severity"
            ):
                severities[row[0]][row[1]] = int(row[2])
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
                    pages=int(pages.get(h["id"], 0)),
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
                str(r[0])
                for r in conn.execute("SELECT id FROM scans ORDER BY started_at DESC, id DESC")
            ]
        return resolve_ref(ref, ids)

    def close(self) -> None:
        """Close the connection (SQLite checkpoints the WAL on the last close)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

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

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"the scan history {self.path} is closed")
        return self._conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction: takes the write lock up front so it never deadlocks."""
        with self._transaction("BEGIN IMMEDIATE") as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction, so several SELECTs see the same snapshot."""
        with self._transaction("BEGIN") as conn:
            yield conn

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._connection()
            conn.execute(begin)
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")


# -- opening -------------------------------------------------------------------------


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


def _migrate(conn: sqlite3.Connection, migrations: Sequence[Migration], path: Path) -> None:
    """Bring the schema to ``len(migrations)`` in one transaction, or refuse."""
    target = len(migrations)
    if _user_version(conn) == target:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = _user_version(conn)  # again, under the lock: another process may have won
        if current > target:
            raise StoreVersionError(
                f"{path} has schema version {current}, but this privacyscan understands "
                f"up to version {target}: upgrade privacyscan or use another database file"
            )
        for migration in migrations[current:]:
            migration(conn)
        conn.execute(f"PRAGMA user_version = {target}")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _require_scan(conn: sqlite3.Connection, scan_id: str) -> None:
    if conn.execute("SELECT 1 FROM scans WHERE id = ?", (scan_id,)).fetchone() is None:
        raise ScanNotFound(f"no scan {scan_id!r} in the scan history")


# -- writing -------------------------------------------------------------------------


def _save_site(conn: sqlite3.Connection, scan_id: str, result: SiteResult) -> None:
    """Upsert the site row and replace all its children (inside the caller's transaction)."""
    found = conn.execute(
        "SELECT id, position FROM sites WHERE scan_id = ? AND url = ?",
        (scan_id, result.site.url),
    ).fetchone()
    if found is None:
        (position,) = conn.execute(
            "SELECT COALESCE(MAX(position) + 1, 0) FROM sites WHERE scan_id = ?", (scan_id,)
        ).fetchone()
        row = _site_row(scan_id, int(position), result)
        site_id = conn.execute(_insert_sql("sites", row), row).lastrowid
    else:
        site_id = int(found["id"])
        row = _site_row(scan_id, int(found["position"]), result)
        assignments = ", ".join(f"{k} = :{k}" for k in row)
        conn.execute(
            f"UPDATE sites SET {assignments} WHERE id = :site_id", {**row, "site_id": site_id}
        )
        # Evidence goes with its findings (ON DELETE CASCADE); buttons before their banner.
        for table in (*_CHILD_TABLES, "banners", "site_security"):
            conn.execute(f"DELETE FROM {table} WHERE site_id = ?", (site_id,))
    assert site_id is not None
    _insert_many(conn, "pages", _child_rows(site_id, result.pages))
    _insert_many(conn, "cookies", _child_rows(site_id, result.cookies))
    _insert_many(conn, "requests", _child_rows(site_id, result.requests))
    _insert_many(conn, "storage_items", _child_rows(site_id, result.storage))
    _insert_many(conn, "api_calls", _child_rows(site_id, result.api_calls))
    _insert_many(
        conn,
        "screenshots",
        [_screenshot_row(site_id, i, s) for i, s in enumerate(result.screenshots)],
    )
    if result.banner is not None:
        brow = _banner_row(site_id, result.banner)
        conn.execute(_insert_sql("banners", brow), brow)
        _insert_many(conn, "banner_buttons", _child_rows(site_id, result.banner.buttons))
    _insert_many(conn, "consent_choices", _child_rows(site_id, result.choices))
    if result.security is not None:
        srow = {
            "site_id": site_id,
            "probed": result.security.probed,
            "data": _json(result.security),
        }
        conn.execute(_insert_sql("site_security", srow), srow)
    for i, finding in enumerate(result.findings):
        frow = {
            "site_id": site_id,
            "position": i,
            **_record_row(finding, skip=("evidence",), rename={"id": "finding_id"}),
        }
        finding_rowid = conn.execute(_insert_sql("findings", frow), frow).lastrowid
        assert finding_rowid is not None
        evidence = [
            {"finding": finding_rowid, "position": j, **_record_row(e)}
            for j, e in enumerate(finding.evidence)
        ]
        _insert_many(conn, "finding_evidence", evidence)


def _insert_sql(table: str, row: _Row) -> str:
    # Column names come from this module, never from data, so formatting them is safe.
    return f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join(':' + k for k in row)})"


def _insert_many(conn: sqlite3.Connection, table: str, rows: list[_Row]) -> None:
    if rows:
        conn.executemany(_insert_sql(table, rows[0]), rows)


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
        "data": _image_bytes(s.data),
    }


def _banner_row(site_id: int, b: Banner) -> _Row:
    return {
        "site_id": site_id,
        "page_url": b.page_url,
        "cmp": b.cmp,
        "method": b.method,
        "frame_url": b.frame_url,
        "reject_on_first_layer": b.reject_on_first_layer,
        "accept_on_first_layer": b.accept_on_first_layer,
        "settings_on_first_layer": b.settings_on_first_layer,
        "blocks_page": b.blocks_page,
        "in_shadow_dom": b.in_shadow_dom,
        "text": b.text,
        "screenshot": None if b.screenshot is None else _image_bytes(b.screenshot),
    }


def _image_bytes(data: str) -> bytes | str:
    """The decoded image: a quarter smaller than its base64, and a real BLOB in SQL.

    Text that would not come back identical from ``b64encode`` (not base64, line
    breaks, odd padding) is kept as it is, so a save never fails and never alters it.
    """
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return data
    return raw if base64.b64encode(raw).decode("ascii") == data else data


# -- reading -------------------------------------------------------------------------


def _children(conn: sqlite3.Connection, table: str, scan_id: str) -> defaultdict[int, list[Any]]:
    """All rows of one child table for a scan, grouped by site and in saved order."""
    grouped: defaultdict[int, list[Any]] = defaultdict(list)
    rows = conn.execute(
        f"SELECT t.* FROM {table} t JOIN sites si ON si.id = t.site_id"
        " WHERE si.scan_id = ? ORDER BY t.site_id, t.position",
        (scan_id,),
    )
    for row in rows:
        grouped[int(row["site_id"])].append(row)
    return grouped


def _banners(conn: sqlite3.Connection, scan_id: str) -> dict[int, Any]:
    """The banner row of each site of a scan that has one, by site id."""
    rows = conn.execute(
        "SELECT b.* FROM banners b JOIN sites si ON si.id = b.site_id WHERE si.scan_id = ?",
        (scan_id,),
    )
    return {int(row["site_id"]): row for row in rows}


def _security(conn: sqlite3.Connection, scan_id: str) -> dict[int, SecurityFacts]:
    """The security facts of each site of a scan that has them, by site id."""
    rows = conn.execute(
        "SELECT s.site_id, s.data FROM site_security s JOIN sites si ON si.id = s.site_id"
        " WHERE si.scan_id = ?",
        (scan_id,),
    )
    return {
        int(row["site_id"]): serialize.from_dict(SecurityFacts, json.loads(row["data"]))
        for row in rows
    }


def _evidence(conn: sqlite3.Connection, scan_id: str) -> defaultdict[int, list[Evidence]]:
    grouped: defaultdict[int, list[Evidence]] = defaultdict(list)
    rows = conn.execute(
        "SELECT e.* FROM finding_evidence e JOIN findings f ON f.id = e.finding"
        " JOIN sites si ON si.id = f.site_id WHERE si.scan_id = ?"
        " ORDER BY e.finding, e.position",
        (scan_id,),
    )
    for r in rows:
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
    )


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
        data=_image_text(r["data"]),
        phase=Phase(r["phase"]),
    )


def _image_text(data: Any) -> str:
    """The base64 text :func:`_image_bytes` was given back."""
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
        screenshot=None if r["screenshot"] is None else _image_text(r["screenshot"]),
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
    )


def _params(text: Any) -> tuple[tuple[str, ParamValue], ...]:
    """Finding parameters from their JSON (lists become tuples, as in the model)."""
    return tuple(
        (str(name), tuple(str(v) for v in value) if isinstance(value, list) else value)
        for name, value in json.loads(text)
    )
