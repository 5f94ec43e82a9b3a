"""The benchmark's CPU split by process kind (``benchmarks/proctree.py``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import BENCHMARKS, load_benchmark


@pytest.fixture(scope="module")
def proctree() -> ModuleType:
    return load_benchmark("proctree")


@pytest.fixture
def stand_ins() -> Iterator[dict[str, int]]:
    """Shells whose command lines look like Chromium's processes and the driver's."""
    looks = {
        "browser": ["/usr/lib/chromium/chromium", "--headless"],
        "renderer": ["/usr/lib/chromium/chromium", "--type=renderer"],
        "gpu": ["/usr/lib/chromium/chromium", "--type=gpu-process"],
        "network": [
            "/usr/lib/chromium/chromium",
            "--type=utility",
            "--utility-sub-type=network.mojom.NetworkService",
        ],
        "utility": ["/usr/lib/chromium/chromium", "--type=utility", "--utility-sub-type=x"],
        "zygote": ["/usr/lib/chromium/chromium", "--type=zygote"],
        "driver": ["/opt/x/playwright/driver/node", "cli.js", "run-driver"],
    }
    procs: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, argv in looks.items():
            # bash's exec -a sets argv[0]; the rest are the shell's own positional
            # parameters, shown in its command line as Chromium's switches would be.
            script = f"exec -a {argv[0]} sh -c 'sleep 30; :' {' '.join(argv[1:])}"
            procs[name] = subprocess.Popen(["bash", "-c", script])
        deadline = time.monotonic() + 10
        for name, proc in procs.items():
            while True:  # until the shell runs with its new command line
                try:
                    with open(f"/proc/{proc.pid}/cmdline", "rb") as fh:
                        if fh.read().startswith(looks[name][0].encode()):
                            break
                except OSError:
                    pass
                assert time.monotonic() < deadline, name
                time.sleep(0.01)
        yield {name: proc.pid for name, proc in procs.items()}
    finally:
        for proc in procs.values():
            proc.kill()
            proc.wait()


def test_each_process_is_told_by_its_command_line(
    proctree: ModuleType, stand_ins: dict[str, int]
) -> None:
    root = os.getpid()
    kinds = {name: proctree.process_kind(pid, root) for name, pid in stand_ins.items()}
    assert kinds == {
        "browser": "browser",
        "renderer": "renderer",
        "gpu": "gpu",
        "network": "network",
        "utility": "utility",
        "zygote": "browser",
        "driver": "driver",
    }
    assert proctree.process_kind(root, root) == "python"
    assert proctree.process_kind(2**22 + 7, root) == "other"  # no such process


def test_the_split_adds_up_to_the_total_and_leaves_the_sampler_out(
    proctree: ModuleType,
) -> None:
    ticks = proctree.TICKS
    window = proctree.Window()
    window.baseline = {(1, 10): 0, (2, 20): 5 * ticks, (3, 30): 0}
    window.last = {(1, 10): 3 * ticks, (2, 20): 7 * ticks, (3, 30): ticks, (4, 40): ticks}
    window.kinds = {(1, 10): "python", (2, 20): "renderer", (3, 30): "browser"}
    window.sampler_s0, window.sampler_s1 = 1.0, 1.5
    split = window.cpu_by_kind()
    assert set(split) == set(proctree.KINDS)
    assert split["python"] == pytest.approx(2.5)  # 3 s less the sampler's 0.5 s
    assert split["renderer"] == pytest.approx(2.0)
    assert split["browser"] == pytest.approx(1.0)
    assert split["other"] == pytest.approx(1.0)  # a process of no known kind
    assert sum(split.values()) == pytest.approx(window.cpu_s())


def test_the_sampler_records_the_kind_of_each_process_in_its_tree(
    proctree: ModuleType, stand_ins: dict[str, int]
) -> None:
    sampler = proctree.TreeSampler(exclude=set(), interval=0.05, pss_interval=60.0)
    sampler.start()
    try:
        sampler.begin()
        time.sleep(0.2)
        window = sampler.end()
    finally:
        sampler.stop()
    by_pid = {pid: kind for (pid, _start), kind in window.kinds.items()}
    assert by_pid[os.getpid()] == "python"
    assert by_pid[stand_ins["renderer"]] == "renderer"
    assert by_pid[stand_ins["driver"]] == "driver"


def test_a_process_forked_by_the_zygote_counts_as_what_it_becomes(
    proctree: ModuleType,
) -> None:
    # A renderer shows the zygote's command line until it renames itself: here a
    # stand-in looks like a zygote for half a second, then like a renderer (same pid).
    chromium = "/usr/lib/chromium/chromium"
    # (the kind comes from a variable: the script's text is in the first command line)
    later = f"sleep 0.5; t=renderer; exec -a {chromium} sh -c 'sleep 30; :' x --type=\\$t"
    proc = subprocess.Popen(["bash", "-c", f'exec -a {chromium} bash -c "{later}" x --type=zygote'])
    sampler = proctree.TreeSampler(exclude=set(), interval=0.05, pss_interval=60.0)
    sampler.start()
    try:
        sampler.begin()
        seen = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "renderer" not in seen:
            time.sleep(0.05)
            with sampler._lock:
                window = sampler._window
                assert window is not None
                kinds = {pid: kind for (pid, _), kind in window.kinds.items()}
            if proc.pid in kinds and (not seen or seen[-1] != kinds[proc.pid]):
                seen.append(kinds[proc.pid])
        time.sleep(0.2)
        window = sampler.end()
    finally:
        sampler.stop()
        proc.kill()
        proc.wait()
    assert seen == ["browser", "renderer"]
    assert {kind for (pid, _), kind in window.kinds.items() if pid == proc.pid} == {"renderer"}


_CLOCK_SCRIPT = """
import json, subprocess, sys, time
sys.path.insert(0, sys.argv[1])
from proctree import CgroupClock, TreeSampler

