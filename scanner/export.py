"""Exports of a scan for other tools: one JSON document, or one CSV file per entity.

The JSON is exactly :func:`scanner.serialize.to_dict` of the model, so
``docs/schema.md`` documents it by documenting the dataclasses. The CSV files are
for spreadsheets, which run formulas: every text cell that could start one is
neutralised, because page titles, cookie names and URLs come from the scanned
sites, not from us. Screenshots (a banner's included) are JSON only: a base64 image
is no spreadsheet cell.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import Any, TextIO

from . import rows, serialize
from .classify.verdicts import judge
from .errors import ConfigError
from .messages import DEFAULT_LANGUAGE, translator
from .messages.findings import result_with_texts, with_texts
from .models import (
    SCHEMA_VERSION,
    Banner,
    Finding,
    KnowledgeShare,
    Scan,
    SiteResult,
    TypedLeak,
)

__all__ = [
    "CSV_COLUMNS",
    "LIST_SEPARATOR",
    "export_csv",
    "export_json",
    "findings_csv",
    "load_json",
    "neutralise",
    "site_document",
]

Builder = Callable[[Scan], Iterator[dict[str, Any]]]
"""Makes the rows of one CSV file from a scan."""

LIST_SEPARATOR = " | "
"""Joins the items of a list (stack frames, links, reasons) inside one CSV cell."""

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_SITE = ("scan_id", "site_url", "site_name")
_INITIATOR = ("initiator_type", "initiator_url", "initiator_line", "initiator_stack")
_PARTY = (
    "party_first_party",
    "party_domain",
    "party_organisation",
    "party_service",
    "party_category",
    "party_country",
    "party_eea",
    "party_source",
)
_PAYLOAD = (
    "payload_vendor",
    "payload_account",
    "payload_events",
    "payload_params",
    "payload_personal_data",
    "payload_flags",
    "payload_from_body",
)
_WEBSOCKET = ("websocket_frames_sent", "websocket_bytes_sent", "websocket_first_bytes_sha256")
_KNOWLEDGE = (
    "knowledge_domains",
    "knowledge_domains_known",
    "knowledge_unknown_domains",
    "knowledge_cookies",
    "knowledge_cookies_known",
)
_VERDICTS = (
    "verdict_tracks_before_consent",
    "verdict_non_eea_before_consent",
    "verdict_no_banner_while_tracking",
    "verdict_refusal_tried",
    "verdict_refusal_works",
    "verdict_tracks_after_refusal",
    "verdict_cookie_wall",
    "verdict_tracking_cookies_after_refusal",
)
_BANNER = (
    "banner_cmp",
    "banner_method",
    "banner_page_url",
    "banner_frame_url",
    "banner_reject_on_first_layer",
    "banner_accept_on_first_layer",
    "banner_settings_on_first_layer",
    "banner_blocks_page",
    "banner_in_shadow_dom",
    "banner_text",
    "banner_button_texts",
    "banner_button_roles",
    "banner_button_rules",
)

CSV_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "sites.csv",
        (
            *_SITE,
            "province",
            "code",
            "extra_domains",
            "status",
            "error",
            "error_message",
            "started_at",
            "finished_at",
            "score",
            "grade",
            "security_score",
            "security_grade",
            "pages",
            "pages_discovered",
            "cookies",
            "requests",
            "storage_items",
            "api_calls",
            "findings",
            *_BANNER,
            "consent_choices",
            *_VERDICTS,
            *_KNOWLEDGE,
        ),
    ),
    (
        "pages.csv",
        (
            *_SITE,
            "url",
            "phase",
            "final_url",
            "status",
            "title",
            "redirects",
            "started_at",
            "load_ms",
            "duration_ms",
            "links",
            "error",
            "error_message",
        ),
    ),
    (
        "cookies.csv",
        (
            *_SITE,
            "page_url",
            "phase",
            "name",
            "domain",
            "path",
            "source",
            "stored",
            "blocked_reasons",
            "in_jar",
            "expires",
            "lifetime_s",
            "secure",
            "http_only",
            "same_site",
            "partitioned",
            "size",
            "value_hash",
            "value_prefix",
            "value",
            "set_by",
            "frame_url",
            "first_seen_ms",
            "writes",
            *_INITIATOR,
            *_PARTY,
        ),
    ),
    (
        "requests.csv",
        (
            *_SITE,
            "page_url",
            "phase",
            "url",
            "frame_url",
            "method",
            "resource_type",
            "status",
            "remote_ip",
            "mime_type",
            "beacon",
            "cookies_sent",
            "failed",
            "t_ms",
            *_INITIATOR,
            *_PARTY,
            *_PAYLOAD,
            "typed",
            *_WEBSOCKET,
        ),
    ),
    (
        "storage.csv",
        (
            *_SITE,
            "page_url",
            "phase",
            "kind",
            "origin",
            "key",
            "frame_url",
            "value_hash",
            "value_prefix",
            "value",
            "size",
            "first_seen_ms",
            "writes",
            *_INITIATOR,
            *_PARTY,
        ),
    ),
    (
        "api_calls.csv",
        (
            *_SITE,
            "page_url",
            "phase",
            "api",
            "origin",
            "frame_url",
            "count",
            *_INITIATOR,
            *_PARTY,
        ),
    ),
    (
        "consent_choices.csv",
        (
            *_SITE,
            "phase",
            "clicked",
            "method",
            "element_text",
            "rule",
            "reason",
            "layer",
            "banner_closed",
            "banner_on_next_page",
        ),
    ),
    (
        "findings.csv",
        (
            *_SITE,
            "finding_id",
            "rule",
            "severity",
            "subject",
            "title",
            "explanation",
            "fix",
            "legal_basis",
            "legal_url",
            "organisation",
            "category",
            "country",
            "evidence_count",
            "evidence_page_urls",
            "evidence_phases",
            "evidence_subjects",
            "variant",
            "params",
            "site_province",
            "site_code",
            "site_status",
            "site_grade",
            "site_score",
            "seen_in",
            "visits",
        ),
    ),
)
"""Each CSV file and its columns, in order; ``docs/schema.md`` explains every one."""


# -- JSON ------------------------------------------------------------------------------


def export_json(scan: Scan, out: TextIO, *, lang: str = DEFAULT_LANGUAGE) -> None:
    """Write the whole scan as one JSON document, loadable with :func:`load_json`.

    The findings' words (``title`` … ``legal_url``) are rendered in ``lang``.
    """
    scan = with_texts(scan, translator(lang))
    document = {"schema_version": SCHEMA_VERSION, "scan": serialize.to_dict(scan)}
    json.dump(document, out, ensure_ascii=False, indent=2)
    out.write("\n")


def load_json(inp: TextIO) -> Scan:
    """Read a document written by :func:`export_json` (same major schema version)."""
    try:
        document = json.load(inp)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"not a privacyscan JSON export: {exc}") from exc
    if not isinstance(document, dict) or "scan" not in document:
        raise ConfigError("not a privacyscan JSON export: no 'scan' object")
    version = str(document.get("schema_version", ""))
    if version.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        raise ConfigError(
            f"export has schema version {version or '?'}; this privacyscan reads "
            f"{SCHEMA_VERSION.split('.')[0]}.x"
        )
    scan = serialize.from_dict(Scan, document["scan"])
    if _minor(version) < _VERDICTS_SINCE:
        # Written before verdicts were kept: judge them from what the document holds.
        scan = replace(scan, sites=tuple(replace(r, verdicts=judge(r)) for r in scan.sites))
    return scan


_VERDICTS_SINCE = 2
"""The minor schema version since which a document carries ``SiteResult.verdicts``."""


def _minor(version: str) -> int:
    _, _, minor = version.partition(".")
    return int(minor) if minor.isdigit() else 0


def site_document(
    scan: Scan,
    result: SiteResult,
    *,
    lang: str = DEFAULT_LANGUAGE,
    har_files: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """The JSON document ``privacyscan scan`` writes per site.

    It repeats the scan's conditions (tool, browser, options, lists) so that one
    site's file is evidence on its own, without the rest of the scan. The findings'
    words are rendered in ``lang``. ``har_files`` says where the visitors' HTTP
    Archives were written (``phase``, ``path``, ``entries``, ``sha256``).
    """
    result = result_with_texts(result, translator(lang))
    return {
        "schema_version": SCHEMA_VERSION,
        "scan_id": scan.id,
        "scan_started_at": scan.started_at,
        "tool_version": scan.tool_version,
        "browser": scan.browser,
        "options": serialize.to_dict(scan.options),
        "lists": serialize.to_dict(scan.lists),
        "result": serialize.to_dict(result),
        "har_files": list(har_files),
    }


# -- CSV -------------------------------------------------------------------------------


def neutralise(text: str) -> str:
    """Make a cell that a spreadsheet would read as a formula plain text.

    The OWASP remedy: a leading single quote, which spreadsheets hide and treat as
    "this is text". Applied to every text cell; numbers we wrote ourselves are safe.
    """
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def export_csv(scan: Scan, out_dir: Path, *, lang: str = DEFAULT_LANGUAGE) -> list[Path]:
    """Write one UTF-8 CSV per entity into ``out_dir``; return the files in order.

    The findings' words are rendered in ``lang``.
    """
    scan = with_texts(scan, translator(lang))
    out_dir.mkdir(parents=True, exist_ok=True)
    builders: dict[str, Builder] = {
        "sites.csv": _site_rows,
        "pages.csv": _page_rows,
        "cookies.csv": _record_rows(lambda r: r.cookies),
        "requests.csv": _record_rows(lambda r: r.requests),
        "storage.csv": _record_rows(lambda r: r.storage),
        "api_calls.csv": _record_rows(lambda r: r.api_calls),
        "consent_choices.csv": _record_rows(lambda r: r.choices),
        "findings.csv": _finding_rows,
    }
    written = []
    for filename, columns in CSV_COLUMNS:
        path = out_dir / filename
        _write_csv(path, columns, builders[filename](scan))
        written.append(path)
    return written


def findings_csv(scan: Scan, *, lang: str = DEFAULT_LANGUAGE) -> str:
    """``findings.csv`` as text, the findings' words in ``lang``.

    The one writer of that file: the export's ``findings.csv`` and the one in a report
    directory (``reports.write_report``, which adds a byte order mark for Excel) are
    this text.
    """
    out = io.StringIO()
    columns = dict(CSV_COLUMNS)["findings.csv"]
    _write_rows(out, "findings.csv", columns, _finding_rows(with_texts(scan, translator(lang))))
    return out.getvalue()


def _write_csv(path: Path, columns: tuple[str, ...], rows: Iterable[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        _write_rows(f, path.name, columns, rows)


def _write_rows(
    out: TextIO, name: str, columns: tuple[str, ...], rows: Iterable[dict[str, Any]]
) -> None:
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        if row.keys() != set(columns):  # a programming error, caught by the tests
            raise AssertionError(f"{name}: columns differ: {set(columns) ^ row.keys()}")
        writer.writerow([_cell(row[c]) for c in columns])


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)  # digits and perhaps a minus: a number, never a formula
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, tuple):
        value = LIST_SEPARATOR.join(_text(v) for v in value)
    return neutralise(_text(value))


def _text(value: Any) -> str:
    if isinstance(value, tuple):  # a (name, value) pair in a list, e.g. a payload parameter
        return "=".join(_text(v) for v in value)
    if isinstance(value, TypedLeak):  # what the form-typing step found in a request
        return f"{value.field}={value.kind}:{value.encoding}@{value.place}"
    return str(value.value if isinstance(value, Enum) else value)


def _site(scan: Scan, r: SiteResult) -> dict[str, Any]:
    return {"scan_id": scan.id, "site_url": r.site.url, "site_name": r.site.name}


def _site_rows(scan: Scan) -> Iterator[dict[str, Any]]:
    for r in scan.sites:
        yield {
            **_site(scan, r),
            "province": r.site.province,
            "code": r.site.code,
            "extra_domains": r.site.extra_domains,
            "status": r.status,
            "error": r.error,
            "error_message": r.error_message,
            "started_at": r.started_at,
            "finished_at": r.finished_at,
            "score": r.score,
            "grade": r.grade,
            "security_score": r.security_score,
            "security_grade": r.security_grade,
            "pages": len(r.pages),
            "pages_discovered": r.pages_discovered,
            "cookies": len(r.cookies),
            "requests": len(r.requests),
            "storage_items": len(r.storage),
            "api_calls": len(r.api_calls),
            "findings": len(r.findings),
            **_banner(r.banner),
            "consent_choices": len(r.choices),
            **{
                f"verdict_{name}": None if r.verdicts is None else getattr(r.verdicts, name)
                for name in (c.removeprefix("verdict_") for c in _VERDICTS)
            },
            **_knowledge(r.knowledge),
        }


def _knowledge(k: KnowledgeShare | None) -> dict[str, Any]:
    if k is None:
        return dict.fromkeys(_KNOWLEDGE)
    return {
        "knowledge_domains": len(k.known_domains) + len(k.unknown_domains),
        "knowledge_domains_known": len(k.known_domains),
        "knowledge_unknown_domains": k.unknown_domains,
        "knowledge_cookies": k.cookies,
        "knowledge_cookies_known": k.cookies_known,
    }


def _banner(b: Banner | None) -> dict[str, Any]:
    if b is None:
        return dict.fromkeys(_BANNER)
    return {
        "banner_cmp": b.cmp,
        "banner_method": b.method,
        "banner_page_url": b.page_url,
        "banner_frame_url": b.frame_url,
        "banner_reject_on_first_layer": b.reject_on_first_layer,
        "banner_accept_on_first_layer": b.accept_on_first_layer,
        "banner_settings_on_first_layer": b.settings_on_first_layer,
        "banner_blocks_page": b.blocks_page,
        "banner_in_shadow_dom": b.in_shadow_dom,
        "banner_text": b.text,
        "banner_button_texts": tuple(x.text for x in b.buttons),
        "banner_button_roles": tuple(x.role for x in b.buttons),
        "banner_button_rules": tuple(x.rule or "" for x in b.buttons),
    }


def _page_rows(scan: Scan) -> Iterator[dict[str, Any]]:
    for r in scan.sites:
        for p in r.pages:
            redirects = tuple(f"{h.status} {h.url}" for h in p.redirects)
            yield {**_site(scan, r), **rows.flatten(p), "redirects": redirects}


def _record_rows(records: Callable[[SiteResult], Sequence[Any]]) -> Builder:
    """Rows of one kind of record: each record's fields after its site's."""

    def build(scan: Scan) -> Iterator[dict[str, Any]]:
        for r in scan.sites:
            for record in records(r):
                yield {**_site(scan, r), **rows.flatten(record)}

    return build


def _finding_rows(scan: Scan) -> Iterator[dict[str, Any]]:
    for r in scan.sites:
        site = {
            "site_province": r.site.province,
            "site_code": r.site.code,
            "site_status": r.status,
            "site_grade": r.grade,
            "site_score": r.score,
        }
        for f in r.findings:
            yield {**_site(scan, r), **_finding(f), **site}


def _finding(f: Finding) -> dict[str, Any]:
    return {
        **rows.flatten(f, skip=("evidence",), rename={"id": "finding_id"}),
        "evidence_count": len(f.evidence),
        "evidence_page_urls": tuple(e.page_url for e in f.evidence),
        "evidence_phases": tuple(e.phase for e in f.evidence),
        "evidence_subjects": tuple(e.subject for e in f.evidence),
        "params": serialize.dumps(f.params, indent=None) if f.params else "",
    }
