"""The scan history's tables, once, for every SQL back end (SQLAlchemy Core).

SQLite (the embedded default) and PostgreSQL (a shared history for many workers)
get the same tables and columns from these definitions; their history of changes is
the Alembic revisions in ``scanner/store/alembic/versions`` (see :mod:`.migrate`),
whose head must produce exactly this (``tests/test_store.py`` compares them). Change
a table here and add a revision there, never one without the other.

Column order is the order the hand-kept SQLite migrations 1–6 left, so a file made
then and a file made now have the same columns in the same places. Booleans are
integers ``0``/``1`` on both back ends, as they always were, so the documented SQL
(``party_eea = 0``) means the same everywhere.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

__all__ = ["Int", "Str", "metadata"]

Int = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""64-bit integers on both: SQLite's INTEGER is 64-bit, PostgreSQL's ``integer`` is not
(a cookie that expires in 9999 has a lifetime past 2**31 seconds). ``INTEGER PRIMARY KEY``
must stay spelled so on SQLite: it is the rowid."""

_NUL_MARK = "\ufdd0"
"""Starts a text that PostgreSQL got escaped: a Unicode noncharacter, never in real text."""


class Str(sa.types.TypeDecorator[str]):
    """Text that keeps every character on both back ends.

    PostgreSQL's ``text`` cannot hold U+0000, which a website can put in a title or a
    storage key. Such a text (and one that starts with the marker) is stored as the
    marker followed by the text with ``\\`` doubled and U+0000 as ``\\0``; every other
    text is stored as it is, so SQL on ordinary values is unaffected. SQLite keeps any
    text unchanged.
    """

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None or dialect.name == "sqlite":
            return value
        if "\x00" in value or value.startswith(_NUL_MARK):
            return _NUL_MARK + value.replace("\\", "\\\\").replace("\x00", "\\0")
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None or dialect.name == "sqlite" or not str(value).startswith(_NUL_MARK):
            return value if value is None else str(value)
        out: list[str] = []
        chars = iter(str(value)[1:])
        for char in chars:
            if char == "\\":
                out.append("\x00" if next(chars, "") == "0" else "\\")
            else:
                out.append(char)
        return "".join(out)


metadata = sa.MetaData()


def _id() -> sa.Column[Any]:
    return sa.Column("id", Int, primary_key=True, autoincrement=True)


def _site_ref() -> sa.Column[Any]:
    return sa.Column("site_id", Int, sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=False)


def _text(name: str, nullable: bool = True) -> sa.Column[Any]:
    return sa.Column(name, Str(), nullable=nullable)


def _int(name: str, nullable: bool = True) -> sa.Column[Any]:
    return sa.Column(name, Int, nullable=nullable)


def _party() -> list[sa.Column[Any]]:
    """``Party`` as columns (``scanner.rows``); party_domain is NULL exactly when the
    thing was not classified."""
    return [
        _int("party_first_party"),
        _text("party_domain"),
        _text("party_organisation"),
        _text("party_service"),
        _text("party_category"),
        _text("party_country"),
        _int("party_eea"),
        _text("party_source"),
    ]


def _initiator() -> list[sa.Column[Any]]:
    """An ``Initiator`` as columns; initiator_type is NULL exactly when there is none."""
    return [
        _text("initiator_type"),
        _text("initiator_url"),
        _int("initiator_line"),
        _text("initiator_stack"),
    ]


def _position() -> sa.Column[Any]:
    return _int("position", nullable=False)


scans = sa.Table(
    "scans",
    metadata,
    sa.Column("id", Str(), primary_key=True),
    _text("started_at", False),
    _text("finished_at"),
    _text("tool_version", False),
    _text("browser", False),
    _text("options", False),
    _text("lists", False),
)
sa.Index("scans_started", scans.c.started_at, scans.c.id)

