"""Knowledge: our curated data files, lookups, the importers and the list cache."""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import importlib.util
import io
import json
import os
import re
import shutil
import tarfile
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from scanner.knowledge import (
    CATEGORIES,
    CookiePattern,
    Knowledge,
    KnowledgeError,
    ServiceDomain,
    load_knowledge,
)
from scanner.knowledge.bundled import SNAPSHOTS, dumps, parse_snapshot
from scanner.knowledge.importers import (
    ImportStats,
    import_open_cookie_database,
    parse_third_party_web,
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
ROOT = Path(__file__).resolve().parents[1]
needs_ocd = pytest.mark.skipif(not OCD.is_file(), reason=f"reference file absent: {OCD}")
needs_tpw = pytest.mark.skipif(
    not TPW.is_file() or shutil.which("node") is None,
    reason=f"reference file {TPW} or Node.js (which reads it) absent",
)


def _snapshot_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_knowledge_snapshot", ROOT / "tools" / "make_knowledge_snapshot.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.cache
def _tpw_json() -> bytes:
    """The reference entities.js as the JSON the npm package publishes (via Node)."""
    return bytes(_snapshot_tool().entities_json(TPW))


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
        "code.jquery.com", "akamaihd.net", "fastly.net", "openfpcdn.io", "fpcdn.io",
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
        ("_gat_UA-1", "analytics"), ("_gcl_au", "advertising"), ("__utmz", "analytics"),
        ("_fbp", "marketing"), ("fr", "marketing"), ("_hjSessionUser_1", "session_replay"),
        ("_hjSession_1", "session_replay"), ("_hjid", "session_replay"),
        ("_pk_id.1.abcd", "analytics"), ("_pk_ses.1.abcd", "analytics"),
        ("_pk_ref.1.abcd", "analytics"), ("MATOMO_SESSID", "necessary"),
        ("_clck", "session_replay"), ("_clsk", "session_replay"), ("MUID", "marketing"),
        ("IDE", "advertising"), ("NID", "marketing"), ("VISITOR_INFO1_LIVE", "video"),
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


def test_curated_entry_wins_over_a_longer_imported_one_of_the_same_organisation() -> None:
    def svc(domain: str, org: str, service: str, dataset: str = "privacyscan") -> ServiceDomain:
        return ServiceDomain(domain, org, service, None, None, None, "https://x", dataset=dataset)

    k = Knowledge(
        (
            svc("gstatic.com", "Google", "Google Static Content"),
            svc("www.gstatic.com", "Google", "Google CDN", "third-party-web"),
            svc("linkedin.com", "LinkedIn", "LinkedIn"),
            svc("www.linkedin.com", "LinkedIn Ads", "LinkedIn Ads", "third-party-web"),
            svc("cloudfront.net", "Amazon", "CloudFront"),
            svc("d1.cloudfront.net", "The Trade Desk", "The Trade Desk", "third-party-web"),
        ),
        (),
    )

    def service(host: str) -> str | None:
        found = k.service_for_host(host)
        return found.service if found else None

    assert service("www.gstatic.com") == "Google Static Content"
    assert service("www.linkedin.com") == "LinkedIn"
    assert service("d1.cloudfront.net") == "The Trade Desk"  # another organisation
    assert service("d2.cloudfront.net") == "CloudFront"
    assert k.service_for_url("d1.cloudfront.net", "/x").service == "The Trade Desk"  # type: ignore[union-attr]


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
            _pat("_x_only", "exact", "imported-exact-2", "open-cookie-database"),
            _pat("[", "regex", "broken regex is ignored"),
        ),
    )
    assert k.cookie_pattern("_x_id").service == "curated-exact"  # type: ignore[union-attr]
    assert k.cookie_pattern("_x_longer").service == "curated-long-prefix"  # type: ignore[union-attr]
    assert k.cookie_pattern("_x_other").service == "curated-prefix"  # type: ignore[union-attr]
    # Curated beats imported whatever the kind: the curated regex wins over an imported
    # prefix, and the curated prefix over an imported exact name.
    assert k.cookie_pattern("_y1").service == "curated-regex"  # type: ignore[union-attr]
    assert k.cookie_pattern("_x_only").service == "curated-prefix"  # type: ignore[union-attr]
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
    assert ga.domains == ()
    assert by_name[("_ga_", "prefix")].category == "analytics"
    assert by_name[("IDE", "exact")].category == "marketing"
    assert by_name[("IDE", "exact")].domains == ("doubleclick.net",)
    assert by_name[("uid", "exact")].domains == ("adform.net",)  # "adform.net (3rd party)"
    assert by_name[("TDID", "exact")].domains == ("adsrvr.org",)
    assert by_name[("_uetsid", "exact")].domains == ("bing.com", "microsoft.com")
    assert by_name[("td", "exact")].domains == ("googletagmanager.com",)  # www. dropped
    assert all(p.dataset == "open-cookie-database" for p in patterns)
    assert {p.category for p in patterns} <= CATEGORIES | {None}


