"""The benchmark's paired runs add up as one (``benchmarks/bench_scan.py``): the ratio
is pooled over the slices (total CPU over total visits on each side), not a mean of
the slices' ratios, and what a slice could not measure is not made up."""

from __future__ import annotations

import os
from types import ModuleType

import pytest

from tests.conftest import load_benchmark


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_benchmark("bench_scan")


def _run(
    bench: ModuleType, mode: str, visits: int, cpu: float, wall: float, **kw: object
) -> object:
    fields: dict[str, object] = {
        "mode": mode,
        "label": "p4.1",
        "sites": 2,
        "pages": visits,
        "visits": visits,
        "errors": 0,
        "wall_s": wall,
        "cpu_s": cpu,
        "web_cpu_s": 0.5,
        "others_cpu_s": 1.0,
        "sampler_cpu_s": 0.1,
        "peak_pss_mb": 100.0,
        "peak_rss_mb": 200.0,
        "mean_visitors": 4.0,
        "max_visitors": 4,
        "cpu_kinds": {"browser": cpu / 2, "renderer": cpu / 2},
    }
    fields.update(kw)
    return bench.Run(**fields)


def test_the_ratio_is_pooled_over_the_slices(bench: ModuleType) -> None:
    slices = (
        (_run(bench, "capture", 10, 6.0, 10.0), _run(bench, "bare", 10, 4.0, 10.0)),
        (
            _run(bench, "capture", 30, 12.0, 30.0, mean_visitors=2.0, max_visitors=3),
            _run(bench, "bare", 30, 10.0, 30.0, peak_pss_mb=None),
        ),
    )
    capture = bench.merge("p4", [c for c, _ in slices])
    bare = bench.merge("p4", [b for _, b in slices])
    paired = bench.Paired(capture=capture, bare=bare, slices=slices)
    assert (capture.visits, capture.cpu_s, capture.wall_s) == (40, 18.0, 40.0)
    assert capture.cpu_kinds == {"browser": 9.0, "renderer": 9.0}
    assert capture.mean_visitors == pytest.approx((4.0 * 10 + 2.0 * 30) / 40)
    assert capture.max_visitors == 4 and capture.label == "p4" and capture.mode == "capture"
    assert capture.peak_pss_mb == 100.0
    assert bare.peak_pss_mb is None  # one slice could not read PSS: no peak is claimed
    assert paired.slice_ratios == pytest.approx([1.5, 1.2])
    # (18 / 40) / (14 / 40), not the mean of 1.5 and 1.2
    assert paired.ratio == pytest.approx(18.0 / 14.0)


def test_a_slice_shares_the_test_web_and_the_other_programs(bench: ModuleType) -> None:
    # Side by side, each side counted the other as another program, and only the
    # capture's sampler saw the test web: both are shared out after the slice.
    capture = _run(bench, "capture", 30, 12.0, 40.0, web_cpu_s=8.0, sampler_cpu_s=0.5)
    bare = _run(bench, "bare", 10, 4.0, 20.0, web_cpu_s=0.0, sampler_cpu_s=0.5)
    bench._share_slice(capture, bare, machine=30.0)
    assert (capture.web_cpu_s, bare.web_cpu_s) == pytest.approx((6.0, 2.0))  # by visits
    others = 30.0 - 12.0 - 4.0 - 8.0 - 0.5 - 0.5
    assert capture.others_cpu_s == pytest.approx(others)
    assert bare.others_cpu_s == pytest.approx(others / 2)  # by wall time
    assert (capture.cpu_s, bare.cpu_s) == (12.0, 4.0)  # their own counts stay as measured


def test_the_floor_runs_beside_the_capture_in_a_process_that_measures_itself(
    bench: ModuleType, testweb: object
) -> None:
    """The floor's process replays its plans in real Chromium and reports its own run;
    the parent's samples leave it out while it runs."""
    import asyncio
    from dataclasses import replace

    from scanner.config import CaptureOptions

    options = replace(
        CaptureOptions(
            map_hosts=(f"*=127.0.0.1:{testweb.port}",),  # type: ignore[attr-defined]
            trust_cert_spki=(testweb.spki_hash,),  # type: ignore[attr-defined]
        ),
        dwell_s=0.0,
    )
    home = "https://www.gemeente-twee.nl/"
    plans = [bench.Plan((home,), ((home, home),))]
    sampler = bench.TreeSampler(exclude=set(), interval=0.1, pss_interval=5.0)
    sampler.start()

    async def run() -> tuple[object, bool, set[int]]:
        process = await bench._start_floor(options, plans, 2, sampler)
        ignored = process.pid in sampler.ignore
        sampler.begin()
        result = await bench._floor_result(process)
        window = sampler.end()
        sampler.ignore.discard(process.pid)
        return result, ignored, {pid for pid, _ in window.last}

    try:
        result, ignored, seen = asyncio.run(run())
    finally:
        sampler.stop()
    assert ignored
    assert result.mode == "bare" and result.visits == 3 and result.errors == 0  # type: ignore[attr-defined]
    assert result.cpu_s > 0 and result.cpu_kinds["browser"] > 0  # type: ignore[attr-defined]
    # Only this process was in the parent's tree: the floor's Chromiums were not.
    assert seen == {os.getpid()}