sites = sa.Table(
    "sites",
    metadata,
    _id(),
    sa.Column("scan_id", Str(), sa.ForeignKey("scans.id", ondelete="CASCADE"), nullable=False),
    _position(),
    _text("url", False),
    _text("name", False),
    _text("province"),
    _text("code"),
    _text("extra_domains", False),
    _text("status", False),
    _text("error"),
    _text("error_message"),
    _text("started_at", False),
    _text("finished_at", False),
    _int("score"),
    _text("grade"),
    sa.Column("pages_discovered", Int, nullable=False, server_default="0"),
    sa.Column("verdicts_version", Int, nullable=False, server_default="0"),
    _int("verdict_tracks_before_consent"),
    _int("verdict_non_eea_before_consent"),
    _int("verdict_no_banner_while_tracking"),
    _int("verdict_refusal_tried"),
    _int("verdict_refusal_works"),
    _int("verdict_tracks_after_refusal"),
    _int("verdict_cookie_wall"),
    _text("verdict_tracking_cookies_after_refusal"),
    _text("knowledge_known_domains"),
    _text("knowledge_unknown_domains"),
    _int("knowledge_cookies"),
    _int("knowledge_cookies_known"),
    _int("security_score"),
    _text("security_grade"),
    sa.UniqueConstraint("scan_id", "url"),
    sa.UniqueConstraint("scan_id", "position"),
)
sa.Index("sites_tracking", sites.c.scan_id, sites.c.verdict_tracks_before_consent)

pages = sa.Table(
    "pages",
    metadata,
    _id(),
    _site_ref(),
    _position(),
    _text("url", False),
    _text("phase", False),
    _text("final_url"),
    _int("status"),
    _text("title", False),
    _text("redirects", False),
    _text("started_at", False),
    _int("load_ms"),
    _int("duration_ms", False),
    _text("links", False),
    _text("error"),
    _text("error_message"),
    sa.UniqueConstraint("site_id", "position"),
)

cookies = sa.Table(
    "cookies",
    metadata,
    _id(),
    _site_ref(),
    _position(),
    _text("name", False),
    _text("domain", False),
    _text("path", False),
    _text("phase", False),
    _text("source", False),
    _int("stored", False),
    _text("blocked_reasons", False),
    _int("in_jar", False),
    _text("expires"),
    _int("lifetime_s"),
    _int("secure", False),
    _int("http_only", False),
    _text("same_site"),
    _int("partitioned", False),
    _int("size", False),
    _text("value_hash", False),
    _text("value_prefix", False),
    _text("value"),
    _text("page_url", False),
    _text("set_by"),
    *_initiator(),
    _text("frame_url"),
    _int("first_seen_ms", False),
    _int("writes", False),
    *_party(),
    sa.UniqueConstraint("site_id", "position"),
)
sa.Index("cookies_party", cookies.c.party_domain, cookies.c.phase)
# A cookie name is the website's choice and may be kilobytes long: past PostgreSQL's
# B-tree entry limit (about 2.7 kB) a save would fail, so there it is a hash index
# (equality, which is how names are looked up).
sa.Index("cookies_name", cookies.c.name, postgresql_using="hash")

requests = sa.Table(
    "requests",
    metadata,
    _id(),
    _site_ref(),
    _position(),
    _text("url", False),
    _text("phase", False),
    _text("page_url", False),
    _text("frame_url"),
    _text("method", False),
    _text("resource_type", False),
    *_initiator(),
    _int("status"),
    _text("remote_ip"),
    _text("mime_type"),
    _text("beacon"),
    _text("cookies_sent", False),
    _text("failed"),
    _int("t_ms", False),
    *_party(),
    _text("payload_vendor"),
    _text("payload_account"),
    _text("payload_events"),
    _text("payload_params"),
    _text("payload_personal_data"),
    _text("payload_flags"),
    _int("payload_from_body"),
    _text("typed"),
    _int("websocket_frames_sent"),
    _int("websocket_bytes_sent"),
    _text("websocket_first_bytes_sha256"),
    sa.UniqueConstraint("site_id", "position"),
)
sa.Index("requests_party", requests.c.party_domain, requests.c.phase)
sa.Index("requests_organisation", requests.c.party_organisation)
sa.Index("requests_payload", requests.c.payload_vendor)

storage_items = sa.Table(
    "storage_items",
    metadata,
    _id(),
    _site_ref(),
    _position(),
    _text("kind", False),
    _text("origin", False),
    _text("key", False),
    _text("phase", False),
    _text("page_url", False),
    _text("frame_url"),
    *_initiator(),
    _text("value_hash", False),
    _text("value_prefix", False),
    _text("value"),
    _int("size", False),
    _int("first_seen_ms", False),
    _int("writes", False),
    *_party(),
    sa.UniqueConstraint("site_id", "position"),
)
sa.Index("storage_items_party", storage_items.c.party_domain, storage_items.c.phase)

