"""A report is in the reader's language throughout, whatever language the scan was made in.

Classification writes no words; a finding's title, explanation, fix and legal basis are
rendered from its rule, variant and parameters when the report is made. One scan whose
sites together fire every rule and every text variant (the observations of the rule
tests), made with ``--lang nl`` and kept in the SQLite history, is rendered in English
and in Dutch: each report holds every finding's words in its own language and none of
the other language's catalogue.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

import tests.test_classify_consent as consent_cases
import tests.test_classify_rules as rule_cases
from reports import diff_scans
from reports.env import make_env
from reports.render import render_diff_text, render_site
from scanner.classify import classify
from scanner.classify.parties import PartyResolver
from scanner.classify.rules import RULES
from scanner.domains import Domains
from scanner.knowledge import load_knowledge
from scanner.messages import LANGUAGES, load_messages, translator
from scanner.messages.findings import finding_text
from scanner.models import Finding, Scan, Site, SiteResult
from scanner.store.sqlite import SQLiteStore

DOCS = Path(__file__).resolve().parents[1] / "docs" / "rules.md"
NOW = datetime(2026, 5, 20, tzinfo=UTC)


def _cases() -> list[tuple[str, SiteResult, bool]]:
    """(name, observations, consent tested) of every case of the rule tests."""
    cases = [(name, rule_cases.site_result(**obs), False) for name, obs, *_ in rule_cases.CASES]
    for name, kw, *_ in consent_cases.CASES:
        kw = dict(kw)
        tested = bool(kw.pop("tested", True))
        cases.append((name, consent_cases.consent_result(**kw), tested))
    cases.append(("messy consent", consent_cases._messy(), True))
    return cases


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Scan:
    """The scan, classified once, made with --lang nl, read back from the SQLite history."""
    knowledge = load_knowledge()
    resolver = PartyResolver(Domains(), knowledge)
    sites = []
    for i, (name, result, tested) in enumerate(_cases()):
        # One host for all (first party stays testdorp.nl), a URL of its own per case.
        site = Site(f"{i:03d} {name}", f"{rule_cases.SITE.url}?case={i}")
        classified = classify(
            replace(result, site=site),
            resolver=resolver,
            knowledge=knowledge,
            now=NOW,
            consent_tested=tested,
        )
        sites.append(classified)
    made = Scan("words", "2026-05-20T00:00:00Z", options=(("lang", "nl"),), sites=tuple(sites))
    path = tmp_path_factory.mktemp("words") / "history.db"
    with SQLiteStore(path) as store:
        store.create_scan(made, [r.site for r in made.sites])
    with SQLiteStore(path) as store:
        loaded = store.get_scan("words")
    assert loaded == made
    return loaded


def _findings(scan: Scan) -> list[Finding]:
    return [f for r in scan.sites for f in r.findings]


def test_the_scan_fires_every_rule_and_variant(scan: Scan) -> None:
    fired = {(f.rule, f.variant) for f in _findings(scan)}
    assert fired == {(r.id, v) for r in RULES for v in ("", *r.variants)}
    assert all(f.params and not f.title for f in _findings(scan))  # facts, no words


def _other(lang: str) -> str:
    return next(other for other in LANGUAGES if other != lang)


def _plain(text: str) -> str:
    return " ".join(text.split())


def _foreign_fragments(lang: str) -> set[str]:
    """Pieces of the other catalogue's texts (between placeholders) that no text of
    ``lang``'s catalogue contains: if one shows up, a word of the wrong language did."""
    own = "\n".join(load_messages(lang).values())
    fragments = set()
    for text in load_messages(_other(lang)).values():
        for piece in re.split(r"\{\w+\}", text):
            piece = _plain(piece).strip(" ,.;:()'‘’“”")
            if len(piece) >= 16 and piece not in own:
                fragments.add(piece)
    return fragments


@pytest.mark.parametrize("lang", LANGUAGES)
def test_site_reports_are_in_one_language_throughout(scan: Scan, lang: str) -> None:
    env = make_env(lang)
    t, other = translator(lang), translator(_other(lang))
    foreign = _foreign_fragments(lang)
    assert len(foreign) > 250  # the check has teeth: most of the other catalogue
    checked = 0
    for result in scan.sites:
        page = _plain(BeautifulSoup(render_site(scan, result, env=env), "html.parser").get_text())
        for f in result.findings:
            words, elsewhere = finding_text(f, t), finding_text(f, other)
            for mine, theirs in zip(
                (words.title, words.explanation, words.fix, words.legal_basis),
                (elsewhere.title, elsewhere.explanation, elsewhere.fix, elsewhere.legal_basis),
                strict=True,
            ):
                assert _plain(mine) in page, (f.id, mine)
                assert mine == theirs or _plain(theirs) not in page, (f.id, theirs)
                checked += 1
            assert "?" not in words.title, words.title  # every placeholder was filled
        leaked = sorted(piece for piece in foreign if piece in page)
        assert not leaked, (result.site.name, leaked[:5])
    assert checked == 4 * len(_findings(scan))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_diff_text_is_in_the_readers_language(scan: Scan, lang: str) -> None:
    before = replace(scan, id="before", sites=tuple(replace(r, findings=()) for r in scan.sites))
    text = render_diff_text(diff_scans(before, scan), lang=lang)
    t, other = translator(lang), translator(_other(lang))
    for f in _findings(scan):
        mine, theirs = finding_text(f, t).title, finding_text(f, other).title
        assert mine in text
        assert mine == theirs or theirs not in text


def _documented_parameters() -> dict[str, tuple[set[str], set[str]]]:
    """docs/rules.md, "What a finding carries": rule id → (variants, parameter names)."""
    doc = DOCS.read_text(encoding="utf-8")
    section = doc[doc.index("## What a finding carries") : doc.index("## Adding a rule")]
    party = {"organisation", "service", "category", "domain", "country"}
    out = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        variants = set(re.findall(r"`([^`]+)`", cells[1]))
        # Only the names before any parenthesis; "party" stands for the party's five.
        names = set(re.findall(r"`([^`]+)`", re.sub(r"\([^)]*\)", "", cells[2])))
        out[cells[0].strip("`")] = (variants, names | (party if "party" in cells[2] else set()))
    return out


def test_docs_list_every_rules_variants_and_parameters(scan: Scan) -> None:
    documented = _documented_parameters()
    assert list(documented) == list(RULES.ids)
    produced: dict[str, set[str]] = {}
    for f in _findings(scan):
        produced.setdefault(f.rule, set()).update(name for name, _ in f.params)
    for rule in RULES:
        variants, names = documented[rule.id]
        assert variants == set(rule.variants), rule.id
        assert produced[rule.id] == names, rule.id
