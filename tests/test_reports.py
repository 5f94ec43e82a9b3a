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
from typing import Any

import jinja2
import pytest
from bs4 import BeautifulSoup, Tag

from reports.context import (
    build_comparison_report,
    build_site_report,
    site_slugs,
    slugify,
)
from reports.diff import ScanDiff
from reports.env import LANGUAGES, Translator, format_duration, load_messages, make_env
from reports.render import (
    diff_scans,
    diff_to_dict,
    exit_code_for,
    render_comparison,
    render_diff_html,
    render_diff_text,
    render_site,
    write_report,
)
from reports.script import ENHANCE_JS
from scanner.classify.verdicts import judge
from scanner.errors import ConfigError
from scanner.export import findings_csv
from scanner.models import (
    Banner,
    BannerButton,
    ConsentChoice,
    Cookie,
    Evidence,
    Finding,
    KnowledgeShare,
    Party,
    Phase,
    Request,
    Scan,
    Screenshot,
    Severity,
    Site,
    SiteResult,
    SiteStatus,
    Verdicts,
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
            assert re.match(r"data:image/(png|jpeg);base64,", str(img["src"]))
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
    assert len(assen.find_all("img")) == 3  # two page screenshots and the banner
    banner = assen.select("#banner ~ figure.banner-shot img")
    assert len(banner) == 1
    assert banner[0]["src"] == "data:image/jpeg;base64," + golden.BANNER_JPEG
    assert not _site_page(index, "aa-en-hunze").find_all("img")  # not a raster image: skipped


def test_comparison_headline_and_matrix(scan: Scan) -> None:
    soup = BeautifulSoup(render_comparison(scan, env=make_env("en")), "html.parser")
    figures = [li.strong.get_text() for li in soup.select("ul.figures li") if li.strong]
    # Tracking 2 of 3 measured; non-EEA 2 of 3; without a banner 1 (Westerkwartier) of the
    # 2 that track; refusing works on 0 of 1 (Assen keeps _ga and the Meta pixel).
    assert figures == ["67%", "67%", "50%", "0%", "2", "1"]
    headers = [th.get_text(strip=True) for th in soup.select("table.matrix thead th")]
    assert headers[1:] == ["Google", "Hotjar", "Meta"]
    assert soup.find("section", attrs={"aria-labelledby": "province-1"})
    assert "Changes since the previous scan" not in soup.get_text()


def test_render_site_without_previous(scan: Scan) -> None:
    html = render_site(scan, scan.sites[0], env=make_env("nl"))
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find(id="change") is None
    assert "Aa en Hunze" in soup.title.get_text() if soup.title else False


def test_international_host_shown_in_unicode_beside_punycode(scan: Scan) -> None:
    """Issue 11: the punycode the scan used, and the name the reader knows."""
    idn = "https://www.xn--gemeente-strae-dgb.nl/"
    result = replace(scan.sites[0], site=replace(scan.sites[0].site, url=idn, name=idn[8:-1]))
    html = render_site(scan, result, env=make_env("nl"))
    text = BeautifulSoup(html, "html.parser").get_text()
    assert f"{idn} (www.gemeente-straße.nl)" in text
    assert "www.xn--gemeente-strae-dgb.nl (www.gemeente-straße.nl)" in text  # the heading


# ---------------------------------------------------------------- strict undefined


def test_missing_variable_raises() -> None:
    env = make_env("nl")
    with pytest.raises(jinja2.UndefinedError):
        env.get_template("site.html").render()


def test_broken_context_raises(scan: Scan) -> None:
    report = build_site_report(scan, scan.sites[1])
    fields = {name: getattr(report, name) for name in report.__slots__ if name != "cookies"}
    broken = SimpleNamespace(**fields)
    with pytest.raises(jinja2.UndefinedError):
        make_env("en").get_template("site.html").render(report=broken)


def test_missing_message_raises() -> None:
    env = make_env("nl")
    with pytest.raises(KeyError):
        env.from_string('{{ t("no.such.key") }}').render()


# ------------------------------------------------------------------------------- CSV


def test_findings_csv(scan: Scan, written: tuple[str, Path]) -> None:
    """The report's findings.csv is the export's (one writer), with a BOM for Excel and
    the findings' words in the report's language."""
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
    assert (row["site_name"], row["site_province"], row["site_grade"]) == ("Assen", "Drenthe", "F")
    lang, index = written
    raw = (index.parent / "findings.csv").read_bytes().decode("utf-8")
    assert raw == "\ufeff" + findings_csv(scan, lang=lang)
    written_rows = list(csv.DictReader(io.StringIO(raw.lstrip("\ufeff"))))
    with_findings = {r.site.name for r in scan.sites if r.findings}
    assert {r["site_name"] for r in written_rows} == with_findings
    assert len(written_rows) == sum(len(r.findings) for r in scan.sites)
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
    assert not aa.new and [f.id for f in aa.persisting] == ["no-consent-needed:www.aaenhunze.nl"]
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


_RANK = {s: i for i, s in enumerate(Severity)}
_CASES = [
    (
        fail_on,
        new,
        1 if fail_on is not None and new is not None and _RANK[new] <= _RANK[fail_on] else 0,
    )
    for fail_on in (None, *Severity)
    for new in (None, *Severity)
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


# ----------------------------------------------------- consent banner and the visitors


def _marks(table: Tag) -> dict[str, list[str]]:
    """Row heading (first line) → the screen-reader text of each phase column."""
    out: dict[str, list[str]] = {}
    for tr in table.select("tbody tr"):
        th = tr.find("th")
        assert isinstance(th, Tag)
        name = (th.find("code") or th).get_text().strip().split("\n")[0]
        cells = []
        for td in tr.find_all("td", class_="mark"):
            symbol = td.find("span", attrs={"aria-hidden": "true"})
            assert isinstance(symbol, Tag) and symbol.get_text().strip() in ("✓", "–")
            hidden = td.find("span", class_="visually-hidden")
            text = hidden.get_text() if isinstance(hidden, Tag) else td.get_text()
            cells.append(symbol.get_text().strip() + " " + text.replace("✓", "").strip())
        out[name] = cells
    return out


def _row_head(tr: Tag, sep: str = "", *, strip: bool = False) -> str:
    th = tr.find("th")
    assert isinstance(th, Tag)
    return th.get_text(sep, strip=strip)


def _next(tag: Tag) -> Tag:
    sibling = tag.find_next_sibling()
    assert isinstance(sibling, Tag)
    return sibling


def _table_after(soup: BeautifulSoup, heading_id: str) -> Tag:
    heading = soup.find("h2", id=heading_id)
    assert isinstance(heading, Tag)
    table = heading.find_next("table")
    assert isinstance(table, Tag)
    assert table.find_previous("h2") is heading, f"no table under #{heading_id}"
    return table


def test_cookie_table_shows_the_three_visitors(written: tuple[str, Path]) -> None:
    lang, index = written
    t = Translator(lang, load_messages(lang))
    soup = _site_page(index, "assen")
    table = _table_after(soup, "cookies")
    heads = [th.get_text(strip=True) for th in table.select("thead th.mark")]
    assert heads == [t("phase.column.none"), t("phase.column.reject"), t("phase.column.accept")]
    yes, no = "✓ " + t("cookies.set_yes"), "– " + t("cookies.set_no")
    marks = _marks(table)
    assert marks["_ga"] == [yes, yes, yes]  # survives refusing
    assert marks["_fbp"] == [yes, no, yes]
    assert marks["_gcl_au"] == [no, no, yes]  # only after accepting
    assert marks["assen_cookie_consent"] == [no, yes, yes]
    assert marks["YSC"] == [yes, no, no]
    assert marks[golden.HOSTILE_COOKIE] == [yes, no, no]
    assert len(marks) == 9  # one row per cookie identity, not per phase
    # Descriptive columns come from the first visitor's record.
    row = next(tr for tr in table.select("tbody tr") if "_gcl_au" in _row_head(tr))
    assert "Google Ads" in row.get_text() and t("category.marketing") in row.get_text()
    flag = soup.select_one("#cookies ~ p.flag")
    assert flag is not None and t("cookies.after_refusal", n=1) in flag.get_text()
    assert [c.get_text() for c in flag.find_all("code")] == ["_ga"]


def test_single_visitor_scan_has_one_column(written: tuple[str, Path]) -> None:
    lang, index = written
    t = Translator(lang, load_messages(lang))
    for slug, heading in (
        ("westerkwartier", "cookies"),
        ("westerkwartier", "third-parties"),
        ("aa-en-hunze", "cookies"),
    ):
        soup = _site_page(index, slug)
        table = _table_after(soup, heading)
        heads = [th.get_text(strip=True) for th in table.select("thead th.mark")]
        assert heads == [t("phase.column.none")], (slug, heading)
        if heading == "cookies":
            caption = table.find("caption")
            assert caption is not None and t("phase.none") in caption.get_text()
        assert soup.select_one("#cookies ~ p.flag") is None
    marks = _marks(_table_after(_site_page(index, "westerkwartier"), "cookies"))
    assert marks == {"_hjSessionUser_123456": ["✓ " + t("cookies.set_yes")]}


def test_third_parties_per_visitor(written: tuple[str, Path]) -> None:
    lang, index = written
    t = Translator(lang, load_messages(lang))
    table = _table_after(_site_page(index, "assen"), "third-parties")
    rows = {_row_head(tr, "\n").split("\n")[0]: tr for tr in table.select("tbody tr")}
    cells = {
        org: [td.get_text(" ", strip=True) for td in tr.find_all("td", class_="mark")]
        for org, tr in rows.items()
    }
    none = "– " + t("third.not_contacted")
    assert cells["Siteimprove"] == [none, none, "✓ " + t("third.requests", n=1, count="1")]
    assert cells["Meta"] == [
        "✓ " + t("third.requests", n=4, count="4"),
        "✓ " + t("third.requests", n=3, count="3"),
        "✓ " + t("third.requests", n=3, count="3"),
    ]


def test_banner_section(written: tuple[str, Path]) -> None:
    lang, index = written
    t = Translator(lang, load_messages(lang))
    soup = _site_page(index, "assen")
    toc = [a["href"] for a in soup.select("nav li a")]
    assert "#banner" in toc and toc.index("#banner") < toc.index("#cookies")
    heading = soup.find("h2", id="banner")
    assert isinstance(heading, Tag)
    section = []
    for el in heading.find_next_siblings():
        if el.name == "h2":
            break
        section.append(el)
    text = " ".join(el.get_text(" ", strip=True) for el in section)
    assert t("banner.found", cmp=t("banner.custom")) in text
    flags = [el.get_text(" ", strip=True) for el in section if "flag" in (el.get("class") or [])]
    assert len(flags) == 1 and t("banner.no_reject_first") in flags[0]  # flagged, not a wall
    assert t("banner.wall") not in text
    buttons = next(el for el in section if el.find("table")).find("table")
    assert isinstance(buttons, Tag)
    rows = [
        [c.get_text(strip=True) for c in tr.find_all(["th", "td"])]
        for tr in buttons.select("tbody tr")
    ]
    assert [r[:2] for r in rows] == [
        ["Alles accepteren", t("banner.role.accept")],
        ["Instellingen", t("banner.role.settings")],
    ]
    assert "Wij gebruiken cookies" in text  # the banner's own text
    assert t("banner.choice.reject") in text and t("banner.choice.accept") in text
    assert "“Alles weigeren”" in text and t("banner.layer.2") in text
    assert "“Alles accepteren”" in text and t("banner.layer.1") in text
    assert "matched the reject rule" in text  # the scanner's reason
    assert t("banner.remembered") in text and t("banner.not_remembered") not in text
    assert t("fp.heading") in soup.get_text()
    fp = _table_after(soup, "fingerprinting")
    fp_text = fp.get_text(" ", strip=True)
    assert "canvas.toDataURL" in fp_text and "fbevents.js" in fp_text and "Meta" in fp_text
    assert not fp.find("a")  # the script URL is text, never a link

    aa = _site_page(index, "aa-en-hunze")
    aa_heading = aa.find("h2", id="banner")
    assert isinstance(aa_heading, Tag)
    sentence = aa_heading.find_next_sibling()
    assert isinstance(sentence, Tag) and sentence.get_text(strip=True) == t("banner.none")
    assert _next(sentence).get("id") == "cookies"  # one sentence, nothing else
    assert aa.find(id="fingerprinting") is None
    failed = _site_page(index, "het-hogeland").find("h2", id="banner")
    assert isinstance(failed, Tag)
    assert _next(failed).get_text(strip=True) == t("not_measured")


def _assen(scan: Scan) -> SiteResult:
    return next(r for r in scan.sites if r.site.name == "Assen")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_hostile_banner_text_stays_text(scan: Scan, lang: str) -> None:
    hostile = golden.HOSTILE_COOKIE
    assen = _assen(scan)
    assert assen.banner is not None
    banner = replace(
        assen.banner,
        cmp=hostile,
        text=hostile,
        page_url=golden.HOSTILE_URL,
        buttons=(BannerButton(hostile, "reject", hostile), BannerButton("OK", hostile)),
    )
    choices = tuple(
        replace(c, element_text=hostile, reason=hostile, rule=hostile) for c in assen.choices
    )
    result = replace(assen, banner=banner, choices=choices)
    html = render_site(replace(scan, sites=(result,)), result, env=make_env(lang))
    soup = BeautifulSoup(html, "html.parser")
    assert "<img src=x" not in html
    assert not soup.select("[onerror]")
    assert len(soup.find_all("img")) == 1  # only the banner screenshot
    heading = soup.find("h2", id="banner")
    assert isinstance(heading, Tag)
    section = ""
    for el in heading.find_next_siblings():
        if el.name == "h2":
            break
        section += el.get_text()
    assert section.count(hostile) >= 7  # cmp twice, text, button, rule, choices
    assert 'href="javascript:' not in html.lower()


@pytest.mark.parametrize(
    "data",
    [
        base64.b64encode(b"<svg onload=alert(1)>").decode(),
        base64.b64encode(b"<html><script>alert(1)</script>").decode(),
        "not base64 at all!",
        "",
    ],
)
def test_banner_screenshot_only_when_raster(scan: Scan, data: str) -> None:
    assen = _assen(scan)
    assert assen.banner is not None
    result = replace(assen, banner=replace(assen.banner, screenshot=data or None))
    report = build_site_report(replace(scan, sites=(result,)), result)
    assert report.banner is not None and report.banner.screenshot is None
    html = render_site(replace(scan, sites=(result,)), result, env=make_env("nl"))
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("figure", class_="banner-shot") is None
    assert not soup.find_all("img")
    assert "onload" not in html


def test_cookie_wall_is_flagged(scan: Scan) -> None:
    assen = _assen(scan)
    assert assen.banner is not None
    t = Translator("nl", load_messages("nl"))
    blocking = replace(assen.banner, blocks_page=True)
    # Blocks the page, but refusing worked behind "Instellingen": no wall.
    layered = _judged(replace(assen, banner=blocking))
    report = build_site_report(scan, layered)
    assert report.banner is not None and not report.banner.cookie_wall
    # Blocks the page and the refusing visitor found no way to refuse: a wall.
    stuck = ConsentChoice(Phase.REJECT, clicked=False, reason="no reject button")
    walled = _judged(replace(assen, banner=blocking, choices=(stuck, assen.choices[1])))
    report = build_site_report(scan, walled)
    assert report.banner is not None and report.banner.cookie_wall
    html = render_site(replace(scan, sites=(walled,)), walled, env=make_env("nl"))
    flags = [
        p.get_text(" ", strip=True) for p in BeautifulSoup(html, "html.parser").select(".flag")
    ]
    assert any(t("banner.wall") in f for f in flags)
    assert t("banner.not_clicked") in html and "no reject button" in html


def test_choice_not_remembered(scan: Scan) -> None:
    assen = _assen(scan)
    forgetful = replace(assen, choices=(replace(assen.choices[0], banner_on_next_page=True),))
    for lang in LANGUAGES:
        t = Translator(lang, load_messages(lang))
        html = render_site(scan, forgetful, env=make_env(lang))
        assert t("banner.not_remembered") in BeautifulSoup(html, "html.parser").get_text()


def _judged(result: SiteResult) -> SiteResult:
    """An edited result with its verdicts judged again by the classification."""
    return replace(result, verdicts=judge(result))


def _site_with(
    *, banner: bool, choices: tuple[ConsentChoice, ...], reject_party: Party
) -> SiteResult:
    base = "https://www.proefdorp.nl"
    return SiteResult(
        site=Site("Proefdorp", base),
        banner=Banner(base + "/", "Cookiebot", "autoconsent", reject_on_first_layer=True)
        if banner
        else None,
        choices=choices,
        cookies=(Cookie("consent", "www.proefdorp.nl", phase=Phase.REJECT, party=reject_party),),
        requests=(Request(base + "/", Phase.REJECT, base + "/", party=reject_party),),
    )


def test_refusal_works_definition() -> None:
    own = Party(True, "proefdorp.nl", category="consent")
    ads = Party(False, "doubleclick.net", "Google", category="marketing")
    clicked = (ConsentChoice(Phase.REJECT, clicked=True, layer=1),)
    stuck = (ConsentChoice(Phase.REJECT, clicked=False),)

    def verdicts(**kw: Any) -> Verdicts:
        v = judge(_site_with(**kw))
        assert v is not None
        return v

    works = verdicts(banner=True, choices=clicked, reject_party=own)
    assert works.refusal_tried and works.refusal_works is True
    tracked = verdicts(banner=True, choices=clicked, reject_party=ads)
    assert tracked.refusal_tried and tracked.refusal_works is False
    not_clicked = verdicts(banner=True, choices=stuck, reject_party=own)
    assert not_clicked.refusal_tried and not_clicked.refusal_works is False
    no_banner = verdicts(banner=False, choices=clicked, reject_party=own)
    assert not no_banner.refusal_tried and not no_banner.refusal_works
    untried = verdicts(banner=True, choices=(), reject_party=own)
    assert not untried.refusal_tried and untried.refusal_works is None


def test_headline_banner_figures(scan: Scan) -> None:
    h = build_comparison_report(scan).headline
    # By hand: measured Aa en Hunze (no tracking, no banner), Assen (tracking, banner),
    # Westerkwartier (Hotjar: tracking, no banner); Het Hogeland failed.
    assert (h.measured, h.tracking_sites, h.tracking_share) == (3, 2, 67)
    assert (h.no_banner_sites, h.no_banner_share) == (1, 50)
    assert (h.refusal_tried, h.refusal_works_sites, h.refusal_works_share) == (1, 0, 0)
    # Assen without tracking after refusing: refusing works on 1 of 1.
    assen = _assen(scan)
    clean = _judged(
        replace(
            assen,
            cookies=tuple(c for c in assen.cookies if c.phase is not Phase.REJECT),
            requests=tuple(r for r in assen.requests if r.phase is not Phase.REJECT),
            findings=tuple(
                replace(f, evidence=tuple(e for e in f.evidence if e.phase is not Phase.REJECT))
                for f in assen.findings
            ),
        )
    )
    fixed = replace(scan, sites=tuple(clean if r is assen else r for r in scan.sites))
    h2 = build_comparison_report(fixed).headline
    assert (h2.refusal_tried, h2.refusal_works_sites, h2.refusal_works_share) == (1, 1, 100)
    # No banner anywhere: no denominator, no percentage.
    bare = replace(
        scan, sites=tuple(_judged(replace(r, banner=None, choices=())) for r in scan.sites)
    )
    h3 = build_comparison_report(bare).headline
    assert (h3.no_banner_sites, h3.no_banner_share) == (2, 100)
    assert (h3.refusal_tried, h3.refusal_works_share) == (0, None)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_comparison_banner_figures_and_column(scan: Scan, lang: str) -> None:
    t = Translator(lang, load_messages(lang))
    soup = BeautifulSoup(render_comparison(scan, env=make_env(lang)), "html.parser")
    figures = {
        li.strong.get_text(): li.get_text(" ", strip=True)
        for li in soup.select("ul.figures li")
        if li.strong
    }
    assert t("cmp.fig.no_banner", n=1, total=2) in figures["50%"]
    assert t("cmp.fig.refusal_works", n=0, total=1) in figures["0%"]
    text = soup.get_text(" ")
    assert t("cmp.fig.no_banner_explain") in text and t("cmp.fig.refusal_explain") in text
    table = soup.find("table", id="ranking-all")
    assert isinstance(table, Tag)
    heads = [th.get_text(strip=True) for th in table.select("thead th")]
    col = heads.index(t("rank.banner"))
    cells = {
        _row_head(tr, " ", strip=True): tr.find_all(["th", "td"])[col].get_text(strip=True)
        for tr in table.select("tbody tr")
    }
    assert cells["Assen"] == t("yes") + "; " + t("rank.reject_first", value=t("no"))
    assert cells["Aa en Hunze"] == t("no")
    assert cells["Westerkwartier " + t("status.partial")] == t("no")
    assert cells["Het Hogeland"] == "–"


def _finding_of(rule: str, severity: Severity, phase: Phase = Phase.NONE) -> Finding:
    return Finding(
        id=f"{rule}:x",
        rule=rule,
        severity=severity,
        subject="x",
        title="t",
        explanation="e",
        fix="f",
        legal_basis="b",
        evidence=(Evidence("https://www.proefdorp.nl/", phase),),
    )


OWN_MATOMO = Party(True, "proefdorp.nl", "Matomo", category="analytics")
GOOGLE_ANALYTICS = Party(False, "google-analytics.com", "Google", category="analytics")
V, LV, R = Severity.VIOLATION, Severity.LIKELY_VIOLATION, Severity.REVIEW

# (case, cookies, requests, findings, counted as tracking before consent)
TrackingCase = tuple[str, tuple[Cookie, ...], tuple[Request, ...], tuple[Finding, ...], bool]
TRACKING_CASES: list[TrackingCase] = [
    ("self-hosted analytics only",
     (Cookie("_pk_id", "www.proefdorp.nl", party=OWN_MATOMO),), (), (), False),
    ("third-party analytics request", (),
     (Request("https://www.google-analytics.com/g/collect", page_url="https://www.proefdorp.nl/",
              party=GOOGLE_ANALYTICS),), (), True),
    ("fingerprinting script of unknown purpose", (), (),
     (_finding_of("fingerprinting-api", LV),), True),
    ("first-party canvas read, only reviewed", (), (),
     (_finding_of("fingerprinting-api", R),), False),
    ("embed that sets cookies", (), (), (_finding_of("embed-before-consent", V),), True),
    ("no banner while tracking", (), (), (_finding_of("no-banner-while-tracking", V),), True),
    ("fonts are not tracking", (), (), (_finding_of("third-party-fonts", LV),), False),
    ("tracking only after refusing", (), (),
     (_finding_of("tracking-after-refusal", V, Phase.REJECT),), False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("cookies", "requests", "findings", "tracks"),
    [pytest.param(c, r, f, t, id=n) for n, c, r, f, t in TRACKING_CASES],
)
def test_tracking_before_consent_follows_the_classification(
    scan: Scan,
    cookies: tuple[Cookie, ...],
    requests: tuple[Request, ...],
    findings: tuple[Finding, ...],
    tracks: bool,
) -> None:
    site = _judged(
        SiteResult(
            site=Site("Proefdorp", "https://www.proefdorp.nl/"),
            status=SiteStatus.DONE,
            cookies=cookies,
            requests=requests,
            findings=findings,
        )
    )
    report = build_comparison_report(replace(scan, sites=(site,)))
    assert (report.headline.measured, report.headline.tracking_sites) == (1, int(tracks))


def test_tracking_rules_are_rules() -> None:
    """The rules whose (likely) violations count as tracking are declared so once, in the
    registry (docs/rules.md lists them as 'tracks')."""
    from scanner.classify.rules import RULES

    assert {rule.id for rule in RULES.tracking()} == {
        "cookie-tracking-before-consent",
        "storage-tracking-before-consent",
        "tracker-request-before-consent",
        "cookie-sync-before-consent",
        "personal-data-before-consent",
        "session-replay-before-consent",
        "session-replay",
        "fingerprinting-api",
        "form-input-leak",
        "embed-before-consent",
        "no-banner-while-tracking",
        "tracking-after-refusal",
    }


def test_reports_only_read_the_verdicts(scan: Scan) -> None:
    """The comparison and the site report show the classification's verdicts; they do
    not judge again (a result whose verdicts say otherwise is shown as they say)."""
    assen = _assen(scan)
    assert assen.verdicts is not None and assen.verdicts.tracks_before_consent
    claimed = replace(
        assen,
        verdicts=replace(
            assen.verdicts,
            tracks_before_consent=False,
            refusal_works=True,
            cookie_wall=True,
            tracking_cookies_after_refusal=(),
        ),
    )
    edited = replace(scan, sites=tuple(claimed if r is assen else r for r in scan.sites))
    row = next(r for r in build_comparison_report(edited).ranking if r.name == "Assen")
    assert not row.tracking and row.refusal_works is True
    report = build_site_report(edited, claimed)
    assert report.banner is not None and report.banner.cookie_wall
    assert report.tracking_after_refusal == ()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_conditions_show_the_knowledge_share(scan: Scan, lang: str) -> None:
    """The comparison shows the scan's share (distinct domains, cookies summed), a site
    report the site's own, with the domains left for a person to look up."""
    t = Translator(lang, load_messages(lang))
    assen = next(r for r in scan.sites if r.site.name == "Assen")
    aa = next(r for r in scan.sites if r.site.name == "Aa en Hunze")
    assert assen.knowledge is not None and aa.knowledge is not None
    # Aa en Hunze does not know facebook.com (Assen does) and meets an unknown tracker.
    aa = replace(
        aa,
        knowledge=KnowledgeShare(
            known_domains=(),
            unknown_domains=("facebook.com", "onbekend-volger.example"),
            cookies=4,
            cookies_known=1,
        ),
    )
    mixed = replace(
        scan, sites=tuple(aa if r.site.name == "Aa en Hunze" else r for r in scan.sites)
    )
    soup = BeautifulSoup(render_comparison(mixed, env=make_env(lang)), "html.parser")
    share = soup.select_one("dl.knowledge-share")
    assert share is not None
    values = [dd.get_text(strip=True) for dd in share.find_all("dd")]
    # 9 domains known over the scan (facebook.com among them), 1 unknown; cookies 8 of 13.
    assert values == [
        t("conditions.knowledge_of", known=9, total=10, share=90),
        t("conditions.knowledge_of", known=8, total=13, share=62),
    ]
    unknown = [li.get_text(strip=True) for li in soup.select("ul.unknown-domains li")]
    assert unknown == ["onbekend-volger.example"]
    site = BeautifulSoup(render_site(mixed, aa, env=make_env(lang)), "html.parser")
    site_share = site.select_one("dl.knowledge-share")
    assert site_share is not None
    assert [dd.get_text(strip=True) for dd in site_share.find_all("dd")] == [
        t("conditions.knowledge_of", known=0, total=2, share=0),
        t("conditions.knowledge_of", known=1, total=4, share=25),
    ]
    assert [li.get_text(strip=True) for li in site.select("ul.unknown-domains li")] == [
        "facebook.com",
        "onbekend-volger.example",
    ]
    # A scan made before the share was measured shows none.
    old = replace(scan, sites=tuple(replace(r, knowledge=None) for r in scan.sites))
    assert "knowledge-share" not in render_comparison(old, env=make_env(lang))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_site_report_tells_a_cookie_sync_chain_and_what_pixels_sent(lang: str) -> None:
    """One story for the chain (hops, organisations, cookies), one row per decoded pixel
    request: events, account, personal-data fields (never their values), parameters."""
    import tests.test_classify_rules as cases
    from scanner.classify import classify
    from scanner.classify.parties import PartyResolver
    from scanner.domains import Domains
    from scanner.knowledge import load_knowledge
    from scanner.payloads import decode

    t = Translator(lang, load_messages(lang))
    email = "jan.jansen@example.nl"
    am = "https://www.facebook.com/tr/?id=111222333&ev=Lead&cd[content_name]=Contact"
    pixel = Request(
        am + "&ud[em]=" + email.replace("@", "%40"),
        page_url=cases.P1,
        resource_type="Image",
    )
    pixel = replace(pixel, payload=decode(pixel.url))
    knowledge = load_knowledge()
    result = classify(
        cases.site_result(requests=[*cases.SYNC_HOPS, pixel], cookies=list(cases.SYNC_COOKIES)),
        resolver=PartyResolver(Domains(), knowledge),
        knowledge=knowledge,
        now=cases.NOW,
    )
    scan = Scan("s", "2026-12-01T00:00:00Z", sites=(result,))
    html = render_site(scan, result, env=make_env(lang))
    soup = BeautifulSoup(html, "html.parser")
    (story,) = [a for a in soup.select("article.finding") if a.select_one("ol.chain")]
    hops = [" ".join(li.get_text(" ", strip=True).split()) for li in story.select("ol.chain li")]
    assert hops[0].startswith("cm.adform.net (Adform)")
    assert t("finding.chain_cookies", names="CM") in hops[0]
    assert hops[1].startswith("match.adsrvr.org (The Trade Desk)")
    assert hops[2].startswith("ib.adnxs.com (AppNexus)")
    assert "Adform, The Trade Desk, AppNexus" in story.get_text()
    # Not told again hop by hop.
    assert "tracker-request-before-consent:The Trade Desk" not in html
    table = soup.select_one("table.payload-table")
    assert table is not None
    (row,) = table.select("tbody tr")
    text = row.get_text(" ", strip=True)
    assert "Lead" in text and "111222333" in text and t("payload.vendor.meta") in text
    assert [li.get_text(" ", strip=True) for li in row.select("ul.personal li")] == [
        "ud[em] – " + t("payload.form.plain")
    ]
    assert email not in html.replace(email.replace("@", "%40"), "")  # only in the URL itself
    assert "personal-data-before-consent:Meta" in html
