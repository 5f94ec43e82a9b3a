"""The whole pipeline through the command line, against the local test web.

What a user runs: ``privacyscan scan`` with the acceptance-environment options,
then ``scans``, ``export``, ``report``, ``diff``; and ``kill -9`` in the middle of
a scan followed by ``privacyscan resume``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import cli
from scanner.models import SiteStatus
from scanner.store.sqlite import SQLiteStore
from scanner.testweb.server import TestWeb
from tests.test_crawl import EXPECTED_MAX_6

pytestmark = pytest.mark.browser


def _web_args(web: TestWeb) -> list[str]:
    return ["--map-host", f"*=127.0.0.1:{web.port}", "--trust-cert-spki", web.spki_hash]


@pytest.fixture(scope="module")
def scanned(testweb: TestWeb, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two scans in one history: a clean site, then a tracking one plus a crawl site."""
    base = tmp_path_factory.mktemp("e2e")
    db = base / "history.db"
    runner = CliRunner()
    first = runner.invoke(
        cli,
        [
            "scan",
            "https://www.schoondorp.nl/",
            "--db",
            str(db),
            "--out",
            str(base / "out1"),
            "--max-pages",
            "2",
            "-q",
            *_web_args(testweb),
        ],
        catch_exceptions=False,
    )
    assert first.exit_code == 0, first.output
    second = runner.invoke(
        cli,
        [
            "scan",
            "https://www.trackstad.nl/",
            "https://www.kruimelstad.nl/",
            "--db",
            str(db),
            "--out",
            str(base / "out2"),
            "--max-pages",
            "6",
            "--dwell",
            "1",
            "--har",
            "-q",
            *_web_args(testweb),
        ],
        catch_exceptions=False,
    )
    assert second.exit_code == 0, second.output
    return base


def test_scan_writes_a_json_document_per_site(scanned: Path) -> None:
    documents = sorted((scanned / "out2" / "json").glob("*.json"))
    assert [p.name for p in documents] == ["www-kruimelstad-nl.json", "www-trackstad-nl.json"]
    doc = json.loads((scanned / "out2" / "json" / "www-trackstad-nl.json").read_text("utf-8"))
    assert doc["schema_version"] and doc["tool_version"] and doc["browser"].startswith("Chrom")
    assert dict(doc["options"])["capture.map_hosts"]
    names = {c["name"] for c in doc["result"]["cookies"]}
    assert {"_ga", "_fbp", "fr", "lidc"} <= names
    assert all(c["value"] is None and len(c["value_hash"]) == 64 for c in doc["result"]["cookies"])


def test_crawl_visits_the_expected_pages(scanned: Path) -> None:
    with SQLiteStore(scanned / "history.db") as store:
        scan = store.get_scan(store.resolve_scan_id("latest"))
    kruimelstad = next(r for r in scan.sites if "kruimelstad" in r.site.url)
    assert [p.url for p in kruimelstad.pages] == EXPECTED_MAX_6
    # Coverage: the sitemaps alone list 40 in-scope pages (10 pages + 30 articles).
    assert kruimelstad.pages_discovered >= 40


def test_scans_lists_both(scanned: Path) -> None:
    result = CliRunner().invoke(cli, ["scans", "--db", str(scanned / "history.db")])
    assert result.exit_code == 0
    assert len(result.output.strip().splitlines()) == 2
    assert "finished" in result.output


