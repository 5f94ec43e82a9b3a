"""Knowledge: our curated data files, lookups, the importers and the list cache."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from scanner.knowledge import (
    CATEGORIES,
    CookiePattern,
    Knowledge,
    ServiceDomain,
    load_knowledge,
)
from scanner.knowledge.importers import (
    ImportStats,
    JSParseError,
    import_open_cookie_database,
    import_third_party_web,
    parse_js_literal,
)
from scanner.knowledge.lists import (
    FILENAMES,
    LISTS,
    ListUpdateError,
    default_cache_dir,
    update_lists,
)


def _shared_data() -> Path:
    env = os.environ.get("PRIVACYSCAN_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared" / "data"


SHARED = _shared_data()
OCD = SHARED / "open-cookie-database" / "open-cookie-database.csv"
TPW = SHARED / "third-party-web" / "entities.js"
needs_ocd = pytest.mark.skipif(not OCD.is_file(), reason=f"reference file absent: {OCD}")
needs_tpw = pytest.mark.skipif(not TPW.is_file(), reason=f"reference file absent: {TPW}")


def _data(name: str) -> dict[str, Any]:
    text = resources.files("scanner").joinpath("knowledge", name).read_text(encoding="utf-8")
    doc = json.loads(text)
    assert isinstance(doc, dict)
    return doc


# ----------------------------------------------------------------------- data files


@pytest.mark.parametrize(
    ("name", "key"), [("services.json", "services"), ("cookies.json", "cookies")]
)
def test_data_file_entries_are_valid(name: str, key: str) -> None:
    doc = _data(name)
    assert isinstance(doc.get("version"), str) and doc["version"]
    entries = doc[key]
    assert len(entries) > 50
    for entry in entries:
        assert entry.get("source", "").startswith("https://"), entry
        assert entry.get("category") in CATEGORIES, entry
        if key == "services":
            country = entry.get("country")
            assert country is None or re.fullmatch(r"[A-Z]{2}", country), entry
            assert entry["domain"] == entry["domain"].lower().strip(".")
        else:
            assert entry.get("match", "exact") in ("exact", "prefix", "regex"), entry
            if entry.get("match") == "regex":
                re.compile(entry["name"])


def test_data_files_have_no_duplicates() -> None:
    services = [(e["domain"], e.get("path", "")) for e in _data("services.json")["services"]]
    assert len(services) == len(set(services))
    cookies = [(e["name"], e["match"]) for e in _data("cookies.json")["cookies"]]
    assert len(cookies) == len(set(cookies))


@pytest.mark.parametrize(
    "domain",
    [
        "google-analytics.com", "analytics.google.com", "region1.google-analytics.com",
        "googletagmanager.com", "doubleclick.net", "googleadservices.com",
        "googlesyndication.com", "fonts.googleapis.com", "fonts.gstatic.com",
        "maps.googleapis.com", "maps.gstatic.com", "recaptcha.net", "youtube.com",
        "ytimg.com", "googlevideo.com", "youtube-nocookie.com", "facebook.com",
        "facebook.net", "instagram.com", "linkedin.com", "licdn.com", "ads.linkedin.com",
        "twitter.com", "x.com", "twimg.com", "t.co", "tiktok.com", "clarity.ms",
        "bat.bing.com", "hotjar.com", "hotjar.io", "siteimprove.com",
        "siteimproveanalytics.com", "siteimproveanalytics.io", "matomo.cloud", "piwik.pro",
        "containers.piwik.pro", "readspeaker.com", "vimeo.com", "cdnjs.cloudflare.com",
        "cloudflareinsights.com", "cookiebot.com", "cookielaw.org", "cookiefirst.com",
        "complianz.io", "cookieinformation.com", "jsdelivr.net", "unpkg.com",
        "code.jquery.com", "akamaihd.net", "fastly.net",
    ],
)  # fmt: skip
def test_curated_services_cover_municipal_sites(domain: str) -> None:
    knowledge = load_knowledge()
    svc = knowledge.service_for_host(domain)
    assert svc is not None and svc.curated, domain


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("_ga", "analytics"), ("_ga_XYZ", "analytics"), ("_gid", "analytics"),
        ("_gat_UA-1", "analytics"), ("_gcl_au", "marketing"), ("__utmz", "analytics"),
        ("_fbp", "marketing"), ("fr", "marketing"), ("_hjSessionUser_1", "session_replay"),
        ("_hjSession_1", "session_replay"), ("_hjid", "session_replay"),
        ("_pk_id.1.abcd", "analytics"), ("_pk_ses.1.abcd", "analytics"),
        ("_pk_ref.1.abcd", "analytics"), ("MATOMO_SESSID", "necessary"),
        ("_clck", "session_replay"), ("_clsk", "session_replay"), ("MUID", "marketing"),
        ("IDE", "marketing"), ("NID", "marketing"), ("VISITOR_INFO1_LIVE", "video"),
        ("YSC", "video"), ("lidc", "functional"), ("bcookie", "social"), ("li_gc", "consent"),
        ("CookieConsent", "consent"), ("OptanonConsent", "consent"),
        ("cookiefirst-consent", "consent"), ("cmplz_marketing", "consent"),
        ("PHPSESSID", "necessary"), ("JSESSIONID", "necessary"),
        ("ASP.NET_SessionId", "necessary"), ("__cf_bm", "necessary"), ("_cfuvid", "necessary"),
        ("siteimproveses", "analytics"), ("nmstat", "analytics"),
        ("SSESS0123456789abcdef0123456789abcdef", "necessary"),
    ],
)  # fmt: skip
def test_curated_cookie_patterns(name: str, category: str) -> None:
    pattern = load_knowledge().cookie_pattern(name)
    assert pattern is not None and pattern.curated, name
    assert pattern.category == category


# --------------------------------------------------------------------------- lookups


def _svc(domain: str, service: str, dataset: str = "privacyscan", path: str = "") -> ServiceDomain:
    return ServiceDomain(domain, "Org", service, None, None, None, "https://x", "", path, dataset)


def _pat(name: str, match: Any, service: str, dataset: str = "privacyscan") -> CookiePattern:
    return CookiePattern(name, match, service, None, None, dataset=dataset)


def test_service_lookup_longest_suffix_and_curated_first() -> None:
    k = Knowledge(
        (
            _svc("example.com", "imported-wide", "third-party-web"),
            _svc("ads.example.com", "imported", "third-party-web"),
            _svc("ads.example.com", "curated"),
            _svc("example.com", "path", path="/pixel"),
        ),
        (),
    )
    assert k.service_for_host("x.ads.example.com").service == "curated"  # type: ignore[union-attr]
    assert k.service_for_host("www.example.com").service == "imported-wide"  # type: ignore[union-attr]
    assert k.service_for_host("example.org") is None
    assert k.service_for_url("www.example.com", "/pixel/1").service == "path"  # type: ignore[union-attr]
    assert k.service_for_url("www.example.com", "/other").service == "imported-wide"  # type: ignore[union-attr]


def test_cookie_lookup_precedence() -> None:
    k = Knowledge(
        (),
        (
            _pat("_x", "prefix", "curated-prefix"),
            _pat("_x_long", "prefix", "curated-long-prefix"),
            _pat("_x_id", "exact", "imported-exact", "open-cookie-database"),
            _pat("_x_id", "exact", "curated-exact"),
            _pat("_y", "prefix", "imported-prefix", "open-cookie-database"),
            _pat("_y.*", "regex", "curated-regex"),
            _pat("[", "regex", "broken regex is ignored"),
        ),
    )
    assert k.cookie_pattern("_x_id").service == "curated-exact"  # type: ignore[union-attr]
    assert k.cookie_pattern("_x_longer").service == "curated-long-prefix"  # type: ignore[union-attr]
    assert k.cookie_pattern("_x_other").service == "curated-prefix"  # type: ignore[union-attr]
    assert k.cookie_pattern("_y1").service == "imported-prefix"  # type: ignore[union-attr]
    assert k.cookie_pattern("zzz") is None


# ------------------------------------------------------------------------- importers


@needs_ocd
def test_import_open_cookie_database() -> None:
    stats = ImportStats()
    patterns = import_open_cookie_database(OCD, stats)
    assert 2000 <= len(patterns) <= 3000  # ~2,264 rows
    assert stats.imported == len(patterns)
    by_name = {(p.name, p.match): p for p in patterns}
    ga = by_name[("_ga", "exact")]
    assert (ga.category, ga.organisation, ga.service) == ("analytics", "Google", "Google Analytics")
    assert by_name[("_ga_", "prefix")].category == "analytics"
    assert by_name[("IDE", "exact")].category == "marketing"
    assert all(p.dataset == "open-cookie-database" for p in patterns)
    assert {p.category for p in patterns} <= CATEGORIES | {None}


@needs_tpw
def test_import_third_party_web() -> None:
    stats = ImportStats()
    services = import_third_party_web(TPW, stats)
    assert 2000 <= stats.imported <= 2400  # ~2,142 entities
    assert stats.skipped <= 10
    by_domain: dict[str, ServiceDomain] = {}
    for svc in services:
        by_domain.setdefault(svc.domain, svc)
    assert by_domain["doubleclick.net"].category == "marketing"
    assert by_domain["doubleclick.net"].organisation == "Google"
    assert by_domain["facebook.com"].category == "social"
    assert by_domain["sdk.privacy-center.org"].category == "consent"
    assert all(s.country is None and s.eea is None for s in services)
    assert not any("*" in s.domain for s in services)


def test_ocd_importer_skips_malformed_rows(tmp_path: Path) -> None:
    header = (
        "ID,Platform,Category,Cookie / Data Key name,Domain,Description,Retention period,"
        "Data Controller,User Privacy & GDPR Rights Portals,Wildcard match\n"
    )
    rows = (
        "1,Acme,Marketing,acme_id,,Tracks,1 year,Acme,https://a,0\n"
        "2,Acme,Analytics,,,,1 year,Acme,https://a,0\n"  # no name
        "3,Acme,Analytics,acme_,,,1 year,Acme,https://a,1,extra\n"  # too many fields
        "4,Acme,Weird,acme_w,,,1 year,Acme,https://a,1\n"
    )
    path = tmp_path / "ocd.csv"
    path.write_text(header + rows, encoding="utf-8")
    stats = ImportStats()
    patterns = import_open_cookie_database(path, stats)
    assert [(p.name, p.match, p.category) for p in patterns] == [
        ("acme_id", "exact", "marketing"),
        ("acme_w", "prefix", None),
    ]
    assert stats.skipped == 2


def test_tpw_importer_tolerates_bad_entries(tmp_path: Path) -> None:
    text = """// header comment
    module.exports = [
      {name: 'Good', company: 'Acme', category: 'ad', domains: ['*.acme.com', 'acme.net']},
      {name: 'NoDomains', category: 'ad', domains: []},
      {name: 'Broken', category: 'ad', domains: [ ??? ]},
      {name: "Quoted \\"x\\"", category: 'video', domains: ['vid.example'],
       products: [{urlPatterns: [/vid\\.example\\/embed\\//, 'x']}]},
      'not an object',
    ]
    """
    path = tmp_path / "entities.js"
    path.write_text(text, encoding="utf-8")
    stats = ImportStats()
    services = import_third_party_web(path, stats)
    assert [(s.domain, s.organisation, s.category) for s in services] == [
        ("acme.com", "Acme", "marketing"),
        ("acme.net", "Acme", "marketing"),
        ("vid.example", 'Quoted "x"', "video"),
    ]
    assert stats.imported == 2
    assert stats.skipped == 3


def test_parse_js_literal() -> None:
    assert parse_js_literal("[1, 2.5, true, null, 'a', /b\\/c/i, {k: [`t`,],},]") == [
        1, 2.5, True, None, "a", "/b\\/c/i", {"k": ["t"]},
    ]  # fmt: skip
    with pytest.raises(JSParseError):
        parse_js_literal("[1, 2")


# ---------------------------------------------------------------------- list cache


def _fake_fetch(url: str) -> bytes:
    if url == LISTS["open-cookie-database"]:
        return OCD.read_bytes()
    if url == LISTS["third-party-web"]:
        return TPW.read_bytes()
    raise AssertionError(f"unexpected URL {url}")


@needs_ocd
@needs_tpw
def test_update_lists_then_load_knowledge_uses_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    now = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
    versions = update_lists(cache, _fake_fetch, now=now)
    assert [name for name, _ in versions] == ["open-cookie-database", "third-party-web"]
    assert all(v.startswith("sha256:") and v.endswith("2026-05-20") for _, v in versions)
    for name in LISTS:
        assert (cache / FILENAMES[name]).is_file()
        meta = json.loads((cache / f"{FILENAMES[name]}.meta.json").read_text())
        assert meta["url"] == LISTS[name]
        assert meta["downloaded_at"] == "2026-05-20T12:00:00Z"
        assert len(meta["sha256"]) == 64
    assert not [p for p in cache.iterdir() if p.name.startswith(".")]

    base = load_knowledge()
    full = load_knowledge(cache)
    assert dict(full.versions)["open-cookie-database"] == dict(versions)["open-cookie-database"]
    assert len(full.cookies) > len(base.cookies) + 2000
    assert len(full.services) > len(base.services) + 2000
    # Imported entries fill gaps; curated entries still win.
    assert base.cookie_pattern("_gali") is None
    assert full.cookie_pattern("_gali") is not None
    hj = full.cookie_pattern("_hjSession_123")
    assert hj is not None and hj.curated and hj.category == "session_replay"
    assert full.service_for_host("www.google-analytics.com").curated  # type: ignore[union-attr]


@needs_ocd
def test_update_lists_rejects_garbage_and_keeps_cache(tmp_path: Path) -> None:
    def bad_fetch(url: str) -> bytes:
        if url == LISTS["third-party-web"]:
            return b"<html>rate limited</html>"
        return OCD.read_bytes()

    with pytest.raises(ListUpdateError):
        update_lists(tmp_path, bad_fetch)
    assert not (tmp_path / FILENAMES["open-cookie-database"]).exists()
    assert not (tmp_path / FILENAMES["third-party-web"]).exists()


def test_update_lists_reports_download_failure(tmp_path: Path) -> None:
    def failing(url: str) -> bytes:
        raise OSError("offline")

    with pytest.raises(ListUpdateError, match="offline"):
        update_lists(tmp_path, failing)


def test_load_knowledge_ignores_corrupt_cache(tmp_path: Path) -> None:
    (tmp_path / FILENAMES["third-party-web"]).write_text("module.exports = [", encoding="utf-8")
    knowledge = load_knowledge(tmp_path)
    assert [name for name, _ in knowledge.versions] == [
        "privacyscan-services",
        "privacyscan-cookies",
    ]


def test_default_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PRIVACYSCAN_CACHE", str(tmp_path / "explicit"))
    assert default_cache_dir() == tmp_path / "explicit"
    monkeypatch.delenv("PRIVACYSCAN_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "privacyscan"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "privacyscan"
