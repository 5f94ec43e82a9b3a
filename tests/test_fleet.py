"""A scan on the fleet: real Redis, real PostgreSQL, real worker processes, real Chromium.

Workers are ``privacyscan worker`` processes, each in a session of its own so that a
test can kill one whole (``SIGKILL`` to its process group: the worker, its Playwright
driver and its browsers, as when a machine dies). The visibility timeout is short, so
a site of a dead worker is handed to another within seconds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from scanner.cli import cli
from scanner.models import SiteStatus
from scanner.store import open_store
from scanner.testweb.server import TestWeb
from tests.conftest import new_pg_database, service_url

pytestmark = [pytest.mark.browser, pytest.mark.services]

SITES = [
    "https://www.trackstad.nl/",
    "https://www.schoondorp.nl/",
    "https://www.iframegem.nl/",
    "https://www.bannerdorp-goed.nl/",
]
SCAN_ARGS = ["--max-pages", "2", "--dwell", "1", "-q"]
VISIBILITY_TIMEOUT_S = "20"


def _web_args(web: TestWeb) -> list[str]:
    return ["--map-host", f"*=127.0.0.1:{web.port}", "--trust-cert-spki", web.spki_hash]


@pytest.fixture(scope="module")
def fleet_db() -> Iterator[str]:
    with new_pg_database() as url:
        yield url


@pytest.fixture(scope="module")
def broker() -> Iterator[str]:
    import redis

    url = service_url("PRIVACYSCAN_TEST_REDIS")
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


class Worker:
    """One ``privacyscan worker`` process, its output in a file."""

    def __init__(self, name: str, broker: str, db: str, log: Path, *extra: str) -> None:
        self.name = name
        self.log = log
        with log.open("w") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "scanner",
                    "worker",
                    "--queue",
                    broker,
                    "--db",
                    db,
                    "--name",
                    name,
                    "--visibility-timeout",
                    VISIBILITY_TIMEOUT_S,
                    *extra,
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """The machine dies: the worker, its driver and its browsers, at once."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # warm: finishes what it visits
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


@contextmanager
def workers(n: int, broker: str, db: str, folder: Path, *extra: str) -> Iterator[list[Worker]]:
    started = [
        Worker(f"w{i}", broker, db, folder / f"w{i}.log", "--concurrency", "1", *extra)
        for i in range(n)
    ]
    try:
        yield started
    finally:
        for w in started:
            w.stop()


