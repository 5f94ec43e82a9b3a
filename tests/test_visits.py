"""Repeat visits (``--visits N``, issue 17): each finding says in how many visits it was seen.

The ground truth is ``scanner/testweb/visits.json``, written before the code: the home
page of ``www.wisseldorp.nl`` loads the Hotjar stand-in on every other navigation, so a
scan with ``--visits 2`` on a test web nobody visited before sees Hotjar in 1 of 2
visits and the site's own long-lived cookie in 2 of 2.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scanner.classify.security import SECURITY_RULES
from scanner.classify.visits import majority_verdicts, merge_findings
from scanner.cli import cli
from scanner.config import CaptureOptions
from scanner.models import Evidence, Finding, Phase, Severity, SiteResult, Verdicts
from scanner.store.sqlite import SQLiteStore
from scanner.testweb.server import HOSTS_DIR, TestWeb

TRUTH: dict[str, Any] = json.loads((HOSTS_DIR.parent / "visits.json").read_text("utf-8"))
SITE_URL = TRUTH["site"]["url"]


def _finding(fid: str, phase: Phase = Phase.NONE) -> Finding:
    return Finding(
        id=fid,
        rule=fid.split(":")[0],
        severity=Severity.REVIEW,
        subject=fid,
        evidence=(Evidence("https://www.example.nl/", phase, fid),),
    )


# -- the merge, without a browser ------------------------------------------------------


def test_findings_are_counted_over_the_visits_by_id() -> None:
    a, b, c = _finding("r:a"), _finding("r:b"), _finding("r:c")
    merged = {f.id: f for f in merge_findings([(a, b), (a,), (a, c)])}
    assert {fid: (f.seen_in, f.visits) for fid, f in merged.items()} == {
        "r:a": (3, 3),
        "r:b": (1, 3),
        "r:c": (1, 3),
    }
    assert [f.in_majority for f in merged.values()] == [True, False, False]


def test_a_finding_of_the_refusing_visitor_was_measured_once() -> None:
    after = _finding("tracking-after-refusal:x", Phase.REJECT)
    (merged,) = merge_findings([(after,), (after,)])
    assert (merged.seen_in, merged.visits, merged.in_majority) == (1, 1, True)


def test_one_visit_changes_nothing() -> None:
    findings = (_finding("r:a"), _finding("r:b"))
    assert merge_findings([findings]) == findings


def test_verdicts_hold_when_a_majority_of_visits_says_so() -> None:
    yes = Verdicts(tracks_before_consent=True, tracking_cookies_after_refusal=("_ga", "x"))
    no = Verdicts(tracks_before_consent=False, tracking_cookies_after_refusal=("_ga",))
    assert majority_verdicts([yes, no]) == Verdicts(
        tracks_before_consent=False, tracking_cookies_after_refusal=("_ga",)
    )
    assert majority_verdicts([yes, no, yes]) == yes
    assert majority_verdicts([None]) is None
    assert majority_verdicts([no]) == no


# -- a real scan of the alternating site ----------------------------------------------


@dataclass(frozen=True)
class Scanned:
    base: Path
    repeated: SiteResult
    """``--visits 2`` (navigations 1 and 2: with Hotjar, without)."""
    once: SiteResult
    """Then ``--visits 1`` (navigation 3: with Hotjar)."""


def _scan(web: TestWeb, base: Path, visits: int, name: str) -> SiteResult:
    db = base / "history.db"
    result = CliRunner().invoke(
        cli,
        [
            "scan",
            SITE_URL,
            "--db",
            str(db),
            "--out",
            str(base / name),
            "--max-pages",
            str(TRUTH["repeat"]["max_pages"]),
            "--phases",
            "none",
            "--visits",
            str(visits),
            "--dwell",
            "1",
            "-q",
            "--map-host",
            f"*=127.0.0.1:{web.port}",
            "--trust-cert-spki",
            web.spki_hash,
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    with SQLiteStore(db) as store:
        (site,) = store.get_scan(store.resolve_scan_id("latest")).sites
    return site


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scanned]:
    """A test web of its own: the home page's turns start at the first navigation."""
    base = tmp_path_factory.mktemp("visits")
    with TestWeb() as web:
        repeated = _scan(web, base, TRUTH["repeat"]["visits"], "repeated")
        once = _scan(web, base, 1, "once")
    yield Scanned(base, repeated, once)


SECURITY_CHECKS = frozenset(r.id for r in SECURITY_RULES)
"""As in the manifests: the site sends no security headers, and the ground truth does
not list what that gives."""


def _privacy(result: SiteResult) -> dict[str, Finding]:
    return {f.id: f for f in result.findings if f.rule not in SECURITY_CHECKS}


