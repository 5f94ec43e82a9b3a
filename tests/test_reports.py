"""Tests of the HTML, CSV and diff reports, rendered from a hand-built golden scan.

No browser: the HTML is parsed with BeautifulSoup. What matters most is that
nothing a website sent can become markup or a link, that the report loads
nothing, and that a diff fails CI exactly when it should.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import importlib.util
import io
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import ModuleType, SimpleNamespace

import jinja2
import pytest
from bs4 import BeautifulSoup, Tag

from reports.context import build_site_report, site_slugs, slugify
from reports.diff import SEVERITY_ORDER, ScanDiff
from reports.env import LANGUAGES, Translator, format_duration, load_messages, make_env
from reports.render import (
    csv_cell,
    diff_scans,
    diff_to_dict,
    exit_code_for,
    findings_csv,
    render_comparison,
    render_diff_html,
    render_diff_text,
    render_site,
    write_report,
)
from reports.script import ENHANCE_JS
from scanner.errors import ConfigError
from scanner.models import (
    Evidence,
    Finding,
    Phase,
    Scan,
    Screenshot,
    Severity,
    Site,
    SiteResult,
    SiteStatus,
)
from scanner.serialize import from_dict, to_dict

FIXTURES = Path(__file__).parent / "fixtures"
TEMPLATES = Path(__file__).parent.parent / "reports" / "templates"


def _load_golden() -> ModuleType:
    spec = importlib.util.spec_from_file_location("golden_fixture", FIXTURES / "golden.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


golden = _load_golden()


@pytest.fixture(scope="module")
def scan() -> Scan:
    """The golden scan as another tool would load it: from the JSON fixture."""
    data = json.loads((FIXTURES / "scan_golden.json").read_text(encoding="utf-8"))
    return from_dict(Scan, data)


@pytest.fixture(scope="module")
def previous() -> Scan:
    data = json.loads((FIXTURES / "scan_previous.json").read_text(encoding="utf-8"))
    return from_dict(Scan, data)


@pytest.fixture(scope="module", params=LANGUAGES)
def written(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    scan: Scan,
    previous: Scan,
) -> tuple[str, Path]:
    lang = str(request.param)
    out = tmp_path_factory.mktemp(f"report-{lang}")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
    shots = {
        "Assen": [("page", Phase.NONE, png), ("banner", Phase.REJECT, png)],
        "Aa en Hunze": [("page", Phase.NONE, b"<svg onload=alert(1)>")],
    }
    index = write_report(with_screenshots(scan, shots), out, lang=lang, previous=previous)
    return lang, index


def with_screenshots(scan: Scan, shots: dict[str, list[tuple[str, Phase, bytes]]]) -> Scan:
    """The scan with screenshots (label, phase, bytes) added to the named sites."""
    sites = tuple(
        replace(
            r,
            screenshots=tuple(
                Screenshot(label, r.site.url, "image/png", base64.b64encode(data).decode(), phase)
                for label, phase, data in shots.get(r.site.name, [])
            ),
        )
        for r in scan.sites
    )
    return replace(scan, sites=sites)


def _pages(index: Path) -> Iterator[tuple[Path, BeautifulSoup]]:
    for path in [index, *sorted((index.parent / "sites").glob("*.html"))]:
        yield path, BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _site_page(index: Path, slug: str) -> BeautifulSoup:
    path = index.parent / "sites" / f"{slug}.html"
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


# ----------------------------------------------------------------------------- fixture


def test_json_fixture_matches_builder(scan: Scan, previous: Scan) -> None:
    """The checked-in JSON is what tests/fixtures/golden.py builds (rerun it after edits)."""
    assert scan == golden.golden_scan()
    assert previous == golden.previous_scan()
    assert json.loads((FIXTURES / "scan_golden.json").read_text("utf-8")) == to_dict(scan)


# --------------------------------------------------------------------------- catalogues


def test_catalogues_have_the_same_keys() -> None:
    nl, en = load_messages("nl"), load_messages("en")
    assert sorted(set(nl) ^ set(en)) == []
    assert all(v.strip() for v in (*nl.values(), *en.values()))


def test_catalogue_placeholders_agree() -> None:
    nl, en = load_messages("nl"), load_messages("en")
    fields = re.compile(r"\{(\w+)\}")
    for key in nl:
        if key.endswith(".one"):
            continue  # the singular may spell the number out ("één")
        assert set(fields.findall(nl[key])) == set(fields.findall(en[key])), key


def _template_keys() -> tuple[set[str], set[str]]:
    literal: set[str] = set()
    prefixes: set[str] = set()
    call = re.compile(r"\b(?:t|_)\(\s*[\"']([^\"']+)[\"']\s*(~)?")
    for path in TEMPLATES.glob("*.html"):
        for key, concat in call.findall(path.read_text(encoding="utf-8")):
            (prefixes if concat else literal).add(key)
    return literal, prefixes


def test_every_template_key_exists() -> None:
    literal, prefixes = _template_keys()
    assert literal, "no keys found: the extraction pattern is broken"
    for lang in LANGUAGES:
        messages = load_messages(lang)
        assert sorted(k for k in literal if k not in messages) == [], lang
        for prefix in prefixes:
            assert any(k.startswith(prefix) for k in messages), prefix


@pytest.mark.parametrize("lang", LANGUAGES)
def test_dynamic_keys_exist(lang: str) -> None:
    messages = load_messages(lang)
    keys = [f"severity.{s.value}" for s in Severity]
    keys += [f"severity.explain.{s.value}" for s in Severity]
    keys += [f"phase.{p.value}" for p in Phase] + [f"phase.title.{p.value}" for p in Phase]
    keys += [f"status.{s.value}" for s in SiteStatus]
    directions = ("improved", "worsened", "unchanged", "added", "removed", "unknown")
    keys += [f"change.{kind}.{d}" for kind in ("direction", "short") for d in directions]
    verdicts = ("clean", "review", "likely_violation", "violation", "failed", "pending", "partial")
    keys += [f"verdict.{v}" for v in verdicts]
    keys += [f"source.{s}" for s in ("http", "js", "unknown")]
    keys += [f"month.{m}" for m in range(1, 13)]
    categories = [
        "necessary",
        "functional",
        "analytics",
        "marketing",
        "social",
        "video",
        "session_replay",
        "fingerprinting",
        "fonts",
        "cdn",
        "consent",
        "maps",
        "security",
    ]
    keys += [f"category.{c}" for c in categories]
    assert [k for k in keys if k not in messages] == []


def test_templates_never_mark_data_safe() -> None:
    for path in TEMPLATES.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "|safe" not in text.replace(" ", ""), path.name
        assert "autoescape false" not in text, path.name


def test_unknown_language_is_a_user_error() -> None:
    with pytest.raises(ConfigError):
        make_env("de")


# ---------------------------------------------------------------------------- filters


@pytest.mark.parametrize(
    ("seconds", "nl", "en"),
    [
        (None, "sessie (tot de browser sluit)", "session (until the browser closes)"),
        (30, "30 seconden", "30 seconds"),
        (15 * 60, "15 minuten", "15 minutes"),
        (3600, "1 uur", "1 hour"),
        (86400, "1 dag", "1 day"),
        (30 * 86400, "30 dagen", "30 days"),
        (90 * 86400, "3 maanden", "3 months"),
        (365 * 86400, "1 jaar", "1 year"),
        (395 * 86400, "13 maanden", "13 months"),
        (2 * 365 * 86400 + 86400, "2 jaar", "2 years"),
    ],
)
def test_durations_read_like_speech(seconds: int | None, nl: str, en: str) -> None:
    assert format_duration(seconds, Translator("nl", load_messages("nl"))) == nl
    assert format_duration(seconds, Translator("en", load_messages("en"))) == en


def test_dates_in_dutch_and_english() -> None:
    assert (
        make_env("nl").filters["date"]("2026-11-28T19:03:04.123Z") == "28 november 2026, 19:03 UTC"
    )
    assert make_env("en").filters["date"]("2026-03-01T00:00:00Z") == "1 March 2026, 00:00 UTC"


def test_singular_variant_for_one() -> None:
    t = Translator("nl", load_messages("nl"))
    assert t("change.new", n=1) == "1 nieuwe bevinding"
    assert t("change.new", n=3) == "3 nieuwe bevindingen"


# ----------------------------------------------------------------------------- render


def test_every_site_has_a_page(written: tuple[str, Path], scan: Scan) -> None:
    _lang, index = written
    soup = BeautifulSoup(index.read_text(encoding="utf-8"), "html.parser")
    ranking = soup.find("table", id="ranking-all")
    assert isinstance(ranking, Tag)
    hrefs = [a["href"] for a in ranking.select("tbody th a")]
    assert sorted(hrefs) == sorted(f"sites/{s}.html" for s in site_slugs(scan))
    for href in hrefs:
        page = index.parent / str(href)
        assert page.is_file()
        assert scan.sites[0].site.name or page  # names appear below
    names = {r.site.name for r in scan.sites}
    assert names <= {a.get_text(strip=True) for a in ranking.select("tbody th a")}


def test_html_lang_and_one_h1(written: tuple[str, Path]) -> None:
    lang, index = written
    for path, soup in _pages(index):
        html = soup.find("html")
        assert isinstance(html, Tag) and html.get("lang") == lang, path
        assert len(soup.find_all("h1")) == 1, path


def test_findings_grouped_by_severity_worst_first(written: tuple[str, Path]) -> None:
    _lang, index = written
    soup = _site_page(index, "assen")
    sections = [h.get("id") for h in soup.find_all("h3") if str(h.get("id", "")).startswith("sev-")]
    assert sections == ["sev-violation", "sev-likely_violation", "sev-review"]
    for sev in ("violation", "likely_violation", "review"):
        heading = soup.find("h3", id=f"sev-{sev}")
        assert isinstance(heading, Tag)
        section = heading.find_parent("section")
        assert isinstance(section, Tag)
        articles = section.find_all("article")
        assert articles
        for article in articles:
            assert f"sev-border-{sev}" in article["class"]
            badge = article.find("span", class_="sev")
            assert isinstance(badge, Tag) and badge.get_text(strip=True)  # a word, not only colour
    assert "embed-before-consent:YouTube" in soup.get_text()


def test_new_finding_is_marked(written: tuple[str, Path]) -> None:
    _lang, index = written
    soup = _site_page(index, "assen")
    new = [a for a in soup.find_all("article") if a.find("span", class_="tag-new")]
    assert len(new) == 1 and "embed-before-consent:YouTube" in new[0].get_text()


def test_failed_and_partial_sites(written: tuple[str, Path]) -> None:
    lang, index = written
    t = Translator(lang, load_messages(lang))
    failed = _site_page(index, "het-hogeland").get_text(" ")
    assert t("error.tls") in failed
    assert "2026-11-01" in failed  # the error message
    partial = _site_page(index, "westerkwartier").get_text(" ")
    assert t("verdict.partial") in partial
    assert t("error.timeout") in partial


def test_hostile_strings_stay_text(written: tuple[str, Path]) -> None:
    _lang, index = written
    for path, soup in _pages(index):
        raw = path.read_text(encoding="utf-8")
        assert "<img src=x" not in raw, path
        assert "onerror=alert" not in raw.replace("onerror=alert(1)&gt;", ""), path
        assert not soup.select("[onerror]"), path
        scripts = soup.find_all("script")
        assert len(scripts) == 1 and scripts[0].string == ENHANCE_JS, path
        assert soup.head is not None and len(soup.head.find_all("title")) == 1, path
        for tag in soup.find_all(True):
            for name, value in tag.attrs.items():
                values = value if isinstance(value, list) else [value]
                for v in values:
                    assert not str(v).strip().lower().startswith("javascript:"), (path, name)
                assert not name.lower().startswith("on"), (path, name)
        assert 'href="javascript:' not in raw.lower()
    assen = _site_page(index, "assen")
    text = assen.get_text()
    assert golden.HOSTILE_COOKIE in text
    assert golden.HOSTILE_TITLE in text
    assert golden.HOSTILE_URL in text


def test_csp_and_no_external_resources(written: tuple[str, Path]) -> None:
    _lang, index = written
    for path, soup in _pages(index):
        meta = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
        assert isinstance(meta, Tag), path
        csp = str(meta["content"])
        assert "default-src 'none'" in csp and "img-src data:" in csp
        assert "'unsafe-inline'" not in csp.split("script-src")[1]
        digest = base64.b64encode(hashlib.sha256(ENHANCE_JS.encode()).digest()).decode()
        assert f"script-src 'sha256-{digest}'" in csp
        assert soup.find("link") is None
        for tag in soup.find_all(["link", "script", "img", "iframe", "source", "object", "embed"]):
            for attr in ("src", "href", "data", "srcset"):
                value = str(tag.get(attr) or "")
                assert not re.match(r"\s*(https?:)?//", value, re.I), (path, tag.name, value)
        for img in soup.find_all("img"):
            assert str(img["src"]).startswith("data:image/png;base64,")
            assert img.get("alt")


def test_links_are_relative_or_legal_https(written: tuple[str, Path], scan: Scan) -> None:
    _lang, index = written
    site_urls = {r.site.url.rstrip("/") for r in scan.sites}
    for path, soup in _pages(index):
        ids = {str(tag["id"]) for tag in soup.find_all(id=True)}
        for a in soup.find_all("a", href=True):
            href = str(a["href"])
            if href.startswith("#"):
                assert href[1:] in ids, (path, href)
            elif "://" in href:
                assert href.startswith("https://"), (path, href)
                assert href.rstrip("/") not in site_urls, (path, href)
                assert set(a["rel"]) >= {"noopener", "noreferrer"}, (path, href)
            else:
                assert (path.parent / href).resolve().is_file(), (path, href)


def _check_structure(soup: BeautifulSoup, where: object) -> None:
    skip = soup.find("a", class_="skip")
    assert isinstance(skip, Tag) and skip["href"] == "#main" and soup.find(id="main"), where
    levels = [int(h.name[1]) for h in soup.find_all(re.compile(r"^h[1-6]$"))]
    assert levels[0] == 1, where
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, (where, levels)
    for table in soup.find_all("table"):
        assert table.find("caption"), where
        for th in table.find_all("th"):
            assert th.get("scope") in ("col", "row"), (where, th)
    for svg in soup.find_all("svg"):
        assert svg.get("role") == "img" and svg.find("title"), where


def test_accessible_structure(written: tuple[str, Path]) -> None:
    _lang, index = written
    for path, soup in _pages(index):
        _check_structure(soup, path)


def test_grades_and_screenshots_shown(written: tuple[str, Path]) -> None:
    _lang, index = written
    soup = BeautifulSoup(index.read_text(encoding="utf-8"), "html.parser")
    grades = {g.get_text(strip=True) for g in soup.select("#ranking-all .grade")}
    assert {"A", "C", "F"} <= grades
    assen = _site_page(index, "assen")
    assert len(assen.find_all("img")) == 2
    assert not _site_page(index, "aa-en-hunze").find_all("img")  # not a raster image: skipped


def test_comparison_headline_and_matrix(scan: Scan) -> None:
    soup = BeautifulSoup(render_comparison(scan, env=make_env("en")), "html.parser")
    figures = [li.strong.get_text() for li in soup.select("ul.figures li") if li.strong]
    assert figures == ["67%", "67%", "2", "1"]
    headers = [th.get_text(strip=True) for th in soup.select("table.matrix thead th")]
    assert headers[1:] == ["Google", "Hotjar", "Meta"]
    assert soup.find("section", attrs={"aria-labelledby": "province-1"})
    assert "Changes since the previous scan" not in soup.get_text()


def test_render_site_without_previous(scan: Scan) -> None:
    html = render_site(scan, scan.sites[0], env=make_env("nl"))
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find(id="change") is None
    assert "Aa en Hunze" in soup.title.get_text() if soup.title else False


# ---------------------------------------------------------------- strict undefined


def test_missing_variable_raises() -> None:
    env = make_env("nl")
    with pytest.raises(jinja2.UndefinedError):
        env.get_template("site.html").render()


def test_broken_context_raises(scan: Scan) -> None:
    report = build_site_report(scan, scan.sites[1])
    fields = {name: getattr(report, name) for name in report.__slots__ if name != "cookie_groups"}
    broken = SimpleNamespace(**fields)
    with pytest.raises(jinja2.UndefinedError):
        make_env("en").get_template("site.html").render(report=broken)


def test_missing_message_raises() -> None:
    env = make_env("nl")
    with pytest.raises(KeyError):
        env.from_string('{{ t("no.such.key") }}').render()


# ------------------------------------------------------------------------------- CSV


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_cell_neutralises_formulas(start: str) -> None:
    assert csv_cell(start + "cmd|' /C calc'!A0") == "'" + start + "cmd|' /C calc'!A0"


def test_csv_cell_leaves_plain_text() -> None:
    assert csv_cell("Assen") == "Assen"
    assert csv_cell(None) == ""
    assert csv_cell(12) == "12"


def test_findings_csv(scan: Scan, written: tuple[str, Path]) -> None:
    hostile = Finding(
        id="x",
        rule="x",
        severity=Severity.REVIEW,
        subject="@SUM(1+1)*cmd|' /C calc'!A0",
        title='=HYPERLINK("https://evil.example","klik")',
        fix="+1",
    )
    assen = scan.sites[1]
    edited = replace(scan, sites=(replace(assen, findings=(*assen.findings, hostile)),))
    rows = list(csv.DictReader(io.StringIO(findings_csv(edited))))
    row = next(r for r in rows if r["finding_id"] == "x")
    assert row["title"].startswith("'=") and row["subject"].startswith("'@")
    assert row["fix"] == "'+1"
    assert len(rows) == len(assen.findings) + 1
    _lang, index = written
    raw = (index.parent / "findings.csv").read_text(encoding="utf-8")
    assert raw.startswith("\ufeffsite,")
    written_rows = list(csv.DictReader(io.StringIO(raw.lstrip("\ufeff"))))
    assert {r["site"] for r in written_rows} == {r.site.name for r in scan.sites}
    for r in written_rows:
        assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in r.values())


# ------------------------------------------------------------------------------ diff


def test_diff_by_finding_id(scan: Scan, previous: Scan) -> None:
    diff = diff_scans(previous, scan)
    by_name = {s.name: s for s in diff.sites}
    assen = by_name["Assen"]
    assert [f.id for f in assen.new] == ["embed-before-consent:YouTube"]
    assert [f.id for f in assen.fixed] == ["third-party-tracking-before-consent:LinkedIn"]
    assert len(assen.persisting) == 4 and assen.direction == "improved"
    aa = by_name["Aa en Hunze"]
    assert [f.id for f in aa.fixed] == ["cookie-analytics-before-consent:nmstat@.aaenhunze.nl"]
    assert not aa.new and [f.id for f in aa.persisting] == [
        "consent-banner-present:www.aaenhunze.nl"
    ]
    hogeland = by_name["Het Hogeland"]
    assert not hogeland.comparable
    assert (hogeland.new, hogeland.fixed, hogeland.persisting) == ((), (), ())  # failure is no fix
    wk = by_name["Westerkwartier"]
    assert not wk.new and not wk.fixed and len(wk.persisting) == 2
    assert (diff.new_count, diff.fixed_count, diff.persisting_count) == (1, 2, 7)


def test_diff_added_and_removed_sites(scan: Scan) -> None:
    old = replace(scan, id="old", sites=scan.sites[:2])
    new = replace(scan, id="new", sites=scan.sites[1:])
    diff = diff_scans(old, new)
    directions = {s.name: s.direction for s in diff.sites}
    assert directions == {
        "Assen": "unchanged",
        "Het Hogeland": "added",
        "Westerkwartier": "added",
        "Aa en Hunze": "removed",
    }
    by_name = {s.name: s for s in diff.sites}
    assert len(by_name["Westerkwartier"].new) == 2  # a new site's findings are all new
    assert by_name["Aa en Hunze"].fixed == ()


def _diff_with_new(severity: Severity | None) -> ScanDiff:
    site = Site("Testdorp", "https://www.testdorp.nl", "Utrecht", "GM9999")
    old = Scan("old", "2026-01-01T00:00:00Z", sites=(SiteResult(site),))
    findings: tuple[Finding, ...] = ()
    if severity is not None:
        findings = (
            Finding(
                f"r:{severity.value}",
                "r",
                severity,
                "s",
                "t",
                evidence=(Evidence("https://www.testdorp.nl/", Phase.NONE),),
            ),
        )
    new = Scan("new", "2026-02-01T00:00:00Z", sites=(SiteResult(site, findings=findings),))
    return diff_scans(old, new)


_RANK = {s: i for i, s in enumerate(SEVERITY_ORDER)}
_CASES = [
    (
        fail_on,
        new,
        1 if fail_on is not None and new is not None and _RANK[new] <= _RANK[fail_on] else 0,
    )
    for fail_on in (None, *SEVERITY_ORDER)
    for new in (None, *SEVERITY_ORDER)
]


@pytest.mark.parametrize(("fail_on", "new", "expected"), _CASES)
def test_exit_code_for(fail_on: Severity | None, new: Severity | None, expected: int) -> None:
    diff = _diff_with_new(new)
    assert exit_code_for(diff, fail_on) == expected


@pytest.mark.parametrize(
    ("fail_on", "expected"),
    [
        (None, 0),
        (Severity.VIOLATION, 0),
        (Severity.LIKELY_VIOLATION, 1),
        (Severity.REVIEW, 1),
        (Severity.INFO, 1),
    ],
)
def test_exit_code_for_golden(
    scan: Scan, previous: Scan, fail_on: Severity | None, expected: int
) -> None:
    assert exit_code_for(diff_scans(previous, scan), fail_on) == expected


def test_persisting_findings_never_fail_ci(scan: Scan) -> None:
    assert exit_code_for(diff_scans(scan, scan), Severity.INFO) == 0


def test_diff_to_dict_is_json(scan: Scan, previous: Scan) -> None:
    data = json.loads(json.dumps(diff_to_dict(diff_scans(previous, scan))))
    assert data["format"] == "privacyscan-diff/1"
    assert data["summary"] == {"new": 1, "fixed": 2, "persisting": 7}
    assen = next(s for s in data["sites"] if s["name"] == "Assen")
    assert assen["new"][0]["id"] == "embed-before-consent:YouTube"
    assert assen["new"][0]["severity"] == "likely_violation"


def test_diff_text_strips_terminal_escapes(scan: Scan, previous: Scan) -> None:
    assen = scan.sites[1]
    evil = Finding("evil", "r", Severity.VIOLATION, "s", "\x1b[2J\x1b[31mgehackt\u202e")
    edited = replace(scan, sites=(replace(assen, findings=(*assen.findings, evil)),))
    text = render_diff_text(diff_scans(previous, edited), lang="en")
    assert "\x1b" not in text and "\u202e" not in text
    assert "[2J[31mgehackt" in text
    assert "+ [Violation]" in text


def test_diff_html(scan: Scan, previous: Scan) -> None:
    for lang in LANGUAGES:
        html = render_diff_html(diff_scans(previous, scan), env=make_env(lang))
        soup = BeautifulSoup(html, "html.parser")
        assert soup.find("html")["lang"] == lang  # type: ignore[index]
        assert "embed-before-consent:YouTube" in soup.get_text()
        _check_structure(soup, lang)
        assert "<img src=x" not in html
        assert len(soup.find_all("script")) == 1


# ----------------------------------------------------------------------------- slugs


def test_slugs_are_unique_and_path_safe(scan: Scan) -> None:
    assert slugify("Súdwest-Fryslân") == "sudwest-fryslan"
    assert slugify("../../etc/passwd") == "etc-passwd"
    assert slugify("<>") == "site"
    twins = replace(scan, sites=(scan.sites[0], scan.sites[0], replace(scan.sites[0])))
    assert site_slugs(twins) == ("aa-en-hunze", "aa-en-hunze-2", "aa-en-hunze-3")
