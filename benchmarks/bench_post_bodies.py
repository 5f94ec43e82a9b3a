"""What capturing POST bodies costs: ``Network.enable``'s ``maxPostDataSize`` at 1 (no
body comes along), at :data:`scanner.browser.instruments.network.POST_DATA_LIMIT` (16 KiB, what
privacyscan uses) and at 0, which Chromium reads as *no limit* (privacyscan passed 0
before, meaning "none"), on a page that posts a lot.

The recorder keeps only the bodies of known pixel and analytics endpoints, to decode
their payloads (``scanner/payloads.py``); every other body up to the limit still comes
along with its request event from Chromium, and that is the cost measured here. The
page (a temporary host on the local test web) sends ``--posts`` XHR POSTs of
``--size`` bytes to its own server, plus one in ten to ``facebook.com/tr/`` (decoded):
a session-replay-heavy site, far more than a municipal page sends. CPU is that of the
whole process tree (this Python process, the Playwright driver, Chromium), sampled
from ``/proc`` by ``proctree.py`` as in ``bench_scan.py``; the test web runs in its own
process and is left out. Runs alternate between the two settings.

    .venv/bin/python benchmarks/bench_post_bodies.py [--posts 400] [--size 15000] [--repeat 3]
        [--limits 1,16384,0]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import scanner.browser.session as session  # noqa: E402
from benchmarks.proctree import TreeSampler  # noqa: E402
from scanner.browser.instruments.network import POST_DATA_LIMIT  # noqa: E402
from scanner.config import CaptureOptions  # noqa: E402
from scanner.models import Request, Site  # noqa: E402
from scanner.runner import capture_site  # noqa: E402

HOST = "www.postdorp.nl"

PAGE = """<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>Postdorp</title>
<script>
addEventListener("load", async () => {
  const body = "x=" + "a".repeat(%(size)d);
  for (let i = 0; i < %(posts)d; i++) {
    const to = i %% 10 === 0 ? "https://www.facebook.com/tr/" : "/api/log";
    await fetch(to, {method: "POST", body: i %% 10 === 0 ? "id=1&ev=Lead&" + body : body,
                     headers: {"Content-Type": "application/x-www-form-urlencoded"},
                     mode: "no-cors"});
  }
  document.title = "klaar";
});
</script></head><body><h1>Postdorp</h1></body></html>
"""

_SERVER = """
import shutil, sys
from pathlib import Path
from scanner.testweb import TestWeb
from scanner.testweb.server import HOSTS_DIR
base = Path(sys.argv[1])
for host in ("www.facebook.com",):
    shutil.copytree(HOSTS_DIR / host, base / host)
web = TestWeb(base_dir=base).start()
print(web.port, web.spki_hash, flush=True)
sys.stdin.read()
web.stop()
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=400)
    parser.add_argument("--size", type=int, default=15000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--limits", default=f"1,{POST_DATA_LIMIT},0", help="maxPostDataSize values to compare"
    )
    args = parser.parse_args()
    limits = [int(v) for v in args.limits.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        (base / HOST / "api").mkdir(parents=True)
        (base / HOST / "index.html").write_text(PAGE % {"size": args.size, "posts": args.posts})
        (base / HOST / "_routes.json").write_text(json.dumps({"/api/log": {"status": 204}}))
        server = subprocess.Popen(
            [sys.executable, "-c", _SERVER, str(base)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert server.stdout is not None
        port, spki = server.stdout.readline().split()
        options = CaptureOptions(
            map_hosts=(f"*=127.0.0.1:{port}",), trust_cert_spki=(spki,), dwell_s=1.0
        )
        options = replace(options, quiet_s=0.5, max_settle_s=30.0, scroll=False)
        sampler = TreeSampler(exclude={server.pid})
        sampler.start()
        results: dict[int, list[tuple[float, float, int]]] = {limit: [] for limit in limits}
        try:
            for _ in range(args.repeat):
                for limit in limits:
                    session.POST_DATA_LIMIT = limit  # what Network.enable is given
                    sampler.begin()
                    t0 = time.monotonic()
                    result = asyncio.run(_capture(options))
                    wall = time.monotonic() - t0
                    window = sampler.end()
                    decoded = sum(1 for r in result if r.payload and r.payload.from_body)
                    results[limit].append((window.cpu_s(), wall, decoded))
        finally:
            sampler.stop()
            assert server.stdin is not None
            server.stdin.close()
            server.wait(timeout=30)
    print(f"{args.posts} POSTs of {args.size} bytes, {args.repeat} runs each")
    print("maxPostDataSize | CPU-s (tree) | wall s | decoded from body")
    for limit, runs in results.items():
        cpu = sum(r[0] for r in runs) / len(runs)
        wall = sum(r[1] for r in runs) / len(runs)
        print(f"{limit:>15} | {cpu:12.2f} | {wall:6.2f} | {runs[0][2]}")


async def _capture(options: CaptureOptions) -> tuple[Request, ...]:
    url = f"https://{HOST}/"
    async with session.Browser(options) as browser:
        result = await capture_site(browser, Site("Postdorp", url), [url])
    return result.requests


if __name__ == "__main__":
    main()