def test_export_csv_and_json(scanned: Path) -> None:
    db = str(scanned / "history.db")
    out = scanned / "export"
    result = CliRunner().invoke(
        cli, ["export", "latest", "--db", db, "--format", "csv", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    with (out / "cookies.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert "_ga" in {r["name"] for r in rows}
    as_json = CliRunner().invoke(cli, ["export", "latest", "--db", db])
    assert json.loads(as_json.output)["scan"]["sites"]


def test_report_is_written(scanned: Path) -> None:
    out = scanned / "report-en"
    result = CliRunner().invoke(
        cli,
        [
            "report",
            "latest",
            "--db",
            str(scanned / "history.db"),
            "--out",
            str(out),
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (out / "index.html").exists() and (out / "findings.csv").exists()
    assert 'lang="en"' in (out / "index.html").read_text("utf-8")


def test_a_scan_writes_each_visitors_archive_and_the_json_says_where(scanned: Path) -> None:
    out = scanned / "out2"
    doc = json.loads((out / "json" / "www-trackstad-nl.json").read_text("utf-8"))
    (entry,) = doc["har_files"]  # Trackstad has no banner: one visitor
    assert entry["path"] == "har/www-trackstad-nl-none.har"
    data = (out / entry["path"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == entry["sha256"] == doc["result"]["hars"][0]["sha256"]
    urls = {e["request"]["url"] for e in json.loads(data)["log"]["entries"]}
    assert "https://connect.facebook.net/en_US/fbevents.js" in urls  # the manifest's


def test_the_evidence_bundle_of_a_scanned_site_verifies_and_catches_one_changed_byte(
    scanned: Path,
) -> None:
    bundle = scanned / "trackstad.zip"
    db = str(scanned / "history.db")
    made = CliRunner().invoke(
        cli, ["evidence", "latest", "https://www.trackstad.nl/", "--db", db, "--out", str(bundle)]
    )
    assert made.exit_code == 0, made.output
    with zipfile.ZipFile(bundle) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
    assert {"site.json", "report.html", "har/none.har", "screenshots/none-page.jpg"} <= names
    assert manifest["scan"]["browser"].startswith("Chrom")
    assert CliRunner().invoke(cli, ["verify", str(bundle)]).exit_code == 0

    tampered = scanned / "tampered"
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(tampered)
    har = tampered / "har" / "none.har"
    data = bytearray(har.read_bytes())
    data[len(data) // 2] ^= 0x01
    har.write_bytes(bytes(data))
    result = CliRunner().invoke(cli, ["verify", str(tampered)])
    assert result.exit_code == 1 and "changed: har/none.har" in result.output


@pytest.mark.parametrize(
    ("old", "new", "fail_on", "code"),
    [
        ("previous", "latest", "violation", 1),  # Trackstad's violations are new
        ("previous", "latest", None, 0),
        ("latest", "latest", "violation", 0),  # nothing new compared with itself
        ("latest", "previous", "review", 0),  # going back only fixes findings
    ],
)
def test_diff_exit_codes(scanned: Path, old: str, new: str, fail_on: str | None, code: int) -> None:
    args = ["diff", old, new, "--db", str(scanned / "history.db"), "--format", "json"]
    if fail_on:
        args += ["--fail-on", fail_on]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == code, result.output
    json.loads(result.output)


def test_kill_9_then_resume_keeps_every_site_once(testweb: TestWeb, tmp_path: Path) -> None:
    db = tmp_path / "killed.db"
    sites = [
        "https://www.schoondorp.nl/",
        "https://www.matomorijk.nl/",
        "https://www.trackstad.nl/",
        "https://www.laatdorp.nl/",
        "https://www.dieplanden.nl/",
        "https://www.iframegem.nl/",
    ]
    command = [sys.executable, "-m", "scanner"]
    common = ["--db", str(db), "--no-report", "-q"]
    scan = subprocess.Popen(
        [
            *command,
            "scan",
            *sites,
            *common,
            "--out",
            str(tmp_path / "out"),
            "--max-pages",
            "1",
            "--concurrency",
            "1",
            "--dwell",
            "0.5",
            *_web_args(testweb),
        ],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        done_before = _wait_for_done_sites(db, at_least=2, timeout=120)
    finally:
        os.killpg(scan.pid, signal.SIGKILL)
        scan.wait(timeout=30)
    assert 2 <= len(done_before) < len(sites), "the kill must land mid-scan"

    resumed = subprocess.run(
        [*command, "resume", "latest", *common, "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr
    with SQLiteStore(db) as store:
        scans = store.list_scans()
        result = store.get_scan(scans[0].id)
    assert len(scans) == 1
    assert sorted(r.site.url for r in result.sites) == sorted(sites)
    assert all(r.status is SiteStatus.DONE for r in result.sites)
    finished_at = {r.site.url: r.finished_at for r in result.sites}
    for url, when in done_before.items():
        assert finished_at[url] == when, f"{url} was scanned again"


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A temporary directory of its own for the scan (TMPDIR), with a short path:
    Chromium's singleton socket in it must fit a Unix socket's 108 bytes."""
    path = Path(tempfile.mkdtemp(prefix="ps-tmp-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_kill_9_at_concurrency_8_leaves_profiles_that_resume_removes(
    testweb: TestWeb, tmp_path: Path, short_tmp: Path
) -> None:
    """The browser profiles of a killed scan hold its sites' cookies: the next
    ``resume`` removes them (never a live scan's), then finishes on a smaller pace."""
    tmp = short_tmp
    env = {**os.environ, "TMPDIR": str(tmp)}
    db = tmp_path / "killed8.db"
    sites = [
        f"https://www.{name}.nl/"
        for name in (
            "schoondorp",
            "matomorijk",
            "trackstad",
            "laatdorp",
            "dieplanden",
            "iframegem",
            "vingerstad",
            "frameburg",
        )
    ]
    command = [sys.executable, "-m", "scanner"]
    common = ["--db", str(db), "--no-report", "-q", "--out", str(tmp_path / "out")]
    scan = subprocess.Popen(
        [
            *command,
            "scan",
            *sites,
            *common,
            "--max-pages",
            "1",
            "--concurrency",
            "8",
            "--dwell",
            "3",
            *_web_args(testweb),
        ],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while len(_profiles(tmp)) < 6 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        os.killpg(scan.pid, signal.SIGKILL)
        scan.wait(timeout=30)
    _wait_for_browsers_to_exit(tmp)
    left = _profiles(tmp)
    assert len(left) >= 6, "the killed scan left its visitors' profiles behind"
    assert all((p / "privacyscan-owner.json").exists() for p in left)
    live = tmp / "privacyscan-profile-of-a-live-scan"
    live.mkdir()
    owner = {"pid": os.getpid(), "start": None, "host": socket.gethostname()}
    (live / "privacyscan-owner.json").write_text(json.dumps(owner), "utf-8")

    resumed = subprocess.run(
        [*command, "resume", "latest", *common, "--concurrency", "2", "--memory-budget", "2G"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert _profiles(tmp) == [live], "stale profiles removed, the live one kept"
    with SQLiteStore(db) as store:
        result = store.get_scan(store.list_scans()[0].id)
        options = dict(result.options)

    assert sorted(r.site.url for r in result.sites) == sorted(sites)
    assert all(r.status is SiteStatus.DONE for r in result.sites), [
        (r.site.url, r.status, r.error_message) for r in result.sites
    ]
    assert options["scan.concurrency"] == "8", "the scan's record keeps how it started"


def _profiles(tmp: Path) -> list[Path]:
    return sorted(tmp.glob("privacyscan-profile-*"))


def _wait_for_browsers_to_exit(tmp: Path) -> None:
    """Chromium outlives a killed driver for a moment (until it sees its pipe close)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        running = False
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    running = running or str(tmp) in (entry / "cmdline").read_bytes().decode(
                        errors="replace"
                    )
                except OSError:
                    continue
        if not running:
            return
        time.sleep(0.2)


def _wait_for_done_sites(db: Path, *, at_least: int, timeout: float) -> dict[str, str]:
    """Finished sites (url → finished_at) once at least ``at_least`` are in the database."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if db.exists():
            try:
                with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
                    rows = conn.execute(
                        "SELECT url, finished_at FROM sites WHERE status = 'done'"
                    ).fetchall()
            except sqlite3.Error:
                rows = []
            if len(rows) >= at_least:
                return {str(url): str(when) for url, when in rows}
        time.sleep(0.2)
    raise AssertionError("the scan did not finish sites in time")


@pytest.mark.parametrize(
    ("signum", "group", "code"),
    [(signal.SIGINT, True, 130), (signal.SIGTERM, False, 143)],
    ids=["ctrl-c", "sigterm"],
)
def test_a_stop_signal_ends_the_scan_and_resume_finishes_it(
    testweb: TestWeb, tmp_path: Path, signum: signal.Signals, group: bool, code: int
) -> None:
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it) or SIGTERM to
    the scan alone: it exits within seconds, finished sites saved, nothing left running,
    and ``resume`` finishes the rest without redoing a site.

    The signal lands while Druppelrobots' robots.txt trickles into the sitemap reader
    (issue 11: that reader once held the process after Ctrl-C)."""
    db = tmp_path / "stopped.db"
    # Short: Chromium's profile sockets must fit a Unix socket path (108 bytes).
    private_tmp = Path(tempfile.mkdtemp(prefix="ps-stop-"))
    sites = [
        "https://www.schoondorp.nl/",
        "https://www.matomorijk.nl/",
        "https://www.druppelrobots.nl/",
        "https://www.trackstad.nl/",
    ]
    command = [sys.executable, "-m", "scanner"]
    common = ["--db", str(db), "--no-report", "-q"]
    log = tmp_path / "stderr.txt"
    with log.open("wb") as stderr_file:  # a pipe nobody reads would fill and block
        scan = subprocess.Popen(
            [
                *command,
                "scan",
                *sites,
                *common,
                "--out",
                str(tmp_path / "out"),
                "--max-pages",
                "2",
                "--concurrency",
                "1",
                "--dwell",
                "0.5",
                *_web_args(testweb),
            ],
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=stderr_file,
            env={**os.environ, "TMPDIR": str(private_tmp)},
        )
    try:
        done_before = _wait_for_done_sites(db, at_least=2, timeout=120)
        time.sleep(3)  # Druppelrobots: home page read, robots.txt trickling into the reader
        if group:
            os.killpg(scan.pid, signum)
        else:
            os.kill(scan.pid, signum)
        stopped = time.monotonic()
        scan.wait(timeout=30)
        took = time.monotonic() - stopped
    finally:
        if scan.poll() is None:
            os.killpg(scan.pid, signal.SIGKILL)
            scan.wait(timeout=30)
    stderr = log.read_text("utf-8", errors="replace")
    assert took < 10, f"the scan took {took:.1f} s to stop"
    assert scan.returncode == code, stderr
    assert "privacyscan resume" in stderr
    assert len(done_before) < len(sites), "the signal must land mid-scan"
    assert _processes_using(private_tmp) == [], "a browser or driver outlived the scan"
    shutil.rmtree(private_tmp, ignore_errors=True)

    resumed = subprocess.run(
        [*command, "resume", "latest", *common, "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr
    with SQLiteStore(db) as store:
        result = store.get_scan(store.list_scans()[0].id)
    assert all(r.status is SiteStatus.DONE for r in result.sites)
    assert sorted(r.site.url for r in result.sites) == sorted(sites)
    finished_at = {r.site.url: r.finished_at for r in result.sites}
    for url, when in done_before.items():
        assert finished_at[url] == when, f"{url} was scanned again"


def _processes_using(path: Path, wait_s: float = 5.0) -> list[str]:
    """Command lines of processes naming ``path`` (the scan's private TMPDIR), after
    giving processes that are on their way out ``wait_s`` to go."""
    deadline = time.monotonic() + wait_s
    while True:
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if str(path) in cmdline or str(path).encode() in environ:
                found.append(f"{entry.name}: {cmdline[:200]}")
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)