def _until(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _finding_ids(scan: object) -> dict[str, list[str]]:
    return {r.site.url: sorted(f.id for f in r.findings) for r in scan.sites}  # type: ignore[attr-defined]


def test_two_workers_find_what_the_local_engine_finds(
    testweb: TestWeb, fleet_db: str, broker: str, tmp_path: Path
) -> None:
    """The same scan through the queue and two workers, and with the local engine: the
    same finding IDs per site. Then scans, export, report work on PostgreSQL."""
    runner = CliRunner()
    local_db = tmp_path / "local.db"
    local = runner.invoke(
        cli,
        [
            "scan",
            *SITES,
            "--db",
            str(local_db),
            "--out",
            str(tmp_path / "local"),
            *SCAN_ARGS,
            *_web_args(testweb),
        ],
        catch_exceptions=False,
    )
    assert local.exit_code == 0, local.output
    with workers(2, broker, fleet_db, tmp_path) as running:
        fleet = subprocess.run(
            [
                sys.executable,
                "-m",
                "scanner",
                "scan",
                *SITES,
                "--queue",
                broker,
                "--db",
                fleet_db,
                "--out",
                str(tmp_path / "fleet"),
                *SCAN_ARGS,
                *_web_args(testweb),
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert fleet.returncode == 0, fleet.stderr + fleet.stdout
        logs = [w.text() for w in running]
    with open_store(local_db) as store:
        expected = store.get_scan(store.resolve_scan_id("latest"))
    with open_store(fleet_db) as store:
        got = store.get_scan(store.resolve_scan_id("latest"))
    assert got.finished_at is not None
    assert [r.site.url for r in got.sites] == SITES
    assert all(r.status is SiteStatus.DONE for r in got.sites), [r.error for r in got.sites]
    assert _finding_ids(got) == _finding_ids(expected)
    assert any(ids for ids in _finding_ids(got).values())  # trackstad tracks
    # Both workers took part, each site saved by exactly one of them.
    saved = [line for log in logs for line in log.splitlines() if ": saved https://" in line]
    assert sorted(line.split()[2] for line in saved) == sorted(SITES)
    assert all(any(": saved " in line for line in log.splitlines()) for log in logs), logs
    assert (tmp_path / "fleet" / "index.html").exists()
    # The other commands work the same on the shared history.
    listed = runner.invoke(cli, ["scans", "--db", fleet_db])
    assert listed.exit_code == 0 and got.id in listed.output and "pending 0" in listed.output
    exported = runner.invoke(cli, ["export", got.id, "--db", fleet_db, "--format", "json"])
    assert exported.exit_code == 0 and '"schema_version"' in exported.output
    report = runner.invoke(cli, ["report", got.id, "--db", fleet_db, "--out", str(tmp_path / "r")])
    assert report.exit_code == 0 and (tmp_path / "r" / "index.html").exists()


def test_a_killed_worker_site_is_finished_by_another_and_saved_once(
    testweb: TestWeb, fleet_db: str, broker: str, tmp_path: Path
) -> None:
    """kill -9 a worker (and its browsers) in the middle of a site: after the visibility
    timeout another worker visits it, and it is saved once. Before that, ``resume
    --queue`` queues again what a lost queue no longer holds."""
    import redis

    site = "https://www.laatdorp.nl/"
    other = "https://www.matomorijk.nl/"
    scan_args = [
        "--db",
        fleet_db,
        "--queue",
        broker,
        "--max-pages",
        "3",
        "--dwell",
        "3",
        "-q",
        *_web_args(testweb),
    ]
    queued = subprocess.run(
        [sys.executable, "-m", "scanner", "scan", site, other, *scan_args, "--detach"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert queued.returncode == 0, queued.stderr
    scan_id = queued.stdout.strip().splitlines()[-1]
    assert "2 sites queued" in queued.stderr
    redis.Redis.from_url(broker).flushdb()  # the broker lost its queue
    resumed = subprocess.run(
        [sys.executable, "-m", "scanner", "resume", scan_id, *scan_args[:4], "--detach"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert "2 sites queued" in resumed.stderr and resumed.stdout.strip() == scan_id

    with workers(2, broker, fleet_db, tmp_path) as running:
        _until(
            lambda: any(f"visiting {site}" in w.text() for w in running), 120, "a visit of the site"
        )
        victim = next(w for w in running if f"visiting {site}" in w.text())
        time.sleep(2)  # in the middle of the site (3 pages of at least 3 s each, 3 visitors)
        assert f"saved {site}" not in victim.text()
        victim.kill()
        survivor = next(w for w in running if w is not victim)
        killed_at = time.monotonic()
        _until(lambda: f"saved {site}" in survivor.text(), 240, "the site saved by another")
        waited = time.monotonic() - killed_at
        with open_store(fleet_db) as store:
            _until(lambda: store.scan_summary(scan_id).sites_pending == 0, 120, "the scan done")
            scan = store.get_scan(scan_id)
    assert f"saved {site}" not in victim.text()
    assert survivor.text().count(f"visiting {site}") == 1
    assert waited >= float(VISIBILITY_TIMEOUT_S) - 10  # redelivered, not raced
    (result,) = [r for r in scan.sites if r.site.url == site]
    assert result.status is SiteStatus.DONE and result.pages
    assert scan.finished_at is not None  # the worker that saved the last site finished it
    engine = sa.create_engine(sa.make_url(fleet_db).set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT id FROM sites WHERE scan_id = :s AND url = :u"),
                {"s": scan_id, "u": site},
            ).all()
            assert len(rows) == 1  # saved once: one row, its pages once
            pages = conn.execute(
                sa.text("SELECT COUNT(*) FROM pages WHERE site_id = :i"), {"i": rows[0][0]}
            ).scalar()
            assert pages == len(result.pages)
    finally:
        engine.dispose()


def test_a_worker_refuses_another_schema_revision(broker: str, tmp_path: Path) -> None:
    """A worker never writes with code that does not know the tables: it refuses a
    database of another revision and a task sent by another version, and says which."""
    from celery import Celery

    from scanner.fleet.queue import QUEUE, TASK
    from scanner.store.migrate import head_revision
    from scanner.store.postgres import PostgresStore
    from tests.test_store import _revision_file

    runner = CliRunner()
    with new_pg_database() as db:
        later = _revision_file(tmp_path / "later", "pass")
        with PostgresStore(db, extra_versions=[later]):
            pass  # a newer privacyscan upgraded the history
        newer = runner.invoke(cli, ["worker", "--queue", broker, "--db", db])
        assert newer.exit_code == 3
        assert "has schema revision 0999, which this privacyscan does not know" in newer.output
    with new_pg_database() as db:
        runner.invoke(cli, ["scans", "--db", db])  # created at this revision
        sender = Celery("old", broker=broker, set_as_current=False)
        sender.send_task(
            TASK,
            kwargs={"scan_id": "x", "site": {}, "options": [], "lists": [], "schema": "0001"},
            queue=QUEUE,
        )
        log = tmp_path / "old.log"
        worker = Worker("w-old", broker, db, log)
        assert worker.process.wait(120) == 3
        assert "sent by a privacyscan of schema revision 0001" in worker.text()
        assert f"this worker has revision {head_revision()}" in worker.text()
        import redis

        assert redis.Redis.from_url(broker).llen(QUEUE) == 1  # back on the queue for others


def test_bad_queue_and_database_are_clear_errors(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    runner = CliRunner()
    db = service_url("PRIVACYSCAN_TEST_PG")
    cases = [
        (["scan", "https://www.x.nl/", "--queue", "http://q", "--db", db], 2, "Redis broker"),
        (["scan", "https://www.x.nl/", "--db", "mysql://u@h/d"], 2, "unsupported database URL"),
        (
            ["scan", "https://www.x.nl/", "--queue", "redis://127.0.0.1:6379/0", "--db", "x.db"],
            2,
            "--queue needs a database every worker reaches",
        ),
        (
            ["scan", "https://www.x.nl/", "--queue", f"redis://127.0.0.1:{dead}/0", "--db", db],
            3,
            "cannot reach the queue redis://127.0.0.1",
        ),
        (["scans", "--db", f"postgresql://u:pw@127.0.0.1:{dead}/d"], 3, "cannot reach"),
        (["worker", "--queue", "amqp://h", "--db", db], 2, "Redis broker"),
    ]
    for args, code, message in cases:
        result = runner.invoke(cli, args)
        assert result.exit_code == code, (args, result.output)
        assert message in result.output, (args, result.output)
        assert ":pw@" not in result.output  # no password in a message
