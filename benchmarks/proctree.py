"""CPU time and memory of this process's whole tree, sampled from ``/proc`` in a thread.

CPU: ``utime + stime`` of every process below this one (this Python process, the
Playwright driver, every Chromium process), every ``interval`` seconds, keeping the
last value per (pid, start time) since processes exit; what a process burns
between its last sample and its exit is missed (at most one interval of its life).
With a :class:`CgroupClock` the total is the kernel's count instead (exact, exited
processes included) and the samples only split it by process kind.
Memory: the sum of PSS (``smaps_rollup``; shared pages divided among the processes
that map them) and of RSS over the tree, every ``pss_interval`` seconds, maximum
over the samples. Reading PSS walks each process's page tables (about 2 ms per
Chromium process), so it is sampled less often than CPU; the sampler thread's own
CPU time is measured and left out of the figures. Processes in ``exclude`` (the
test web) and their descendants are left out, their CPU counted apart; processes in
``ignore`` (the benchmark's other side, which measures itself) are left out altogether.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from dataclasses import dataclass, field

TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
MB = 1024.0 * 1024.0


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


KINDS = (
    "browser",
    "renderer",
    "gpu",
    "network",
    "utility",
    "driver",
    "python",
    "other",
    "unsampled",
)
"""Process kinds of the CPU split: Chromium's by ``--type=`` (``browser``: the browser
process and its zygotes; ``utility``: utility processes but the network service), the
Playwright driver (node), this process (``python``: the scanner, its recording,
classification and store); ``unsampled``: what the :class:`CgroupClock` counted and
the samples missed (processes' last moments before they exited), 0 without a clock."""


def process_kind(pid: int, root: int) -> str:
    """What ``pid`` is, from its command line."""
    return read_kind(pid, root)[0]


def read_kind(pid: int, root: int) -> tuple[str, bool]:
    """:func:`process_kind` and whether it is final. A process the zygote has just
    forked still shows the zygote's command line until it renames itself (a renderer
    to ``--type=renderer``): it counts as the browser's for now and is read again."""
    if pid == root:
        return "python", True
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            argv = fh.read().split(b"\0")
    except OSError:
        return "other", True
    line = b" ".join(argv)
    if b"--type=renderer" in line:
        return "renderer", True
    if b"--type=gpu-process" in line:
        return "gpu", True
    if b"--type=utility" in line:
        return ("network" if b"network.mojom" in line else "utility"), True
    if b"--type=zygote" in line:  # forks the renderers: part of running the browser
        return "browser", False
    name = os.path.basename(argv[0]) if argv else b""
    if name.startswith(b"node") or b"/driver/" in argv[0]:
        return "driver", True
    if b"chrom" in name:
        return "browser", True
    return ("python" if name.startswith(b"python") else "other"), True


def read_pss(pid: int) -> int | None:
    """Proportional set size in bytes; 0 for a process gone, ``None`` if unreadable."""
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
    kinds: dict[tuple[int, int], str] = field(default_factory=dict)
    """Each process's kind (:func:`read_kind`), as last read."""
    peak_rss: int = 0
    peak_pss: int = 0
    pss_readable: bool = True
    peak_procs: int = 0
    samples: int = 0
    excluded_ticks0: int = 0
    excluded_ticks1: int = 0
    sampler_s0: float = 0.0
    sampler_s1: float = 0.0
    exact_s0: float | None = None
    exact_s1: float | None = None
    """The :class:`CgroupClock` at the window's start and end, if there is one."""

    def cpu_s(self) -> float:
        """CPU seconds of the tree in the window, the sampler thread's own left out:
        the clock's if there is one, else the samples'."""
        if self.exact_s0 is not None and self.exact_s1 is not None:
            return self.exact_s1 - self.exact_s0 - self.sampler_s()
        return self.sampled_cpu_s()

    def sampled_cpu_s(self) -> float:
        """CPU seconds of the tree in the window as the samples saw it."""
        ticks = sum(v - self.baseline.get(k, 0) for k, v in self.last.items())
        return ticks / TICKS - self.sampler_s()

    @property
    def exact(self) -> bool:
        return self.exact_s0 is not None and self.exact_s1 is not None

    def cpu_by_kind(self) -> dict[str, float]:
        """:meth:`cpu_s` split by process kind (:data:`KINDS`); the sampler thread's
        own CPU is left out of ``python``, the kind it runs in."""
        out = dict.fromkeys(KINDS, 0.0)
        for key, value in self.last.items():
            kind = self.kinds.get(key, "other")
            out[kind] += (value - self.baseline.get(key, 0)) / TICKS
        out["python"] -= self.sampler_s()
        out["unsampled"] = self.cpu_s() - self.sampled_cpu_s()
        return out

    def sampler_s(self) -> float:
        """CPU seconds the sampler thread spent measuring during the window."""
        return self.sampler_s1 - self.sampler_s0

    def excluded_cpu_s(self) -> float:
        """CPU seconds of the excluded processes (the test web) in the window."""
        return (self.excluded_ticks1 - self.excluded_ticks0) / TICKS


class TreeSampler:
    """Samples the process tree of this process in a thread (see the module)."""

    def __init__(
        self,
        exclude: set[int],
        interval: float = 0.2,
        pss_interval: float = 1.0,
        clock: CgroupClock | None = None,
    ) -> None:
        self.root = os.getpid()
        self.clock = clock
        """Exact CPU of the tree (the excluded processes must be outside its group)."""
        self.exclude = exclude
        self.ignore: set[int] = set()
        """Processes (and their descendants) left out of the tree and of ``exclude``'s
        count: they measure themselves (and must be outside the clock's group)."""
        self.interval = interval
        self.pss_interval = pss_interval
        self._lock = threading.Lock()
        self._window: Window | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="tree-sampler", daemon=True)
        self._next_pss = 0.0
        self._kinds: dict[tuple[int, int], str] = {}
        """Final kinds (:func:`read_kind`): a process's command line is read until its
        kind is final, then never again."""
        self.native_id = 0

    def start(self) -> None:
        self._thread.start()
        while not self.native_id:
            time.sleep(0.01)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def own_cpu_s(self) -> float:
        stat = read_stat(self.root, str(self.native_id))
        return stat.ticks / TICKS if stat else 0.0

    def excluded_ticks(self) -> int:
        stats = all_stats()
        return sum(s.ticks for pid in self.exclude for s in descendants(stats, pid, set()))

    def begin(self) -> None:
        window = Window()
        for stat in descendants(all_stats(), self.root, self.exclude | self.ignore):
            window.baseline[(stat.pid, stat.start)] = stat.ticks
        window.excluded_ticks0 = self.excluded_ticks()
        window.sampler_s0 = self.own_cpu_s()
        window.exact_s0 = self.clock.usage_s() if self.clock is not None else None
        with self._lock:
            self._window = window
            self._next_pss = 0.0
        self.sample()

    def end(self) -> Window:
        with self._lock:
            self._next_pss = 0.0
        self.sample()
        with self._lock:
            window, self._window = self._window, None
        assert window is not None
        window.excluded_ticks1 = self.excluded_ticks()
        window.sampler_s1 = self.own_cpu_s()
        window.exact_s1 = self.clock.usage_s() if self.clock is not None else None
        return window

    def sample(self) -> None:
        tree = descendants(all_stats(), self.root, self.exclude | self.ignore)
        now = time.monotonic()
        with self._lock:
            want_pss = now >= self._next_pss
            if want_pss:
                self._next_pss = now + self.pss_interval
        rss = sum(stat.rss for stat in tree)
        pss = 0
        pss_ok = True
        if want_pss:
            for stat in tree:
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
                key = (stat.pid, stat.start)
                window.last[key] = stat.ticks
                known = self._kinds.get(key)
                if known is None:
                    kind, final = read_kind(stat.pid, self.root)
                    if final:
                        self._kinds[key] = kind
                    window.kinds[key] = kind
                else:
                    window.kinds[key] = known
            window.samples += 1
            window.peak_rss = max(window.peak_rss, rss)
            if want_pss:
                window.peak_pss = max(window.peak_pss, pss)
                window.pss_readable = window.pss_readable and pss_ok
            window.peak_procs = max(window.peak_procs, len(tree))

    def _loop(self) -> None:
        self.native_id = threading.get_native_id()
        while not self._stop.wait(self.interval):
            self.sample()


