"""Contract tests for the scan history: both back ends must behave the same.

``rich_scan`` sets every field to a non-default value (and hostile strings) so a
column forgotten in the SQLite mapping shows up as an inequality.
"""

from __future__ import annotations

import base64
import dataclasses
import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from scanner.classify.coverage import knowledge_share
from scanner.classify.verdicts import judge
from scanner.messages import translator
from scanner.messages.findings import finding_text
from scanner.models import (
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
    Party,
    Payload,
    Phase,
    Redirect,
    Request,
    Scan,
    Screenshot,
    Severity,
    Site,
    SiteResult,
    SiteStatus,
    StorageItem,
    StorageKind,
    Verdicts,
    WebSocketSent,
)
from scanner.store import (
    MemoryStore,
    ScanNotFound,
    ScanStore,
    SQLiteStore,
    SQLStore,
    StoreError,
    StoreVersionError,
    open_store,
)
from scanner.store.legacy import MIGRATIONS
from scanner.store.migrate import ALEMBIC_USER_VERSION, head_revision

LONG = "x" * 100_000
HOSTILE = (
    "<script>alert('x')</script>",
    "'; DROP TABLE scans; --",
    '=HYPERLINK("https://evil.example")',
    "Zoë\u2019s gemeente 🍪 \u202eRTL 中文",
    "nul\x00byte",
    "line\nbreak\r\n\ttab",
    "%_ LIKE \\ wildcards",
    LONG,
)


def _party(i: int) -> Party:
    return Party(
        first_party=bool(i % 2),
        domain=f"google-analytics.com{'' if i == 0 else i}",
        organisation=HOSTILE[i % len(HOSTILE)],
        service="Google Analytics",
        category="analytics",
        country="US",
        eea=False,
        source="our-base <1.2>",
    )


def _initiator(i: int) -> Initiator:
    return Initiator(
        type="script",
        url=f"https://cdn.example/{HOSTILE[i % len(HOSTILE)]}.js",
        line=i + 1,
        stack=(f"f{i}@https://a.example/x.js:1:2", HOSTILE[(i + 1) % len(HOSTILE)], ""),
    )


JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) + b"\x00" * 7 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(255, -1, -1))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _result(n: int, name: str) -> SiteResult:
    url = f"https://www.{name.lower().replace(' ', '')}.nl/"
    site = Site(
        name=name,
        url=url,
        province=HOSTILE[n % len(HOSTILE)],
        code=f"GM{1680 + n}",
        extra_domains=(f"{name}.example", "'; DROP TABLE sites; --"),
    )
    pages = (
        Page(
            url=url,
            phase=Phase.REJECT,
            final_url=url + "home",
            status=200,
            title=HOSTILE[3],
            redirects=(Redirect(url, 301), Redirect(url + "?a=<b>", 0)),
            started_at="2026-11-28T19:03:04.123Z",
            load_ms=0,
            duration_ms=4321,
            links=(url + "a", HOSTILE[1], LONG),
            error="timeout",
            error_message=HOSTILE[0],
        ),
        Page(url=url + "contact", title="", status=None, load_ms=None),
    )
    cookies = (
        Cookie(
            name="_ga",
            domain=".example.nl",
            path="/p",
            phase=Phase.ACCEPT,
            source=CookieSource.JS,
            stored=False,
            blocked_reasons=("SameSiteNoneInsecure", HOSTILE[2]),
            in_jar=False,
            expires="2028-11-28T19:03:04Z",
            lifetime_s=-5,
            secure=True,
            http_only=True,
            same_site="",
            partitioned=True,
            size=42,
            value_hash="ab" * 32,
            value_prefix="GA1.",
            value=HOSTILE[4],
            page_url=url,
            set_by="https://www.googletagmanager.com/gtag/js",
            initiator=_initiator(n),
            frame_url=url + "frame",
            first_seen_ms=17,
            writes=3,
            party=_party(n),
        ),
        Cookie(name=HOSTILE[1], domain="www.example.nl", same_site=None, initiator=None),
        Cookie(
            name="eea-none",
            domain="x.nl",
            party=Party(first_party=True, domain="x.nl", eea=None),
            initiator=Initiator("other", url="", line=0),
        ),
    )
    requests = (
        Request(
            url="https://www.google-analytics.com/g/collect?v=2&tid=<x>",
            phase=Phase.NONE,
            page_url=url,
            frame_url=url + "iframe",
            method="POST",
            resource_type="Ping",
            initiator=_initiator(n + 1),
            status=204,
            remote_ip="2001:db8::1",
            mime_type="text/plain",
            beacon="sendBeacon",
            cookies_sent=("_ga", "_gid"),
            failed="net::ERR_ABORTED",
            t_ms=1234,
            party=_party(n),
            # Since schema 1.3: what a known pixel sent.
            payload=Payload(
                vendor="google-analytics-4",
                account=HOSTILE[0] if n else None,
                events=("page_view", HOSTILE[3]),
                params=(("dl", HOSTILE[6]), ("cid", "1.2"), (HOSTILE[2], "")),
                personal_data=(("uid", "id"), ("em", "sha256")) if n else (),
                flags=("remarketing",) if n else (),
                from_body=bool(n),
            ),
        ),
        Request(url=HOSTILE[6]),
        # Since schema 1.5: what a page sent over a WebSocket.
        Request(
            url="wss://live.example-chat.com/socket?x=" + HOSTILE[0],
            resource_type="WebSocket",
            initiator=_initiator(n),
            status=101,
            t_ms=88,
            websocket=WebSocketSent(
                frames_sent=3 + n, bytes_sent=128, first_bytes_sha256="ef" * 32 if n else None
            ),
        ),
    )
    storage = (
        StorageItem(
            kind=StorageKind.INDEXED_DB,
            origin="https://www.youtube.com",
            key=HOSTILE[0],
            phase=Phase.REJECT,
            page_url=url,
            frame_url="https://www.youtube.com/embed/x",
            initiator=_initiator(n + 2),
            value_hash="cd" * 32,
            value_prefix="{",
            value=HOSTILE[5],
            size=99,
            first_seen_ms=5,
            writes=2,
            party=_party(n + 1),
        ),
        StorageItem(kind=StorageKind.SESSION, origin="https://a.nl", key=""),
    )
    api_calls = (
        ApiCall(
            api="webgl.getParameter:UNMASKED_RENDERER_WEBGL",
            phase=Phase.REJECT,
            page_url=url,
            frame_url="https://fp.example/frame?x=<y>",
            origin="https://fp.example",
            initiator=_initiator(n + 3),
            count=7,
            party=dataclasses.replace(_party(n + 2), category="fingerprinting"),
        ),
        ApiCall(api="canvas.toDataURL", count=0, initiator=Initiator("script", stack=())),
        ApiCall(api=HOSTILE[2 + n % 3]),
    )
    screenshots = (
        Screenshot(label="page", page_url=url, data=_b64(JPEG + bytes([n]))),
        Screenshot(
            label=HOSTILE[0] + HOSTILE[3],
            page_url=HOSTILE[1],
            mime="image/png",
            data=_b64(PNG),
            phase=Phase.ACCEPT,
        ),
    )
    # Site 0 sets every flag (all non-default); site 1 a pattern that tells them apart.
    flags = (True,) * 5 if n % 2 == 0 else (False, True, False, True, False)
    banner = Banner(
        page_url=url + HOSTILE[6],
        cmp="cookiebot" if n == 0 else HOSTILE[2],
        method="heuristic",
        frame_url="https://consent.example/frame?x=<y>",
        buttons=(
            BannerButton(text=HOSTILE[1], role="reject", rule="nl-weigeren"),
            BannerButton(text=HOSTILE[3], role="accept", rule=None),
            BannerButton(text="", role="settings", rule=""),
            BannerButton(text=LONG, role=HOSTILE[0], rule=HOSTILE[4]),
        ),
        reject_on_first_layer=flags[0],
        accept_on_first_layer=flags[1],
        settings_on_first_layer=flags[2],
        blocks_page=flags[3],
        in_shadow_dom=flags[4],
        text=HOSTILE[5] + HOSTILE[0],
        screenshot=_b64(JPEG + bytes([n, 1])),
    )
    choices = (
        ConsentChoice(
            phase=Phase.REJECT,
            clicked=True,
            method="autoconsent",
            element_text=HOSTILE[2],
            rule=HOSTILE[1],
            reason=HOSTILE[3],
            layer=2,
            banner_closed=True,
            banner_on_next_page=True,
        ),
        ConsentChoice(phase=Phase.ACCEPT, clicked=False, element_text="", layer=0),
    )
    findings = (
        Finding(
            id=f"cookie-tracking-before-consent:_ga@.example.nl:{n}",
            rule="cookie-tracking-before-consent",
            severity=Severity.LIKELY_VIOLATION,
            subject="_ga@.example.nl",
            title=HOSTILE[3],
            explanation=HOSTILE[0],
            fix=HOSTILE[1],
            legal_basis="Tw 11.7a",
            legal_url="https://wetten.overheid.nl/",
            organisation="Google",
            category="analytics",
            country="US",
            evidence=(
                Evidence(url, Phase.ACCEPT, "_ga", _initiator(n)),
                Evidence(url + "contact", Phase.NONE, "", None),
            ),
        ),
        # seen_in/visits since schema 1.6 (revision 0004): two of several repeat visits.
        Finding(id="x", rule="r", severity=Severity.INFO, subject="", seen_in=2, visits=3 + n),
        Finding(id="v", rule="r2", severity=Severity.VIOLATION, subject="s", title="t"),
        # Since schema 1.2: facts to render words from, of every kind a parameter has.
        Finding(
            id=f"cookie-long-lifetime:{HOSTILE[2]}@.example.nl",
            rule="cookie-long-lifetime",
            severity=Severity.REVIEW,
            subject=f"{HOSTILE[2]}@.example.nl",
            organisation=HOSTILE[0],
            evidence=(Evidence(url, Phase.NONE, HOSTILE[2], None),),
            variant=HOSTILE[1] if n else "",
            params=(
                ("category", None),
                ("cookie", HOSTILE[2]),
                ("domain", "example.nl"),
                ("hosts", (HOSTILE[3], "b.example", "")),
                ("lifetime_s", 400 * 86400 + n),
                ("none", ()),
                ("organisation", HOSTILE[0]),
                ("refusal_deeper", bool(n)),
            ),
        ),
    )
    return SiteResult(
        site=site,
        status=SiteStatus.PARTIAL if n else SiteStatus.DONE,
        error="http",
        error_message=HOSTILE[2],
        started_at="2026-11-28T19:03:04.000Z",
        finished_at="2026-11-28T19:04:04.000Z",
        pages=pages,
        cookies=cookies,
        requests=requests,
        storage=storage,
        api_calls=api_calls,
        screenshots=screenshots,
        banner=banner,
        choices=choices,
        pages_discovered=17 + n,
        findings=findings,
        score=0,
        grade="F",
        verdicts=Verdicts(
            tracks_before_consent=True,
            non_eea_before_consent=bool(n),
            no_banner_while_tracking=not n,
            refusal_tried=True,
            refusal_works=None if n else False,
            tracks_after_refusal=True,
            cookie_wall=bool(n),
            tracking_cookies_after_refusal=(HOSTILE[1], "_ga") if n else (),
        ),
        knowledge=KnowledgeShare(
            known_domains=("google-analytics.com", HOSTILE[3]),
            unknown_domains=(HOSTILE[0],) if n else (),
            cookies=3 + n,
            cookies_known=2,
        ),
    )


