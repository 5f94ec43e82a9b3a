"""Concurrency that follows the machine: the controller's decisions, the slots, the meter."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from scanner.capacity import (
    Controller,
    GiB,
    Load,
    LoadMeter,
    MiB,
    Pace,
    Policy,
    Priority,
    Slots,
    format_size,
    parse_size,
)
from scanner.errors import ConfigError

POLICY = Policy(budget=4 * GiB, start=2, visitor_guess=300 * MiB)


def _load(cpu: float | None, pss_mib: int | None = None, available: int | None = None) -> Load:
    return Load(cpu, None if pss_mib is None else pss_mib * MiB, available)


def _settled(controller: Controller, load: Load, in_flight: int, waiting: int, ticks: int) -> int:
    """The limit after ``ticks`` measurements, with every slot taken up to ``in_flight``."""
    limit = controller.limit
    for _ in range(ticks):
        limit = controller.update(load, min(in_flight, limit), waiting)
    return limit


def test_adds_visitors_every_other_measurement_while_the_cpu_has_headroom() -> None:
    controller = Controller(POLICY)
    limits = [controller.update(_load(0.5), 10, 10) for _ in range(6)]
    assert limits == [3, 3, 4, 4, 5, 5], "one at a time, then wait a measurement"


def test_adds_two_at_a_time_while_the_cpu_is_mostly_idle() -> None:
    controller = Controller(POLICY)
    assert [controller.update(_load(0.2), 10, 10) for _ in range(4)] == [4, 4, 6, 6]
    assert controller.update(_load(0.2), 10, 1) == 7, "never more than are waiting"


def test_no_increase_without_visitors_waiting_or_while_slots_are_free() -> None:
    controller = Controller(POLICY)
    assert controller.update(_load(0.1), 2, 0) == 2, "nobody waits: no reason to grow"
    assert controller.update(_load(0.1), 1, 5) == 2, "a slot is free: the limit is not the bound"


def test_backs_off_while_the_cpu_is_saturated_but_not_below_two() -> None:
    controller = Controller(replace_policy(start=6))
    limits = [controller.update(_load(1.0), 6, 10) for _ in range(8)]
    assert limits == [5, 4, 3, 2, 2, 2, 2, 2]


def test_holds_between_target_and_limit() -> None:
    controller = Controller(replace_policy(start=5))
    assert _settled(controller, _load(0.82), 5, 10, 5) == 5


def test_a_single_spike_holds_the_limit_without_backing_off() -> None:
    controller = Controller(replace_policy(start=5, hold=0))
    assert controller.update(_load(0.4), 5, 10) == 6
    # Smoothed 0.5·1.0 + 0.5·0.4 = 0.7: below the target, but the CPU was just saturated.
    assert controller.update(_load(1.0), 6, 10) == 6
    assert controller.update(_load(0.4), 6, 10) == 7


def test_memory_budget_caps_the_limit_at_the_measured_size_of_a_visitor() -> None:
    budget = 2 * GiB
    controller = Controller(Policy(budget=budget, start=2))
    controller.update(_load(None, 200), 0, 0)
    # Each visitor takes 250 MiB over the base; room = 0.85·2048 − 200 MiB.
    limit = controller.limit
    for _ in range(20):
        limit = controller.update(_load(0.2, 200 + 250 * limit), limit, 50)
    assert controller.per_visitor == 250 * MiB
    assert limit == int((0.85 * budget - 200 * MiB) // (250 * MiB)) == 6


def test_memory_near_the_budget_stops_new_visitors_at_once() -> None:
    controller = Controller(replace_policy(start=8))
    controller.update(_load(None, 100), 0, 0)
    limit = controller.update(_load(0.2, int(0.9 * 4096)), 8, 10)
    assert limit == 7, "no new visitor until running ones end"


def test_little_memory_left_on_the_machine_stops_new_visitors() -> None:
    controller = Controller(replace_policy(start=4))
    assert controller.update(_load(0.2, None, available=100 * MiB), 4, 10) == 3


def test_never_above_the_ceiling_nor_below_the_floor() -> None:
    controller = Controller(replace_policy(start=3, ceiling=4))
    assert _settled(controller, _load(0.0), 100, 100, 10) == 4
    controller = Controller(replace_policy(start=1))
    assert controller.update(_load(None, 4096), 0, 5) == 1


def test_without_measurements_the_limit_stays_where_it_started() -> None:
    controller = Controller(POLICY)
    assert _settled(controller, Load(None, None, None), 2, 10, 5) == 2


def replace_policy(**changes: int) -> Policy:
    from dataclasses import replace

    return replace(POLICY, **changes)


# -- slots -------------------------------------------------------------------------


def test_slots_give_started_sites_priority_and_follow_the_limit() -> None:
    async def run() -> list[str]:
        slots = Slots(1)
        order: list[str] = []
        release = asyncio.Event()

        async def visitor(name: str, priority: Priority) -> None:
            async with slots.slot(priority):
                order.append(name)
                await release.wait()

        first = asyncio.create_task(visitor("site1", Priority.NEW))
        await asyncio.sleep(0)
        waiting = [
            asyncio.create_task(visitor("site2", Priority.NEW)),
            asyncio.create_task(visitor("site1-reject", Priority.STARTED)),
            asyncio.create_task(visitor("site1-accept", Priority.STARTED)),
        ]
        await asyncio.sleep(0)
        assert slots.in_flight == 1 and slots.waiting == 3
        slots.limit = 3  # the controller grows the limit: two waiters start at once
        await asyncio.sleep(0)
        assert slots.in_flight == 3
        release.set()
        await asyncio.gather(first, *waiting)
        assert slots.in_flight == 0
        return order

    assert asyncio.run(run()) == ["site1", "site1-reject", "site1-accept", "site2"]


def test_a_cancelled_waiter_leaves_no_slot_taken() -> None:
    async def run() -> int:
        slots = Slots(1)
        hold = asyncio.Event()

        async def visitor() -> None:
            async with slots.slot():
                await hold.wait()

        running = asyncio.create_task(visitor())
        await asyncio.sleep(0)
        waiter = asyncio.create_task(visitor())
        await asyncio.sleep(0)
        waiter.cancel()
        hold.set()
        await asyncio.gather(running, waiter, return_exceptions=True)
        return slots.in_flight

    assert asyncio.run(run()) == 0


def test_a_fixed_pace_measures_nothing() -> None:
    class Exploding(LoadMeter):
        def sample(self, *, full: bool = True) -> Load:
            raise AssertionError("a fixed concurrency must not measure")

    async def run() -> int:
        async with Pace(fixed=3, meter=Exploding(), interval_s=0.01) as pace:
            await asyncio.sleep(0.05)
            return pace.slots.limit

    assert asyncio.run(run()) == 3


# -- measuring -----------------------------------------------------------------------


def _fake_proc(
    root: Path, cpu: tuple[int, ...], processes: dict[int, tuple[int, int, int]]
) -> None:
    """A /proc with the given CPU counters and processes pid → (ppid, PSS kB, RssAnon kB)."""
    (root / "stat").write_text("cpu  " + " ".join(map(str, cpu)) + "\ncpu0 1 2 3\n")
    (root / "meminfo").write_text("MemTotal: 8000000 kB\nMemAvailable: 5000000 kB\n")
    for pid, (ppid, pss, anon) in processes.items():
        directory = root / str(pid)
        directory.mkdir(exist_ok=True)
        (directory / "stat").write_text(f"{pid} (chromium --type=x) S {ppid} 0 0\n")
        (directory / "smaps_rollup").write_text(f"Rss: {pss * 2} kB\nPss: {pss} kB\n")
        (directory / "status").write_text(f"Name: x\nRssAnon: {anon} kB\nRssShmem: 0 kB\n")


def test_meter_reads_machine_cpu_and_the_pss_of_its_own_tree(tmp_path: Path) -> None:
    # 10 is us; 11 and 12 our children, 13 a grandchild; 20 someone else's process.
    tree = {10: (1, 1000, 900), 11: (10, 2000, 1800), 12: (10, 3000, 2700), 13: (12, 4000, 3600)}
    _fake_proc(tmp_path, (100, 0, 100, 800, 0, 0, 0, 0), {**tree, 20: (1, 9999, 9999)})
    meter = LoadMeter(root=10, proc=str(tmp_path))
    first = meter.sample()
    assert first.cpu_busy is None, "the first reading is the baseline"
    assert first.tree_pss == 10_000 * 1024 and first.available == 5_000_000 * 1024
    # 300 more ticks busy and 100 more idle since: 75 % busy.
    _fake_proc(tmp_path, (250, 0, 250, 900, 0, 0, 0, 0), tree)
    assert meter.sample().cpu_busy == pytest.approx(0.75)


def test_meter_scales_resident_memory_between_full_readings(tmp_path: Path) -> None:
    _fake_proc(tmp_path, (1, 0, 1, 1, 0, 0, 0, 0), {10: (1, 1000, 800)})
    meter = LoadMeter(root=10, proc=str(tmp_path))
    assert meter.sample().tree_pss == 1000 * 1024  # PSS/resident = 1.25
    _fake_proc(tmp_path, (1, 0, 1, 1, 0, 0, 0, 0), {10: (1, 5000, 1600)})
    cheap = meter.sample(full=False)
    assert cheap.tree_pss == 2000 * 1024 and not cheap.pss_measured


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="Linux /proc only")
def test_meter_on_this_machine() -> None:
    meter = LoadMeter()
    load = meter.sample()
    assert load.tree_pss is not None and load.tree_pss > 10 * MiB
    assert load.available is not None and load.available > 0
    assert os.getpid() in meter.descendants()


# -- sizes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("4G", 4 * GiB), ("1500M", 1500 * MiB), ("2.5GiB", int(2.5 * GiB)), ("800", 800 * MiB)],
)
def test_parse_size(text: str, expected: int) -> None:
    assert parse_size(text) == expected
    assert parse_size(format_size(expected)) == pytest.approx(expected, rel=0.05)


@pytest.mark.parametrize("text", ["lots", "-1G", "100M", ""])
def test_parse_size_rejects(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_size(text)


def test_without_proc_the_pace_is_one_visitor_per_core(tmp_path: Path) -> None:
    async def run() -> tuple[int, bool]:
        async with Pace(meter=LoadMeter(proc=str(tmp_path / "missing"))) as pace:
            return pace.slots.limit, pace.adaptive

    assert asyncio.run(run()) == (max(2, min(os.cpu_count() or 1, 8)), False)
