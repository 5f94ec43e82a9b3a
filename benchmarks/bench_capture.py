"""Capture benchmark: privacyscan's capture against bare Playwright, on the local test web.

Visits every page of every manifest site of ``scanner/testweb`` (9 sites, 23 pages)
twice per concurrency: once with the real capture (``scanner.runner.capture_site``:
CDP session, hooks, storage and jar snapshots) and once with bare Playwright
(``launch_persistent_context`` + ``goto(wait_until="load")`` + sleep for the dwell
time: the floor). Sites run in parallel under an ``asyncio.Semaphore``.

For each run it measures the CPU time and memory of the whole process tree this
script started (this Python process, the Playwright driver and every Chromium
process), by sampling ``/proc`` every 0.2 s. ``getrusage`` is printed beside it as
a lower bound only: Chromium processes orphaned at shutdown are reaped by init,
so their CPU never reaches this process's rusage. The test web runs in its own
child process and is left out of the tree (its CPU time is reported apart).

A measurement, not a test: it prints PASS/FAIL per target and exits 0 either way.

    .venv/bin/python benchmarks/bench_capture.py [--concurrency 1,2,4] [--dwell 4.0] [--repeat 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from playwright.async_api import BrowserContext, Playwright, async_playwright  # noqa: E402
from playwright.async_api import Error as PlaywrightError  # noqa: E402

from scanner.browser.discovery import browser_version, find_browser  # noqa: E402
from scanner.browser.session import Browser, default_user_agent  # noqa: E402
from scanner.config import CaptureOptions  # noqa: E402
from scanner.engine import default_concurrency  # noqa: E402
from scanner.models import Site  # noqa: E402
from scanner.runner import capture_site  # noqa: E402
from scanner.testweb import load_manifests  # noqa: E402

SAMPLE_INTERVAL_S = 0.2
CPU_RATIO_TARGET = 1.3
MEMORY_TARGET_MB = 1536.0
TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
MB = 1024.0 * 1024.0

# The capture's launch flags (scanner/browser/session.py), mirrored so that the floor
# differs from the capture by the instrumentation only, not by the process model.
CAPTURE_ARGS = [
    "--disable-site-isolation-trials",
    "--disable-features=IsolateOrigins,site-per-process,HttpsUpgrades",
    "--disable-blink-features=AutomationControlled",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-component-update",
    "--disable-sync",
]


# --------------------------------------------------------------------------- /proc


@dataclass(frozen=True, slots=True)
class ProcStat:
    pid: int
    ppid: int
    ticks: int
    """utime + stime, in clock ticks."""
    start: int
    """Start time since boot, in ticks: with the pid, a key that survives pid reuse."""
    rss: int
    """Resident set size, bytes."""


def read_stat(pid: int | str, task: str | None = None) -> ProcStat | None:
    path = f"/proc/{pid}/task/{task}/stat" if task else f"/proc/{pid}/stat"
    try:
        with open(path, "rb") as fh:
            raw = fh.read().decode("ascii", "replace")
    except OSError:
        return None
    fields = raw[raw.rfind(")") + 2 :].split()
    # After "pid (comm) ": state ppid ... utime(11) stime(12) ... starttime(19) vsize rss(21)
    return ProcStat(
        pid=int(pid),
        ppid=int(fields[1]),
        ticks=int(fields[11]) + int(fields[12]),
        start=int(fields[19]),
        rss=int(fields[21]) * PAGE_SIZE,
    )


def read_pss(pid: int) -> int | None:
    """Proportional set size in bytes (shared pages divided among their users).

    0 for a process that exited or is a zombie; ``None`` if the file is unreadable.
    """
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        return 0
    except (OSError, ValueError):
        return None
    return 0


def all_stats() -> dict[int, ProcStat]:
    stats: dict[int, ProcStat] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            stat = read_stat(name)
            if stat is not None:
                stats[stat.pid] = stat
    return stats


def descendants(stats: dict[int, ProcStat], root: int, exclude: set[int]) -> list[ProcStat]:
    children: dict[int, list[int]] = {}
    for stat in stats.values():
        children.setdefault(stat.ppid, []).append(stat.pid)
    out: list[ProcStat] = []
    todo = [root]
    while todo:
        pid = todo.pop()
        if pid in exclude or pid not in stats:
            continue
        out.append(stats[pid])
        todo.extend(children.get(pid, ()))
    return out


@dataclass(slots=True)
class Window:
    """What the sampler saw between ``begin`` and ``end`` of one run."""

    baseline: dict[tuple[int, int], int] = field(default_factory=dict)
    last: dict[tuple[int, int], int] = field(default_factory=dict)
    peak_rss: int = 0
    peak_pss: int = 0
    pss_readable: bool = True
    peak_procs: int = 0
    samples: int = 0
    server_ticks0: int = 0
    server_ticks1: int = 0

    def cpu_s(self) -> float:
        ticks = sum(v - self.baseline.get(k, 0) for k, v in self.last.items())
        return ticks / TICKS


class TreeSampler:
    """Samples the process tree of this process every ``interval`` seconds, in a thread.

    CPU: keeps the last utime+stime seen per (pid, start time), since processes exit;
    the CPU a process burns between its last sample and its exit is missed. Memory:
    the sum of RSS (and of PSS) over the tree at each sample, maximum over the samples.
    """

    def __init__(self, exclude: set[int], interval: float = SAMPLE_INTERVAL_S) -> None:
        self.root = os.getpid()
        self.exclude = exclude
        self.interval = interval
        self._lock = threading.Lock()
        self._window: Window | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="tree-sampler", daemon=True)
        self.native_id = 0

    def start(self) -> None:
        self._thread.start()
        while not self.native_id:
            time.sleep(0.01)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def own_cpu_s(self) -> float:
        """CPU time of the sampler thread itself, to take off this process's figure."""
        stat = read_stat(self.root, str(self.native_id))
        return stat.ticks / TICKS if stat else 0.0

    def server_ticks(self) -> int:
        stats = all_stats()
        return sum(s.ticks for pid in self.exclude for s in descendants(stats, pid, set()))

    def begin(self) -> None:
        window = Window()
        for stat in descendants(all_stats(), self.root, self.exclude):
            window.baseline[(stat.pid, stat.start)] = stat.ticks
        window.server_ticks0 = self.server_ticks()
        with self._lock:
            self._window = window
        self.sample()

    def end(self) -> Window:
        self.sample()
        with self._lock:
            window, self._window = self._window, None
        assert window is not None
        window.server_ticks1 = self.server_ticks()
        return window

    def sample(self) -> None:
        tree = descendants(all_stats(), self.root, self.exclude)
        rss = 0
        pss = 0
        pss_ok = True
        for stat in tree:
            rss += stat.rss
            value = read_pss(stat.pid)
            if value is None:
                pss_ok = False
            else:
                pss += value
        with self._lock:
            window = self._window
            if window is None:
                return
            for stat in tree:
                window.last[(stat.pid, stat.start)] = stat.ticks
            window.samples += 1
            window.peak_rss = max(window.peak_rss, rss)
            window.peak_pss = max(window.peak_pss, pss)
            window.pss_readable = window.pss_readable and pss_ok
            window.peak_procs = max(window.peak_procs, len(tree))

    def _loop(self) -> None:
        self.native_id = threading.get_native_id()
        while not self._stop.wait(self.interval):
            self.sample()