def rich_scan(scan_id: str = "20261128-190304-ab12") -> Scan:
    """A scan with every field set, two sites, hostile strings everywhere."""
    return Scan(
        id=scan_id,
        started_at="2026-11-28T19:03:04.000Z",
        finished_at="2026-11-28T20:00:00.000Z",
        tool_version="0.1.0",
        browser="Chromium 156.0.8078.108",
        options=(("pages", "10"), ("raw_values", "true"), (HOSTILE[1], HOSTILE[3])),
        lists=(("disconnect", "2026-11-01"), ("ocd", "'; DROP")),
        sites=(
            _result(0, "Aa en Hunze"),
            _result(1, "Súdwest-Fryslân"),
            dataclasses.replace(
                _result(2, "Failed Town"),
                status=SiteStatus.FAILED,
                pages=(),
                score=None,
                grade=None,
                verdicts=None,
                error_message="",
                banner=None,  # no banner found; the choices say why nothing was clicked
                choices=(ConsentChoice(Phase.REJECT, clicked=False, reason="no banner"),),
            ),
        ),
    )


def _header(scan: Scan) -> Scan:
    return dataclasses.replace(scan, sites=(), finished_at=None)


def _site(i: int) -> Site:
    return Site(name=f"Gemeente {i}", url=f"https://www.gemeente{i}.nl/")


def _done(site: Site, **changes: Any) -> SiteResult:
    return dataclasses.replace(
        SiteResult(site=site, status=SiteStatus.DONE, pages=(Page(site.url),)), **changes
    )


