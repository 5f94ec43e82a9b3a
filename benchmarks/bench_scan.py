"""Scan benchmark: whole scans of a generated web of ~100 municipalities, and the floor.

Generates a larger copy of the local test web (``bigweb.py``: every test-web
municipality cloned under new domains; half have a consent banner), serves it with
the test web's own server in a child process, and runs real scans over it with
``scanner.engine.Engine`` and a SQLite store, exactly as ``privacyscan scan`` does:
crawl, three visitors where there is a banner, classification, one transaction per
site. Default settings (10 pages per site, dwell 4 s) unless told otherwise.

* ``capture auto``: the default, concurrency that follows the machine, over every
  site: the headline figures (pages/s from scan start to the last site saved).
* ``bare``: the floor. The same visits (every visitor's URLs of the ``auto`` run,
  the refusing and accepting visitors' home page before the click included) with
  plain Playwright: same browser, flags and profile preferences, a fresh profile
  per visitor, ``goto(load)`` then sleep for the dwell; no CDP session, no hooks,
  no consent clicks, no classification, no store.
* ``paired`` (the default ``--bare``): the ratio of the two. Capture and floor run
  at the same time over the same sites, slice by slice, each with half the ``auto``
  run's mean number of visitors in flight, the floor in a process of its own that
  measures itself, so that the machine's drift (other tenants, the host's own load)
  weighs on both alike. ``--bare auto`` instead runs the floor once, after the
  ``auto`` run, at the default pace.
* ``capture N``: ``--concurrency N`` over the first ``N × --sites-per-visitor``
  sites (the same mix), for the table.

CPU and memory of the whole process tree are sampled from /proc (``proctree.py``);
the test web's CPU is left out and reported apart, as is the CPU that other
programs on the machine used during each run (``others``: a busy machine slows
the scan down and, at ``auto``, makes it back off).

A measurement, not a test: it prints PASS/FAIL per target and exits 0.

    .venv/bin/python benchmarks/bench_scan.py [--copies 4] [--concurrency 1,2,4,8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, Path(__file__).resolve().parent):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from bigweb import BenchSite, build  # noqa: E402
from playwright.async_api import BrowserContext, Playwright, async_playwright  # noqa: E402
from playwright.async_api import Error as PlaywrightError  # noqa: E402
from proctree import KINDS, MB, CgroupClock, TreeSampler  # noqa: E402

from scanner.browser.discovery import browser_version, find_browser  # noqa: E402
from scanner.browser.session import default_user_agent  # noqa: E402
from scanner.capacity import (  # noqa: E402
    LoadMeter,
    Pace,
    Priority,
    default_memory_budget,
    format_size,
    parse_size,
)
from scanner.classify.parties import PartyResolver  # noqa: E402
from scanner.config import CaptureOptions  # noqa: E402
from scanner.domains import Domains  # noqa: E402
from scanner.engine import Engine, Progress, ScanSettings  # noqa: E402
from scanner.knowledge import load_knowledge  # noqa: E402
from scanner.models import Phase, SiteResult  # noqa: E402
from scanner.store.sqlite import SQLiteStore  # noqa: E402

PAGES_TARGET = 1.6
CPU_RATIO_TARGET = 1.3
NATIONAL_SITES = 342
NATIONAL_PAGES = 10
NATIONAL_BANNER_SHARE = 0.5
"""The issue's sample of typical municipal sites: about half have a banner."""

# The capture's launch flags (scanner/browser/session.py), mirrored so that the floor
# differs from the capture by the instrumentation only, not by the process model.
CAPTURE_ARGS = [
    "--disable-site-isolation-trials",
    "--disable-features=IsolateOrigins,site-per-process,HttpsUpgrades,"
    "PreloadTopChromeWebUI,WebUIOmniboxPopup,WebUIOmniboxAimPopup",
    "--disable-blink-features=AutomationControlled",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-component-update",
    "--disable-sync",
]


# --------------------------------------------------------------------------- results