@pytest.mark.browser
def test_each_finding_says_in_how_many_visits_it_was_seen(scanned: Scanned) -> None:
    repeat = TRUTH["repeat"]
    assert [p.url for p in scanned.repeated.pages] == TRUTH["pages"]
    findings = _privacy(scanned.repeated)
    assert {fid: f.seen_in for fid, f in findings.items()} == repeat["seen_in"]
    assert {f.visits for f in findings.values()} == {repeat["visits"]}
    assert {fid for fid, f in findings.items() if f.in_majority} == set(repeat["majority"])
    hotjar = findings["session-replay-before-consent:Hotjar"]
    assert (hotjar.seen_in, hotjar.visits) == (1, 2)
    assert hotjar.severity.value == "violation"


@pytest.mark.browser
def test_verdicts_and_grade_rest_on_the_majority(scanned: Scanned) -> None:
    assert scanned.repeated.verdicts is not None
    assert (
        scanned.repeated.verdicts.tracks_before_consent is TRUTH["repeat"]["tracks_before_consent"]
    )
    # Without Hotjar (a violation) the worst counted finding is a review: grade B at most.
    assert scanned.repeated.grade in ("A", "B")
    assert scanned.once.verdicts is not None
    assert (
        scanned.once.verdicts.tracks_before_consent
        is TRUTH["repeat"]["tracks_before_consent_with_one_visit"]
    )


@pytest.mark.browser
def test_one_visit_is_what_it_always_was(scanned: Scanned) -> None:
    """``--visits 1`` (the third navigation: Hotjar again) gives the findings of the
    ground truth's first visit, each seen in 1 of 1, and the report says nothing of visits."""
    expected = {(fid, sev) for fid, sev in TRUTH["findings_per_visit"][0]}
    findings = _privacy(scanned.once)
    assert {(f.id, f.severity.value) for f in findings.values()} == expected
    assert {(f.seen_in, f.visits) for f in scanned.once.findings} == {(1, 1)}
    html = (scanned.base / "once" / "sites").glob("*.html")
    (page,) = list(html)
    text = page.read_text("utf-8")
    assert 'id="visits"' not in text
    assert "Herhaalde bezoeken" not in text and "van de 1 bezoeken" not in text


@pytest.mark.browser
def test_the_report_and_the_json_show_the_confidence(scanned: Scanned) -> None:
    (page,) = list((scanned.base / "repeated" / "sites").glob("*.html"))
    text = page.read_text("utf-8")
    assert 'id="visits"' in text
    assert "bij 1 van de 2 bezoeken" in text and "bij 2 van de 2 bezoeken" in text
    differences = text.split('id="visits"')[1].split('id="security"')[0]
    assert "session-replay-before-consent:Hotjar" in differences
    assert "cookie-long-lifetime:voorkeur@www.wisseldorp.nl" not in differences
    (doc,) = list((scanned.base / "repeated" / "json").glob("*.json"))
    data = json.loads(doc.read_text("utf-8"))
    by_id = {f["id"]: f for f in data["result"]["findings"]}
    assert by_id["session-replay-before-consent:Hotjar"]["seen_in"] == 1
    assert by_id["session-replay-before-consent:Hotjar"]["visits"] == 2
    english = CliRunner().invoke(
        cli,
        [
            "report",
            "latest",
            "--db",
            str(scanned.base / "history.db"),
            "--out",
            str(scanned.base / "en"),
            "--lang",
            "en",
        ],
    )
    assert english.exit_code == 0, english.output
    # "latest" is the one-visit scan; the repeated one is the other.
    texts = [p.read_text("utf-8") for p in (scanned.base / "en" / "sites").glob("*.html")]
    assert texts and all("in 1 of 2 visits" not in t for t in texts)


@pytest.mark.browser
def test_the_english_report_of_the_repeated_scan(scanned: Scanned) -> None:
    with SQLiteStore(scanned.base / "history.db") as store:
        latest = store.resolve_scan_id("latest")
        (repeated_id,) = [s.id for s in store.list_scans() if s.id != latest]
    result = CliRunner().invoke(
        cli,
        [
            "report",
            repeated_id,
            "--db",
            str(scanned.base / "history.db"),
            "--out",
            str(scanned.base / "en2"),
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 0, result.output
    (page,) = list((scanned.base / "en2" / "sites").glob("*.html"))
    text = page.read_text("utf-8")
    assert "in 1 of 2 visits" in text and "in 2 of 2 visits" in text
    assert "Repeat visits" in text


@pytest.mark.browser
def test_a_repeat_visitor_records_no_archive(capture_options: CaptureOptions) -> None:
    """The engine's repeats ask for visitors without an archive (it would not be kept)."""
    from scanner.browser.session import Browser

    async def run() -> tuple[bool, bool]:
        async with Browser(replace(capture_options, har=True)) as browser:
            return browser.visitor(har=False).options.har, browser.visitor().options.har

    assert asyncio.run(run()) == (False, True)
