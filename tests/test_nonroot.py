"""The scanner runs as an ordinary user, with Chromium's sandbox on (SECURITY.md).

Runs a real scan as ``nobody`` with the system Python and this environment's
packages, and watches the browser's command line: no ``--no-sandbox``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from scanner.testweb.server import TestWeb

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SYSTEM_PYTHON = Path("/usr/bin/python3")


def _system_python_matches() -> bool:
    if not SYSTEM_PYTHON.exists():
        return False
    done = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() == str(sys.version_info[:2])


needs_root = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("runuser") is None,
    reason="switching to another user needs root and runuser",
)
needs_python = pytest.mark.skipif(
    not _system_python_matches(), reason="no system Python of this version to run as nobody"
)


def _chromium_args_of(uid: int) -> list[list[str]]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid != uid:
                continue
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        text = [a.decode(errors="replace") for a in args if a]
        if text and "chrom" in os.path.basename(text[0]):
            found.append(text)
    return found


@needs_root
@needs_python
def test_scan_as_nobody_with_the_sandbox(testweb: TestWeb) -> None:
    site_packages = next(p for p in sys.path if p.endswith("site-packages"))
    work = Path(tempfile.mkdtemp(prefix="privacyscan-nonroot-"))
    work.chmod(0o777)
    command = [
        "runuser",
        "-u",
        "nobody",
        "--",
        "env",
        f"HOME={work}",
        f"PYTHONPATH={site_packages}:{ROOT}",
        str(SYSTEM_PYTHON),
        "-m",
        "scanner",
        "scan",
        "https://www.trackstad.nl/",
        "--db",
        str(work / "h.db"),
        "--out",
        str(work / "out"),
        "--max-pages",
        "1",
        "--dwell",
        "1",
        "--phases",
        "none",
        "--no-report",
        "-q",
        "--map-host",
        f"*=127.0.0.1:{testweb.port}",
        "--trust-cert-spki",
        testweb.spki_hash,
    ]
    try:
        errors = work / "stderr.txt"
        browsers: list[list[str]] = []
        with errors.open("w") as fh:
            scan = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=fh)
            while scan.poll() is None:
                browsers += _chromium_args_of(65534)
                time.sleep(0.1)
        assert scan.returncode == 0, errors.read_text()
        assert browsers, "the browser was not seen running as nobody"
        assert not any("--no-sandbox" in args for args in browsers)
        doc = json.loads((work / "out" / "json" / "www-trackstad-nl.json").read_text("utf-8"))
        assert doc["result"]["status"] == "done"
        assert {"_ga", "fr"} <= {c["name"] for c in doc["result"]["cookies"]}
    finally:
        shutil.rmtree(work, ignore_errors=True)