@needs_tpw
def test_import_third_party_web() -> None:
    stats = ImportStats()
    services = parse_third_party_web(_tpw_json(), stats)
    assert 2000 <= stats.imported <= 2400  # ~2,142 entities
    assert stats.skipped <= 10
    by_domain: dict[str, ServiceDomain] = {}
    for svc in services:
        by_domain.setdefault(svc.domain, svc)
    assert by_domain["doubleclick.net"].category == "advertising"
    assert by_domain["doubleclick.net"].organisation == "Google"
    assert (by_domain["adform.net"].organisation, by_domain["adform.net"].category) == (
        "Adform",
        "advertising",
    )
    assert by_domain["adsrvr.org"].service == "The Trade Desk"
    assert by_domain["hubspot.com"].category == "marketing"
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
        "1,Acme,Marketing,acme_id,.ads.acme.co.uk (3rd party) or acme.net,Tracks,1 year,Acme,https://a,0\n"
        "2,Acme,Analytics,,,,1 year,Acme,https://a,0\n"  # no name
        "3,Acme,Analytics,acme_,,,1 year,Acme,https://a,1,extra\n"  # too many fields
        "4,Acme,Weird,acme_w,ads-[account].acme.com,,1 year,Acme,https://a,1\n"
    )
    path = tmp_path / "ocd.csv"
    path.write_text(header + rows, encoding="utf-8")
    stats = ImportStats()
    patterns = import_open_cookie_database(path, stats)
    assert [(p.name, p.match, p.category, p.domains) for p in patterns] == [
        ("acme_id", "exact", "marketing", ("acme.co.uk", "acme.net")),
        ("acme_w", "prefix", None, ("acme.com",)),
    ]
    assert stats.skipped == 2


def test_tpw_importer_reads_the_published_json_and_tolerates_bad_entries() -> None:
    entities = [
        {"name": "Good", "company": "Acme", "category": "ad",
         "domains": ["*.acme.com", "acme.net"]},
        {"name": "NoDomains", "category": "ad", "domains": []},
        {"name": "Broken", "category": "ad", "domains": "acme.org"},
        {"name": 'Quoted "x"', "category": "video", "domains": ["vid.example", "*.*.bad"],
         "products": [{"name": "Embed", "urlPatterns": [{}]}], "totalOccurrences": 3},
        "not an object",
    ]  # fmt: skip
    stats = ImportStats()
    services = parse_third_party_web(json.dumps(entities).encode(), stats)
    assert [(s.domain, s.organisation, s.category) for s in services] == [
        ("acme.com", "Acme", "advertising"),
        ("acme.net", "Acme", "advertising"),
        ("vid.example", 'Quoted "x"', "video"),
    ]
    assert stats.imported == 2
    assert stats.skipped == 3
    for garbage in (b"module.exports = [];", b'{"name": "x"}', b"\xff\xfe"):
        with pytest.raises(ValueError):
            parse_third_party_web(garbage)


# ------------------------------------------------------------------- bundled lists