findings = sa.Table(
    "findings",
    metadata,
    _id(),
    _site_ref(),
    _position(),
    _text("finding_id", False),
    _text("rule", False),
    _text("severity", False),
    _text("subject", False),
    _text("title", False),
    _text("explanation", False),
    _text("fix", False),
    _text("legal_basis", False),
    _text("legal_url", False),
    _text("organisation"),
    _text("category"),
    _text("country"),
    sa.Column("variant", Str(), nullable=False, server_default=""),
    sa.Column("params", Str(), nullable=False, server_default="[]"),
    # Repeat visits (revision 0004): in how many of how many visits it was seen.
    sa.Column("seen_in", Int, nullable=False, server_default="1"),
    sa.Column("visits", Int, nullable=False, server_default="1"),
    sa.UniqueConstraint("site_id", "position"),
)
sa.Index("findings_rule", findings.c.rule, findings.c.severity)
# A finding id carries its subject (a cookie name, a host): hashed on PostgreSQL, as above.
sa.Index("findings_finding_id", findings.c.finding_id, postgresql_using="hash")

finding_evidence = sa.Table(
    "finding_evidence",
    metadata,
    _id(),
    sa.Column("finding", Int, sa.ForeignKey("findings.id", ondelete="CASCADE"), nullable=False),
    _position(),
    _text("page_url", False),
    _text("phase", False),
    _text("subject", False),
    *_initiator(),
    sa.UniqueConstraint("finding", "position"),
)

api_calls = sa.Table(
    "api_calls",
    metadata,
    _id(),
    _site_ref(),
    _position(),
    _text("api", False),
    _text("phase", False),
    _text("page_url", False),
    _text("frame_url"),
    _text("origin", False),
    *_initiator(),
    _int("count", False),
    *_party(),
    sa.UniqueConstraint("site_id", "position"),
)
sa.Index("api_calls_party", api_calls.c.party_domain, api_calls.c.phase)
sa.Index("api_calls_api", api_calls.c.api)

screenshots = sa.Table(
    "screenshots",
    metadata,
    _id(),
    _site_ref(),
    _position(),
    _text("label", False),
    _text("page_url", False),
    _text("mime", False),
    _text("phase", False),
    # The decoded image; empty when data_text holds a text that is not canonical base64
    # (and, in a SQLite file written before revision 0002, possibly that text itself).
    sa.Column("data", sa.LargeBinary(), nullable=False),
    sa.UniqueConstraint("site_id", "position"),
    _text("data_text"),
)

banners = sa.Table(
    "banners",
    metadata,
    _id(),
    sa.Column(
        "site_id",
        Int,
        sa.ForeignKey("sites.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    _text("page_url", False),
    _text("cmp", False),
    _text("method", False),
    _text("frame_url"),
    _int("reject_on_first_layer", False),
    _int("accept_on_first_layer", False),
    _int("settings_on_first_layer", False),
    _int("blocks_page", False),
    _int("in_shadow_dom", False),
    _text("text", False),
    sa.Column("screenshot", sa.LargeBinary()),
    _text("screenshot_text"),
)
sa.Index("banners_cmp", banners.c.cmp)

banner_buttons = sa.Table(
    "banner_buttons",
    metadata,
    _id(),
    sa.Column(
        "site_id",
        Int,
        sa.ForeignKey("banners.site_id", ondelete="CASCADE"),
        nullable=False,
    ),
    _position(),
    _text("text", False),
    _text("role", False),
    _text("rule"),
    sa.UniqueConstraint("site_id", "position"),
)

consent_choices = sa.Table(
    "consent_choices",
    metadata,
    _id(),
    _site_ref(),
    _position(),
    _text("phase", False),
    _int("clicked", False),
    _text("method"),
    _text("element_text"),
    _text("rule"),
    _text("reason", False),
    _int("layer"),
    _int("banner_closed", False),
    _int("banner_on_next_page", False),
    sa.UniqueConstraint("site_id", "position"),
)

hars = sa.Table(
    "hars",
    metadata,
    _id(),
    _site_ref(),
    _position(),
    _text("phase", False),
    _int("entries", False),
    _int("size", False),
    _text("sha256", False),
    _int("content", False),
    # The archive's UTF-8 JSON, gzip-compressed (a HAR shrinks about tenfold).
    sa.Column("data", sa.LargeBinary(), nullable=False),
    sa.UniqueConstraint("site_id", "position"),
)

site_security = sa.Table(
    "site_security",
    metadata,
    _id(),
    sa.Column(
        "site_id",
        Int,
        sa.ForeignKey("sites.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    _int("probed", False),
    _text("data", False),
)
