"""Classification of the test web against the manifests' expected findings and grades.

Each manifest's ``expected_findings`` and ``expected_grade`` were written by hand from
the site's story and ``docs/rules.md`` / ``docs/scoring.md``, not from the classifier's
output. The captured result of every manifest site (``captured`` in ``conftest.py``) is
classified and must give exactly those findings (id and severity, nothing more, nothing
less) and that grade. A second, independent scan of one site must keep every finding id.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from scanner.classify import classify
from scanner.classify.parties import PartyResolver
from scanner.classify.security import SECURITY_RULES
from scanner.config import CaptureOptions
from scanner.domains import Domains
from scanner.knowledge import Knowledge, load_knowledge
from scanner.messages import LANGUAGES, translator
from scanner.messages.findings import finding_text
from scanner.models import Phase, Site, SiteResult
from tests.conftest import Captured, load_manifests

pytestmark = pytest.mark.browser

MANIFESTS = load_manifests()
NOW = datetime(2026, 5, 20, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 3, 17, 30, tzinfo=UTC)
SEVERITIES = {"violation", "likely_violation", "review", "info"}
RESCANNED = "www.trackstad.nl"


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    """The curated base only: imported lists in a user's cache must not change results."""
    return load_knowledge()


@pytest.fixture(scope="module")
def resolver(knowledge: Knowledge) -> PartyResolver:
    return PartyResolver(Domains(), knowledge)


@pytest.fixture(scope="module")
def classified(
    captured: dict[str, Captured], resolver: PartyResolver, knowledge: Knowledge
) -> dict[str, SiteResult]:
    """Every captured site, classified once, in Dutch (the default)."""
    return {
        key: classify(c.result, resolver=resolver, knowledge=knowledge, now=NOW)
        for key, c in captured.items()
    }


def _site(manifest: dict[str, Any]) -> Site:
    return Site(
        name=manifest["site"]["name"],
        url=manifest["site"]["url"],
        extra_domains=tuple(manifest["site"].get("extra_domains", [])),
    )


def _expected(manifest: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["id"], f["severity"]) for f in manifest["expected_findings"]}


SECURITY_CHECKS = frozenset(r.id for r in SECURITY_RULES)
"""The website-security checks of issue 16: proven on the sites of
``scanner/testweb/security.json`` (``tests/test_security_testweb.py``); the manifests'
sites send no security headers and the manifests do not list what that gives."""


def _actual(result: SiteResult) -> set[tuple[str, str]]:
    return {(f.id, f.severity.value) for f in result.findings if f.rule not in SECURITY_CHECKS}


@pytest.mark.parametrize("key", sorted(MANIFESTS))
def test_manifest_expectations_are_well_formed(key: str) -> None:
    manifest = MANIFESTS[key]
    expected = manifest["expected_findings"]
    assert manifest["expected_grade"] in ("A", "B", "C", "D", "E", "F")
    ids = [f["id"] for f in expected]
    assert len(ids) == len(set(ids)), "a finding id is listed twice"
    for f in expected:
        assert set(f) == {"id", "severity"}
        assert f["severity"] in SEVERITIES
        rule, sep, subject = f["id"].partition(":")
        assert sep and rule and subject


@pytest.mark.parametrize("key", sorted(MANIFESTS))
def test_findings_match_manifest(classified: dict[str, SiteResult], key: str) -> None:
    result = classified[key]
    expected = _expected(MANIFESTS[key])
    actual = _actual(result)
    missing = sorted(expected - actual)
    unexpected = sorted(actual - expected)
    assert not missing and not unexpected, f"missing: {missing}; unexpected: {unexpected}"


@pytest.mark.parametrize("key", sorted(MANIFESTS))
def test_grade_matches_manifest(classified: dict[str, SiteResult], key: str) -> None:
    result = classified[key]
    assert result.score is not None
    assert result.grade == MANIFESTS[key]["expected_grade"], f"score {result.score}"


@pytest.mark.parametrize("key", sorted(MANIFESTS))
def test_findings_are_explained_and_evidenced(classified: dict[str, SiteResult], key: str) -> None:
    page_urls = {p["url"] for p in MANIFESTS[key]["pages"]}
    for f in classified[key].findings:
        if f.rule in SECURITY_CHECKS:
            continue
        for lang in LANGUAGES:
            words = finding_text(f, translator(lang))
            assert words.title.strip(), f.id
            assert words.explanation.strip(), f.id
            assert words.fix.strip(), f.id
            assert words.legal_basis.strip(), f.id
            assert words.legal_url.startswith("https://"), f.id
        assert f.evidence, f.id
        for ev in f.evidence:
            assert ev.page_url in page_urls, (f.id, ev.page_url)
            assert ev.phase == Phase.NONE, f.id
            assert ev.subject, f.id


def test_finding_ids_are_stable_across_scans(
    classified: dict[str, SiteResult],
    capture_options: CaptureOptions,
    resolver: PartyResolver,
    knowledge: Knowledge,
) -> None:
    """A second scan of the same site, by a new visitor on another day, keeps every id."""
    from scanner.browser.session import Browser
    from scanner.runner import capture_site

    manifest = MANIFESTS[RESCANNED]

    async def rescan() -> SiteResult:
        async with Browser(capture_options) as browser:
            return await capture_site(
                browser, _site(manifest), [p["url"] for p in manifest["pages"]]
            )

    again = classify(asyncio.run(rescan()), resolver=resolver, knowledge=knowledge, now=LATER)
    first = classified[RESCANNED]
    assert first.findings, "the rescanned site must have findings to compare"
    assert [f.id for f in again.findings] == [f.id for f in first.findings]
    assert _actual(again) == _actual(first)
    assert (again.score, again.grade) == (first.score, first.grade)
