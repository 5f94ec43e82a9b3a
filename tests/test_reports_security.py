"""The security section of the site report and the security ranking of the comparison.

Two classified sites (one in order, one falling short, with a hostile header value a
site could send), rendered in Dutch and English: the section holds the security grade,
each security finding with its norm and its fix in the reader's language, the facts
measured and what is not measured (Internet.nl); the privacy findings stay out of it;
the comparison ranks by security grade as well; a diff's --fail-on sees a new security
finding.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from bs4 import BeautifulSoup

from reports import diff_scans
from reports.diff import exit_code_for
from reports.env import make_env
from reports.render import render_comparison, render_site
from scanner.classify import classify
from scanner.classify.parties import PartyResolver
from scanner.classify.registry import SECURITY
from scanner.classify.rules import RULES
from scanner.domains import Domains
from scanner.knowledge import load_knowledge
from scanner.messages import LANGUAGES, translator
from scanner.messages.findings import finding_text
from scanner.models import Scan, Severity, Site, SiteResult
from tests.test_classify_rules import NOW, ck, doc, probe, sec, site_result

HOSTILE = "default-src 'self'; script-src <script>alert(1)</script>"


def _classify(result: SiteResult) -> SiteResult:
    knowledge = load_knowledge()
    return classify(
        result, resolver=PartyResolver(Domains(), knowledge), knowledge=knowledge, now=NOW
    )


@pytest.fixture(scope="module")
def scan() -> Scan:
    good = _classify(
        replace(site_result(security=sec()), site=Site("Goeddorp", "https://www.testdorp.nl/"))
    )
    weak = _classify(
        replace(
            site_result(
                cookies=[ck("_fbp")],
                security=sec(
                    doc(hsts=None, csp=HOSTILE, referrer_policy="unsafe-url"),
                    probe(http_status=200, http_location=None),
                ),
            ),
            site=Site("Zwakstad", "https://www.testdorp.nl/?zwak"),
        )
    )
    return Scan("s1", "2026-05-20T09:00:00Z", sites=(weak, good))


def test_grades_are_apart(scan: Scan) -> None:
    weak, good = scan.sites
    assert (good.security_grade, good.security_score) == ("A", 100)
    assert weak.security_grade == "D"  # two violations: no HSTS, http serves the site
    alone = _classify(replace(weak, security=None, findings=()))
    assert (weak.score, weak.grade) == (alone.score, alone.grade)  # privacy unchanged


@pytest.mark.parametrize("lang", LANGUAGES)
def test_site_report_has_the_security_section(scan: Scan, lang: str) -> None:
    weak = scan.sites[0]
    html = render_site(scan, weak, env=make_env(lang))
    soup = BeautifulSoup(html, "html.parser")
    section_heading = soup.find(id="security")
    assert section_heading is not None and soup.find("a", href="#security") is not None
    t = translator(lang)
    text = soup.get_text(" ")
    assert t("security.heading") in text and t("security.not_measured") in text
    security = RULES.of_grade(weak.findings, SECURITY)
    assert {f.rule for f in security} >= {"security-hsts-missing", "security-https-redirect"}
    for f in security:
        words = finding_text(f, t)
        assert words.title in text and words.fix in text and words.legal_basis in text
    privacy = [f for f in weak.findings if f not in security]
    assert privacy, "the site has privacy findings too"
    security_part = html[html.index('id="security"') : html.index('id="banner"')]
    for f in privacy:
        assert finding_text(f, t).title not in security_part
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_comparison_ranks_by_security_grade(scan: Scan, lang: str) -> None:
    soup = BeautifulSoup(render_comparison(scan, env=make_env(lang)), "html.parser")
    table = soup.find(id="ranking-security")
    assert table is not None
    names = [a.get_text() for a in table.select("tbody th a")]
    assert names == ["Goeddorp", "Zwakstad"]
    assert translator(lang)("cmp.security_ranking") in soup.get_text(" ")


def test_fail_on_sees_a_new_security_finding(scan: Scan) -> None:
    weak, good = scan.sites
    before = replace(
        scan,
        id="s0",
        sites=(replace(weak, findings=RULES.of_grade(weak.findings, "privacy")), good),
    )
    diff = diff_scans(before, scan)
    new = [f for s in diff.sites for f in s.new]
    assert new and all(RULES.grade_of(f.rule) == SECURITY for f in new)
    assert exit_code_for(diff, Severity.VIOLATION) == 1