@pytest.fixture(params=["sqlite", "memory", pytest.param("postgresql", marks=pytest.mark.services)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ScanStore]:
    backend: ScanStore
    if request.param == "sqlite":
        backend = SQLiteStore(tmp_path / "history" / "scans.db")
    elif request.param == "postgresql":
        backend = open_store(request.getfixturevalue("pg_url"))
    else:
        backend = MemoryStore()
    with backend:
        yield backend


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def sql_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where an SQL back end keeps its history: a SQLite path or a PostgreSQL URL."""
    if request.param == "postgresql":
        url: str = request.getfixturevalue("pg_url")
        return url
    return str(tmp_path / "s.db")


def _legacy(path: Path, version: int) -> None:
    """A SQLite file as privacyscan left it at schema ``version`` before Alembic."""
    with closing(sqlite3.connect(path)) as conn, conn:
        for migration in MIGRATIONS[:version]:
            migration(conn)
        conn.execute(f"PRAGMA user_version = {version}")


def _user_version(path: Path) -> int:
    return int(_scalar(path, "PRAGMA user_version"))


def _scalar(path: Path, sql: str) -> Any:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(sql).fetchone()[0]


# -- contract ---------------------------------------------------------------------------


def test_round_trip_is_exact(store: ScanStore) -> None:
    scan = rich_scan()
    store.create_scan(_header(scan), [r.site for r in scan.sites])
    for result in reversed(scan.sites):  # saving order must not change site order
        store.save_site(scan.id, result)
    store.finish_scan(scan.id, scan.finished_at or "")
    loaded = store.get_scan(scan.id)
    assert loaded == scan
    # Spot checks on distinctions == would also catch, kept for a readable failure.
    assert loaded.sites[0].cookies[1].same_site is None
    assert loaded.sites[0].cookies[0].same_site == ""
    assert loaded.sites[0].cookies[2].party is not None
    assert loaded.sites[0].cookies[2].party.eea is None
    assert loaded.sites[0].cookies[1].party is None
    assert loaded.sites[0].pages[0].load_ms == 0
    assert loaded.sites[0].pages[1].load_ms is None
    assert type(loaded.sites[0].cookies[0].secure) is bool
    assert loaded.sites[1].pages_discovered == 18
    assert loaded.sites[0].api_calls[0].initiator == _initiator(3)
    assert loaded.sites[0].api_calls[2].party is None
    assert base64.b64decode(loaded.sites[0].screenshots[1].data) == PNG
    banner = loaded.sites[0].banner
    assert banner is not None and banner == scan.sites[0].banner
    assert banner.buttons[1].rule is None and banner.buttons[2].rule == ""
    assert base64.b64decode(banner.screenshot or "") == JPEG + b"\x00\x01"
    assert type(banner.in_shadow_dom) is bool
    assert loaded.sites[2].banner is None
    assert loaded.sites[0].choices[1].element_text == ""
    assert loaded.sites[0].choices[1].method is None
    assert loaded.sites[0].choices[1].layer == 0
    assert loaded.sites[2].choices == scan.sites[2].choices


@pytest.mark.parametrize(
    "data",
    ["", "YQ==", "YQ", "YR==", "YQ==\n", "not base64!", "Zm9v YmFy", HOSTILE[3], _b64(JPEG)],
)
def test_screenshot_data_comes_back_unchanged(store: ScanStore, data: str) -> None:
    """Canonical base64 or not (missing or odd padding, line breaks), the text is kept."""
    site = _site(1)
    shot = Screenshot(label="banner", page_url=site.url, data=data)
    store.create_scan(Scan(id="s", started_at="t"), [site])
    store.save_site("s", _done(site, screenshots=(shot, shot)))
    assert store.get_scan("s").sites[0].screenshots == (shot, shot)


@pytest.mark.parametrize(
    "screenshot", [None, "", "YQ==", "YQ", "YQ==\n", "not base64!", HOSTILE[3], _b64(PNG)]
)
def test_banner_screenshot_comes_back_unchanged(store: ScanStore, screenshot: str | None) -> None:
    """Like Screenshot.data, and None (no picture) stays distinct from ""."""
    site = _site(1)
    banner = Banner(page_url=site.url, cmp="custom", method="heuristic", screenshot=screenshot)
    store.create_scan(Scan(id="s", started_at="t"), [site])
    store.save_site("s", _done(site, banner=banner))
    assert store.get_scan("s").sites[0].banner == banner


def test_saving_again_replaces_banner_and_choices(store: ScanStore) -> None:
    """A retry without a banner drops the old one with its buttons; fewer choices too."""
    rich = rich_scan().sites[0]
    site = rich.site
    store.create_scan(Scan(id="s", started_at="t"), [site, _site(2)])
    store.save_site("s", rich)
    store.save_site("s", _done(_site(2), banner=rich.banner, choices=rich.choices))
    assert store.get_scan("s").sites[0] == rich
    bare = dataclasses.replace(rich, banner=None, choices=rich.choices[1:])
    store.save_site("s", bare)
    assert store.get_scan("s").sites[0] == bare
    assert rich.banner is not None
    fewer = dataclasses.replace(
        rich, banner=dataclasses.replace(rich.banner, buttons=rich.banner.buttons[:1])
    )
    store.save_site("s", fewer)
    loaded = store.get_scan("s")
    assert loaded.sites[0] == fewer
    assert loaded.sites[1].banner == rich.banner  # the other site kept its own
    assert loaded.sites[1].choices == rich.choices


def test_create_with_results_imports_them(store: ScanStore) -> None:
    scan = rich_scan()
    extra = _site(9)
    store.create_scan(scan, [scan.sites[1].site, extra])
    loaded = store.get_scan(scan.id)
    assert [r.site.url for r in loaded.sites] == [
        scan.sites[1].site.url,
        extra.url,
        scan.sites[0].site.url,
        scan.sites[2].site.url,
    ]
    assert loaded.sites[1] == SiteResult(site=extra, status=SiteStatus.PENDING)
    assert loaded.sites[2] == scan.sites[0]


def test_pending_and_resume(store: ScanStore) -> None:
    sites = [_site(1), _site(2), _site(3)]
    store.create_scan(Scan(id="s1", started_at="2026-01-01T00:00:00Z"), sites)
    assert store.pending_sites("s1") == sites
    loaded = store.get_scan("s1")
    assert loaded.sites == tuple(SiteResult(site=s, status=SiteStatus.PENDING) for s in sites)
    assert loaded.finished_at is None

    store.save_site("s1", _done(sites[1]))
    assert store.pending_sites("s1") == [sites[0], sites[2]]

    # A retry replaces, never duplicates, and may update the site's details.
    renamed = dataclasses.replace(sites[1], name="Renamed", province="Drenthe")
    retry = _done(renamed, status=SiteStatus.FAILED, pages=(), error="dns")
    store.save_site("s1", retry)
    store.save_site("s1", retry)
    loaded = store.get_scan("s1")
    assert [r.site.url for r in loaded.sites] == [s.url for s in sites]
    assert loaded.sites[1] == retry
    assert store.pending_sites("s1") == [sites[0], sites[2]]

    # A site that was not registered is appended.
    store.save_site("s1", _done(_site(4)))
    assert [r.site for r in store.get_scan("s1").sites][-1] == _site(4)


def test_list_scans_counts(store: ScanStore) -> None:
    assert store.list_scans() == []
    scan = rich_scan()
    store.create_scan(_header(scan), [r.site for r in scan.sites] + [_site(7)])
    for r in scan.sites:
        store.save_site(scan.id, r)
    store.create_scan(Scan(id="20261201-000000-ffff", started_at="2026-12-01T00:00:00Z"), [])
    summaries = store.list_scans()
    assert [s.id for s in summaries] == ["20261201-000000-ffff", scan.id]
    s = summaries[1]
    assert (s.sites_total, s.sites_done, s.sites_partial, s.sites_failed, s.sites_pending) == (
        4,
        1,
        1,
        1,
        1,
    )
    assert s.pages == 4
    assert dict(s.findings_by_severity) == {
        Severity.VIOLATION: 3,
        Severity.LIKELY_VIOLATION: 3,
        Severity.REVIEW: 3,
        Severity.INFO: 3,
    }
    assert s.findings(Severity.VIOLATION) == 3
    assert s.findings_total == 12
    assert (s.started_at, s.finished_at, s.tool_version, s.browser, s.options) == (
        scan.started_at,
        None,
        scan.tool_version,
        scan.browser,
        scan.options,
    )
    empty = summaries[0]
    assert empty.sites_total == 0 and empty.pages == 0 and empty.findings_total == 0


def test_scan_summary_and_site_status(store: ScanStore) -> None:
    scan = rich_scan()
    store.create_scan(_header(scan), [r.site for r in scan.sites] + [_site(7)])
    store.create_scan(Scan(id="other", started_at="2030"), [_site(8)])
    for r in scan.sites:
        store.save_site(scan.id, r)
    assert store.scan_summary(scan.id) == store.list_scans()[1]
    assert store.scan_summary("other").sites_pending == 1
    assert store.site_status(scan.id, scan.sites[1].site.url) is scan.sites[1].status
    assert store.site_status(scan.id, _site(7).url) is SiteStatus.PENDING
    assert store.site_status(scan.id, _site(8).url) is None
    with pytest.raises(ScanNotFound):
        store.scan_summary("nope")
    with pytest.raises(ScanNotFound):
        store.site_status("nope", _site(7).url)


def test_finish_scan(store: ScanStore) -> None:
    store.create_scan(Scan(id="s", started_at="t0"), [_site(1)])
    store.finish_scan("s", "2026-11-28T20:00:00Z")
    assert store.get_scan("s").finished_at == "2026-11-28T20:00:00Z"
    assert store.list_scans()[0].finished_at == "2026-11-28T20:00:00Z"
    with pytest.raises(ScanNotFound):
        store.finish_scan("nope", "x")


def test_resolve_scan_id(store: ScanStore) -> None:
    with pytest.raises(ScanNotFound, match="empty"):
        store.resolve_scan_id("latest")
    ids = ["20261128-190304-ab12", "20261129-080000-cd34", "20261129-090000-ef56"]
    for i in ids:
        store.create_scan(Scan(id=i, started_at=f"{i[:8]}T{i[9:15]}"), [])
    assert store.resolve_scan_id("latest") == ids[2]
    assert store.resolve_scan_id("previous") == ids[1]
    assert store.resolve_scan_id(ids[0]) == ids[0]
    assert store.resolve_scan_id("20261128") == ids[0]
    assert store.resolve_scan_id(" 20261129-09 ") == ids[2]
    with pytest.raises(ScanNotFound, match="ambiguous"):
        store.resolve_scan_id("20261129")
    with pytest.raises(ScanNotFound, match="latest"):
        store.resolve_scan_id("1999")
    with pytest.raises(ScanNotFound):
        store.resolve_scan_id("%")
    with pytest.raises(LookupError):
        store.resolve_scan_id("")


def test_previous_needs_two_scans(store: ScanStore) -> None:
    store.create_scan(Scan(id="only", started_at="t"), [])
    with pytest.raises(ScanNotFound, match="only one"):
        store.resolve_scan_id("previous")


def test_unknown_scan_and_duplicates(store: ScanStore) -> None:
    with pytest.raises(ScanNotFound):
        store.get_scan("nope")
    with pytest.raises(ScanNotFound):
        store.pending_sites("nope")
    with pytest.raises(ScanNotFound):
        store.save_site("nope", _done(_site(1)))
    store.create_scan(Scan(id="a", started_at="t"), [_site(1)])
    with pytest.raises(StoreError, match="exists"):
        store.create_scan(Scan(id="a", started_at="t"), [])
    with pytest.raises(StoreError, match="share a URL"):
        store.create_scan(Scan(id="b", started_at="t"), [_site(1), _site(1)])
    assert [s.id for s in store.list_scans()] == ["a"]


def test_closed_store_refuses(store: ScanStore) -> None:
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.list_scans()


# -- SQLite only ------------------------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_sqlite_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "scans.db"
    old = os.umask(0o000)  # the mode must not depend on the umask
    try:
        with SQLiteStore(path) as store:
            store.create_scan(Scan(id="s", started_at="t"), [_site(1)])
            for suffix in ("", "-wal", "-shm"):
                side = Path(str(path) + suffix)
                assert side.exists(), suffix
                assert _mode(side) == 0o600, suffix
    finally:
        os.umask(old)
    assert _mode(path) == 0o600


def test_sqlite_pragmas(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "s.db") as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    assert _user_version(tmp_path / "s.db") == ALEMBIC_USER_VERSION


def test_sqlite_reopen_is_idempotent_and_persistent(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    scan = rich_scan()
    with SQLiteStore(path) as store:
        store.create_scan(scan, [])
    for _ in range(2):
        with SQLiteStore(path) as store:
            assert store.get_scan(scan.id) == scan
    assert _user_version(path) == ALEMBIC_USER_VERSION


def test_sqlite_upgrades_a_version_1_database(tmp_path: Path) -> None:
    """A history written before api_calls and screenshots keeps its data and takes them."""
    path = tmp_path / "s.db"
    _legacy(path, 1)
    site = Site(name="Oud", url="https://www.oud.nl/", province="Drenthe", code="GM0001")
    with closing(sqlite3.connect(path)) as conn, conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        conn.execute(
            "INSERT INTO scans VALUES ('old', 't0', 't1', '0.1.0', 'Chromium 1',"
            " '[[\"pages\",\"10\"]]', '[]')"
        )
        site_id = conn.execute(
            "INSERT INTO sites (scan_id, position, url, name, province, code, extra_domains,"
            " status, started_at, finished_at, score, grade)"
            " VALUES ('old', 0, ?, ?, ?, ?, '[]', 'done', 's0', 's1', 90, 'A')",
            (site.url, site.name, site.province, site.code),
        ).lastrowid
        conn.execute(
            "INSERT INTO pages (site_id, position, url, phase, title, redirects, started_at,"
            " duration_ms, links) VALUES (?, 0, ?, 'none', 'Home', '[]', 'p0', 5, '[]')",
            (site_id, site.url),
        )
        conn.execute(
            "INSERT INTO cookies (site_id, position, name, domain, path, phase, source, stored,"
            " blocked_reasons, in_jar, secure, http_only, partitioned, size, value_hash,"
            " value_prefix, page_url, first_seen_ms, writes, party_first_party, party_domain)"
            " VALUES (?, 0, '_ga', '.oud.nl', '/', 'none', 'js', 1, '[]', 1, 0, 0, 0, 30,"
            " 'ab', 'GA1.', ?, 3, 1, 0, 'google-analytics.com')",
            (site_id, site.url),
        )
    old = SiteResult(
        site=site,
        started_at="s0",
        finished_at="s1",
        pages=(Page(url=site.url, title="Home", started_at="p0", duration_ms=5),),
        cookies=(
            Cookie(
                name="_ga",
                domain=".oud.nl",
                source=CookieSource.JS,
                size=30,
                value_hash="ab",
                value_prefix="GA1.",
                page_url=site.url,
                first_seen_ms=3,
                party=Party(first_party=False, domain="google-analytics.com"),
            ),
        ),
        score=90,
        grade="A",
    )
    expected = Scan(
        id="old",
        started_at="t0",
        finished_at="t1",
        tool_version="0.1.0",
        browser="Chromium 1",
        options=(("pages", "10"),),
        # A site saved before version 4 has its verdicts judged (and, before version 5,
        # its knowledge share computed) when it is read.
        sites=(dataclasses.replace(old, verdicts=judge(old), knowledge=knowledge_share(old)),),
    )
    with SQLiteStore(path) as store:
        assert _user_version(path) == ALEMBIC_USER_VERSION
        loaded = store.get_scan("old")
        assert loaded == expected
        assert loaded.sites[0].pages_discovered == 0
        assert loaded.sites[0].api_calls == () and loaded.sites[0].screenshots == ()
        rich = rich_scan().sites[0]
        upgraded = dataclasses.replace(
            old,
            api_calls=rich.api_calls,
            screenshots=rich.screenshots,
            pages_discovered=rich.pages_discovered,
        )
        store.save_site("old", upgraded)
        store.create_scan(rich_scan(), [])
    with SQLiteStore(path) as store:  # reopening an upgraded file changes nothing
        assert store.get_scan("old") == dataclasses.replace(expected, sites=(upgraded,))
        assert store.get_scan(rich_scan().id) == rich_scan()


def test_sqlite_upgrades_a_version_2_database(tmp_path: Path) -> None:
    """A history written before banners and consent choices keeps its data and takes them."""
    path = tmp_path / "s.db"
    _legacy(path, 2)
    site = Site(name="Oud", url="https://www.oud.nl/")
    with closing(sqlite3.connect(path)) as conn, conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
        conn.execute(
            "INSERT INTO scans VALUES ('old', 't0', 't1', '0.1.0', 'Chromium 1', '[]', '[]')"
        )
        site_id = conn.execute(
            "INSERT INTO sites (scan_id, position, url, name, extra_domains, status,"
            " started_at, finished_at, score, grade, pages_discovered)"
            " VALUES ('old', 0, ?, ?, '[]', 'done', 's0', 's1', 80, 'B', 12)",
            (site.url, site.name),
        ).lastrowid
        conn.execute(
            "INSERT INTO api_calls (site_id, position, api, phase, page_url, origin, count)"
            " VALUES (?, 0, 'canvas.toDataURL', 'none', ?, 'https://www.oud.nl', 2)",
            (site_id, site.url),
        )
        conn.execute(
            "INSERT INTO screenshots (site_id, position, label, page_url, mime, phase, data)"
            " VALUES (?, 0, 'page', ?, 'image/jpeg', 'none', ?)",
            (site_id, site.url, JPEG),
        )
    old = SiteResult(
        site=site,
        started_at="s0",
        finished_at="s1",
        api_calls=(
            ApiCall(api="canvas.toDataURL", page_url=site.url, origin=site.url[:-1], count=2),
        ),
        screenshots=(Screenshot(label="page", page_url=site.url, data=_b64(JPEG)),),
        pages_discovered=12,
        score=80,
        grade="B",
    )
    expected = Scan(
        id="old",
        started_at="t0",
        finished_at="t1",
        tool_version="0.1.0",
        browser="Chromium 1",
        sites=(dataclasses.replace(old, verdicts=judge(old), knowledge=knowledge_share(old)),),
    )
    with SQLiteStore(path) as store:
        assert _user_version(path) == ALEMBIC_USER_VERSION
        loaded = store.get_scan("old")
        assert loaded == expected
        assert loaded.sites[0].banner is None and loaded.sites[0].choices == ()
        rich = rich_scan().sites[0]
        upgraded = dataclasses.replace(old, banner=rich.banner, choices=rich.choices)
        store.save_site("old", upgraded)
        store.create_scan(rich_scan(), [])
    with SQLiteStore(path) as store:  # reopening an upgraded file changes nothing
        assert store.get_scan("old") == dataclasses.replace(expected, sites=(upgraded,))
        assert store.get_scan(rich_scan().id) == rich_scan()
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_sqlite_upgrades_a_version_3_database(tmp_path: Path) -> None:
    """A history written when findings carried their words and sites no verdicts: the
    words stay as written, the verdicts are judged when the site is read."""
    path = tmp_path / "s.db"
    _legacy(path, 3)
    site = Site(name="Oud", url="https://www.oud.nl/")
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("INSERT INTO scans VALUES ('old', 't0', 't1', '0.1.0', 'C', '[]', '[]')")
        site_id = conn.execute(
            "INSERT INTO sites (scan_id, position, url, name, extra_domains, status,"
            " started_at, finished_at, score, grade) VALUES"
            " ('old', 0, ?, ?, '[]', 'done', 's0', 's1', 40, 'D')",
            (site.url, site.name),
        ).lastrowid
        conn.execute(
            "INSERT INTO requests (site_id, position, url, phase, page_url, method,"
            " resource_type, cookies_sent, t_ms, party_first_party, party_domain,"
            " party_organisation, party_category, party_eea) VALUES (?, 0,"
            " 'https://www.facebook.com/tr', 'none', ?, 'GET', 'Image', '[]', 5, 0,"
            " 'facebook.com', 'Meta', 'marketing', 0)",
            (site_id, site.url),
        )
        finding = conn.execute(
            "INSERT INTO findings (site_id, position, finding_id, rule, severity, subject,"
            " title, explanation, fix, legal_basis, legal_url, organisation) VALUES"
            " (?, 0, 'tracker-request-before-consent:Meta', 'tracker-request-before-consent',"
            " 'violation', 'Meta', 'Gegevens naar Meta vóór toestemming', 'Uitleg.',"
            " 'Oplossing.', 'Telecommunicatiewet art. 11.7a', 'https://wetten.overheid.nl/',"
            " 'Meta')",
            (site_id,),
        ).lastrowid
        conn.execute(
            "INSERT INTO finding_evidence (finding, position, page_url, phase, subject)"
            " VALUES (?, 0, ?, 'none', 'https://www.facebook.com/tr')",
            (finding, site.url),
        )
    with SQLiteStore(path) as store:
        (old,) = store.get_scan("old").sites
    assert _scalar(path, "SELECT verdicts_version FROM sites") == 0
    (f,) = old.findings
    assert (f.variant, f.params) == ("", ())
    assert f.title == "Gegevens naar Meta vóór toestemming"  # shown as written
    assert finding_text(f, translator("en")).title == f.title
    assert old.verdicts is not None and old.verdicts == judge(old)
    assert old.verdicts.tracks_before_consent and old.verdicts.non_eea_before_consent
    assert old.verdicts.no_banner_while_tracking and old.verdicts.refusal_works is None
    with SQLiteStore(path) as store:  # saved again: the verdicts are kept as they are
        store.save_site("old", dataclasses.replace(old, verdicts=None))
        assert store.get_scan("old").sites[0].verdicts is None
    assert _scalar(path, "SELECT verdicts_version FROM sites") == 2


def test_sqlite_upgrades_a_version_4_database(tmp_path: Path) -> None:
    """A history written before payloads and the knowledge share were kept: requests have
    no payload, and the share is computed from the saved parties when a site is read."""
    path = tmp_path / "s.db"
    _legacy(path, 4)
    site = Site(name="Oud", url="https://www.oud.nl/")
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("INSERT INTO scans VALUES ('old', 't0', 't1', '0.1.0', 'C', '[]', '[]')")
        site_id = conn.execute(
            "INSERT INTO sites (scan_id, position, url, name, extra_domains, status,"
            " started_at, finished_at, score, grade, verdicts_version) VALUES"
            " ('old', 0, ?, ?, '[]', 'done', 's0', 's1', 40, 'D', 1)",
            (site.url, site.name),
        ).lastrowid
        for i, (url, domain, org, category) in enumerate(
            [
                ("https://www.facebook.com/tr?id=1&ev=PageView", "facebook.com", "Meta", "social"),
                ("https://cdn.onbekend.example/x.js", "onbekend.example", None, None),
            ]
        ):
            conn.execute(
                "INSERT INTO requests (site_id, position, url, phase, page_url, method,"
                " resource_type, cookies_sent, t_ms, party_first_party, party_domain,"
                " party_organisation, party_category) VALUES"
                " (?, ?, ?, 'none', ?, 'GET', 'Image', '[]', 5, 0, ?, ?, ?)",
                (site_id, i, url, site.url, domain, org, category),
            )
    with SQLiteStore(path) as store:
        (old,) = store.get_scan("old").sites
        assert _user_version(path) == ALEMBIC_USER_VERSION
    assert all(r.payload is None for r in old.requests)
    assert old.knowledge == KnowledgeShare(
        known_domains=("facebook.com",), unknown_domains=("onbekend.example",)
    )
    with SQLiteStore(path) as store:  # saved again: the share is kept as it is
        store.save_site("old", dataclasses.replace(old, knowledge=None))
        assert store.get_scan("old").sites[0].knowledge is None
    assert _scalar(path, "SELECT verdicts_version FROM sites") == 2


def test_sqlite_refuses_a_non_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("this is not a database, " * 100)
    with pytest.raises(StoreError, match="not a usable scan history"):
        SQLiteStore(path)


def test_sqlite_save_site_is_atomic(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    scan = rich_scan()
    with SQLiteStore(path) as store:
        store.create_scan(_header(scan), [r.site for r in scan.sites])
        store.save_site(scan.id, scan.sites[0])
        before = store.get_scan(scan.id)
        # A lone surrogate cannot be encoded: the error comes after the site row, the
        # pages and the cookies before it were written (and the old ones deleted).
        bad_cookie = dataclasses.replace(scan.sites[0].cookies[0], value="\ud800")
        bad = dataclasses.replace(
            scan.sites[0],
            status=SiteStatus.FAILED,
            cookies=(*scan.sites[0].cookies, bad_cookie),
        )
        with pytest.raises(UnicodeEncodeError):
            store.save_site(scan.id, bad)
        assert store.get_scan(scan.id) == before
        bad_new = dataclasses.replace(bad, site=_site(8))
        with pytest.raises(UnicodeEncodeError):
            store.save_site(scan.id, bad_new)
        assert store.get_scan(scan.id) == before
        # The banner and its buttons are written before the choices: rolled back too.
        bad_choice = dataclasses.replace(scan.sites[0].choices[0], reason="\ud800")
        bad = dataclasses.replace(scan.sites[0], banner=scan.sites[1].banner, choices=(bad_choice,))
        with pytest.raises(UnicodeEncodeError):
            store.save_site(scan.id, bad)
        assert store.get_scan(scan.id) == before
        store.save_site(scan.id, scan.sites[1])  # the connection is still usable
    with SQLiteStore(path) as store:
        assert store.get_scan(scan.id).sites[1] == scan.sites[1]
        assert store.get_scan(scan.id).sites[0] == before.sites[0]


def test_sqlite_party_columns_answer_questions(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    scan = rich_scan()
    with SQLiteStore(path) as store:
        store.create_scan(scan, [])
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute(
            """SELECT DISTINCT si.name FROM requests r JOIN sites si ON si.id = r.site_id
               WHERE r.party_domain = 'google-analytics.com' AND r.phase = 'none'
                 AND si.scan_id = ? ORDER BY si.name""",
            (scan.id,),
        ).fetchall()
        assert rows == [("Aa en Hunze",)]
        (n,) = conn.execute(
            "SELECT COUNT(*) FROM cookies WHERE party_eea = 0 AND party_country = 'US'"
            " AND party_category = 'analytics' AND party_first_party = 0"
        ).fetchone()
        assert n == 2  # sites 0 and 2 have first_party False on their _ga cookie
        plan = " ".join(
            str(r[-1])
            for r in conn.execute(
                "EXPLAIN QUERY PLAN SELECT * FROM requests WHERE party_domain = 'x'"
            )
        )
        assert "INDEX" in plan


def test_sqlite_api_calls_and_screenshots_are_columns(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    scan = rich_scan()
    with SQLiteStore(path) as store:
        store.create_scan(scan, [])
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute(
            """SELECT si.name, a.count, a.initiator_line FROM api_calls a
               JOIN sites si ON si.id = a.site_id
               WHERE a.api LIKE 'webgl.%' AND a.party_category = 'fingerprinting'
                 AND a.phase = 'reject' ORDER BY si.position"""
        ).fetchall()
        assert rows == [("Aa en Hunze", 7, 4), ("Súdwest-Fryslân", 7, 5), ("Failed Town", 7, 6)]
        shots = conn.execute(
            "SELECT typeof(data), length(data), data FROM screenshots ORDER BY site_id, position"
        ).fetchall()
        assert [(t, n) for t, n, _ in shots] == [("blob", len(JPEG) + 1), ("blob", len(PNG))] * 3
        assert shots[1][2] == PNG  # the image itself, usable without decoding
        discovered = conn.execute("SELECT pages_discovered FROM sites ORDER BY position")
        assert [r[0] for r in discovered] == [17, 18, 19]
        for query in (
            "SELECT * FROM api_calls WHERE site_id = 1",
            "SELECT * FROM api_calls WHERE party_domain = 'x'",
            "SELECT * FROM screenshots WHERE site_id = 1",
        ):
            plan = " ".join(str(r[-1]) for r in conn.execute("EXPLAIN QUERY PLAN " + query))
            assert "INDEX" in plan, query


def test_sqlite_banners_and_choices_are_columns(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    scan = rich_scan()
    with SQLiteStore(path) as store:
        store.create_scan(scan, [])
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute(
            """SELECT si.name, b.cmp, b.reject_on_first_layer, b.accept_on_first_layer,
                      b.settings_on_first_layer, b.blocks_page, b.in_shadow_dom,
                      typeof(b.screenshot), length(b.screenshot)
               FROM sites si LEFT JOIN banners b ON b.site_id = si.id ORDER BY si.position"""
        ).fetchall()
        assert rows == [
            ("Aa en Hunze", "cookiebot", 1, 1, 1, 1, 1, "blob", len(JPEG) + 2),
            ("Súdwest-Fryslân", HOSTILE[2], 0, 1, 0, 1, 0, "blob", len(JPEG) + 2),
            ("Failed Town", None, None, None, None, None, None, "null", None),
        ]
        # Which sites offer no refusal on the first layer, and what could be clicked?
        buttons = conn.execute(
            """SELECT si.name, bb.role, bb.rule FROM banners b
               JOIN sites si ON si.id = b.site_id
               JOIN banner_buttons bb ON bb.site_id = b.site_id
               WHERE b.reject_on_first_layer = 0 ORDER BY bb.position"""
        ).fetchall()
        assert buttons == [
            ("Súdwest-Fryslân", "reject", "nl-weigeren"),
            ("Súdwest-Fryslân", "accept", None),
            ("Súdwest-Fryslân", "settings", ""),
            ("Súdwest-Fryslân", HOSTILE[0], HOSTILE[4]),
        ]
        choices = conn.execute(
            """SELECT si.position, c.phase, c.clicked, c.layer, c.banner_on_next_page
               FROM consent_choices c JOIN sites si ON si.id = c.site_id
               ORDER BY si.position, c.position"""
        ).fetchall()
        assert choices == [
            (0, "reject", 1, 2, 1),
            (0, "accept", 0, 0, 0),
            (1, "reject", 1, 2, 1),
            (1, "accept", 0, 0, 0),
            (2, "reject", 0, None, 0),
        ]
        for query in (
            "SELECT * FROM banners WHERE site_id = 1",
            "SELECT * FROM banner_buttons WHERE site_id = 1",
            "SELECT * FROM consent_choices WHERE site_id = 1",
        ):
            plan = " ".join(str(r[-1]) for r in conn.execute("EXPLAIN QUERY PLAN " + query))
            assert "INDEX" in plan, query
        with pytest.raises(sqlite3.IntegrityError):  # at most one banner per site
            conn.execute(
                "INSERT INTO banners (site_id, page_url, cmp, method, reject_on_first_layer,"
                " accept_on_first_layer, settings_on_first_layer, blocks_page, in_shadow_dom,"
                " text) SELECT site_id, '', '', '', 0, 0, 0, 0, 0, '' FROM banners LIMIT 1"
            )


def test_sqlite_usable_from_worker_threads(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    sites = [_site(i) for i in range(20)]
    with SQLiteStore(tmp_path / "s.db") as store:
        store.create_scan(Scan(id="t", started_at="t"), sites)
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda s: store.save_site("t", _done(s)), sites))
        assert store.pending_sites("t") == []
        assert [r.site for r in store.get_scan("t").sites] == sites


def test_sqlite_two_connections_share_the_file(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with SQLiteStore(path) as writer, SQLiteStore(path) as reader:
        writer.create_scan(Scan(id="w", started_at="t"), [_site(1)])
        writer.save_site("w", _done(_site(1)))
        assert reader.get_scan("w").sites[0].status is SiteStatus.DONE


# -- one schema, one migration history (SQLite and PostgreSQL) ---------------------------


def _open(target: str, **kwargs: Any) -> SQLStore:
    """The SQL back end at ``target`` with test-only arguments (extra revisions)."""
    if target.startswith("postgresql://"):
        from scanner.store.postgres import PostgresStore

        return PostgresStore(target, **kwargs)
    return SQLiteStore(Path(target), **kwargs)


def _revision_file(folder: Path, body: str, revision: str = "0999") -> Path:
    """An Alembic revision after this privacyscan's head, as a later release would add."""
    folder.mkdir(exist_ok=True)
    (folder / f"{revision}_test.py").write_text(
        "import sqlalchemy as sa\n"
        "from alembic import op\n"
        f"revision = {revision!r}\n"
        f"down_revision = {head_revision()!r}\n"
        "branch_labels = None\n"
        "depends_on = None\n"
        "def upgrade():\n" + "".join(f"    {line}\n" for line in body.splitlines())
    )
    return folder


def test_migrations_make_exactly_the_schema(sql_target: str) -> None:
    """The head of the migration history is the schema the code reads and writes."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from scanner.store.schema import metadata

    with _open(sql_target) as store, store.engine.connect() as conn:
        assert store.revision == head_revision()
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_a_legacy_version_6_file_is_stamped_and_upgraded(tmp_path: Path) -> None:
    """A file of the last hand-migrated version keeps its data and joins the history."""
    path = tmp_path / "s.db"
    _legacy(path, len(MIGRATIONS))
    site = _site(1)
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("INSERT INTO scans VALUES ('v6', 't0', 't1', '0.1.0', 'C', '[]', '[]')")
        conn.execute(
            "INSERT INTO sites (scan_id, position, url, name, extra_domains, status, started_at,"
            " finished_at, verdicts_version) VALUES ('v6', 0, ?, ?, '[]', 'pending', '', '', 2)",
            (site.url, site.name),
        )
    with SQLiteStore(path) as store:
        assert store.pending_sites("v6") == [site]
        shot = Screenshot(label="page", page_url=site.url, data="not base64!")
        store.save_site("v6", _done(site, screenshots=(shot,)))
        assert store.get_scan("v6").sites[0].screenshots == (shot,)
    assert _scalar(path, "SELECT version_num FROM alembic_version") == head_revision()
    assert _user_version(path) == ALEMBIC_USER_VERSION
    assert _scalar(path, "SELECT data_text FROM screenshots") == "not base64!"


def test_text_in_an_old_image_column_is_read(tmp_path: Path) -> None:
    """Before revision 0002, SQLite kept a screenshot text that is not base64 as TEXT in
    the image column; it still comes back unchanged."""
    path = tmp_path / "s.db"
    _legacy(path, 3)
    site = _site(1)
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("INSERT INTO scans VALUES ('old', 't0', 't1', '0.1.0', 'C', '[]', '[]')")
        site_id = conn.execute(
            "INSERT INTO sites (scan_id, position, url, name, extra_domains, status,"
            " started_at, finished_at) VALUES ('old', 0, ?, ?, '[]', 'done', 's0', 's1')",
            (site.url, site.name),
        ).lastrowid
        conn.execute(
            "INSERT INTO screenshots (site_id, position, label, page_url, mime, phase, data)"
            " VALUES (?, 0, 'page', ?, 'image/jpeg', 'none', 'YQ')",
            (site_id, site.url),
        )
        conn.execute(
            "INSERT INTO banners (site_id, page_url, cmp, method, reject_on_first_layer,"
            " accept_on_first_layer, settings_on_first_layer, blocks_page, in_shadow_dom,"
            " text, screenshot) VALUES (?, ?, 'custom', 'heuristic', 0, 0, 0, 0, 0, '', 'Zm9v YQ')",
            (site_id, site.url),
        )
    with SQLiteStore(path) as store:
        (old,) = store.get_scan("old").sites
    assert [s.data for s in old.screenshots] == ["YQ"]
    assert old.banner is not None and old.banner.screenshot == "Zm9v YQ"


def test_a_new_revision_is_applied_once(sql_target: str, tmp_path: Path) -> None:
    with _open(sql_target) as store:
        store.create_scan(rich_scan(), [])
    later = _revision_file(
        tmp_path / "later",
        "op.add_column('scans', sa.Column('note', sa.Text(), nullable=False,"
        " server_default='migrated'))",
    )
    for _ in range(2):  # the second open finds it applied
        with _open(sql_target, extra_versions=[later]) as store, store.engine.connect() as conn:
            assert store.revision == "0999"
            assert store.get_scan(rich_scan().id) == rich_scan()
            assert conn.exec_driver_sql("SELECT note FROM scans").scalar() == "migrated"
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == (
                "0999"
            )


def test_a_failed_migration_changes_nothing(sql_target: str, tmp_path: Path) -> None:
    """Legacy steps, stamp and revisions run in one transaction: all or nothing."""
    if not sql_target.startswith("postgresql"):
        _legacy(Path(sql_target), 1)
    broken = _revision_file(
        tmp_path / "broken",
        "op.create_table('half_done', sa.Column('x', sa.Integer()))\nraise RuntimeError('boom')",
    )
    with pytest.raises(RuntimeError, match="boom"):
        _open(sql_target, extra_versions=[broken])
    engine = sa.create_engine(
        sa.make_url(sql_target).set(drivername="postgresql+psycopg")
        if sql_target.startswith("postgresql")
        else f"sqlite:///{sql_target}"
    )
    try:
        tables = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert "half_done" not in tables and "alembic_version" not in tables
    if sql_target.startswith("postgresql"):
        assert tables == set()
    else:
        assert _user_version(Path(sql_target)) == 1
        assert "api_calls" not in tables  # legacy step 2 was rolled back too
    with _open(sql_target) as store:  # and the next open succeeds
        assert store.list_scans() == []


def test_a_newer_database_is_refused(sql_target: str, tmp_path: Path) -> None:
    later = _revision_file(tmp_path / "later", "pass")
    with _open(sql_target, extra_versions=[later]):
        pass
    with pytest.raises(StoreVersionError, match=r"revision 0999, which this privacyscan"):
        _open(sql_target)


def test_without_migrate_a_legacy_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    _legacy(path, 3)
    with pytest.raises(StoreVersionError, match=r"has schema version 3, but this privacyscan"):
        SQLiteStore(path, migrate=False)
    assert _user_version(path) == 3


def test_a_newer_legacy_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    _legacy(path, len(MIGRATIONS))
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(f"PRAGMA user_version = {ALEMBIC_USER_VERSION + 1}")
    with pytest.raises(StoreVersionError, match="upgrade privacyscan"):
        SQLiteStore(path)


def test_without_migrate_another_revision_is_refused(sql_target: str, tmp_path: Path) -> None:
    """What a worker does: it never changes a shared history's schema, and says which
    revision the database has and which it has itself."""
    with _open(sql_target, migrate=False) as store:  # an empty database is created
        assert store.revision == head_revision()
    later = _revision_file(tmp_path / "later", "pass")
    message = f"has schema revision {head_revision()}, but this privacyscan has revision 0999"
    with pytest.raises(StoreVersionError, match=message):
        _open(sql_target, migrate=False, extra_versions=[later])
    with _open(sql_target, migrate=False) as store:  # the same revision: fine
        assert store.revision == head_revision()


def test_open_store_picks_the_back_end(tmp_path: Path) -> None:
    from scanner.store import StoreTargetError

    with open_store(tmp_path / "a.db") as store:
        assert isinstance(store, SQLiteStore)
    with open_store(f"sqlite:///{tmp_path / 'b.db'}") as store:
        assert isinstance(store, SQLiteStore) and store.path == tmp_path / "b.db"
    with pytest.raises(StoreTargetError, match="unsupported database URL scheme 'mysql'"):
        open_store("mysql://user@host/db")


def test_an_unreachable_postgres_is_a_clear_error() -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(StoreError, match=r"cannot reach the scan history postgresql://u:\*\*\*@"):
        open_store(f"postgresql://u:secret@127.0.0.1:{port}/db")


# -- several writers at once --------------------------------------------------------------


def _save_repeatedly(target: str, scan_id: str, worker: int, rounds: int) -> None:
    """One process saving the same site again and again, and one site of its own."""
    with open_store(target) as store:
        for n in range(rounds):
            pages = tuple(Page(f"{_site(1).url}p{worker}-{n}-{i}") for i in range(1 + n % 4))
            store.save_site(scan_id, _done(_site(1), pages=pages))
            store.save_site(scan_id, _done(_site(100 + worker), pages=pages))


def test_concurrent_writers_leave_one_result_per_site(sql_target: str) -> None:
    """Processes saving the same site at once (redeliveries on several workers) leave one
    result, whole; sites none of them registered get positions of their own."""
    import multiprocessing

    with open_store(sql_target) as store:
        store.create_scan(Scan(id="c", started_at="t"), [_site(1), _site(2)])
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_save_repeatedly, args=(sql_target, "c", w, 15)) for w in range(4)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    with open_store(sql_target) as store:
        scan = store.get_scan("c")
    urls = [r.site.url for r in scan.sites]
    assert urls[:2] == [_site(1).url, _site(2).url]
    assert sorted(urls[2:]) == sorted(_site(100 + w).url for w in range(4))
    shared = scan.sites[0]
    # One whole result: every page from the same save (worker w, round n).
    assert {p.url.rsplit("-", 1)[0] for p in shared.pages} == {
        shared.pages[0].url.rsplit("-", 1)[0]
    }
    assert [p.url.rsplit("-", 1)[1] for p in shared.pages] == [
        str(i) for i in range(len(shared.pages))
    ]
    engine = (
        sa.create_engine(sa.make_url(sql_target).set(drivername="postgresql+psycopg"))
        if sql_target.startswith("postgresql")
        else sa.create_engine(f"sqlite:///{sql_target}")
    )
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT COUNT(*) FROM sites").scalar() == 6
            # No orphaned rows of an earlier delivery.
            assert conn.exec_driver_sql("SELECT COUNT(*) FROM pages").scalar() == sum(
                len(r.pages) for r in scan.sites
            )
    finally:
        engine.dispose()
