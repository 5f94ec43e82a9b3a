"""Each visitor's HTTP Archive: kept with the scan, written beside the per-site JSON,
put in the evidence bundle.

The store tests use a small archive of our own in a real SQLite history and in the
memory store; the capture tests (marked ``browser``) record real ones in Chromium
against the test web.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scanner.app import App, AppSettings
from scanner.cli import cli
from scanner.config import CaptureOptions
from scanner.models import Har, Phase, Scan, Site, SiteResult
from scanner.store import open_store
from scanner.store.base import ScanStore
from scanner.store.memory import MemoryStore
from tests.conftest import Captured, load_manifests
from tests.test_app import golden_scan


def _archive(phase: Phase, urls: list[str]) -> Har:
    text = json.dumps(
        {
            "log": {
                "version": "1.2",
                "creator": {"name": "test", "version": "0"},
                "entries": [{"request": {"method": "GET", "url": u}} for u in urls],
            }
        }
    )
    data = text.encode()
    return Har(phase, len(urls), len(data), hashlib.sha256(data).hexdigest(), False, text)


NONE_HAR = _archive(Phase.NONE, ["https://www.assen.nl/", "https://www.google-analytics.com/g"])
REJECT_HAR = _archive(Phase.REJECT, ["https://www.assen.nl/"])


def _with_hars(scan: Scan) -> Scan:
    sites = [
        replace(r, hars=(NONE_HAR, REJECT_HAR)) if r.site.name == "Assen" else r for r in scan.sites
    ]
    return replace(scan, sites=tuple(sites))


@pytest.fixture
def history(tmp_path: Path) -> Path:
    db = tmp_path / "history.db"
    with open_store(db) as store:
        scan = _with_hars(golden_scan())
        store.create_scan(scan, [r.site for r in scan.sites])
    return db


@pytest.fixture(params=["sqlite", "memory", pytest.param("postgresql", marks=pytest.mark.services)])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ScanStore]:
    backend: ScanStore
    if request.param == "sqlite":
        backend = open_store(tmp_path / "h.db")
    elif request.param == "postgresql":
        backend = open_store(request.getfixturevalue("pg_url"))
    else:
        backend = MemoryStore()
    with backend:
        yield backend


def test_the_store_keeps_each_archive_and_gives_the_scan_without_their_data(
    any_store: ScanStore,
) -> None:
    """On every back end (PostgreSQL with ``-m services``)."""
    scan = _with_hars(golden_scan())
    assen = next(r for r in scan.sites if r.site.name == "Assen")
    any_store.create_scan(replace(scan, sites=()), [r.site for r in scan.sites])
    any_store.save_site(scan.id, assen)
    stored = next(r for r in any_store.get_scan(scan.id).sites if r.site.name == "Assen")
    assert stored.hars == (replace(NONE_HAR, data=""), replace(REJECT_HAR, data=""))
    assert any_store.har_data(scan.id, assen.site.url, Phase.NONE) == NONE_HAR.data
    assert any_store.har_data(scan.id, assen.site.url, Phase.REJECT) == REJECT_HAR.data
    assert any_store.har_data(scan.id, assen.site.url, Phase.ACCEPT) is None
    # A site saved again (a redelivered fleet task) replaces its archives.
    any_store.save_site(scan.id, replace(assen, hars=(REJECT_HAR,)))
    assert any_store.har_data(scan.id, assen.site.url, Phase.NONE) is None
    again = next(r for r in any_store.get_scan(scan.id).sites if r.site.name == "Assen")
    assert again.hars == (replace(REJECT_HAR, data=""),)


def test_a_scans_files_hold_the_archives_and_the_json_says_where(
    history: Path, tmp_path: Path
) -> None:
    app = App(AppSettings(db=history))
    scan = app.scan("latest")
    assert not any(h.data for r in scan.sites for h in r.hars)  # the export stays small
    out = tmp_path / "out"
    app.write_outputs(scan, None, out, lang="en", report=False)
    document = json.loads((out / "json" / "assen.json").read_text("utf-8"))
    assert [h["phase"] for h in document["result"]["hars"]] == ["none", "reject"]
    assert all(h["data"] == "" for h in document["result"]["hars"])
    assert [f["path"] for f in document["har_files"]] == [
        "har/assen-none.har",
        "har/assen-reject.har",
    ]
    for entry, har in zip(document["har_files"], (NONE_HAR, REJECT_HAR), strict=True):
        data = (out / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] == har.sha256
        assert entry["entries"] == har.entries
    other = json.loads((out / "json" / "aa-en-hunze.json").read_text("utf-8"))
    assert other["har_files"] == []


def test_the_evidence_bundle_holds_each_visitors_archive(history: Path, tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    result = CliRunner().invoke(
        cli, ["evidence", "latest", "Assen", "--db", str(history), "--out", str(out), "--no-pdf"]
    )
    assert result.exit_code == 0, result.output
    assert (out / "har" / "none.har").read_text("utf-8") == NONE_HAR.data
    assert (out / "har" / "reject.har").read_text("utf-8") == REJECT_HAR.data
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    kinds = {f["path"]: f["kind"] for f in manifest["files"]}
    assert kinds["har/none.har"] == kinds["har/reject.har"] == "har"
    assert CliRunner().invoke(cli, ["verify", str(out)]).exit_code == 0
    (out / "har" / "reject.har").write_text(REJECT_HAR.data.replace("assen", "asten"))
    changed = CliRunner().invoke(cli, ["verify", str(out)])
    assert changed.exit_code == 1 and "changed: har/reject.har" in changed.output


# -- recorded in Chromium -------------------------------------------------------------------


def _entries(har: Har) -> list[dict[str, Any]]:
    log = json.loads(har.data)["log"]
    assert log["version"] == "1.2"
    entries: list[dict[str, Any]] = log["entries"]
    assert len(entries) == har.entries
    return entries


HAR_SITES = ("www.trackstad.nl", "www.iframegem.nl", "www.redirectveen.nl")
"""Manifest sites with trackers, an iframe's third parties and redirects."""


