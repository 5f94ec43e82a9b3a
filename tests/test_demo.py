"""``privacyscan demo`` works offline: test web up, scan, reports written."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from scanner.cli import cli
from scanner.testweb import demo_sites

pytestmark = pytest.mark.browser


def test_demo_scans_the_test_web_and_writes_reports(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = CliRunner().invoke(
        cli,
        ["demo", "--out", str(out), "--max-pages", "1", "--dwell", "0.5", "-q"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    index = out / "index.html"
    assert f"Report: {index}" in result.output
    soup = BeautifulSoup(index.read_text("utf-8"), "html.parser")
    linked = {a["href"] for a in soup.select("a[href^='sites/']")}
    assert len(linked) == len(demo_sites())
    assert all((out / href).exists() for href in linked)