@dataclass(slots=True)
class Run:
    mode: str
    label: str
    """``auto`` or the fixed concurrency."""
    sites: int
    pages: int
    """Pages kept in the results (what the report counts)."""
    visits: int
    """Navigations: the pages plus each following visitor's home page before its click."""
    errors: int
    wall_s: float
    cpu_s: float
    web_cpu_s: float
    others_cpu_s: float
    sampler_cpu_s: float
    peak_pss_mb: float | None
    peak_rss_mb: float
    mean_visitors: float
    max_visitors: int
    cpu_kinds: dict[str, float] = field(default_factory=dict)
    """``cpu_s`` by process kind (``proctree.KINDS``)."""
    missing: list[str] = field(default_factory=list)
    """Ground-truth cookies a run did not find (site: phase name)."""
    ticks: list[tuple[float, int, int, float | None, int | None]] = field(default_factory=list)
    """The pace's measurements: (t, limit, in flight, CPU busy, tree PSS)."""

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.wall_s if self.wall_s else 0.0

    @property
    def cpu_per_page(self) -> float:
        return self.cpu_s / self.pages if self.pages else float("nan")

    @property
    def cpu_per_visit(self) -> float:
        return self.cpu_s / self.visits if self.visits else float("nan")


@dataclass(frozen=True, slots=True)
class Plan:
    """One site's visitors as the ``auto`` run made them: the floor replays them."""

    first: tuple[str, ...]
    followers: tuple[tuple[str, ...], ...]


# --------------------------------------------------------------------------- test web

_SERVER_CODE = """
import sys
from pathlib import Path
from scanner.testweb import TestWeb
web = TestWeb(base_dir=Path(sys.argv[1])).start()
print(web.port, web.spki_hash, flush=True)
sys.stdin.read()
web.stop()
"""


