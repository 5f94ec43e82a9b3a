"""Temporary browser profiles: one per visitor, never left behind.

A visitor's profile holds the cookies and storage of the site it visited. A
visitor removes its profile when it closes; a scan killed with SIGKILL cannot, so
each profile records its owner (pid and process start time, host name) in
:data:`OWNER_FILE`, and the next scan or ``resume`` removes the profiles whose
owner is gone. A profile whose owner still runs is never touched, nor is one of
another user or another host.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import tempfile
import time
from pathlib import Path

PREFIX = "privacyscan-profile-"
"""Name prefix of every profile directory, in the temporary directory."""

OWNER_FILE = "privacyscan-owner.json"
"""Inside a profile: ``{"pid": …, "start": …, "host": …}`` of the scan that made it."""

STAGING_PREFIX = "privacyscan-new-"
"""Name prefix of a profile being made: it gets its :data:`PREFIX` name only once its
owner file is written, so a scan killed at any moment never leaves a profile that
does not say whose it is."""

ORPHAN_AGE_S = 24 * 3600.0
"""A profile without an owner file (an older privacyscan) older than this is stale:
no visitor lives that long."""

STAGING_AGE_S = 60.0
"""A profile still being made (no browser has used it) older than this is stale."""


def _start_time(pid: int) -> int | None:
    """The process's start time since boot in clock ticks (Linux), to tell a reused pid."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    try:
        return int(raw[raw.rfind(b")") + 2 :].split()[19])
    except (IndexError, ValueError):
        return None


def _alive(pid: int, start: int | None) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    if start is None:
        return True
    now = _start_time(pid)
    return now is None or now == start


def new_profile() -> str:
    """A fresh, empty profile directory that names this process as its owner."""
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX))
    owner = {"pid": os.getpid(), "start": _start_time(os.getpid()), "host": socket.gethostname()}
    (staging / OWNER_FILE).write_text(json.dumps(owner), "utf-8")
    path = staging.with_name(PREFIX + staging.name.removeprefix(STAGING_PREFIX))
    staging.rename(path)  # atomic: a profile is never seen without its owner file
    return str(path)


def kill_browsers(profile: str) -> list[int]:
    """SIGKILL this user's browser processes that run on ``profile`` (their command line
    names it as ``--user-data-dir``); returns their pids. For a browser that does not
    close: left alive, it would write into its profile after the profile was removed.
    Linux (``/proc``); elsewhere nothing is found."""
    needle = b"--user-data-dir=" + os.fsencode(profile)
    killed: list[int] = []
    try:
        entries = list(os.scandir("/proc"))
    except OSError:
        return killed
    for entry in entries:
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            args = Path(entry.path, "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        # The browser keeps its arguments; its children rewrite them into one string.
        if any(a == needle or needle + b" " in a or a.endswith(b" " + needle) for a in args):
            with contextlib.suppress(OSError):
                os.kill(int(entry.name), signal.SIGKILL)
                killed.append(int(entry.name))
    return killed


def is_stale(path: Path, *, now: float | None = None) -> bool:
    """Whether the profile at ``path`` belongs to a scan that is gone."""
    try:
        owner = json.loads((path / OWNER_FILE).read_text("utf-8"))
        pid, start, host = int(owner["pid"]), owner.get("start"), owner.get("host")
    except FileNotFoundError:
        try:
            age = (now or time.time()) - path.stat().st_mtime
        except OSError:
            return False
        return age > (STAGING_AGE_S if path.name.startswith(STAGING_PREFIX) else ORPHAN_AGE_S)
    except (OSError, ValueError, TypeError, KeyError):
        return False  # being written, or not ours to judge
    if host is not None and host != socket.gethostname():
        return False
    return not _alive(pid, int(start) if start is not None else None)


def remove_stale_profiles(directory: str | None = None) -> list[str]:
    """Remove this user's profiles whose scan is gone; returns the removed paths."""
    base = Path(directory or tempfile.gettempdir())
    removed: list[str] = []
    try:
        candidates = [p for p in base.iterdir() if p.name.startswith((PREFIX, STAGING_PREFIX))]
    except OSError:
        return removed
    uid = os.getuid() if hasattr(os, "getuid") else None
    for path in candidates:
        with contextlib.suppress(OSError):
            info = path.lstat()
            if not path.is_dir() or path.is_symlink():
                continue
            if uid is not None and info.st_uid != uid:
                continue
            if is_stale(path):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(str(path))
    return removed
