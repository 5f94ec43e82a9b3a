"""A browser that dies mid-site is replaced, the site retried once, others unaffected.

The Chromium main process of a visitor (its command line names the temporary
profile ``privacyscan-profile-…``) is killed with SIGKILL while it is on a page.
"""

from __future__ import annotations

import asyncio
import os
import signal
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scanner.classify.parties import PartyResolver
from scanner.config import CaptureOptions
from scanner.domains import Domains
from scanner.engine import Engine, ScanSettings
from scanner.knowledge import load_knowledge
from scanner.models import Site, SiteStatus
from scanner.store.memory import MemoryStore

pytestmark = pytest.mark.browser

TRACKSTAD = Site("Trackstad", "https://www.trackstad.nl/")
SCHOONDORP = Site("Schoondorp", "https://www.schoondorp.nl/")


def _parent(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    return int(stat.rsplit(")", 1)[1].split()[1])


def _is_ours(pid: int) -> bool:
    """A descendant of this test process (other scans may run on the machine)."""
    me = os.getpid()
    while pid > 1:
        pid = _parent(pid)
        if pid == me:
            return True
    return False


def _browser_pids() -> dict[int, str]:
    """Our visitor browser main processes (not renderers), by pid → profile dir."""
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or not _is_ours(int(entry.name)):
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        text = [a.decode(errors="replace") for a in args]
        profile = next((a for a in text if "privacyscan-profile-" in a), None)
        is_browser = os.path.basename(text[0]) in {"chromium", "chrome", "headless_shell"}
        if profile and is_browser and not any(a.startswith("--type=") for a in text):
            found[int(entry.name)] = profile
    return found


async def _kill_browsers(
    times: int, after_s: float, seen: dict[int, float], profiles: set[str]
) -> int:
    """Kill the next ``times`` visitor browsers, each ``after_s`` after it appeared.

    Keeps watching after that, so ``profiles`` ends with every browser the scan
    started. Browsers are counted by profile, not pid: a child Chromium forks shows
    its parent's command line until it execs, a pid of its own for a moment.
    """
    killed = 0
    loop = asyncio.get_running_loop()
    while True:
        now = loop.time()
        for pid, profile in _browser_pids().items():
            profiles.add(profile)
            seen.setdefault(pid, now)
            if killed < times and now - seen[pid] >= after_s:
                os.kill(pid, signal.SIGKILL)
                seen[pid] = float("inf")
                killed += 1
                break
        await asyncio.sleep(0.1)


def _run(capture_options: CaptureOptions, kills: int) -> dict[str, SiteStatus | str | None]:
    knowledge = load_knowledge()
    engine = Engine(
        MemoryStore(),
        replace(capture_options, dwell_s=3.0),
        ScanSettings(max_pages=1, concurrency=1),
        knowledge=knowledge,
        resolver=PartyResolver(Domains(), knowledge),
    )
    scan_id = engine.create([TRACKSTAD, SCHOONDORP])

    seen: dict[int, float] = {}
    profiles: set[str] = set()

    async def both() -> None:
        killer = asyncio.ensure_future(_kill_browsers(kills, 1.5, seen, profiles))
        await engine.run(scan_id)
        killer.cancel()

    started = datetime.now(UTC)
    asyncio.run(both())
    scan = engine.store.get_scan(scan_id)
    assert (datetime.now(UTC) - started).total_seconds() < 120
    killed = sum(1 for t in seen.values() if t == float("inf"))
    assert killed == kills
    out: dict[str, SiteStatus | str | None] = {"browsers": str(len(profiles))}
    for result in scan.sites:
        out[result.site.name] = result.status
        out[result.site.name + ".error"] = result.error
        out[result.site.name + ".cookies"] = ",".join(sorted(c.name for c in result.cookies))
    return out


def test_killed_browser_is_replaced_and_the_site_retried(capture_options: CaptureOptions) -> None:
    out = _run(capture_options, kills=1)
    assert out["browsers"] == "3", "Trackstad twice (killed, retried), Schoondorp once"
    assert out["Trackstad"] is SiteStatus.DONE
    assert "_ga" in str(out["Trackstad.cookies"])
    assert out["Schoondorp"] is SiteStatus.DONE and out["Schoondorp.cookies"] == "PHPSESSID"


def test_a_site_that_keeps_crashing_fails_alone(capture_options: CaptureOptions) -> None:
    out = _run(capture_options, kills=2)
    assert out["browsers"] == "3", "Trackstad twice (both killed), Schoondorp once"
    assert out["Trackstad"] is SiteStatus.FAILED, out
    assert out["Trackstad.error"] == "browser_crash"
    assert out["Schoondorp"] is SiteStatus.DONE and out["Schoondorp.cookies"] == "PHPSESSID"