def start_test_web(hosts: Path) -> tuple[subprocess.Popen[str], int, str]:
    """The test web in a child process of its own, so that it can be left out of the tree."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _SERVER_CODE, str(hosts)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    port, spki = proc.stdout.readline().split()
    return proc, int(port), spki


# --------------------------------------------------------------------------- capture


def missing_items(bench: BenchSite, result: SiteResult) -> list[str]:
    """Ground-truth cookies not stored in this run, as ``site: phase name``."""
    visited = {p.url.split("://", 1)[-1].split("/", 1)[-1] for p in result.pages}
    out = []
    for phase_name, names in bench.template.expected.items():
        phase = Phase(phase_name)
        if phase is not Phase.NONE and not any(
            c.phase is phase and c.clicked for c in result.choices
        ):
            out += [f"{bench.site.name}: {phase_name} (no click)"]
            continue
        found = {c.name for c in result.cookies if c.phase is phase and c.stored}
        for name in names:
            page = bench.template.expected_on.get(name, "/").lstrip("/")
            if name not in found and (phase is not Phase.NONE or page in visited):
                out.append(f"{bench.site.name}: {phase_name} {name}")
    return out


async def run_capture(
    label: str,
    options: CaptureOptions,
    settings: ScanSettings,
    sites: Sequence[BenchSite],
    sampler: TreeSampler,
    workdir: Path,
) -> tuple[Run, list[Plan]]:
    knowledge = load_knowledge()
    resolver = PartyResolver(Domains(), knowledge)
    events: list[tuple[float, Progress]] = []
    with SQLiteStore(workdir / f"bench-{label}.db") as store:
        engine = Engine(
            store,
            options,
            settings,
            knowledge=knowledge,
            resolver=resolver,
            on_progress=lambda event: events.append((time.monotonic(), event)),
        )
        scan_id = engine.create([s.site for s in sites])
        machine0 = machine_busy_s()
        sampler.begin()
        t0 = time.monotonic()
        await engine.run(scan_id)
        wall = time.monotonic() - t0
        window = sampler.end()
        machine = machine_busy_s() - machine0
        scan = store.get_scan(scan_id)
    by_name = {r.site.name: r for r in scan.sites}
    results = [by_name[s.site.name] for s in sites]
    mean, peak = visitors_in_flight(events, t0, t0 + wall)
    run = Run(
        mode="capture",
        label=label,
        sites=len(sites),
        pages=sum(len(r.pages) for r in results),
        visits=sum(len(r.pages) + len(r.choices) for r in results),
        errors=sum(1 for r in results for p in r.pages if p.error and p.error != "http"),
        wall_s=wall,
        cpu_s=window.cpu_s(),
        cpu_kinds=window.cpu_by_kind(),
        web_cpu_s=window.excluded_cpu_s(),
        others_cpu_s=machine - window.cpu_s() - window.excluded_cpu_s() - window.sampler_s(),
        sampler_cpu_s=window.sampler_s(),
        peak_pss_mb=window.peak_pss / MB if window.pss_readable else None,
        peak_rss_mb=window.peak_rss / MB,
        mean_visitors=mean,
        max_visitors=peak,
        missing=[
            m for bench, r in zip(sites, results, strict=True) for m in missing_items(bench, r)
        ],
        ticks=[
            (
                t - t0,
                e.tick.limit,
                e.tick.in_flight,
                e.tick.load.cpu_busy,
                e.tick.load.tree_pss,
            )
            for t, e in events
            if e.tick is not None
        ],
    )
    return run, [plan_of(r) for r in results]


def plan_of(result: SiteResult) -> Plan:
    first = tuple(p.url for p in result.pages if p.phase is Phase.NONE)
    home = first[0] if first else result.site.url
    followers = tuple(
        (home, *(p.url for p in result.pages if p.phase is choice.phase))
        for choice in result.choices
    )
    return Plan(first or (home,), followers)


def visitors_in_flight(
    events: list[tuple[float, Progress]], t0: float, t1: float
) -> tuple[float, int]:
    """Time-weighted mean and maximum of the visitors in flight."""
    area = 0.0
    last_t, last_n, peak = t0, 0, 0
    for t, event in events:
        if event.limit == 0:
            continue
        area += last_n * (t - last_t)
        last_t, last_n = t, event.visitors
        peak = max(peak, event.visitors)
    area += last_n * max(0.0, t1 - last_t)
    return (area / (t1 - t0) if t1 > t0 else 0.0), peak


def merge(label: str, runs: Sequence[Run]) -> Run:
    """Runs of one mode taken in turns, as one: sums, maxima, time-weighted means."""
    wall = sum(r.wall_s for r in runs)
    kinds: dict[str, float] = {}
    for run in runs:
        for kind, cpu in run.cpu_kinds.items():
            kinds[kind] = kinds.get(kind, 0.0) + cpu
    pss = [r.peak_pss_mb for r in runs if r.peak_pss_mb is not None]
    return Run(
        mode=runs[0].mode,
        label=label,
        sites=sum(r.sites for r in runs),
        pages=sum(r.pages for r in runs),
        visits=sum(r.visits for r in runs),
        errors=sum(r.errors for r in runs),
        wall_s=wall,
        cpu_s=sum(r.cpu_s for r in runs),
        web_cpu_s=sum(r.web_cpu_s for r in runs),
        others_cpu_s=sum(r.others_cpu_s for r in runs),
        sampler_cpu_s=sum(r.sampler_cpu_s for r in runs),
        peak_pss_mb=max(pss) if len(pss) == len(runs) else None,
        peak_rss_mb=max(r.peak_rss_mb for r in runs),
        mean_visitors=sum(r.mean_visitors * r.wall_s for r in runs) / wall if wall else 0.0,
        max_visitors=max(r.max_visitors for r in runs),
        cpu_kinds=kinds,
        missing=[m for r in runs for m in r.missing],
    )


@dataclass(frozen=True, slots=True)
class Paired:
    """Capture and floor side by side over the same sites, slice by slice: the CPU ratio."""

    capture: Run
    bare: Run
    slices: tuple[tuple[Run, Run], ...]
    """(capture, floor) per slice, in the order they ran."""

    @property
    def ratio(self) -> float:
        return self.capture.cpu_per_visit / self.bare.cpu_per_visit

    @property
    def slice_ratios(self) -> list[float]:
        return [c.cpu_per_visit / b.cpu_per_visit for c, b in self.slices]


async def run_paired(
    options: CaptureOptions,
    settings: ScanSettings,
    sites: Sequence[BenchSite],
    plans: Sequence[Plan],
    concurrency: int,
    slices: int,
    sampler: TreeSampler,
    workdir: Path,
    on_run: Callable[[Run], None],
) -> Paired:
    """Capture (``settings``) and the floor (``plans``, the same sites' visits) at the
    same time, ``concurrency`` visitors in flight each, over ``slices`` consecutive
    slices of ``sites``: the floor in a process of its own (:func:`floor_worker`),
    which measures itself. Both run on the same machine in the same seconds, so the
    machine's drift (other tenants, the host's own load: 20 % between two runs
    minutes apart) weighs on both alike; one after the other, it did not."""
    label = f"p{concurrency}"
    bounds = [round(i * len(sites) / slices) for i in range(slices + 1)]
    pairs: list[tuple[Run, Run]] = []
    for index in range(slices):
        chunk = slice(bounds[index], bounds[index + 1])
        if chunk.start == chunk.stop:
            continue
        floor = await _start_floor(options, plans[chunk], concurrency, sampler)
        try:
            machine0 = machine_busy_s()
            (capture, _), bare = await asyncio.gather(
                run_capture(
                    f"{label}-{index + 1}",
                    options,
                    replace(settings, concurrency=concurrency),
                    sites[chunk],
                    sampler,
                    workdir,
                ),
                _floor_result(floor),
            )
            machine = machine_busy_s() - machine0
        finally:
            if floor.returncode is None:
                floor.kill()
                await floor.wait()
            sampler.ignore.discard(floor.pid)
        _share_slice(capture, bare, machine)
        for run in (capture, bare):
            run.label = f"{label}.{index + 1}"
            on_run(run)
        pairs.append((capture, bare))
    return Paired(
        capture=merge(label, [c for c, _ in pairs]),
        bare=merge(label, [b for _, b in pairs]),
        slices=tuple(pairs),
    )


def _share_slice(capture: Run, bare: Run, machine: float) -> None:
    """The test web's CPU and the other programs' of a slice, shared between its two
    sides: the web by visits, the others' by wall time (each side counted the other
    as an other program, and only the capture's sampler sees the test web)."""
    web = capture.web_cpu_s
    visits = capture.visits + bare.visits
    capture.web_cpu_s = web * capture.visits / visits if visits else 0.0
    bare.web_cpu_s = web - capture.web_cpu_s
    others = max(
        0.0,
        machine - capture.cpu_s - bare.cpu_s - web - capture.sampler_cpu_s - bare.sampler_cpu_s,
    )
    capture.others_cpu_s = others
    bare.others_cpu_s = others * bare.wall_s / capture.wall_s if capture.wall_s else 0.0


