"""The benchmark's paired runs add up as one (``benchmarks/bench_scan.py``): the ratio
is pooled over the slices (total CPU over total visits on each side), not a mean of
the slices' ratios, and what a slice could not measure is not made up."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_scan.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_scan", _PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_scan"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


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