@pytest.fixture(scope="module")
def har_captures(capture_options: CaptureOptions) -> dict[str, Captured]:
    """Those sites' manifest pages, one visitor each, with ``--har``."""
    from scanner.browser.session import Browser
    from scanner.runner import capture_site

    manifests = load_manifests()
    options = replace(capture_options, har=True, dwell_s=1.0)

    async def run() -> dict[str, Captured]:
        async with Browser(options) as browser:

            async def one(key: str) -> tuple[str, Captured]:
                m = manifests[key]
                site = Site(
                    name=m["site"]["name"],
                    url=m["site"]["url"],
                    extra_domains=tuple(m["site"].get("extra_domains", [])),
                )
                result = await capture_site(browser, site, [p["url"] for p in m["pages"]])
                return key, Captured(m, result)

            return dict(await asyncio.gather(*(one(k) for k in HAR_SITES)))

    return asyncio.run(run())


@pytest.mark.browser
def test_each_capture_has_an_archive_of_every_page_and_third_party_request(
    har_captures: dict[str, Captured],
) -> None:
    """Against the manifests' ground truth: their pages (asked for and ended on) and
    third-party requests are in the visitor's archive, without response bodies."""
    for key, capture in har_captures.items():
        (har,) = capture.result.hars
        assert har.phase is Phase.NONE and not har.content, key
        assert har.sha256 == hashlib.sha256(har.data.encode()).hexdigest()
        assert har.size == len(har.data.encode())
        assert har.entries == len(_entries(har)) > 0, key  # counted without parsing
        urls = {e["request"]["url"] for e in _entries(har)}
        wanted = {p["url"] for p in capture.manifest["pages"]}
        wanted |= {p["final_url"] for p in capture.manifest["pages"] if p["final_url"]}
        wanted |= {r["url"] for r in capture.manifest["third_party_requests"]}
        assert wanted <= urls, (key, sorted(wanted - urls))
        assert not any("text" in e["response"]["content"] for e in _entries(har)), key
        for entry in _entries(har):
            timings = entry["timings"]
            assert min(timings["send"], timings["wait"], timings["receive"]) >= 0, key
            phases = [v for k, v in timings.items() if k != "ssl" and v > 0]
            assert entry["time"] == pytest.approx(sum(phases), abs=0.01), key
            assert entry["startedDateTime"].endswith("Z"), key
        # Each redirect of the ground truth is a hop of its own, pointing at the next.
        for page in capture.manifest["pages"]:
            for hop in page["redirects"]:
                found = [e for e in _entries(har) if e["request"]["url"] == hop["url"]]
                assert any(
                    e["response"]["status"] == hop["status"] and e["response"]["redirectURL"]
                    for e in found
                ), (key, hop)
        final = {p["final_url"] for p in capture.manifest["pages"] if p["final_url"]}
        assert all(
            e["response"]["status"] == 200 and e["serverIPAddress"] == "127.0.0.1"
            for e in _entries(har)
            if e["request"]["url"] in final
        ), key


@pytest.mark.browser
def test_the_default_capture_records_an_archive(captured: dict[str, Captured]) -> None:
    """Recording is on by default: the shared capture (default options) has one archive
    per site, its entries counted right."""
    for key, capture in captured.items():
        (har,) = capture.result.hars
        assert har.entries == len(_entries(har)) > 0, key


@pytest.mark.browser
def test_no_archive_with_no_har(
    capture_options: CaptureOptions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--no-har``: no archive; with or without one, nothing is left in the temporary
    directory (the archive is written from the DevTools events, never to a file)."""
    from scanner.browser.session import Browser
    from scanner.runner import capture_site

    async def run(har: bool) -> SiteResult:
        async with Browser(replace(capture_options, har=har, dwell_s=0.5)) as browser:
            return await capture_site(browser, Site("Schoondorp", "https://www.schoondorp.nl/"), [])

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    without, with_har = asyncio.run(run(False)), asyncio.run(run(True))
    assert without.pages and without.pages[0].final_url
    assert without.hars == ()
    assert [h.entries > 0 for h in with_har.hars] == [True]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.browser
def test_har_content_embeds_the_bodies(capture_options: CaptureOptions) -> None:
    from scanner.browser.session import Browser
    from scanner.runner import capture_site

    manifest = load_manifests()["www.trackstad.nl"]
    home = manifest["pages"][0]
    options = replace(capture_options, har=True, har_content=True, dwell_s=0.5)

    async def run() -> SiteResult:
        async with Browser(options) as browser:
            site = Site(name=manifest["site"]["name"], url=manifest["site"]["url"])
            return await capture_site(browser, site, [home["url"]])

    (har,) = asyncio.run(run()).hars
    assert har.content
    document = next(e for e in _entries(har) if e["request"]["url"] == home["final_url"])
    assert f"<title>{home['title']}</title>" in document["response"]["content"]["text"]
