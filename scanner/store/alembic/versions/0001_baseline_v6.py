"""The schema as the hand-kept SQLite migrations 1–6 left it: the baseline.

A SQLite file made by privacyscan before Alembic (``PRAGMA user_version`` 1–6) is
first brought to version 6 by those migrations (``scanner.store.legacy``) and then
stamped with this revision; a new database, SQLite or PostgreSQL, is created by it.
Frozen: never edit a revision that has shipped, add one.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

# TEXT on both back ends; 64-bit integers (INTEGER on SQLite, where INTEGER PRIMARY KEY
# is the rowid; bigint on PostgreSQL).
Int = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Text = sa.Text


def upgrade() -> None:
    """Create every table of schema version 6."""
    op.create_table(
        "scans",
        sa.Column("id", Text(), nullable=False),
        sa.Column("started_at", Text(), nullable=False),
        sa.Column("finished_at", Text(), nullable=True),
        sa.Column("tool_version", Text(), nullable=False),
        sa.Column("browser", Text(), nullable=False),
        sa.Column("options", Text(), nullable=False),
        sa.Column("lists", Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("scans_started", "scans", ["started_at", "id"], unique=False)
    op.create_table(
        "sites",
        sa.Column("id", Int, autoincrement=True, nullable=False),
        sa.Column("scan_id", Text(), nullable=False),
        sa.Column("position", Int, nullable=False),
        sa.Column("url", Text(), nullable=False),
        sa.Column("name", Text(), nullable=False),
        sa.Column("province", Text(), nullable=True),
        sa.Column("code", Text(), nullable=True),
        sa.Column("extra_domains", Text(), nullable=False),
        sa.Column("status", Text(), nullable=False),
        sa.Column("error", Text(), nullable=True),
        sa.Column("error_message", Text(), nullable=True),
        sa.Column("started_at", Text(), nullable=False),
        sa.Column("finished_at", Text(), nullable=False),
        sa.Column("score", Int, nullable=True),
        sa.Column("grade", Text(), nullable=True),
        sa.Column("pages_discovered", Int, server_default="0", nullable=False),
        sa.Column("verdicts_version", Int, server_default="0", nullable=False),
        sa.Column("verdict_tracks_before_consent", Int, nullable=True),
        sa.Column("verdict_non_eea_before_consent", Int, nullable=True),
        sa.Column("verdict_no_banner_while_tracking", Int, nullable=True),
        sa.Column("verdict_refusal_tried", Int, nullable=True),
        sa.Column("verdict_refusal_works", Int, nullable=True),
        sa.Column("verdict_tracks_after_refusal", Int, nullable=True),
        sa.Column("verdict_cookie_wall", Int, nullable=True),
        sa.Column("verdict_tracking_cookies_after_refusal", Text(), nullable=True),
        sa.Column("knowledge_known_domains", Text(), nullable=True),
        sa.Column("knowledge_unknown_domains", Text(), nullable=True),
        sa.Column("knowledge_cookies", Int, nullable=True),
        sa.Column("knowledge_cookies_known", Int, nullable=True),
        sa.Column("security_score", Int, nullable=True),
        sa.Column("security_grade", Text(), nullable=True),
        sa.ForeignKeyConstraint(["scan_id"], ["scans.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("scan_id", "position"),
        sa.UniqueConstraint("scan_id", "url"),
    )
    op.create_index(
        "sites_tracking", "sites", ["scan_id", "verdict_tracks_before_consent"], unique=False
    )
    op.create_table(
        "api_calls",
        sa.Column("id", Int, autoincrement=True, nullable=False),
        sa.Column("site_id", Int, nullable=False),
        sa.Column("position", Int, nullable=False),
        sa.Column("api", Text(), nullable=False),
        sa.Column("phase", Text(), nullable=False),
        sa.Column("page_url", Text(), nullable=False),
        sa.Column("frame_url", Text(), nullable=True),
        sa.Column("origin", Text(), nullable=False),
        sa.Column("initiator_type", Text(), nullable=True),
        sa.Column("initiator_url", Text(), nullable=True),
        sa.Column("initiator_line", Int, nullable=True),
        sa.Column("initiator_stack", Text(), nullable=True),
        sa.Column("count", Int, nullable=False),
        sa.Column("party_first_party", Int, nullable=True),
        sa.Column("party_domain", Text(), nullable=True),
        sa.Column("party_organisation", Text(), nullable=True),
        sa.Column("party_service", Text(), nullable=True),
        sa.Column("party_category", Text(), nullable=True),
        sa.Column("party_country", Text(), nullable=True),
        sa.Column("party_eea", Int, nullable=True),
        sa.Column("party_source", Text(), nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("site_id", "position"),
    )
    op.create_index("api_calls_api", "api_calls", ["api"], unique=False)
    op.create_index("api_calls_party", "api_calls", ["party_domain", "phase"], unique=False)
    op.create_table(
        "banners",
        sa.Column("id", Int, autoincrement=True, nullable=False),
        sa.Column("site_id", Int, nullable=False),
        sa.Column("page_url", Text(), nullable=False),
        sa.Column("cmp", Text(), nullable=False),
        sa.Column("method", Text(), nullable=False),
        sa.Column("frame_url", Text(), nullable=True),
        sa.Column("reject_on_first_layer", Int, nullable=False),
        sa.Column("accept_on_first_layer", Int, nullable=False),
        sa.Column("settings_on_first_layer", Int, nullable=False),
        sa.Column("blocks_page", Int, nullable=False),
        sa.Column("in_shadow_dom", Int, nullable=False),
        sa.Column("text", Text(), nullable=False),
        sa.Column("screenshot", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("site_id"),
    )
    op.create_index("banners_cmp", "banners", ["cmp"], unique=False)
    op.create_table(
        "consent_choices",
        sa.Column("id", Int, autoincrement=True, nullable=False),
        sa.Column("site_id", Int, nullable=False),
        sa.Column("position", Int, nullable=False),
        sa.Column("phase", Text(), nullable=False),
        sa.Column("clicked", Int, nullable=False),
        sa.Column("method", Text(), nullable=True),
        sa.Column("element_text", Text(), nullable=True),
        sa.Column("rule", Text(), nullable=True),
        sa.Column("reason", Text(), nullable=False),
        sa.Column("layer", Int, nullable=True),
        sa.Column("banner_closed", Int, nullable=False),
        sa.Column("banner_on_next_page", Int, nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("site_id", "position"),
    )
    op.create_table(
        "cookies",
        sa.Column("id", Int, autoincrement=True, nullable=False),
        sa.Column("site_id", Int, nullable=False),
        sa.Column("position", Int, nullable=False),
        sa.Column("name", Text(), nullable=False),
        sa.Column("domain", Text(), nullable=False),
        sa.Column("path", Text(), nullable=False),
        sa.Column("phase", Text(), nullable=False),
        sa.Column("source", Text(), nullable=False),
        sa.Column("stored", Int, nullable=False),
        sa.Column("blocked_reasons", Text(), nullable=False),
        sa.Column("in_jar", Int, nullable=False),
        sa.Column("expires", Text(), nullable=True),
        sa.Column("lifetime_s", Int, nullable=True),
        sa.Column("secure", Int, nullable=False),
        sa.Column("http_only", Int, nullable=False),
        sa.Column("same_site", Text(), nullable=True),
        sa.Column("partitioned", Int, nullable=False),
        sa.Column("size", Int, nullable=False),
        sa.Column("value_hash", Text(), nullable=False),
        sa.Column("value_prefix", Text(), nullable=False),
        sa.Column("value", Text(), nullable=True),
        sa.Column("page_url", Text(), nullable=False),
        sa.Column("set_by", Text(), nullable=True),
        sa.Column("initiator_type", Text(), nullable=True),
        sa.Column("initiator_url", Text(), nullable=True),
        sa.Column("initiator_line", Int, nullable=True),
        sa.Column("initiator_stack", Text(), nullable=True),
        sa.Column("frame_url", Text(), nullable=True),
        sa.Column("first_seen_ms", Int, nullable=False),
        sa.Column("writes", Int, nullable=False),
        sa.Column("party_first_party", Int, nullable=True),
        sa.Column("party_domain", Text(), nullable=True),
        sa.Column("party_organisation", Text(), nullable=True),
        sa.Column("party_service", Text(), nullable=True),
        sa.Column("party_category", Text(), nullable=True),
        sa.Column("party_country", Text(), nullable=True),
        sa.Column("party_eea", Int, nullable=True),
        sa.Column("party_source", Text(), nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("site_id", "position"),
    )
    op.create_index("cookies_name", "cookies", ["name"], unique=False, postgresql_using="hash")
    op.create_index("cookies_party", "cookies", ["party_domain", "phase"], unique=False)
    op.create_table(
        "findings",
        sa.Column("id", Int, autoincrement=True, nullable=False),
        sa.Column("site_id", Int, nullable=False),
        sa.Column("position", Int, nullable=False),
        sa.Column("finding_id", Text(), nullable=False),
        sa.Column("rule", Text(), nullable=False),
        sa.Column("severity", Text(), nullable=False),
        sa.Column("subject", Text(), nullable=False),
        sa.Column("title", Text(), nullable=False),
        sa.Column("explanation", Text(), nullable=False),
        sa.Column("fix", Text(), nullable=False),
        sa.Column("legal_basis", Text(), nullable=False),
        sa.Column("legal_url", Text(), nullable=False),
        sa.Column("organisation", Text(), nullable=True),
        sa.Column("category", Text(), nullable=True),
        sa.Column("country", Text(), nullable=True),
        sa.Column("variant", Text(), server_default="", nullable=False),
        sa.Column("params", Text(), server_default="[]", nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("site_id", "position"),
    )
    op.create_index(
        "findings_finding_id", "findings", ["finding_id"], unique=False, postgresql_using="hash"
    )
    op.create_index("findings_rule", "findings", ["rule", "severity"], unique=False)
    op.create_table(
        "pages",
        sa.Column("id", Int, autoincrement=True, nullable=False),
        sa.Column("site_id", Int, nullable=False),
        sa.Column("position", Int, nullable=False),
        sa.Column("url", Text(), nullable=False),
        sa.Column("phase", Text(), nullable=False),
        sa.Column("final_url", Text(), nullable=True),
        sa.Column("status", Int, nullable=True),
        sa.Column("title", Text(), nullable=False),
        sa.Column("redirects", Text(), nullable=False),
        sa.Column("started_at", Text(), nullable=False),
        sa.Column("load_ms", Int, nullable=True),
        sa.Column("duration_ms", Int, nullable=False),
        sa.Column("links", Text(), nullable=False),
        sa.Column("error", Text(), nullable=True),
        sa.Column("error_message", Text(), nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("site_id", "position"),
    )
    op.create_table(
        "requests",
        sa.Column("id", Int, autoincrement=True, nullable=False),
        sa.Column("site_id", Int, nullable=False),
        sa.Column("position", Int, nullable=False),
        sa.Column("url", Text(), nullable=False),
        sa.Column("phase", Text(), nullable=False),
        sa.Column("page_url", Text(), nullable=False),
        sa.Column("frame_url", Text(), nullable=True),
        sa.Column("method", Text(), nullable=False),
        sa.Column("resource_type", Text(), nullable=False),
        sa.Column("initiator_type", Text(), nullable=True),
        sa.Column("initiator_url", Text(), nullable=True),
        sa.Column("initiator_line", Int, nullable=True),
        sa.Column("initiator_stack", Text(), nullable=True),
        sa.Column("status", Int, nullable=True),
        sa.Column("remote_ip", Text(), nullable=True),
        sa.Column("mime_type", Text(), nullable=True),
        sa.Column("beacon", Text(), nullable=True),
        sa.Column("cookies_sent", Text(), nullable=False),
        sa.Column("failed", Text(), nullable=True),
        sa.Column("t_ms", Int, nullable=False),
        sa.Column("party_first_party", Int, nullable=True),
        sa.Column("party_domain", Text(), nullable=True),
        sa.Column("party_organisation", Text(), nullable=True),
        sa.Column("party_service", Text(), nullable=True),
        sa.Column("party_category", Text(), nullable=True),
        sa.Column("party_country", Text(), nullable=True),
        sa.Column("party_eea", Int, nullable=True),
        sa.Column("party_source", Text(), nullable=True),
        sa.Column("payload_vendor", Text(), nullable=True),
        sa.Column("payload_account", Text(), nullable=True),
        sa.Column("payload_events", Text(), nullable=True),
        sa.Column("payload_params", Text(), nullable=True),
        sa.Column("payload_personal_data", Text(), nullable=True),
        sa.Column("payload_flags", Text(), nullable=True),
        sa.Column("payload_from_body", Int, nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("site_id", "position"),
    )
    op.create_index("requests_organisation", "requests", ["party_organisation"], unique=False)
    op.create_index("requests_party", "requests", ["party_domain", "phase"], unique=False)
    op.create_index("requests_payload", "requests", ["payload_vendor"], unique=False)
    op.create_table(
        "screenshots",
        sa.Column("id", Int, autoincrement=True, nullable=False),
        sa.Column("site_id", Int, nullable=False),
        sa.Column("position", Int, nullable=False),
        sa.Column("label", Text(), nullable=False),
        sa.Column("page_url", Text(), nullable=False),
        sa.Column("mime", Text(), nullable=False),
        sa.Column("phase", Text(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("site_id", "position"),
    )
    op.create_table(
        "site_security",
        sa.Column("id", Int, autoincrement=True, nullable=False),
        sa.Column("site_id", Int, nullable=False),
        sa.Column("probed", Int, nullable=False),
        sa.Column("data", Text(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("site_id"),
    )
    op.create_table(
        "storage_items",
        sa.Column("id", Int, autoincrement=True, nullable=False),
        sa.Column("site_id", Int, nullable=False),
        sa.Column("position", Int, nullable=False),
        sa.Column("kind", Text(), nullable=False),
        sa.Column("origin", Text(), nullable=False),
        sa.Column("key", Text(), nullable=False),
        sa.Column("phase", Text(), nullable=False),
        sa.Column("page_url", Text(), nullable=False),
        sa.Column("frame_url", Text(), nullable=True),
        sa.Column("initiator_type", Text(), nullable=True),
        sa.Column("initiator_url", Text(), nullable=True),
        sa.Column("initiator_line", Int, nullable=True),
        sa.Column("initiator_stack", Text(), nullable=True),
        sa.Column("value_hash", Text(), nullable=False),
        sa.Column("value_prefix", Text(), nullable=False),
        sa.Column("value", Text(), nullable=True),
        sa.Column("size", Int, nullable=False),
        sa.Column("first_seen_ms", Int, nullable=False),
        sa.Column("writes", Int, nullable=False),
        sa.Column("party_first_party", Int, nullable=True),
        sa.Column("party_domain", Text(), nullable=True),
        sa.Column("party_organisation", Text(), nullable=True),
        sa.Column("party_service", Text(), nullable=True),
        sa.Column("party_category", Text(), nullable=True),
        sa.Column("party_country", Text(), nullable=True),
        sa.Column("party_eea", Int, nullable=True),
        sa.Column("party_source", Text(), nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("site_id", "position"),
    )
    op.create_index("storage_items_party", "storage_items", ["party_domain", "phase"], unique=False)
    op.create_table(
        "banner_buttons",
        sa.Column("id", Int, autoincrement=True, nullable=False),
        sa.Column("site_id", Int, nullable=False),
        sa.Column("position", Int, nullable=False),
        sa.Column("text", Text(), nullable=False),
        sa.Column("role", Text(), nullable=False),
        sa.Column("rule", Text(), nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["banners.site_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("site_id", "position"),
    )
    op.create_table(
        "finding_evidence",
        sa.Column("id", Int, autoincrement=True, nullable=False),
        sa.Column("finding", Int, nullable=False),
        sa.Column("position", Int, nullable=False),
        sa.Column("page_url", Text(), nullable=False),
        sa.Column("phase", Text(), nullable=False),
        sa.Column("subject", Text(), nullable=False),
        sa.Column("initiator_type", Text(), nullable=True),
        sa.Column("initiator_url", Text(), nullable=True),
        sa.Column("initiator_line", Int, nullable=True),
        sa.Column("initiator_stack", Text(), nullable=True),
        sa.ForeignKeyConstraint(["finding"], ["findings.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("finding", "position"),
    )


def downgrade() -> None:
    """No way back from the first revision but an empty database."""
    raise NotImplementedError("the baseline cannot be downgraded")