CGROUP_V2 = "/sys/fs/cgroup"
CGROUP_V1_CPUACCT = "/sys/fs/cgroup/cpuacct"


class CgroupClock:
    """Exact CPU seconds of this process and every process it starts, exited ones
    included: a control group of its own (the kernel adds up each task's time in it,
    to the nanosecond, until the task exits). The sampler misses what a process burns
    after its last sample (up to one interval of each, and a visitor's Chromium starts
    and ends a dozen processes) and any process that leaves the tree (reparented to
    init); the clock misses nothing. Made only where this process may make a group
    (root, with cgroup v2 or v1's ``cpuacct`` mounted writable); :meth:`make` says
    ``None`` otherwise, and the figures are the sampler's.
    """

    def __init__(self, path: str, usage_file: str, parent: str) -> None:
        self.path = path
        self._usage_file = usage_file
        self._parent = parent

    @classmethod
    def make(cls, name: str | None = None) -> CgroupClock | None:
        """Move this process into a new group of its own; ``None`` if it cannot."""
        name = name or f"privacyscan-bench-{os.getpid()}"
        own_v2 = _own_group("")
        own_v1 = _own_group("cpuacct")
        candidates = []
        if own_v2 is not None:  # v2: cpu.stat counts in every group, no controller needed
            for root in (CGROUP_V2, os.path.join(CGROUP_V2, "unified")):
                if os.path.exists(os.path.join(root, "cgroup.procs")):
                    candidates.append((os.path.join(root, own_v2.lstrip("/")), "cpu.stat"))
                    break
        if own_v1 is not None:
            candidates.append(
                (os.path.join(CGROUP_V1_CPUACCT, own_v1.lstrip("/")), "cpuacct.usage")
            )
        for parent, usage_file in candidates:
            path = os.path.join(parent, name)
            try:
                os.makedirs(path, exist_ok=True)
                with open(os.path.join(path, "cgroup.procs"), "w", encoding="ascii") as fh:
                    fh.write(str(os.getpid()))
                clock = cls(path, usage_file, parent)
                clock.usage_s()
            except OSError:
                _rmdir(path)
                continue
            return clock
        return None

    def usage_s(self) -> float:
        """CPU seconds (user + system) of every task that ran in the group so far."""
        with open(os.path.join(self.path, self._usage_file), encoding="ascii") as fh:
            text = fh.read()
        if self._usage_file == "cpu.stat":
            for line in text.splitlines():
                key, _, value = line.partition(" ")
                if key == "usage_usec":
                    return int(value) / 1e6
            raise OSError(f"no usage_usec in {self.path}/cpu.stat")
        return int(text) / 1e9

    def leave(self, pid: int) -> None:
        """Take ``pid`` (and the children it starts from now on) out of the group."""
        with open(os.path.join(self._parent, "cgroup.procs"), "w", encoding="ascii") as fh:
            fh.write(str(pid))

    def close(self) -> None:
        """Back to the parent group, and the group removed (once it is empty)."""
        with contextlib.suppress(OSError):
            self.leave(os.getpid())
        _rmdir(self.path)


def _own_group(controller: str, table: str | None = None) -> str | None:
    """This process's group in the v2 hierarchy (``""``) or under a v1 controller,
    from ``/proc/self/cgroup`` (or ``table``, text in its format)."""
    if table is None:
        try:
            with open("/proc/self/cgroup", encoding="ascii") as fh:
                table = fh.read()
        except OSError:
            return None
    for line in table.splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):  # v1 may mount "cpu,cpuacct" as one
            return path
    return None


def _rmdir(path: str) -> None:
    with contextlib.suppress(OSError):
        os.rmdir(path)