# --------------------------------------------------------------------------- test web


@dataclass(frozen=True, slots=True)
class SiteJob:
    site: Site
    urls: tuple[str, ...]


_SERVER_CODE = """
import sys
from scanner.testweb import TestWeb
web = TestWeb().start()
print(web.port, web.spki_hash, flush=True)
sys.stdin.read()
web.stop()
"""


def start_test_web() -> tuple[subprocess.Popen[str], int, str]:
    """The test web in a child process of its own, so that it can be left out of the tree."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _SERVER_CODE],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    port, spki = proc.stdout.readline().split()
    return proc, int(port), spki


def site_jobs() -> list[SiteJob]:
    jobs = []
    for manifest in load_manifests():
        site = manifest["site"]
        jobs.append(
            SiteJob(
                Site(
                    name=site["name"],
                    url=site["url"],
                    extra_domains=tuple(site.get("extra_domains", ())),
                ),
                tuple(page["url"] for page in manifest["pages"]),
            )
        )
    return jobs


# --------------------------------------------------------------------------- runs


@dataclass(frozen=True, slots=True)
class Result:
    mode: str
    concurrency: int
    repeat: int
    pages: int
    errors: int
    wall_s: float
    cpu_s: float
    """Sampled CPU of the tree, sampler thread excluded."""
    cpu_rusage_s: float | None
    """getrusage(SELF) + getrusage(CHILDREN) delta, sampler thread excluded: a lower
    bound (orphaned Chromium processes are reaped by init); ``None`` if the Playwright
    driver was not reaped within the run."""
    peak_rss_mb: float
    peak_pss_mb: float | None
    peak_procs: int
    samples: int
    server_cpu_s: float

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.wall_s if self.wall_s else 0.0

    @property
    def cpu_per_page(self) -> float:
        return self.cpu_s / self.pages if self.pages else float("nan")

    @property
    def rusage_per_page(self) -> float | None:
        if self.cpu_rusage_s is None or not self.pages:
            return None
        return self.cpu_rusage_s / self.pages


async def run_capture(options: CaptureOptions, jobs: Sequence[SiteJob], concurrency: int) -> int:
    """The real capture; returns the number of pages that ended in an error."""
    errors = 0
    async with Browser(options) as browser:
        limit = asyncio.Semaphore(concurrency)

        async def one(job: SiteJob) -> None:
            nonlocal errors
            async with limit:
                result = await capture_site(browser, job.site, job.urls)
            failed = [p for p in result.pages if p.error and p.error != "http"]
            errors += len(failed) + len(job.urls) - len(result.pages)
            for p in failed:
                print(f"    capture error {p.url}: {p.error} {p.error_message}", flush=True)
            if result.error and not result.pages:
                print(f"    capture error {job.site.url}: {result.error_message}", flush=True)

        await asyncio.gather(*(one(job) for job in jobs))
    return errors


async def _bare_context(
    playwright: Playwright, executable: str, version: str, options: CaptureOptions, profile: str
) -> BrowserContext:
    os.makedirs(os.path.join(profile, "Default"), exist_ok=True)
    with open(os.path.join(profile, "Default", "Preferences"), "w", encoding="utf-8") as fh:
        json.dump({"profile": {"cookie_controls_mode": 0, "block_third_party_cookies": False}}, fh)
    args = list(CAPTURE_ARGS)
    rules = options.host_resolver_rules()
    if rules:
        args.append(f"--host-resolver-rules={rules}")
    if options.trust_cert_spki:
        args.append("--ignore-certificate-errors-spki-list=" + ",".join(options.trust_cert_spki))
    return await playwright.chromium.launch_persistent_context(
        profile,
        executable_path=executable,
        headless=options.headless,
        args=args,
        ignore_default_args=["--enable-automation"],
        chromium_sandbox=os.geteuid() != 0,
        locale=options.locale,
        timezone_id=options.timezone,
        user_agent=default_user_agent(version),
        viewport={"width": options.viewport[0], "height": options.viewport[1]},
        accept_downloads=False,
        service_workers="allow",
    )


async def run_bare(options: CaptureOptions, jobs: Sequence[SiteJob], concurrency: int) -> int:
    """The floor: bare Playwright, same browser and flags, no CDP session, no hooks."""
    errors = 0
    async with async_playwright() as playwright:
        executable = find_browser(options.browser_path, None).path
        version = await asyncio.to_thread(browser_version, executable)
        limit = asyncio.Semaphore(concurrency)

        async def one(job: SiteJob) -> None:
            nonlocal errors
            async with limit:
                profile = tempfile.mkdtemp(prefix="bench-bare-profile-")
                try:
                    context = await _bare_context(playwright, executable, version, options, profile)
                    page = context.pages[0] if context.pages else await context.new_page()
                    for url in job.urls:
                        try:
                            await page.goto(
                                url, wait_until="load", timeout=options.page_timeout_s * 1000
                            )
                        except PlaywrightError:
                            errors += 1
                        await asyncio.sleep(options.dwell_s)
                    await context.close()
                finally:
                    shutil.rmtree(profile, ignore_errors=True)

        await asyncio.gather(*(one(job) for job in jobs))
    return errors


Runner = Callable[[CaptureOptions, Sequence[SiteJob], int], Awaitable[int]]


async def measure(
    mode: str,
    runner: Runner,
    options: CaptureOptions,
    jobs: Sequence[SiteJob],
    concurrency: int,
    repeat: int,
    sampler: TreeSampler,
) -> Result:
    pages = sum(len(job.urls) for job in jobs)
    own0 = sampler.own_cpu_s()
    self0 = resource.getrusage(resource.RUSAGE_SELF)
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    sampler.begin()
    t0 = time.monotonic()
    errors = await runner(options, jobs, concurrency)
    wall = time.monotonic() - t0
    window = sampler.end()
    self1 = resource.getrusage(resource.RUSAGE_SELF)
    children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = sampler.own_cpu_s() - own0
    children = (children1.ru_utime + children1.ru_stime) - (children0.ru_utime + children0.ru_stime)
    selfcpu = (self1.ru_utime + self1.ru_stime) - (self0.ru_utime + self0.ru_stime)
    # The driver is reaped when Playwright stops: no children CPU means it was not.
    rusage = selfcpu + children - own if children > 0 else None
    return Result(
        mode=mode,
        concurrency=concurrency,
        repeat=repeat,
        pages=pages,
        errors=errors,
        wall_s=wall,
        cpu_s=window.cpu_s() - own,
        cpu_rusage_s=rusage,
        peak_rss_mb=window.peak_rss / MB,
        peak_pss_mb=window.peak_pss / MB if window.pss_readable else None,
        peak_procs=window.peak_procs,
        samples=window.samples,
        server_cpu_s=(window.server_ticks1 - window.server_ticks0) / TICKS,
    )


# --------------------------------------------------------------------------- report


def machine() -> list[tuple[str, str]]:
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    try:
        executable = find_browser(None, None)
        chromium = f"{browser_version(executable.path)} ({executable.path})"
    except Exception as exc:  # a report line, not a failure
        chromium = f"unknown ({exc})"
    return [
        ("nproc", str(os.cpu_count())),
        ("memory", f"{memory / 1024**3:.1f} GiB"),
        ("cpu", model),
        ("chromium", chromium),
        ("python", platform.python_version()),
        ("default concurrency", str(default_concurrency())),
    ]


def _fmt(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def aggregate(results: Sequence[Result], mode: str, concurrency: int) -> Result | None:
    """Mean over the repeats of one (mode, concurrency); peaks are maxima."""
    rows = [r for r in results if r.mode == mode and r.concurrency == concurrency]
    if not rows:
        return None
    rusage = [r.cpu_rusage_s for r in rows]
    pss = [r.peak_pss_mb for r in rows]
    return Result(
        mode=mode,
        concurrency=concurrency,
        repeat=len(rows),
        pages=rows[0].pages,
        errors=sum(r.errors for r in rows),
        wall_s=mean([r.wall_s for r in rows]),
        cpu_s=mean([r.cpu_s for r in rows]),
        cpu_rusage_s=None if None in rusage else mean([v for v in rusage if v is not None]),
        peak_rss_mb=max(r.peak_rss_mb for r in rows),
        peak_pss_mb=None if None in pss else max(v for v in pss if v is not None),
        peak_procs=max(r.peak_procs for r in rows),
        samples=sum(r.samples for r in rows),
        server_cpu_s=mean([r.server_cpu_s for r in rows]),
    )


def report(results: Sequence[Result], concurrencies: Sequence[int], dwell: float) -> None:
    print()
    print(f"Capture vs bare Playwright, dwell {dwell:g} s, {results[0].pages} pages per run")
    print()
    header = (
        f"{'mode':<8} {'conc':>4} {'runs':>4} {'pages':>5} {'err':>3} {'wall s':>7} "
        f"{'pages/s':>7} {'CPU-s/page':>10} {'(rusage)':>8} {'peak RSS MB':>11} "
        f"{'peak PSS MB':>11} {'procs':>5} {'web CPU-s':>9}"
    )
    print(header)
    print("-" * len(header))
    rows: dict[tuple[str, int], Result] = {}
    for concurrency in concurrencies:
        for mode in ("capture", "bare"):
            row = aggregate(results, mode, concurrency)
            if row is None:
                continue
            rows[(mode, concurrency)] = row
            print(
                f"{mode:<8} {concurrency:>4} {row.repeat:>4} {row.pages:>5} {row.errors:>3} "
                f"{row.wall_s:>7.1f} {row.pages_per_s:>7.3f} {row.cpu_per_page:>10.3f} "
                f"{_fmt(row.rusage_per_page, '.3f'):>8} {row.peak_rss_mb:>11.0f} "
                f"{_fmt(row.peak_pss_mb, '.0f'):>11} {row.peak_procs:>5} "
                f"{row.server_cpu_s:>9.2f}"
            )
    print()
    print("CPU-s/page: sampled /proc utime+stime of this process + Playwright driver + all")
    print("  Chromium processes (test web and sampler thread excluded). (rusage): getrusage,")
    print("  a lower bound (orphaned Chromium processes are reaped by init, not by us).")
    print("  Peak PSS is the headline memory figure (RSS counts shared pages once per process).")
    print()
    print("Capture / bare CPU per page:")
    verdicts: list[tuple[str, bool]] = []
    for concurrency in concurrencies:
        capture, bare = rows.get(("capture", concurrency)), rows.get(("bare", concurrency))
        if capture is None or bare is None:
            continue
        ratio = capture.cpu_per_page / bare.cpu_per_page
        cap_r, bare_r = capture.rusage_per_page, bare.rusage_per_page
        ratio_r = cap_r / bare_r if cap_r is not None and bare_r else None
        extra = capture.cpu_per_page - bare.cpu_per_page
        print(
            f"  concurrency {concurrency}: {ratio:.2f}x sampled, {_fmt(ratio_r, '.2f')}x rusage"
            f" ({extra:+.2f} CPU-s/page)"
        )
        verdicts.append(
            (
                f"CPU overhead ≤ {CPU_RATIO_TARGET}x at concurrency {concurrency}",
                ratio <= CPU_RATIO_TARGET,
            )
        )
    default = default_concurrency()
    capture = rows.get(("capture", default))
    print()
    print("Targets:")
    for name, ok in verdicts:
        print(f"  {'PASS' if ok else 'FAIL'}  {name}")
    if capture is None:
        print(f"  n/a   peak memory ≤ 1.5 GB at default concurrency {default} (not measured)")
    else:
        peak = capture.peak_pss_mb if capture.peak_pss_mb is not None else capture.peak_rss_mb
        kind = "PSS" if capture.peak_pss_mb is not None else "RSS"
        ok = peak <= MEMORY_TARGET_MB
        print(
            f"  {'PASS' if ok else 'FAIL'}  peak memory ≤ 1.5 GB at default concurrency {default}"
            f" ({kind} {peak:.0f} MB; RSS {capture.peak_rss_mb:.0f} MB)"
        )


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--concurrency",
        default="1,2,4",
        help="comma-separated sites in parallel (default 1,2,4)",
    )
    parser.add_argument(
        "--dwell", type=float, default=4.0, help="seconds on a page after load (default 4.0)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per mode and concurrency")
    args = parser.parse_args(argv)
    try:
        args.concurrency = [int(c) for c in str(args.concurrency).split(",") if c.strip()]
    except ValueError:
        parser.error("--concurrency: expected integers, e.g. 1,2,4")
    if not args.concurrency or min(args.concurrency) < 1:
        parser.error("--concurrency: expected positive integers")
    if args.dwell < 0 or args.repeat < 1:
        parser.error("--dwell must be ≥ 0 and --repeat ≥ 1")
    return args


async def main_async(args: argparse.Namespace) -> None:
    print("Machine:")
    for name, value in machine():
        print(f"  {name:<20} {value}")
    server, port, spki = start_test_web()
    sampler = TreeSampler(exclude={server.pid})
    sampler.start()
    try:
        options = replace(
            CaptureOptions(
                map_hosts=(f"*=127.0.0.1:{port}",),
                trust_cert_spki=(spki,),
            ),
            dwell_s=args.dwell,
        )
        jobs = site_jobs()
        print(
            f"Test web on 127.0.0.1:{port}: {len(jobs)} sites, "
            f"{sum(len(j.urls) for j in jobs)} pages"
        )
        # Warm the disk cache and Chromium's first start: not measured.
        await run_bare(replace(options, dwell_s=0.0), jobs[:1], 1)
        results: list[Result] = []
        for repeat in range(1, args.repeat + 1):
            for concurrency in args.concurrency:
                for mode, runner in (("capture", run_capture), ("bare", run_bare)):
                    result = await measure(
                        mode, runner, options, jobs, concurrency, repeat, sampler
                    )
                    results.append(result)
                    print(
                        f"  run {repeat} {mode:<7} c={concurrency}: {result.wall_s:6.1f} s, "
                        f"{result.cpu_per_page:.3f} CPU-s/page "
                        f"(rusage {_fmt(result.rusage_per_page, '.3f')}), "
                        f"peak PSS {_fmt(result.peak_pss_mb, '.0f')} MB, "
                        f"{result.errors} errors",
                        flush=True,
                    )
        report(results, args.concurrency, args.dwell)
    finally:
        sampler.stop()
        if server.stdin is not None:
            server.stdin.close()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def main(argv: Sequence[str] | None = None) -> int:
    asyncio.run(main_async(parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