def test_bundled_snapshots_load_with_their_versions() -> None:
    knowledge = load_knowledge()
    versions = dict(knowledge.versions)
    assert versions["open-cookie-database"] == "0ee5a17 2026-01-21 (bundled)"
    assert versions["third-party-web"] == "424dc03 2026-05-13 (bundled)"
    assert len(knowledge.cookies) > 2000 and len(knowledge.services) > 3000
    adform = knowledge.service_for_host("track.adform.net")
    assert adform is not None and not adform.curated
    assert (adform.organisation, adform.category) == ("Adform", "advertising")
    ttd = knowledge.service_for_host("match.adsrvr.org")
    assert ttd is not None and (ttd.organisation, ttd.category) == ("The Trade Desk", "advertising")
    for name in SNAPSHOTS:
        folder = resources.files("scanner.knowledge").joinpath("bundled")
        document = json.loads(folder.joinpath(SNAPSHOTS[name]).read_text("utf-8"))
        licence = folder.joinpath(document["license_file"]).read_text("utf-8")
        assert document["license"] in ("Apache-2.0", "MIT")
        assert ("Apache License" if document["license"] == "Apache-2.0" else "MIT") in licence
        assert document["commit"] and document["upstream"].startswith("https://github.com/")


def test_bundled_snapshots_are_package_data() -> None:
    """``pip install`` (not only an editable checkout) ships the snapshots and licences."""
    text = (ROOT / "pyproject.toml").read_text("utf-8")
    line = next(ln for ln in text.splitlines() if ln.startswith('"scanner.knowledge"'))
    folder = ROOT / "scanner" / "knowledge" / "bundled"
    shipped = {p.name for p in folder.iterdir() if p.is_file()}
    patterns = re.findall(r'"bundled/([^"]+)"', line)
    covered = {name for name in shipped for pat in patterns if Path(name).match(pat)}
    assert shipped and covered == shipped


@needs_ocd
@needs_tpw
def test_shipped_snapshots_are_what_the_importers_make_from_the_reference_copies() -> None:
    tool = _snapshot_tool()
    shipped = {
        name: json.loads(
            resources.files("scanner.knowledge").joinpath("bundled", f).read_text("utf-8")
        )
        for name, f in SNAPSHOTS.items()
    }
    versions = {name: (doc["commit"], doc["date"]) for name, doc in shipped.items()}
    made = tool.snapshots(SHARED, versions)
    for name, document in made.items():
        assert json.loads(dumps(document)) == shipped[name], name
        assert resources.files("scanner.knowledge").joinpath("bundled", SNAPSHOTS[name]).read_text(
            "utf-8"
        ) == dumps(document)


def test_imported_cookie_names_are_scoped_to_their_domains() -> None:
    """``uid``, ``C``, ``lang``: Adform's or LinkedIn's on their domains, nobody's elsewhere."""
    knowledge = load_knowledge()
    uid = knowledge.cookie_pattern("uid", ".adform.net")
    assert uid is not None and uid.organisation == "Adform"
    assert knowledge.cookie_pattern("uid", "www.gemeente.nl") is None
    assert knowledge.cookie_pattern("uid") is None
    assert knowledge.cookie_pattern("lang", ".gemeente.nl") is None
    lang = knowledge.cookie_pattern("lang", ".linkedin.com")
    assert lang is not None and lang.service == "LinkedIn"
    # Distinctive names count wherever they are set (HubSpot writes on the site's domain).
    hubspot = knowledge.cookie_pattern("hubspotutk", ".gemeente.nl")
    assert hubspot is not None and hubspot.category == "marketing"
    assert knowledge.cookie_pattern("TDID", ".adsrvr.org") is not None
    assert knowledge.cookie_pattern("TDID", ".gemeente.nl") is None
    # Our own names apply everywhere.
    fbp = knowledge.cookie_pattern("_fbp", ".gemeente.nl")
    assert fbp is not None and fbp.curated


# ---------------------------------------------------------------------- list cache