FLOOR_WORKER = "--floor-worker"
"""The command-line flag of :func:`floor_worker`."""


async def _start_floor(
    options: CaptureOptions, plans: Sequence[Plan], concurrency: int, sampler: TreeSampler
) -> asyncio.subprocess.Process:
    """The floor's process, ready and out of this process's clock and samples: it
    waits for ``go`` on its stdin (:func:`_floor_result` sends it)."""
    spec = {
        "map_hosts": list(options.map_hosts),
        "trust_cert_spki": list(options.trust_cert_spki),
        "dwell_s": options.dwell_s,
        "plans": [[list(p.first), [list(f) for f in p.followers]] for p in plans],
        "concurrency": concurrency,
        "exact": sampler.clock is not None,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(Path(__file__).resolve()),
        FLOOR_WORKER,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(json.dumps(spec).encode() + b"\n")
    await process.stdin.drain()
    if (await process.stdout.readline()).strip() != b"ready":
        await process.wait()
        raise RuntimeError(f"the floor's process did not start (exit {process.returncode})")
    # Its own clock and samples from here on: none of its CPU is the capture's.
    sampler.ignore.add(process.pid)
    if sampler.clock is not None:
        sampler.clock.leave(process.pid)
    return process


async def _floor_result(process: asyncio.subprocess.Process) -> Run:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(b"go\n")
    await process.stdin.drain()
    lines = (await process.stdout.read()).decode().splitlines()
    if await process.wait() != 0 or not lines or not lines[-1].startswith("{"):
        raise RuntimeError(f"the floor's process failed (exit {process.returncode})")
    return Run(**json.loads(lines[-1]))


async def floor_worker() -> None:
    """The floor of one paired slice, in a process of its own (:func:`run_paired`):
    reads the slice's plans, says ``ready``, and on ``go`` (by then out of the
    capture's control group) makes a clock of its own, replays the plans and prints
    its :class:`Run` as JSON. Its CPU is exact if the capture's is, or it fails."""
    spec = json.loads(sys.stdin.readline())
    print("ready", flush=True)
    sys.stdin.readline()
    clock = CgroupClock.make(f"privacyscan-bench-floor-{os.getpid()}") if spec["exact"] else None
    if spec["exact"] and clock is None:
        raise SystemExit("the floor cannot make a control group of its own: not comparable")
    sampler = TreeSampler(exclude=set(), interval=0.25, pss_interval=2.0, clock=clock)
    sampler.start()
    try:
        options = replace(
            CaptureOptions(
                map_hosts=tuple(spec["map_hosts"]), trust_cert_spki=tuple(spec["trust_cert_spki"])
            ),
            dwell_s=float(spec["dwell_s"]),
        )
        plans = [
            Plan(tuple(first), tuple(tuple(f) for f in followers))
            for first, followers in spec["plans"]
        ]
        run = await run_bare(options, plans, int(spec["concurrency"]), sampler)
    finally:
        sampler.stop()
        if clock is not None:
            clock.close()
    print(json.dumps(asdict(run)), flush=True)


# --------------------------------------------------------------------------- floor


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


async def run_bare(
    options: CaptureOptions,
    plans: Sequence[Plan],
    concurrency: int,
    sampler: TreeSampler,
    budget: int | None = None,
) -> Run:
    """Replay ``plans`` with plain Playwright: ``concurrency`` visitors in flight, or
    0 for the scan's default pace (the same controller, measuring the machine)."""
    errors = 0
    samples: list[tuple[float, int]] = []

    async with async_playwright() as playwright, Pace(fixed=concurrency, budget=budget) as pace:
        slots = pace.slots
        executable = find_browser(options.browser_path).path
        version = await asyncio.to_thread(browser_version, executable)

        async def visitor(urls: Sequence[str], priority: Priority, after_first: list[Plan]) -> None:
            nonlocal errors
            async with slots.slot(priority):
                samples.append((time.monotonic(), slots.in_flight))
                profile = tempfile.mkdtemp(prefix="bench-bare-profile-")
                try:
                    context = await _bare_context(playwright, executable, version, options, profile)
                    page = context.pages[0] if context.pages else await context.new_page()
                    for index, url in enumerate(urls):
                        try:
                            await page.goto(
                                url, wait_until="load", timeout=options.page_timeout_s * 1000
                            )
                        except PlaywrightError:
                            errors += 1
                        await asyncio.sleep(options.dwell_s)
                        if index == 0:
                            for plan in after_first:
                                followers.extend(
                                    asyncio.ensure_future(visitor(plan_urls, Priority.STARTED, []))
                                    for plan_urls in plan.followers
                                )
                    await context.close()
                finally:
                    shutil.rmtree(profile, ignore_errors=True)
            samples.append((time.monotonic(), slots.in_flight))

        followers: list[asyncio.Future[None]] = []

        async def site(plan: Plan) -> None:
            await visitor(plan.first, Priority.NEW, [plan])

        machine0 = machine_busy_s()
        sampler.begin()
        t0 = time.monotonic()
        await asyncio.gather(*(site(plan) for plan in plans))
        await asyncio.gather(*followers)
    wall = time.monotonic() - t0
    window = sampler.end()
    machine = machine_busy_s() - machine0
    area, last_t, last_n, peak = 0.0, t0, 0, 0
    for t, n in samples:
        area += last_n * (t - last_t)
        last_t, last_n, peak = t, n, max(peak, n)
    visits = sum(len(p.first) + sum(len(f) for f in p.followers) for p in plans)
    return Run(
        mode="bare",
        label=str(concurrency or "auto"),
        sites=len(plans),
        pages=visits,
        visits=visits,
        errors=errors,
        wall_s=wall,
        cpu_s=window.cpu_s(),
        cpu_kinds=window.cpu_by_kind(),
        web_cpu_s=window.excluded_cpu_s(),
        others_cpu_s=machine - window.cpu_s() - window.excluded_cpu_s() - window.sampler_s(),
        sampler_cpu_s=window.sampler_s(),
        peak_pss_mb=window.peak_pss / MB if window.pss_readable else None,
        peak_rss_mb=window.peak_rss / MB,
        mean_visitors=area / wall if wall else 0.0,
        max_visitors=peak,
    )


# --------------------------------------------------------------------------- machine


def machine_busy_s() -> float:
    """CPU seconds the whole machine has been busy since boot (all cores)."""
    with open("/proc/stat", encoding="ascii") as fh:
        fields = [int(v) for v in fh.readline().split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


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
        executable = find_browser()
        chromium = f"{browser_version(executable.path)} ({executable.path})"
    except Exception as exc:  # a report line, not a failure
        chromium = f"unknown ({exc})"
    return [
        ("nproc", str(os.cpu_count())),
        ("memory", f"{memory / 1024**3:.1f} GiB"),
        ("cpu", model),
        ("chromium", chromium),
        ("python", platform.python_version()),
        ("load average", " ".join(f"{v:.2f}" for v in os.getloadavg())),
    ]


# --------------------------------------------------------------------------- report


def _fmt(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def report(
    runs: Sequence[Run], paired: Paired | None, budget: int, cores: int, trace: bool
) -> None:
    print()
    header = (
        f"{'mode':<8} {'conc':>5} {'sites':>5} {'pages':>5} {'visits':>6} {'err':>3} "
        f"{'wall s':>7} {'pages/s':>7} {'CPU-s/page':>10} {'CPU-s/visit':>11} "
        f"{'visitors':>9} {'peak PSS MB':>11} {'peak RSS MB':>11} {'web CPU-s':>9} "
        f"{'others':>6}"
    )
    print(header)
    print("-" * len(header))
    for run in runs:
        visitors = f"{run.mean_visitors:.1f}/{run.max_visitors}"
        print(
            f"{run.mode:<8} {run.label:>5} {run.sites:>5} {run.pages:>5} {run.visits:>6} "
            f"{run.errors:>3} {run.wall_s:>7.1f} {run.pages_per_s:>7.3f} "
            f"{run.cpu_per_page:>10.3f} {run.cpu_per_visit:>11.3f} {visitors:>9} "
            f"{_fmt(run.peak_pss_mb, '.0f'):>11} {run.peak_rss_mb:>11.0f} "
            f"{run.web_cpu_s:>9.1f} {run.others_cpu_s / run.wall_s / cores:>6.0%}"
        )
    print()
    print("pages: pages in the results; visits: pages + each refusing/accepting visitor's home")
    print("  page before its click. bare replays the auto run's visits (its pages = visits).")
    print("CPU-s: user+system time of this process, the Playwright driver and every Chromium")
    print("  process (test web and the sampler thread left out): a control group's count where")
    print("  the bench can make one (exact: exited processes too), else /proc samples.")
    print("  visitors: mean/max in flight.")
    print("others: CPU that other programs used during the run, as a share of all cores.")
    if paired is not None:
        label = paired.capture.label
        print(f"{label}.N: slice N of the paired runs (capture and floor at the same time);")
        print(f"  {label}: all. A slice's web CPU is shared by visits, its others' by wall time.")
    auto = next((r for r in runs if r.mode == "capture" and r.label == "auto"), None)
    bare = next((r for r in runs if r.mode == "bare" and not r.label.startswith("p")), None)
    # The ratio: capture and floor side by side, or the floor after the auto run.
    mine, floor = (paired.capture, paired.bare) if paired is not None else (auto, bare)
    print()
    print("CPU-s per visit by process (browser: the browser process and its zygotes; driver:")
    print("  Playwright's node process; python: this process, the sampler thread left out;")
    print("  unsampled: counted by the control group, missed by the /proc samples):")
    print(f"  {'mode':<8} {'conc':>5} " + " ".join(f"{k:>9}" for k in KINDS))
    for run in runs:
        if run.visits:
            parts = " ".join(f"{run.cpu_kinds.get(k, 0.0) / run.visits:>9.3f}" for k in KINDS)
            print(f"  {run.mode:<8} {run.label:>5} {parts}")
    if mine is not None and floor is not None and mine.visits and floor.visits:
        per_visit = [
            mine.cpu_kinds.get(k, 0.0) / mine.visits - floor.cpu_kinds.get(k, 0.0) / floor.visits
            for k in KINDS
        ]
        parts = " ".join(f"{d:>+9.3f}" for d in per_visit)
        print(f"  {'capture - bare':<14} {parts}  ({mine.label})")
    if auto is not None and auto.ticks:
        print()
        print("Pace of the auto run (limit, visitors in flight, machine CPU, tree PSS):")
        step = 1 if trace else max(1, len(auto.ticks) // 20)
        for t, limit, in_flight, cpu, pss in auto.ticks[::step]:
            print(
                f"  t={t:6.1f}s  limit {limit:2}  in flight {in_flight:2}  "
                f"CPU {_fmt(cpu, '.0%'):>4}  PSS {_fmt(pss / MB if pss else None, '.0f'):>5} MB"
            )
    print()
    print("Ground truth (cookies of the manifests and banners.json, per visitor):")
    for run in runs:
        if run.mode != "capture":
            continue
        state = "all found" if not run.missing else f"{len(run.missing)} missing: "
        print(f"  capture {run.label}: {state}{'; '.join(run.missing[:6])}")
    print()
    print("Targets:")
    if auto is not None:
        ok = auto.pages_per_s >= PAGES_TARGET
        print(
            f"  {'PASS' if ok else 'FAIL'}  ≥ {PAGES_TARGET} pages/s end to end at the default"
            f" ({auto.pages_per_s:.2f})"
        )
        if paired is not None:
            ok = paired.ratio <= CPU_RATIO_TARGET
            spread = ", ".join(f"{r:.2f}" for r in paired.slice_ratios)
            print(
                f"  {'PASS' if ok else 'FAIL'}  capture CPU per visit ≤ {CPU_RATIO_TARGET}× the"
                f" bare floor ({paired.ratio:.2f}×: {paired.capture.cpu_per_visit:.3f} vs"
                f" {paired.bare.cpu_per_visit:.3f} CPU-s, at the same time in"
                f" {len(paired.slices)} slices of {paired.capture.sites} sites,"
                f" {paired.capture.label[1:]} visitors in flight each; by slice {spread})"
            )
        elif bare is not None:
            ratio = auto.cpu_per_visit / bare.cpu_per_visit
            ok = ratio <= CPU_RATIO_TARGET
            print(
                f"  {'PASS' if ok else 'FAIL'}  capture CPU per visit ≤ {CPU_RATIO_TARGET}× the"
                f" bare floor ({ratio:.2f}×: {auto.cpu_per_visit:.3f} vs"
                f" {bare.cpu_per_visit:.3f} CPU-s; {auto.mean_visitors:.1f} and"
                f" {bare.mean_visitors:.1f} visitors in flight on average)"
            )
        if auto.peak_pss_mb is not None:
            ok = auto.peak_pss_mb * MB <= budget
            print(
                f"  {'PASS' if ok else 'FAIL'}  peak memory within the budget of"
                f" {format_size(budget)} (PSS {auto.peak_pss_mb:.0f} MB, RSS"
                f" {auto.peak_rss_mb:.0f} MB)"
            )
        per_site = 1 + 2 * NATIONAL_BANNER_SHARE
        pages = NATIONAL_SITES * NATIONAL_PAGES * per_site
        print()
        print(
            f"Projection: the national scan, {NATIONAL_SITES} sites × {NATIONAL_PAGES} pages ×"
            f" {per_site:.1f} visitors (half the sites with a banner) = {pages:,.0f} pages:"
        )
        for run in runs:
            if run.mode == "capture" and not run.label.startswith("p"):
                hours = pages / run.pages_per_s / 3600
                print(f"  at capture {run.label:>4}'s {run.pages_per_s:.2f} pages/s: {hours:.1f} h")


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--copies", type=int, default=4, help="clones of each of the 20 sites")
    parser.add_argument(
        "--concurrency", default="1,2,4,8", help="fixed concurrencies for the table (or '')"
    )
    parser.add_argument(
        "--sites-per-visitor",
        type=int,
        default=2,
        help="a fixed-concurrency run scans N × this many sites (default 2)",
    )
    parser.add_argument("--dwell", type=float, default=4.0, help="seconds on a page after load")
    parser.add_argument("--max-pages", type=int, default=10, help="pages per site (default 10)")
    parser.add_argument("--budget", default=None, help="memory budget, e.g. 4G (default: half RAM)")
    parser.add_argument(
        "--bare",
        choices=["paired", "auto", "mean", "none"],
        default="paired",
        help="the floor and the capture at the same time, slice by slice, each at half the"
        " auto run's mean concurrency (paired, the default), the floor once at the default"
        " pace (auto) or at the auto run's mean concurrency (mean), or not at all",
    )
    parser.add_argument(
        "--slices", type=int, default=4, help="slices of the paired runs (default 4)"
    )
    parser.add_argument(
        "--pair-sites",
        type=int,
        default=None,
        help="sites the paired runs cover, the first ones (default: all)",
    )
    parser.add_argument("--no-auto", action="store_true", help="skip the default-pace run")
    parser.add_argument("--trace", action="store_true", help="print every pace measurement")
    args = parser.parse_args(argv)
    try:
        args.concurrency = [int(c) for c in str(args.concurrency).split(",") if c.strip()]
    except ValueError:
        parser.error("--concurrency: expected integers, e.g. 1,2,4,8")
    if (
        any(c < 1 for c in args.concurrency)
        or min(args.copies, args.sites_per_visitor, args.slices) < 1
        or (args.pair_sites is not None and args.pair_sites < 1)
    ):
        parser.error(
            "--concurrency, --copies, --sites-per-visitor, --slices and --pair-sites must be"
            " positive"
        )
    args.budget = parse_size(args.budget) if args.budget else default_memory_budget()
    return args


async def main_async(args: argparse.Namespace) -> None:
    print("Machine:")
    for name, value in machine():
        print(f"  {name:<20} {value}")
    workdir = Path(tempfile.mkdtemp(prefix="privacyscan-bench-"))
    sites = build(workdir / "web", args.copies)
    banners = sum(1 for s in sites if s.template.banner)
    server, port, spki = start_test_web(workdir / "web" / "hosts")
    # Made after the test web started: its server stays out of the clock's group.
    clock = CgroupClock.make()
    print(
        f"  {'CPU time':<20} "
        + (
            f"exact, from the control group {clock.path}"
            if clock is not None
            else "sampled from /proc only (no control group of our own: not root?)"
        )
    )
    sampler = TreeSampler(exclude={server.pid}, interval=0.25, pss_interval=2.0, clock=clock)
    sampler.start()
    LoadMeter().sample()  # warm the page cache for /proc reads
    try:
        options = replace(
            CaptureOptions(map_hosts=(f"*=127.0.0.1:{port}",), trust_cert_spki=(spki,)),
            dwell_s=args.dwell,
        )
        print(
            f"Generated web on 127.0.0.1:{port}: {len(sites)} sites ({banners} with a banner),"
            f" dwell {args.dwell:g} s, max {args.max_pages} pages, budget"
            f" {format_size(args.budget)}"
        )
        # Warm the disk cache and Chromium's first start: not measured.
        await run_bare(replace(options, dwell_s=0.0), [Plan((sites[0].site.url,), ())], 1, sampler)
        settings = ScanSettings(max_pages=args.max_pages, memory_budget=args.budget)
        runs: list[Run] = []
        paired: Paired | None = None

        def done(run: Run) -> None:
            runs.append(run)
            print(
                f"  {run.mode} {run.label}: {run.sites} sites, {run.pages} pages in"
                f" {run.wall_s:.0f} s = {run.pages_per_s:.2f} pages/s,"
                f" {run.cpu_per_page:.3f} CPU-s/page, visitors {run.mean_visitors:.1f}"
                f"/{run.max_visitors}, peak PSS {_fmt(run.peak_pss_mb, '.0f')} MB,"
                f" others {run.others_cpu_s / run.wall_s / (os.cpu_count() or 1):.0%},"
                f" load {os.getloadavg()[0]:.1f}",
                flush=True,
            )

        if not args.no_auto:
            run, plans = await run_capture("auto", options, settings, sites, sampler, workdir)
            done(run)
            if args.bare == "paired":
                count = args.pair_sites or len(sites)
                paired = await run_paired(
                    options,
                    settings,
                    sites[:count],
                    plans[:count],
                    # Half each: the two sides together load the machine as the auto run.
                    max(1, round(run.mean_visitors / 2)),
                    args.slices,
                    sampler,
                    workdir,
                    on_run=done,
                )
                runs.extend((paired.capture, paired.bare))
            elif args.bare != "none":
                fixed = 0 if args.bare == "auto" else max(1, round(run.mean_visitors))
                done(await run_bare(options, plans, fixed, sampler, args.budget))
        for concurrency in args.concurrency:
            subset = sites[: min(len(sites), concurrency * args.sites_per_visitor)]
            run, _ = await run_capture(
                str(concurrency),
                options,
                replace(settings, concurrency=concurrency),
                subset,
                sampler,
                workdir,
            )
            done(run)
        report(runs, paired, args.budget, os.cpu_count() or 1, args.trace)
    finally:
        sampler.stop()
        if clock is not None:
            clock.close()
        if server.stdin is not None:
            server.stdin.close()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv == [FLOOR_WORKER]:
        asyncio.run(floor_worker())
        return 0
    asyncio.run(main_async(parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
