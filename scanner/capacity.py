"""How many visitors a scan keeps in flight: measured on the machine, not guessed.

A visitor spends most of its time waiting (the dwell after ``load``, a quiet
network), so a scan's speed comes from overlap: as many visitors at once as the
machine can carry. While a scan runs, :class:`Pace` measures every two seconds the
CPU use of the whole machine (``/proc/stat``) and the memory of the scan's own
process tree (PSS: this process, the Playwright driver and every Chromium, shared
pages divided among the processes that map them), and :class:`Controller` turns
that into a limit: one visitor more while the CPU has headroom and the memory
budget has room for another, one fewer while the CPU is saturated, and no new
visitor while memory is near the budget. ``--concurrency N`` fixes the limit.

:class:`Slots` hands the limit out; visitors of sites already started (the
refusing and accepting visitors, a retry) go before the first visitor of a new
site, so that started sites finish and are saved first.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import heapq
import itertools
import os
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from enum import IntEnum
from types import TracebackType
from typing import Self

from .errors import ConfigError

MiB = 1024 * 1024
GiB = 1024 * MiB


class Priority(IntEnum):
    """Who gets the next free slot: lower first, then first come, first served."""

    STARTED = 0
    """A visitor of a site already being scanned (refuse, accept, a retry)."""
    NEW = 1
    """The first visitor of a site not started yet."""


# --------------------------------------------------------------------------- sizes


def physical_memory() -> int:
    """Bytes of RAM (2 GiB if the system does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 2 * GiB


def default_memory_budget() -> int:
    """Half of the machine's RAM: the scan's whole process tree stays within it."""
    return physical_memory() // 2


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?\s*$", re.IGNORECASE)
_UNITS = {"": MiB, "K": 1024, "M": MiB, "G": GiB, "T": 1024 * GiB}


def parse_size(text: str) -> int:
    """``4G``, ``1500M``, ``2.5GiB`` → bytes; a bare number is MiB."""
    match = _SIZE.match(text)
    if not match:
        raise ConfigError(f"{text!r} is not a memory size; use e.g. 4G or 1500M")
    value = float(match.group(1)) * _UNITS[match.group(2).upper()]
    if value < 256 * MiB:
        raise ConfigError(f"{text!r}: a memory budget below 256M cannot hold one browser")
    return int(value)


def format_size(value: int) -> str:
    """Bytes as ``3.2G`` or ``750M``: what :func:`parse_size` reads back."""
    return f"{value / GiB:.1f}G" if value >= GiB else f"{value // MiB}M"


# --------------------------------------------------------------------------- measuring


@dataclass(frozen=True, slots=True)
class Load:
    """One measurement; ``None`` where the system does not tell (not Linux)."""

    cpu_busy: float | None
    """Share of all cores busy since the previous measurement, the whole machine."""
    tree_pss: int | None
    """PSS bytes of this process and all its descendants (see :class:`LoadMeter`)."""
    available: int | None
    """``MemAvailable``: what the machine can still give without swapping."""
    pss_measured: bool = True
    """Whether ``tree_pss`` was read from ``smaps_rollup`` now, or scaled from the
    resident memory since the last reading."""


class LoadMeter:
    """Reads ``/proc``: the machine's CPU, the process tree's PSS, available memory.

    PSS (``/proc/PID/smaps_rollup``) costs a walk of each process's page tables,
    about 2 ms per Chromium process; a scan with 15 browsers has 100 processes. So a
    full reading is taken every few samples and, in between, the tree's anonymous
    and shared-memory resident sizes (``/proc/PID/status``, cheap) are scaled by the
    PSS/resident ratio of the last full reading.
    """

    def __init__(self, root: int | None = None, proc: str = "/proc") -> None:
        self.root = root or os.getpid()
        self.proc = proc
        self._last_cpu: tuple[int, int] | None = None
        self._ratio: float | None = None

    def sample(self, *, full: bool = True) -> Load:
        """Measure now (blocking, a few ms; run it in a thread). ``full``: read PSS."""
        pids = self.descendants()
        resident = self._resident(pids) if pids else None
        pss: int | None = None
        measured = full or self._ratio is None or resident is None
        if measured:
            pss = self._tree_pss(pids) if pids else None
            if pss is not None and resident:
                self._ratio = pss / resident
        elif resident is not None and self._ratio is not None:
            pss = int(resident * self._ratio)
        return Load(self._cpu_busy(), pss, self._available(), pss_measured=measured)

    def _cpu_busy(self) -> float | None:
        try:
            with open(f"{self.proc}/stat", encoding="ascii") as fh:
                fields = [int(v) for v in fh.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        # user nice system idle iowait irq softirq steal (guest time is within user)
        total = sum(fields[:8])
        busy = total - fields[3] - (fields[4] if len(fields) > 4 else 0)
        last, self._last_cpu = self._last_cpu, (busy, total)
        if last is None or total <= last[1]:
            return None
        return max(0.0, min(1.0, (busy - last[0]) / (total - last[1])))

    def descendants(self) -> list[int]:
        """This process and every process below it (none if ``/proc`` is missing)."""
        children: dict[int, list[int]] = {}
        try:
            names = os.listdir(self.proc)
        except OSError:
            return []
        for name in names:
            if not name.isdigit():
                continue
            try:
                with open(f"{self.proc}/{name}/stat", "rb") as fh:
                    raw = fh.read()
                ppid = int(raw[raw.rfind(b")") + 2 :].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(name))
        found: list[int] = []
        todo = [self.root]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo.extend(children.get(pid, ()))
        return found

    def _tree_pss(self, pids: list[int]) -> int | None:
        total = 0
        for pid in pids:
            try:
                with open(f"{self.proc}/{pid}/smaps_rollup", "rb") as fh:
                    for line in fh:
                        if line.startswith(b"Pss:"):
                            total += int(line.split()[1]) * 1024
                            break
            except (FileNotFoundError, ProcessLookupError):
                continue  # exited meanwhile
            except (OSError, ValueError):
                return None
        return total

    def _resident(self, pids: list[int]) -> int | None:
        """Sum of ``RssAnon`` + ``RssShmem``: memory no other program shares with us."""
        total = 0
        for pid in pids:
            try:
                with open(f"{self.proc}/{pid}/status", "rb") as fh:
                    for line in fh:
                        if line.startswith((b"RssAnon:", b"RssShmem:")):
                            total += int(line.split()[1]) * 1024
            except (FileNotFoundError, ProcessLookupError):
                continue
            except (OSError, ValueError):
                return None
        return total

    def _available(self) -> int | None:
        try:
            with open(f"{self.proc}/meminfo", encoding="ascii") as fh:
                for line in fh:
                    if line.startswith("MemAvailable:"):
                        return int(line.split()[1]) * 1024
        except (OSError, ValueError):
            return None
        return None


# --------------------------------------------------------------------------- deciding


@dataclass(frozen=True, slots=True)
class Policy:
    """The controller's knobs. Defaults are for a scan: a visitor is mostly waiting."""

    budget: int
    """PSS bytes the scan's process tree must stay within."""
    start: int = 2
    floor: int = 1
    """Fewest visitors: memory pressure may go down to this."""
    cpu_floor: int = 2
    """Fewest visitors CPU pressure alone goes down to: a busy CPU only slows pages
    down, and a site's first visitor and a following one keep going side by side."""
    ceiling: int = 64
    cpu_target: float = 0.75
    """Add visitors while the machine's CPU use (smoothed) is below this: two at a
    time while it is below half of it."""
    cpu_limit: float = 0.90
    """Take one away while it is above this."""
    hold: int = 1
    """Measurements to wait after adding visitors before adding more: a new visitor's
    CPU (browser start, first page) shows only a few seconds later."""
    memory_margin: float = 0.85
    """Admit visitors only while the tree is below this share of the budget."""
    visitor_guess: int = 300 * MiB
    """PSS of one visitor until it has been measured."""
    reserve: int = 512 * MiB
    """Start no visitor while the machine has less than this available."""
    smoothing: float = 0.5
    """Weight of the newest CPU measurement in the moving average."""


class Controller:
    """Additive increase, back-off on CPU saturation and memory pressure. Pure logic:
    :meth:`update` takes a measurement and returns the new limit."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.limit = max(policy.floor, min(policy.start, policy.ceiling))
        self.cpu: float | None = None
        """Smoothed CPU use of the machine."""
        self.base: int | None = None
        """PSS of the tree without visitors (this process and the driver)."""
        self.per_visitor = policy.visitor_guess
        """PSS of one visitor: the largest measured lately, else the guess."""
        self._recent: list[int] = []
        self._held = 0

    def memory_cap(self) -> int:
        """The most visitors the budget holds at the current per-visitor PSS."""
        room = self.policy.budget * self.policy.memory_margin - (self.base or 0)
        return max(self.policy.floor, int(room // max(self.per_visitor, 1)))

    def update(self, load: Load, in_flight: int, waiting: int) -> int:
        """The new limit after measuring ``load`` with ``in_flight`` visitors running
        and ``waiting`` more wanting to start."""
        policy = self.policy
        pss = load.tree_pss
        if pss is not None:
            if in_flight == 0:
                self.base = pss if self.base is None else min(self.base, pss)
            elif self.base is not None:
                # The largest per-visitor PSS of the last ten measurements: a visitor's
                # memory peaks on heavy pages, and the budget must hold that.
                self._recent = [*self._recent[-9:], (pss - self.base) // in_flight]
                self.per_visitor = max(max(self._recent), 64 * MiB)
        if load.cpu_busy is not None:
            self.cpu = (
                load.cpu_busy
                if self.cpu is None
                else policy.smoothing * load.cpu_busy + (1 - policy.smoothing) * self.cpu
            )
        limit = self.limit
        memory_tight = (pss is not None and pss >= policy.budget * policy.memory_margin) or (
            load.available is not None and load.available < policy.reserve
        )
        if memory_tight:
            limit = min(limit, in_flight - 1)
        elif self.cpu is not None and self.cpu > policy.cpu_limit:
            limit = max(min(limit, policy.cpu_floor), limit - 1)
        elif self._held > 0:
            self._held -= 1
        elif (
            self.cpu is not None
            and self.cpu < policy.cpu_target
            and (load.cpu_busy is None or load.cpu_busy < policy.cpu_limit)
            and waiting > 0
            and in_flight >= limit
        ):
            limit += min(waiting, 2 if self.cpu < policy.cpu_target / 2 else 1)
            self._held = policy.hold
        if pss is not None:
            limit = min(limit, self.memory_cap())
        self.limit = max(policy.floor, min(limit, policy.ceiling))
        return self.limit


# --------------------------------------------------------------------------- slots


class Slots:
    """A semaphore whose size can change, with priorities (see :class:`Priority`)."""

    def __init__(self, limit: int) -> None:
        self._limit = max(1, limit)
        self.in_flight = 0
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    @property
    def limit(self) -> int:
        """Slots that may be taken at once."""
        return self._limit

    @limit.setter
    def limit(self, value: int) -> None:
        self._limit = max(1, value)
        self._wake()

    @property
    def waiting(self) -> int:
        """Visitors waiting for a slot."""
        return sum(1 for _, _, future in self._waiters if not future.done())

    @contextlib.asynccontextmanager
    async def slot(self, priority: Priority = Priority.NEW) -> AsyncIterator[None]:
        """Hold one slot for the duration of the block."""
        await self._acquire(priority)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, priority: Priority) -> None:
        if self.in_flight < self._limit and not self.waiting:
            self.in_flight += 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (int(priority), next(self._order), future))
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self._release()  # granted, then cancelled before it could run
            raise

    def _release(self) -> None:
        self.in_flight -= 1
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self.in_flight < self._limit:
            _, _, future = heapq.heappop(self._waiters)
            if not future.done():
                self.in_flight += 1
                future.set_result(None)


# --------------------------------------------------------------------------- pace


@dataclass(frozen=True, slots=True)
class Tick:
    """What the pace loop saw and decided, for the progress display and the benchmark."""

    at: float
    """``time.monotonic()``."""
    limit: int
    in_flight: int
    waiting: int
    load: Load


class Pace:
    """Slots plus, unless the limit is fixed, the loop that measures and adapts it.

    ``async with Pace(...)``: the loop runs inside the block. ``fixed`` > 0 keeps the
    limit at that number (``--concurrency N``) and measures nothing.
    """

    def __init__(
        self,
        *,
        fixed: int = 0,
        budget: int | None = None,
        interval_s: float = 2.0,
        full_every: int = 5,
        meter: LoadMeter | None = None,
        on_tick: Callable[[Tick], None] | None = None,
    ) -> None:
        self.fixed = fixed
        self.policy = Policy(budget=budget or default_memory_budget())
        self.controller = Controller(self.policy)
        self.slots = Slots(fixed if fixed > 0 else self.controller.limit)
        self.interval_s = interval_s
        self.full_every = max(1, full_every)
        self.meter = meter or LoadMeter()
        self.on_tick = on_tick
        self._task: asyncio.Task[None] | None = None

    @property
    def adaptive(self) -> bool:
        """Whether the limit follows the machine."""
        return self.fixed <= 0

    def slot(self, priority: Priority) -> contextlib.AbstractAsyncContextManager[None]:
        """Hold a visitor slot for the duration of the block."""
        return self.slots.slot(priority)

    async def __aenter__(self) -> Self:
        if self.adaptive:
            # Before any visitor: the tree's own PSS, and the CPU counters to diff against.
            load = await asyncio.to_thread(self.meter.sample)
            self.controller.update(load, 0, 0)
            if load.tree_pss is None and load.available is None:
                # Nothing to measure (no /proc): one visitor per core, as fixed.
                self.fixed = self.slots.limit = max(2, min(os.cpu_count() or 1, 8))
                return self
            self._task = asyncio.create_task(self._loop())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        for count in itertools.count(1):
            await asyncio.sleep(self.interval_s)
            full = count % self.full_every == 0
            try:
                load = await asyncio.to_thread(functools.partial(self.meter.sample, full=full))
            except Exception:  # measuring must never stop a scan
                continue
            slots = self.slots
            slots.limit = self.controller.update(load, slots.in_flight, slots.waiting)
            if self.on_tick is not None:
                self.on_tick(
                    Tick(time.monotonic(), slots.limit, slots.in_flight, slots.waiting, load)
                )