def _npm_tarball(entities: bytes) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as archive:
        for name, data in (
            ("package/package.json", b'{"name": "third-party-web"}'),
            ("package/dist/entities.json", entities),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _synthetic_entities(n: int = 600, extra: list[dict[str, Any]] | None = None) -> bytes:
    """A third-party-web release as the npm package publishes it (plenty of entities)."""
    entities: list[dict[str, Any]] = [
        {"name": f"Vendor {i}", "category": "analytics", "domains": [f"*.vendor{i}.example"]}
        for i in range(n)
    ]
    return json.dumps([*(extra or []), *entities]).encode()


TARBALL_URL = "https://registry.npmjs.org/third-party-web/-/third-party-web-9.9.9.tgz"


def _registry(entities: bytes, *, integrity: str | None = None, tarball: str = TARBALL_URL) -> Any:
    tgz = _npm_tarball(entities)
    digest = base64.b64encode(hashlib.sha512(tgz).digest()).decode()
    meta = {
        "name": "third-party-web",
        "version": "9.9.9",
        "dist": {"tarball": tarball, "integrity": integrity or f"sha512-{digest}"},
    }

    def fetch(url: str) -> bytes:
        if url == LISTS["open-cookie-database"]:
            return OCD.read_bytes()
        if url == LISTS["third-party-web"]:
            return json.dumps(meta).encode()
        if url == tarball:
            return tgz
        raise AssertionError(f"unexpected URL {url}")

    return fetch


@needs_ocd
def test_update_lists_then_load_knowledge_uses_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    now = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
    extra = [{"name": "Adform NG", "category": "analytics", "domains": ["*.adform.net"]}]
    versions = update_lists(cache, _registry(_synthetic_entities(extra=extra)), now=now)
    assert [name for name, _ in versions] == ["open-cookie-database", "third-party-web"]
    assert all(v.startswith(("sha256:", "9.9.9 sha256:")) for _, v in versions)
    assert all(v.endswith("2026-05-20") for _, v in versions)
    assert dict(versions)["third-party-web"].startswith("9.9.9 sha256:")
    for name in LISTS:
        assert (cache / FILENAMES[name]).is_file()
        meta = json.loads((cache / f"{FILENAMES[name]}.meta.json").read_text())
        assert meta["downloaded_at"] == "2026-05-20T12:00:00Z"
        assert len(meta["sha256"]) == 64
    assert json.loads((cache / "entities.json.meta.json").read_text())["url"] == TARBALL_URL
    assert not [p for p in cache.iterdir() if p.name.startswith(".")]

    base = load_knowledge()
    full = load_knowledge(cache)
    assert dict(full.versions)["open-cookie-database"] == dict(versions)["open-cookie-database"]
    assert dict(full.versions)["third-party-web"] == dict(versions)["third-party-web"]
    assert "(bundled)" not in "".join(v for _, v in full.versions)
    assert full.cookie_pattern("_gali") is not None
    hj = full.cookie_pattern("_hjSession_123")
    assert hj is not None and hj.curated and hj.category == "session_replay"
    assert full.service_for_host("www.google-analytics.com").curated  # type: ignore[union-attr]
    # Precedence: curated > updated > bundled. The updated list replaces the bundled one
    # (its Adform entry wins; entities only in the bundled snapshot are gone) ...
    updated = full.service_for_host("track.adform.net")
    assert updated is not None and (updated.service, updated.category) == ("Adform NG", "analytics")
    bundled = base.service_for_host("track.adform.net")
    assert bundled is not None and bundled.service == "Adform"
    assert full.service_for_host("match.adsrvr.org") is None
    assert base.service_for_host("match.adsrvr.org") is not None
    # ... and our curated base wins over both.
    assert base.service_for_host("doubleclick.net").curated  # type: ignore[union-attr]
    assert full.service_for_host("doubleclick.net").curated  # type: ignore[union-attr]


def test_a_cached_list_replaces_only_its_own_snapshot(tmp_path: Path) -> None:
    (tmp_path / FILENAMES["third-party-web"]).write_bytes(
        _synthetic_entities(extra=[{"name": "Acme", "category": "ad", "domains": ["acme.nl"]}])
    )
    knowledge = load_knowledge(tmp_path)
    versions = dict(knowledge.versions)
    assert versions["third-party-web"].startswith("sha256:")
    assert versions["open-cookie-database"] == "0ee5a17 2026-01-21 (bundled)"
    assert knowledge.service_for_host("acme.nl").service == "Acme"  # type: ignore[union-attr]
    assert knowledge.cookie_pattern("TDID", ".adsrvr.org") is not None


@needs_ocd
def test_update_lists_rejects_garbage_and_keeps_cache(tmp_path: Path) -> None:
    fetch = _registry(b"<html>rate limited</html>")
    with pytest.raises(ListUpdateError):
        update_lists(tmp_path, fetch)
    assert not (tmp_path / FILENAMES["open-cookie-database"]).exists()
    assert not (tmp_path / FILENAMES["third-party-web"]).exists()


@needs_ocd
@pytest.mark.parametrize(
    ("integrity", "tarball", "message"),
    [
        ("sha512-" + base64.b64encode(b"0" * 64).decode(), TARBALL_URL, "checksum"),
        (None, "https://evil.example/third-party-web.tgz", "outside the npm registry"),
    ],
)
def test_update_lists_checks_the_npm_tarball(
    tmp_path: Path, integrity: str | None, tarball: str, message: str
) -> None:
    fetch = _registry(_synthetic_entities(), integrity=integrity, tarball=tarball)
    with pytest.raises(ListUpdateError, match=message):
        update_lists(tmp_path, fetch)
    assert not list(tmp_path.iterdir())


@needs_ocd
def test_update_lists_wants_dist_entities_json_in_the_tarball(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as archive:
        info = tarfile.TarInfo("package/README.md")
        info.size = 2
        archive.addfile(info, io.BytesIO(b"hi"))
    tgz = buf.getvalue()
    digest = base64.b64encode(hashlib.sha512(tgz).digest()).decode()
    meta = {"version": "1.0.0", "dist": {"tarball": TARBALL_URL, "integrity": f"sha512-{digest}"}}

    def fetch(url: str) -> bytes:
        if url == LISTS["third-party-web"]:
            return json.dumps(meta).encode()
        return tgz if url == TARBALL_URL else OCD.read_bytes()

    with pytest.raises(ListUpdateError, match=r"dist/entities\.json"):
        update_lists(tmp_path, fetch)
    assert gzip.decompress(tgz)  # a real gzip: the member, not the format, was missing


def test_update_lists_reports_download_failure(tmp_path: Path) -> None:
    def failing(url: str) -> bytes:
        raise OSError("offline")

    with pytest.raises(ListUpdateError, match="offline"):
        update_lists(tmp_path, failing)


def test_load_knowledge_ignores_corrupt_cache(tmp_path: Path) -> None:
    (tmp_path / FILENAMES["third-party-web"]).write_text("[{", encoding="utf-8")
    (tmp_path / "entities.js").write_text("module.exports = [];", encoding="utf-8")
    knowledge = load_knowledge(tmp_path)
    assert knowledge.versions == load_knowledge().versions  # the bundled snapshots
    assert [name for name, _ in knowledge.versions] == [
        "privacyscan-services",
        "privacyscan-cookies",
        "open-cookie-database",
        "third-party-web",
    ]


@pytest.mark.parametrize(
    ("name", "entry"),
    [
        ("third-party-web", '["Acme", "Acme", "advertising", "acme.nl"]'),
        ("third-party-web", '["Acme", "Acme", "ads", ["acme.nl"]]'),
        ("open-cookie-database", '["uid", "wildcard", null, null, null, []]'),
        ("open-cookie-database", '["uid", "exact", null, null]'),
    ],
)
def test_a_malformed_snapshot_is_a_packaging_error(name: str, entry: str) -> None:
    text = '{"commit": "x", "entries": [' + entry + "]}"
    with pytest.raises(KnowledgeError, match="malformed"):
        parse_snapshot(name, text)


def test_default_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PRIVACYSCAN_CACHE", str(tmp_path / "explicit"))
    assert default_cache_dir() == tmp_path / "explicit"
    monkeypatch.delenv("PRIVACYSCAN_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "privacyscan"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "privacyscan"