BURN = "import time\\nt = time.process_time()\\nwhile time.process_time() - t < 0.4: pass"
clock = CgroupClock.make(sys.argv[2])
if clock is None:
    print(json.dumps(None))
    sys.exit()
try:
    # Sampled every 10 s: the burner lives and dies between two samples.
    sampler = TreeSampler(exclude=set(), interval=10.0, pss_interval=60.0, clock=clock)
    sampler.start()
    sampler.begin()
    subprocess.run([sys.executable, "-c", BURN], check=True)
    outside = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()\\n" + BURN],
                               stdin=subprocess.PIPE)
    clock.leave(outside.pid)
    outside.communicate(b"")
    window = sampler.end()
    sampler.stop()
    split = window.cpu_by_kind()
    print(json.dumps({"exact": window.exact, "cpu": window.cpu_s(),
                      "sampled": window.sampled_cpu_s(), "unsampled": split["unsampled"],
                      "sum": sum(split.values())}))
finally:
    clock.close()
"""


def test_the_clock_counts_a_process_that_exited_between_samples(tmp_path: Path) -> None:
    name = f"privacyscan-test-{os.getpid()}"
    out = subprocess.run(
        [sys.executable, "-c", _CLOCK_SCRIPT, str(BENCHMARKS), name],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    result = json.loads(out.stdout)
    if result is None:
        pytest.skip("no control group of our own here (not root, or no writable cgroup)")
    assert result["exact"]
    # The burner that stayed in the group (0.4 s) counts; the one moved out does not.
    assert 0.35 <= result["cpu"] < 0.75
    # The samples (begin and end only) never saw it: the clock did.
    assert result["sampled"] < 0.2
    assert result["unsampled"] == pytest.approx(result["cpu"] - result["sampled"])
    assert result["sum"] == pytest.approx(result["cpu"])
    for root in ("/sys/fs/cgroup", "/sys/fs/cgroup/unified", "/sys/fs/cgroup/cpuacct"):
        assert not list(Path(root).glob(f"**/{name}")), "the group was not removed"


def test_the_own_group_is_found_under_a_controller_mounted_with_others(
    proctree: ModuleType,
) -> None:
    table = "9:name=systemd:/\n4:cpu,cpuacct:/user/bench\n2:memory:/m\n0::/unified/bench\n"
    assert proctree._own_group("cpuacct", table) == "/user/bench"  # mounted with cpu
    assert proctree._own_group("", table) == "/unified/bench"  # the v2 hierarchy
    assert proctree._own_group("cpuacct", "0::/only-v2\n") is None
    assert proctree._own_group("", "2:cpuacct:/only-v1\n") is None
