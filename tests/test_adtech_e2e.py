"""An offline scan of a site full of ad tech, through the command line (issue 15).

``privacyscan scan`` with an empty list cache (as ``make scan`` on a fresh machine,
which never ran ``lists update``) against the test web's Reclamedorp: Adform and The
Trade Desk are known from the bundled lists, named with their purpose, and end in
violations; the cookie-sync chain is one finding; the Meta pixel's advanced matching is
decoded (also from its POST body) and flagged; the comparison shows the knowledge share
and the exports carry the payloads. The ground truth is the site's manifest.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from scanner.classify.security import SECURITY_RULES
from scanner.cli import cli
from scanner.messages import translator
from scanner.testweb import load_manifest
from scanner.testweb.server import TestWeb

pytestmark = pytest.mark.browser

SITE = "https://www.reclamedorp.nl/"


@pytest.fixture(scope="module")
def scanned(testweb: TestWeb, tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("adtech")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PRIVACYSCAN_CACHE", str(base / "empty-cache"))  # never updated: offline
        result = CliRunner().invoke(
            cli,
            [
                "scan", SITE, "--db", str(base / "history.db"), "--out", str(base / "out"),
                "--max-pages", "2", "--phases", "none", "--dwell", "1", "-q",
                "--map-host", f"*=127.0.0.1:{testweb.port}", "--trust-cert-spki", testweb.spki_hash,
            ],
            catch_exceptions=False,
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    return base


def _document(scanned: Path) -> dict[str, object]:
    doc = json.loads((scanned / "out" / "json" / "www-reclamedorp-nl.json").read_text("utf-8"))
    assert isinstance(doc, dict)
    return doc


def test_adform_and_the_trade_desk_are_named_with_their_purpose_and_violate(
    scanned: Path,
) -> None:
    doc = _document(scanned)
    lists = dict(doc["lists"])  # type: ignore[call-overload]
    assert lists["third-party-web"].endswith("(bundled)")
    assert lists["open-cookie-database"].endswith("(bundled)")
    result = doc["result"]
    assert isinstance(result, dict)
    # The manifests leave the website-security checks to security.json (their README).
    security_checks = {r.id for r in SECURITY_RULES}
    findings = {f["id"]: f for f in result["findings"] if f["rule"] not in security_checks}
    expected = {
        f["id"]: f["severity"] for f in load_manifest("www.reclamedorp.nl")["expected_findings"]
    }
    assert {i: f["severity"] for i, f in findings.items()} == expected
    for organisation in ("Adform", "The Trade Desk"):
        f = findings[f"tracker-request-before-consent:{organisation}"]
        assert (f["organisation"], f["category"], f["severity"]) == (
            organisation,
            "advertising",
            "violation",
        )
        assert organisation in f["title"]  # rendered in the document's language
    assert result["grade"] == "F"


def test_reports_show_the_purpose_the_sync_story_and_the_knowledge_share(scanned: Path) -> None:
    t = translator("nl")
    index = BeautifulSoup((scanned / "out" / "index.html").read_text("utf-8"), "html.parser")
    share = index.select_one("dl.knowledge-share")
    assert share is not None
    domains, cookies = (dd.get_text(strip=True) for dd in share.find_all("dd"))
    # adform.net, adsrvr.org, adnxs.com, facebook.com, facebook.net: all named.
    assert domains == t("conditions.knowledge_of", known=5, total=5, share=100)
    assert cookies == t("conditions.knowledge_of", known=7, total=7, share=100)
    (site,) = (scanned / "out" / "sites").glob("*.html")
    page = BeautifulSoup(site.read_text("utf-8"), "html.parser")
    text = " ".join(page.get_text(" ").split())
    assert f"Adform, {t('category.advertising')}" in text
    assert f"The Trade Desk, {t('category.advertising')}" in text
    chain = [" ".join(li.get_text(" ", strip=True).split()) for li in page.select("ol.chain li")]
    assert [hop.split(" (")[0] for hop in chain] == [
        "cm.adform.net",
        "match.adsrvr.org",
        "ib.adnxs.com",
    ]
    rows = page.select("table.payload-table tbody tr")
    assert len(rows) == 2  # PageView (image) and Lead (POST)
    personal = [[li.get_text(" ", strip=True) for li in r.select("ul.personal li")] for r in rows]
    hashed = t("payload.form.sha256")
    assert personal == [[f"ud[em] – {hashed}", f"ud[ph] – {hashed}"]] * 2
    assert "jan.jansen@example.nl" not in site.read_text("utf-8").lower()


def test_export_carries_the_decoded_payloads(scanned: Path) -> None:
    out = scanned / "export"
    db = str(scanned / "history.db")
    result = CliRunner().invoke(
        cli, ["export", "latest", "--db", db, "--format", "csv", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    with (out / "requests.csv").open(encoding="utf-8") as fh:
        decoded = [r for r in csv.DictReader(fh) if r["payload_vendor"]]
    assert [(r["method"], r["payload_events"], r["payload_from_body"]) for r in decoded] == [
        ("GET", "PageView", "false"),
        ("POST", "Lead", "true"),
    ]
    assert all(r["payload_personal_data"] == "ud[em]=sha256 | ud[ph]=sha256" for r in decoded)
    assert all(r["payload_account"] == "444555666" for r in decoded)
    with (out / "sites.csv").open(encoding="utf-8") as fh:
        (site,) = csv.DictReader(fh)
    assert (site["knowledge_domains"], site["knowledge_domains_known"]) == ("5", "5")
