"""Temporary browser profiles name their owner; stale ones (owner gone) are removed."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scanner.browser.profiles import (
    OWNER_FILE,
    PREFIX,
    STAGING_PREFIX,
    is_stale,
    new_profile,
    remove_stale_profiles,
)


def _dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _profile(base: Path, name: str, owner: dict[str, object] | None) -> Path:
    path = base / f"{PREFIX}{name}"
    (path / "Default").mkdir(parents=True)
    (path / "Default" / "Cookies").write_bytes(b"cookies of the site")
    if owner is not None:
        (path / OWNER_FILE).write_text(json.dumps(owner), "utf-8")
    return path


def test_a_new_profile_names_this_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    path = Path(new_profile())
    assert path.parent == tmp_path and path.name.startswith(PREFIX)
    owner = json.loads((path / OWNER_FILE).read_text("utf-8"))
    assert owner["pid"] == os.getpid() and owner["host"] == socket.gethostname()
    assert not is_stale(path)


def test_only_profiles_whose_scan_is_gone_are_removed(tmp_path: Path) -> None:
    host = socket.gethostname()
    dead = _profile(tmp_path, "dead", {"pid": _dead_pid(), "start": None, "host": host})
    live = _profile(tmp_path, "live", {"pid": os.getpid(), "start": None, "host": host})
    # Our pid, but another start time: the pid was reused, the owner is gone.
    reused = _profile(tmp_path, "reused", {"pid": os.getpid(), "start": 1, "host": host})
    elsewhere = _profile(tmp_path, "other-host", {"pid": _dead_pid(), "host": "elsewhere"})
    fresh_orphan = _profile(tmp_path, "no-owner-new", None)
    old_orphan = _profile(tmp_path, "no-owner-old", None)
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old_orphan, (two_days_ago, two_days_ago))
    unrelated = tmp_path / "something-else"
    unrelated.mkdir()

    removed = remove_stale_profiles(str(tmp_path))

    assert sorted(removed) == sorted(str(p) for p in (dead, reused, old_orphan))
    for kept in (live, elsewhere, fresh_orphan, unrelated):
        assert kept.exists()
    for gone in (dead, reused, old_orphan):
        assert not gone.exists()


def test_an_unreadable_owner_is_left_alone(tmp_path: Path) -> None:
    path = _profile(tmp_path, "half-written", None)
    (path / OWNER_FILE).write_text("{", "utf-8")
    assert remove_stale_profiles(str(tmp_path)) == []
    assert path.exists()


def test_a_profile_being_made_is_never_left_without_an_owner(tmp_path: Path) -> None:
    """A scan killed between making a profile's directory and writing its owner file
    leaves at most a staging directory (no browser has used it yet): it is removed
    once its owner is gone, or after a minute without an owner file."""
    host = socket.gethostname()
    staged_dead = tmp_path / f"{STAGING_PREFIX}dead"
    staged_dead.mkdir()
    (staged_dead / OWNER_FILE).write_text(
        json.dumps({"pid": _dead_pid(), "start": None, "host": host}), "utf-8"
    )
    staged_bare_old = tmp_path / f"{STAGING_PREFIX}bare-old"
    staged_bare_old.mkdir()
    two_minutes_ago = time.time() - 120
    os.utime(staged_bare_old, (two_minutes_ago, two_minutes_ago))
    staged_bare_new = tmp_path / f"{STAGING_PREFIX}bare-new"
    staged_bare_new.mkdir()

    removed = remove_stale_profiles(str(tmp_path))

    assert sorted(removed) == sorted(str(p) for p in (staged_dead, staged_bare_old))
    assert staged_bare_new.exists()


def test_kill_browsers_kills_only_the_processes_on_that_profile(tmp_path: Path) -> None:
    """Stand-ins for a browser and one of its children (which rewrite their arguments into
    one string) on one profile, and a browser on another profile: only the first two die."""
    from scanner.browser.profiles import kill_browsers

    profile = str(tmp_path / f"{PREFIX}stuck")
    other = profile + "-other"
    sleep = "import time; time.sleep(60)"
    main = subprocess.Popen([sys.executable, "-c", sleep, f"--user-data-dir={profile}"])
    child = subprocess.Popen(
        [sys.executable, "-c", sleep, f"--type=renderer --user-data-dir={profile} --no-sandbox"]
    )
    bystander = subprocess.Popen([sys.executable, "-c", sleep, f"--user-data-dir={other}"])
    try:
        # Between fork and exec a child still shows its parent's command line: wait for
        # each stand-in to run its own before looking.
        for process in (main, child, bystander):
            cmdline = Path(f"/proc/{process.pid}/cmdline")
            deadline = time.monotonic() + 10
            while b"--user-data-dir=" not in cmdline.read_bytes():
                assert time.monotonic() < deadline, "stand-in did not start"
                time.sleep(0.01)
        killed = kill_browsers(profile)
        assert sorted(killed) == sorted([main.pid, child.pid])
        assert main.wait(timeout=10) == -9 and child.wait(timeout=10) == -9
        assert bystander.poll() is None
    finally:
        for process in (main, child, bystander):
            process.kill()
            process.wait()
