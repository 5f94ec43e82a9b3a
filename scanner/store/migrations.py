"""The SQLite schema, as an ordered list of migrations.

Migration *n* (1-based) brings a database from ``PRAGMA user_version`` *n-1* to *n*.
The store applies the missing ones in one transaction on open, so an old history
file keeps working after an upgrade and a failed upgrade changes nothing. Append
new migrations; never edit one that has shipped.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

__all__ = ["MIGRATIONS", "Migration"]

Migration = Callable[[sqlite3.Connection], None]
"""Runs inside the open transaction; must not commit (no ``executescript``)."""

# Party columns repeated on cookies, requests and storage_items so that "who loads
# google-analytics.com" is a plain WHERE clause. party_domain is NULL exactly when
# the thing was not classified (Party.domain is never None).
_PARTY = """
    party_first_party INTEGER,
    party_domain TEXT,
    party_organisation TEXT,
    party_service TEXT,
    party_category TEXT,
    party_country TEXT,
    party_eea INTEGER,
    party_source TEXT"""

# An Initiator as columns; initiator_type is NULL exactly when there is none.
_INITIATOR = """
    initiator_type TEXT,
    initiator_url TEXT,
    initiator_line INTEGER,
    initiator_stack TEXT"""

_V1 = (
    """CREATE TABLE scans (
    id TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    tool_version TEXT NOT NULL,
    browser TEXT NOT NULL,
    options TEXT NOT NULL,
    lists TEXT NOT NULL
)""",
    "CREATE INDEX scans_started ON scans (started_at, id)",
    """CREATE TABLE sites (
    id INTEGER PRIMARY KEY,
    scan_id TEXT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    url TEXT NOT NULL,
    name TEXT NOT NULL,
    province TEXT,
    code TEXT,
    extra_domains TEXT NOT NULL,
    status TEXT NOT NULL,
    error TEXT,
    error_message TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    score INTEGER,
    grade TEXT,
    UNIQUE (scan_id, url),
    UNIQUE (scan_id, position)
)""",
    """CREATE TABLE pages (
    id INTEGER PRIMARY KEY,
    site_id INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    url TEXT NOT NULL,
    phase TEXT NOT NULL,
    final_url TEXT,
    status INTEGER,
    title TEXT NOT NULL,
    redirects TEXT NOT NULL,
    started_at TEXT NOT NULL,
    load_ms INTEGER,
    duration_ms INTEGER NOT NULL,
    links TEXT NOT NULL,
    error TEXT,
    error_message TEXT,
    UNIQUE (site_id, position)
)""",
    f"""CREATE TABLE cookies (
    id INTEGER PRIMARY KEY,
    site_id INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    domain TEXT NOT NULL,
    path TEXT NOT NULL,
    phase TEXT NOT NULL,
    source TEXT NOT NULL,
    stored INTEGER NOT NULL,
    blocked_reasons TEXT NOT NULL,
    in_jar INTEGER NOT NULL,
    expires TEXT,
    lifetime_s INTEGER,
    secure INTEGER NOT NULL,
    http_only INTEGER NOT NULL,
    same_site TEXT,
    partitioned INTEGER NOT NULL,
    size INTEGER NOT NULL,
    value_hash TEXT NOT NULL,
    value_prefix TEXT NOT NULL,
    value TEXT,
    page_url TEXT NOT NULL,
    set_by TEXT,{_INITIATOR},
    frame_url TEXT,
    first_seen_ms INTEGER NOT NULL,
    writes INTEGER NOT NULL,{_PARTY},
    UNIQUE (site_id, position)
)""",
    "CREATE INDEX cookies_party ON cookies (party_domain, phase)",
    "CREATE INDEX cookies_name ON cookies (name)",
    f"""CREATE TABLE requests (
    id INTEGER PRIMARY KEY,
    site_id INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    url TEXT NOT NULL,
    phase TEXT NOT NULL,
    page_url TEXT NOT NULL,
    frame_url TEXT,
    method TEXT NOT NULL,
    resource_type TEXT NOT NULL,{_INITIATOR},
    status INTEGER,
    remote_ip TEXT,
    mime_type TEXT,
    beacon TEXT,
    cookies_sent TEXT NOT NULL,
    failed TEXT,
    t_ms INTEGER NOT NULL,{_PARTY},
    UNIQUE (site_id, position)
)""",
    "CREATE INDEX requests_party ON requests (party_domain, phase)",
    "CREATE INDEX requests_organisation ON requests (party_organisation)",
    f"""CREATE TABLE storage_items (
    id INTEGER PRIMARY KEY,
    site_id INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    origin TEXT NOT NULL,
    key TEXT NOT NULL,
    phase TEXT NOT NULL,
    page_url TEXT NOT NULL,
    frame_url TEXT,{_INITIATOR},
    value_hash TEXT NOT NULL,
    value_prefix TEXT NOT NULL,
    value TEXT,
    size INTEGER NOT NULL,
    first_seen_ms INTEGER NOT NULL,
    writes INTEGER NOT NULL,{_PARTY},
    UNIQUE (site_id, position)
)""",
    "CREATE INDEX storage_items_party ON storage_items (party_domain, phase)",
    """CREATE TABLE findings (
    id INTEGER PRIMARY KEY,
    site_id INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    finding_id TEXT NOT NULL,
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    subject TEXT NOT NULL,
    title TEXT NOT NULL,
    explanation TEXT NOT NULL,
    fix TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    legal_url TEXT NOT NULL,
    organisation TEXT,
    category TEXT,
    country TEXT,
    UNIQUE (site_id, position)
)""",
    "CREATE INDEX findings_rule ON findings (rule, severity)",
    "CREATE INDEX findings_finding_id ON findings (finding_id)",
    f"""CREATE TABLE finding_evidence (
    id INTEGER PRIMARY KEY,
    finding INTEGER NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    page_url TEXT NOT NULL,
    phase TEXT NOT NULL,
    subject TEXT NOT NULL,{_INITIATOR},
    UNIQUE (finding, position)
)""",
)


# Version 2: fingerprinting API reads, screenshots and the crawl's coverage. Like every
# child table, UNIQUE (site_id, position) is also the index that finds a site's rows;
# api_calls repeats the _PARTY and _INITIATOR columns so "who fingerprints" is a WHERE.
_V2 = (
    "ALTER TABLE sites ADD COLUMN pages_discovered INTEGER NOT NULL DEFAULT 0",
    f"""CREATE TABLE api_calls (
    id INTEGER PRIMARY KEY,
    site_id INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    api TEXT NOT NULL,
    phase TEXT NOT NULL,
    page_url TEXT NOT NULL,
    frame_url TEXT,
    origin TEXT NOT NULL,{_INITIATOR},
    count INTEGER NOT NULL,{_PARTY},
    UNIQUE (site_id, position)
)""",
    "CREATE INDEX api_calls_party ON api_calls (party_domain, phase)",
    "CREATE INDEX api_calls_api ON api_calls (api)",
    # data is the decoded image (BLOB); only text that is not canonical base64 is kept
    # as TEXT, so the model's string always comes back unchanged.
    """CREATE TABLE screenshots (
    id INTEGER PRIMARY KEY,
    site_id INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    label TEXT NOT NULL,
    page_url TEXT NOT NULL,
    mime TEXT NOT NULL,
    phase TEXT NOT NULL,
    data BLOB NOT NULL,
    UNIQUE (site_id, position)
)""",
)


# Version 3: the consent banner and the choices tried on it. At most one banner per
# site (UNIQUE site_id); its buttons refer to it through banners.site_id, so they go
# with it and UNIQUE (site_id, position) finds them like any child table. The banner's
# screenshot is stored as screenshots.data is: decoded (BLOB), NULL when there is none.
_V3 = (
    """CREATE TABLE banners (
    id INTEGER PRIMARY KEY,
    site_id INTEGER NOT NULL UNIQUE REFERENCES sites (id) ON DELETE CASCADE,
    page_url TEXT NOT NULL,
    cmp TEXT NOT NULL,
    method TEXT NOT NULL,
    frame_url TEXT,
    reject_on_first_layer INTEGER NOT NULL,
    accept_on_first_layer INTEGER NOT NULL,
    settings_on_first_layer INTEGER NOT NULL,
    blocks_page INTEGER NOT NULL,
    in_shadow_dom INTEGER NOT NULL,
    text TEXT NOT NULL,
    screenshot BLOB
)""",
    "CREATE INDEX banners_cmp ON banners (cmp)",
    """CREATE TABLE banner_buttons (
    id INTEGER PRIMARY KEY,
    site_id INTEGER NOT NULL REFERENCES banners (site_id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    role TEXT NOT NULL,
    rule TEXT,
    UNIQUE (site_id, position)
)""",
    """CREATE TABLE consent_choices (
    id INTEGER PRIMARY KEY,
    site_id INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    phase TEXT NOT NULL,
    clicked INTEGER NOT NULL,
    method TEXT,
    element_text TEXT,
    rule TEXT,
    reason TEXT NOT NULL,
    layer INTEGER,
    banner_closed INTEGER NOT NULL,
    banner_on_next_page INTEGER NOT NULL,
    UNIQUE (site_id, position)
)""",
)


# Version 4: findings carry their text variant and parameters (their words are rendered
# from them when a report is made), and a site its verdicts, one column each like the
# party fields, so "which sites track before consent" is a WHERE clause. Findings saved
# before keep variant '' and params '[]': they are shown with the words they were saved
# with. Sites saved before have verdicts_version 0 and NULL verdicts: the store judges
# them when it reads them, from the observations and findings it kept (this migration
# computes nothing, so it never changes). Since version 4 a site is saved with
# verdicts_version 1 and its verdicts as classification left them (NULL when none).
_V4 = (
    "ALTER TABLE findings ADD COLUMN variant TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE findings ADD COLUMN params TEXT NOT NULL DEFAULT '[]'",
    "ALTER TABLE sites ADD COLUMN verdicts_version INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE sites ADD COLUMN verdict_tracks_before_consent INTEGER",
    "ALTER TABLE sites ADD COLUMN verdict_non_eea_before_consent INTEGER",
    "ALTER TABLE sites ADD COLUMN verdict_no_banner_while_tracking INTEGER",
    "ALTER TABLE sites ADD COLUMN verdict_refusal_tried INTEGER",
    "ALTER TABLE sites ADD COLUMN verdict_refusal_works INTEGER",
    "ALTER TABLE sites ADD COLUMN verdict_tracks_after_refusal INTEGER",
    "ALTER TABLE sites ADD COLUMN verdict_cookie_wall INTEGER",
    "ALTER TABLE sites ADD COLUMN verdict_tracking_cookies_after_refusal TEXT",
    "CREATE INDEX sites_tracking ON sites (scan_id, verdict_tracks_before_consent)",
)


# Version 5: what a known pixel or analytics hit sent (``Request.payload``, decoded at
# capture), as payload_* columns like the party's, so "which sites send a hashed e-mail
# to Meta" is a WHERE clause; and the site's knowledge share (``SiteResult.knowledge``).
# Requests saved before have NULL payload columns (no payload: it was not decoded then);
# sites saved before have NULL knowledge columns: the store computes the share when it
# reads them, from the parties it kept (this migration computes nothing).
_V5 = (
    "ALTER TABLE requests ADD COLUMN payload_vendor TEXT",
    "ALTER TABLE requests ADD COLUMN payload_account TEXT",
    "ALTER TABLE requests ADD COLUMN payload_events TEXT",
    "ALTER TABLE requests ADD COLUMN payload_params TEXT",
    "ALTER TABLE requests ADD COLUMN payload_personal_data TEXT",
    "ALTER TABLE requests ADD COLUMN payload_flags TEXT",
    "ALTER TABLE requests ADD COLUMN payload_from_body INTEGER",
    "CREATE INDEX requests_payload ON requests (payload_vendor)",
    "ALTER TABLE sites ADD COLUMN knowledge_known_domains TEXT",
    "ALTER TABLE sites ADD COLUMN knowledge_unknown_domains TEXT",
    "ALTER TABLE sites ADD COLUMN knowledge_cookies INTEGER",
    "ALTER TABLE sites ADD COLUMN knowledge_cookies_known INTEGER",
)


# Version 6: the website's security basics (issue 16). The security grade is two
# columns beside the privacy grade, so "which sites have security grade F" is a WHERE
# clause; the facts it rests on (what the browser received per page, what the probes
# found per host) are one JSON document per site, the model's own serialisation, at
# most one row per site. Sites saved before have NULLs and no row: not measured.
_V6 = (
    "ALTER TABLE sites ADD COLUMN security_score INTEGER",
    "ALTER TABLE sites ADD COLUMN security_grade TEXT",
    """CREATE TABLE site_security (
    id INTEGER PRIMARY KEY,
    site_id INTEGER NOT NULL UNIQUE REFERENCES sites (id) ON DELETE CASCADE,
    probed INTEGER NOT NULL,
    data TEXT NOT NULL
)""",
)


def _v1_initial(conn: sqlite3.Connection) -> None:
    """Version 1: the tables of the data model of SCHEMA_VERSION 1.0."""
    for statement in _V1:
        conn.execute(statement)


def _v2_api_calls_screenshots(conn: sqlite3.Connection) -> None:
    """Version 2: ``ApiCall``, ``Screenshot`` and ``SiteResult.pages_discovered``."""
    for statement in _V2:
        conn.execute(statement)


def _v3_banners_choices(conn: sqlite3.Connection) -> None:
    """Version 3: ``SiteResult.banner`` (with its buttons) and ``SiteResult.choices``."""
    for statement in _V3:
        conn.execute(statement)


def _v4_params_verdicts(conn: sqlite3.Connection) -> None:
    """Version 4: ``Finding.variant``, ``Finding.params`` and ``SiteResult.verdicts``."""
    for statement in _V4:
        conn.execute(statement)


def _v5_payloads_knowledge(conn: sqlite3.Connection) -> None:
    """Version 5: ``Request.payload`` and ``SiteResult.knowledge``."""
    for statement in _V5:
        conn.execute(statement)


def _v6_security(conn: sqlite3.Connection) -> None:
    """Version 6: ``SiteResult.security``, ``security_score`` and ``security_grade``."""
    for statement in _V6:
        conn.execute(statement)


MIGRATIONS: tuple[Migration, ...] = (
    _v1_initial,
    _v2_api_calls_screenshots,
    _v3_banners_choices,
    _v4_params_verdicts,
    _v5_payloads_knowledge,
    _v6_security,
)
"""Index *i* holds the migration to ``user_version`` *i + 1*."""
