"""Reports printed to PDF by the scanning Chromium, read back with poppler's pdftotext.

The golden scan's site report (Assen: findings before and after refusing) and its
comparison are printed; the PDF must have A4 pages numbered ``n / N``, the verdict and
every finding's title, and what the HTML keeps in a closed ``<details>`` (nothing
interactive-only is lost on paper). A document that asks for anything while printing
is refused: a loopback listener proves nothing was sent.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from reports import render_comparison, render_site
from reports.env import make_env
from scanner.app import App
from scanner.cli import cli
from scanner.errors import PrivacyscanError
from scanner.store import open_store
from tests.test_app import golden_scan, previous_scan

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
        reason="needs poppler-utils (make test installs it as root)",
    ),
]


def _text(pdf: Path) -> str:
    run = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    return run.stdout


def _info(pdf: Path) -> dict[str, str]:
    run = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return dict(
        (k.strip(), v.strip())
        for k, _, v in (line.partition(":") for line in run.stdout.splitlines())
    )


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, Path]]:
    """The site report of Assen and the comparison, in English, as HTML and PDF."""
    out = tmp_path_factory.mktemp("pdf")
    scan, previous = golden_scan(), previous_scan()
    env = make_env("en")
    assen = next(r for r in scan.sites if r.site.name == "Assen")
    docs = {
        "site": render_site(scan, assen, env=env, previous=previous),
        "comparison": render_comparison(scan, env=env, previous=previous),
    }
    jobs = {name: (html, out / f"{name}.pdf") for name, html in docs.items()}
    App.print_pdf(list(jobs.values()))
    return jobs


@pytest.mark.parametrize("name", ["site", "comparison"])
def test_a4_pages_numbered_n_of_total(printed: dict[str, tuple[str, Path]], name: str) -> None:
    _, pdf = printed[name]
    info = _info(pdf)
    pages = int(info["Pages"])
    assert pages >= 1
    assert info["Page size"].startswith("595") and "842" in info["Page size"]  # A4 in points
    text = _text(pdf)
    for n in range(1, pages + 1):
        # pdftotext may drop the spaces of the small footer text
        assert re.search(rf"^{n} ?/ ?{pages}$", text, flags=re.M), (name, n, pages)


def test_the_site_pdf_has_the_verdict_every_finding_and_what_details_hide(
    printed: dict[str, tuple[str, Path]],
) -> None:
    html, pdf = printed["site"]
    text = _flat(_text(pdf))
    soup = BeautifulSoup(html, "html.parser")
    verdict = _flat(soup.select_one("section.verdict p").get_text())
    assert verdict and verdict in text
    titles = [_flat(h.get_text()) for h in soup.select("article.finding h4")]
    assert titles
    for title in titles:
        assert title in text, title
    # Every text of every folded section, compared without whitespace (a long URL
    # wraps anywhere on paper).
    bare = re.sub(r"\s+", "", text)
    folded = [
        re.sub(r"\s+", "", str(leaf))
        for d in soup.select("details")
        for child in d.children
        if getattr(child, "name", None) != "summary"
        for leaf in ([child] if isinstance(child, str) else child.find_all(string=True))
    ]
    folded = [f for f in folded if len(f) >= 4]
    assert len(folded) >= 5  # the golden report keeps stacks and evidence folded
    missing = [f for f in folded if f not in bare]
    assert not missing, missing[:5]


def test_the_comparison_pdf_names_every_site(printed: dict[str, tuple[str, Path]]) -> None:
    _, pdf = printed["comparison"]
    text = _flat(_text(pdf))
    for result in golden_scan().sites:
        assert result.site.name in text


def test_a_document_that_asks_for_anything_is_refused_before_it_is_sent(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.settimeout(1.0)
        port = listener.getsockname()[1]
        html = (
            f'<html><head><link rel="stylesheet" href="http://127.0.0.1:{port}/s.css"></head>'
            f'<body><p>Hello</p><img src="http://127.0.0.1:{port}/p.png"></body></html>'
        )
        with pytest.raises(PrivacyscanError, match=rf"127\.0\.0\.1:{port}"):
            App.print_pdf([(html, tmp_path / "x.pdf")])
        with pytest.raises(TimeoutError):
            listener.accept()  # nothing connected: refused before it was sent


def test_report_pdf_prints_every_page_beside_its_html(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    with open_store(db) as store:
        for scan in (previous_scan(), golden_scan()):
            store.create_scan(scan, [r.site for r in scan.sites])
    out = tmp_path / "r"
    result = CliRunner().invoke(cli, ["report", "--db", str(db), "--out", str(out), "--pdf"])
    assert result.exit_code == 0, result.output
    htmls = sorted(out.rglob("*.html"))
    assert len(htmls) == 1 + len(golden_scan().sites)
    for html in htmls:
        pdf = html.with_suffix(".pdf")
        assert int(_info(pdf)["Pages"]) >= 1, pdf
