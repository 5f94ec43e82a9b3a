"""Tests for sites.txt, its parser and its generator.

The parser is the gate for every URL the browser opens, so hostile schemes and
malformed lines each get a case with the exact line number and message.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import pickle
from pathlib import Path
from types import ModuleType

import pytest

from scanner.errors import ConfigError, PrivacyscanError, SitesFileError
from scanner.models import Site
from scanner.sites import load_sites, parse_sites, select_sites, site_from_url

REPO = Path(__file__).resolve().parents[1]
SITES_TXT = REPO / "sites.txt"


def _shared_data() -> Path:
    """The shared data directory; PRIVACYSCAN_SHARED_DATA points elsewhere."""
    override = os.environ.get("PRIVACYSCAN_SHARED_DATA")
    return Path(override) if override else Path(__file__).resolve().parents[2] / "shared" / "data"


GEMEENTEN_CSV = _shared_data() / "gemeenten.csv"
needs_csv = pytest.mark.skipif(
    not GEMEENTEN_CSV.is_file(),
    reason=f"{GEMEENTEN_CSV} not found; set PRIVACYSCAN_SHARED_DATA to the shared data directory",
)


def _make_sites_module() -> ModuleType:
    """Import tools/make_sites.py, which is a script, not a package module."""
    spec = importlib.util.spec_from_file_location("make_sites", REPO / "tools" / "make_sites.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- good lines --------------------------------------------------------------------------

GOOD_LINES = [
    pytest.param(
        "Aa en Hunze | Drenthe | GM1680 | https://www.aaenhunze.nl",
        Site("Aa en Hunze", "https://www.aaenhunze.nl/", "Drenthe", "GM1680"),
        id="four-fields",
    ),
    pytest.param(
        "Groningen | Groningen | GM0014 | https://gemeente.groningen.nl | groningen.nl",
        Site(
            "Groningen", "https://gemeente.groningen.nl/", "Groningen", "GM0014", ("groningen.nl",)
        ),
        id="extra-domain",
    ),
    pytest.param(
        "X | Utrecht | GM0344 | https://x.nl | a.nl, B.NL ,a.nl,",
        Site("X", "https://x.nl/", "Utrecht", "GM0344", ("a.nl", "b.nl")),
        id="extra-domains-lowered-deduplicated-trailing-comma",
    ),
    pytest.param(
        "X | Utrecht | GM0344 | https://x.nl |",
        Site("X", "https://x.nl/", "Utrecht", "GM0344"),
        id="empty-extra-field",
    ),
    pytest.param(
        "Veiligheidsregio | Utrecht |  | https://www.vr.nl",
        Site("Veiligheidsregio", "https://www.vr.nl/", "Utrecht", None),
        id="empty-code",
    ),
    pytest.param(
        "  Súdwest-Fryslân|Fryslân|gm1900|https://www.sudwestfryslan.nl  ",
        Site("Súdwest-Fryslân", "https://www.sudwestfryslan.nl/", "Fryslân", "GM1900"),
        id="no-spaces-utf8-lowercase-code",
    ),
    pytest.param(
        "'s-Hertogenbosch | Noord-Brabant | GM0796 | https://www.s-hertogenbosch.nl",
        Site("'s-Hertogenbosch", "https://www.s-hertogenbosch.nl/", "Noord-Brabant", "GM0796"),
        id="apostrophe",
    ),
    pytest.param(
        "Aa\u00a0en  Hunze | Drenthe | GM1680 | https://www.aaenhunze.nl",
        Site("Aa en Hunze", "https://www.aaenhunze.nl/", "Drenthe", "GM1680"),
        id="no-break-space-collapsed",
    ),
    pytest.param(
        "Frysla\u0302n | Fryslân |  | https://www.f.nl",
        Site("Fryslân", "https://www.f.nl/", "Fryslân", None),
        id="nfd-name-becomes-nfc",
    ),
    pytest.param(
        "https://www.example.nl",
        Site("www.example.nl", "https://www.example.nl/"),
        id="url-only",
    ),
    pytest.param(
        "http://localhost:8443/start?x=1",
        Site("localhost:8443", "http://localhost:8443/start?x=1"),
        id="url-only-port-path-query",
    ),
]


@pytest.mark.parametrize(("line", "expected"), GOOD_LINES)
def test_good_line(line: str, expected: Site) -> None:
    assert parse_sites(line) == [expected]


def test_comments_blank_lines_bom_and_crlf() -> None:
    text = (
        "\ufeff# header\r\n"
        "\r\n"
        "   # indented comment\r\n"
        "\t\r\n"
        "A | P | GM0001 | https://a.nl\r\n"
        "# == P ==\r\n"
        "https://b.nl\r\n"
    )
    assert parse_sites(text) == [
        Site("A", "https://a.nl/", "P", "GM0001"),
        Site("b.nl", "https://b.nl/"),
    ]


def test_empty_text_gives_no_sites() -> None:
    assert parse_sites("# only a comment\n\n") == []


def test_a_hash_inside_a_line_is_not_a_comment() -> None:
    (site,) = parse_sites("Nr #1 | P |  | https://a.nl/#top")
    assert site.name == "Nr #1"
    assert site.url == "https://a.nl/#top"


# --- normalisation -----------------------------------------------------------------------

NORMALISED = [
    ("https://WWW.Example.NL", "https://www.example.nl/"),
    ("HTTPS://www.example.nl/Path/Keeps/Case", "https://www.example.nl/Path/Keeps/Case"),
    ("http://www.example.nl", "http://www.example.nl/"),  # http is not upgraded
    ("https://www.example.nl:443/", "https://www.example.nl/"),
    ("http://www.example.nl:80", "http://www.example.nl/"),
    ("https://www.example.nl:8443", "https://www.example.nl:8443/"),
    ("https://www.example.nl?q=1", "https://www.example.nl/?q=1"),
    ("https://www.fryslân.nl", "https://www.xn--frysln-0ta.nl/"),
    # UTS #46 without transitional mapping, as Chromium (tests/test_browser_facts.py):
    # Python's IDNA 2003 codec made these www.gemeente-strasse.nl and σ.
    ("https://www.gemeente-straße.nl", "https://www.xn--gemeente-strae-dgb.nl/"),
    ("https://www.STRAẞE.nl/", "https://www.xn--strae-oqa.nl/"),
    ("https://ελληνικός.gr/", "https://xn--qxaegecap6byf.gr/"),
    ("https://127.0.0.1:8443", "https://127.0.0.1:8443/"),
    ("https://[::1]:8443/x", "https://[::1]:8443/x"),
]


@pytest.mark.parametrize(("raw", "expected"), NORMALISED)
def test_url_normalisation(raw: str, expected: str) -> None:
    assert parse_sites(f"N | P |  | {raw}")[0].url == expected
    assert site_from_url(raw).url == expected


# --- errors, with line numbers -----------------------------------------------------------

HEADER = "# sites\n\nOk | P | GM0001 | https://ok.nl\n"
"""Two lines before the bad one, so every error below is on line 4."""

BAD_LINES = [
    pytest.param("A | P | https://a.nl", "found 3 fields", id="three-fields"),
    pytest.param("A | P | GM0002 | https://a.nl | b.nl | c.nl", "found 6 fields", id="six-fields"),
    pytest.param("Aa en Hunze", "found 1 field", id="name-only"),
    pytest.param(" | P | GM0002 | https://a.nl", "name is empty", id="empty-name"),
    pytest.param("A |  | GM0002 | https://a.nl", "province is empty", id="empty-province"),
    pytest.param("A | P\x07 | GM0002 | https://a.nl", "control characters", id="control-char"),
    pytest.param("A | P | GM14 | https://a.nl", "is not GM followed by 4 digits", id="short-code"),
    pytest.param("A | P | 0014 | https://a.nl", "is not GM followed by 4 digits", id="no-GM"),
    pytest.param("A | P | GM00145 | https://a.nl", "not GM followed", id="long-code"),
    pytest.param("A | P | GM0002 | ", "URL is empty", id="empty-url"),
    pytest.param(
        "A | P | GM0002 | www.a.nl", "must start with http:// or https://", id="no-scheme"
    ),
    pytest.param("www.a.nl", "must start with http:// or https://", id="url-only-no-scheme"),
    pytest.param("A | P | GM0002 | https://", "has no host", id="no-host"),
    pytest.param("A | P | GM0002 | https:///path", "has no host", id="no-host-path"),
    pytest.param("A | P | GM0002 | https:a.nl", "has no host", id="no-slashes"),
    pytest.param("A | P | GM0002 | https://a b.nl", "spaces", id="space-in-url"),
    pytest.param("A | P | GM0002 | https://a_b.nl", "not a valid host name", id="underscore"),
    pytest.param("A | P | GM0002 | https://a..nl", "not a valid host name", id="empty-label"),
    pytest.param("A | P | GM0002 | https://-a.nl", "not a valid host name", id="hyphen-start"),
    pytest.param("A | P | GM0002 | https://a.nl:99999", "invalid port", id="bad-port"),
    pytest.param("A | P | GM0002 | https://[::1", "malformed", id="bad-ipv6"),
    pytest.param(
        "A | P | GM0002 | https://gemeente.nl@evil.example",
        "user name or password",
        id="credentials",
    ),
    pytest.param(
        "A | P | GM0002 | https://a.nl | https://b.nl",
        "must be a bare host name",
        id="extra-scheme",
    ),
    pytest.param(
        "A | P | GM0002 | https://a.nl | b.nl/path", "must be a bare host name", id="extra-path"
    ),
    pytest.param(
        "A | P | GM0002 | https://a.nl | b.nl:8080", "must be a bare host name", id="extra-port"
    ),
    pytest.param(
        "A | P | GM0002 | https://a.nl | b.nl c.nl", "must be a bare host name", id="extra-no-comma"
    ),
    pytest.param(
        "A | P | GM0002 | https://a.nl | .b.nl", "is not a valid host name", id="extra-leading-dot"
    ),
    pytest.param(
        "A | P | GM0002 | https://a.nl | *.b.nl", "is not a valid host name", id="extra-wildcard"
    ),
    pytest.param(
        "A | P | GM0002 | https://a.nl | localhost", "must be a domain name", id="extra-no-dot"
    ),
    pytest.param(
        "A | P | GM0002 | https://a.nl | 10.0.0.1", "must be a domain name", id="extra-ip"
    ),
    pytest.param("OK | P | GM0002 | https://x.nl", "name 'OK' is on lines 3 and 4", id="dup-name"),
    pytest.param(
        "B | P | GM0002 | https://OK.nl", "URL https://ok.nl/ is on lines 3 and 4", id="dup-url"
    ),
    pytest.param(
        "B | P | GM0002 | http://ok.nl/", "URL http://ok.nl/ is on lines 3 and 4", id="dup-url-http"
    ),
    pytest.param(
        "B | P | GM0001 | https://b.nl", "CBS code GM0001 is on lines 3 and 4", id="dup-code"
    ),
    pytest.param("https://ok.nl", "is on lines 3 and 4", id="dup-url-only"),
]


@pytest.mark.parametrize(("line", "message"), BAD_LINES)
def test_bad_line_reports_line_and_message(line: str, message: str) -> None:
    with pytest.raises(SitesFileError) as caught:
        parse_sites(HEADER + line + "\n# after\n", source="my/sites.txt")
    error = caught.value
    assert (error.path, error.line) == ("my/sites.txt", 4)
    assert message in error.message
    assert str(error) == f"my/sites.txt:4: {error.message}"


HOSTILE = [
    "file:///etc/passwd",
    "FILE:///C:/Windows/win.ini",
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    "chrome://settings",
    "chrome-extension://abc/page.html",
    "about:blank",
    "data:text/html,<script>alert(1)</script>",
    "view-source:https://a.nl",
    "ftp://a.nl/",
    "ws://a.nl/",
    "blob:https://a.nl/uuid",
    "devtools://devtools/bundled/inspector.html",
]


@pytest.mark.parametrize("url", HOSTILE)
def test_hostile_schemes_are_rejected_everywhere(url: str) -> None:
    allowed = "only http:// and https:// are allowed"
    with pytest.raises(SitesFileError, match=allowed):
        parse_sites(f"A | P |  | {url}")
    with pytest.raises(SitesFileError, match=allowed):
        parse_sites(url)  # the URL-only form
    with pytest.raises(ConfigError, match=allowed):
        site_from_url(url)


@pytest.mark.parametrize(
    "url", ["https://a.nl/\x00", "https://a.nl/a\nb", "https://a.nl/a\tb", "https://a.nl/\u200b"]
)
def test_control_characters_in_url_are_rejected(url: str) -> None:
    with pytest.raises(ConfigError, match="control characters"):
        site_from_url(url)


def test_site_from_url() -> None:
    assert site_from_url("  https://WWW.Example.nl  ") == Site(
        "www.example.nl", "https://www.example.nl/"
    )


def test_error_hierarchy_and_pickling() -> None:
    error = SitesFileError("sites.txt", 12, "province is empty")
    assert str(error) == "sites.txt:12: province is empty"
    assert isinstance(error, ConfigError)
    assert isinstance(error, PrivacyscanError)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.path, copy.line, copy.message, str(copy)) == (
        "sites.txt",
        12,
        "province is empty",
        "sites.txt:12: province is empty",
    )


# --- load_sites --------------------------------------------------------------------------


def test_load_sites_uses_the_path_in_errors(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text("https://a.nl\nA |  |  | https://b.nl\n", encoding="utf-8")
    with pytest.raises(SitesFileError, match=r"list\.txt:2: province is empty"):
        load_sites(path)


def test_load_sites_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read sites file"):
        load_sites(tmp_path / "absent.txt")


def test_load_sites_empty_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "sites.txt"
    path.write_text("# nothing yet\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no sites"):
        load_sites(path)


def test_load_sites_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "sites.txt"
    path.write_bytes(b"https://a.nl\nFrysl\xe2n | Frysl\xe2n |  | https://b.nl\n")
    with pytest.raises(SitesFileError, match=r"sites\.txt:2: not valid UTF-8"):
        load_sites(path)


# --- select_sites ------------------------------------------------------------------------

SITES = [
    Site("Utrecht", "https://www.utrecht.nl/", "Utrecht", "GM0344"),
    Site("Zeist", "https://www.zeist.nl/", "Utrecht", "GM0355"),
    Site("Groningen", "https://gemeente.groningen.nl/", "Groningen", "GM0014"),
    Site("Westerkwartier", "https://www.westerkwartier.nl/", "Groningen", "GM1969"),
    Site("Súdwest-Fryslân", "https://www.sudwestfryslan.nl/", "Fryslân", "GM1900"),
    Site("www.example.nl", "https://www.example.nl/"),
]


def _names(sites: list[Site]) -> list[str]:
    return [site.name for site in sites]


@pytest.mark.parametrize(
    ("only", "exclude", "expected"),
    [
        ((), (), [s.name for s in SITES]),
        (["zeist"], (), ["Zeist"]),
        (["UTRECHT"], (), ["Utrecht", "Zeist"]),  # the province includes the city
        (["GM0344"], (), ["Utrecht"]),  # the code picks only the city
        (["gm0344"], (), ["Utrecht"]),
        (["Fryslân"], (), ["Súdwest-Fryslân"]),
        (["frysla\u0302n"], (), ["Súdwest-Fryslân"]),  # typed decomposed (NFD)
        (["Zeist", "Groningen"], (), ["Zeist", "Groningen", "Westerkwartier"]),
        (["www.example.nl"], (), ["www.example.nl"]),
        ((), ["Groningen"], ["Utrecht", "Zeist", "Súdwest-Fryslân", "www.example.nl"]),
        ((), ["GM0014", "nowhere"], [s.name for s in SITES if s.code != "GM0014"]),
        (["Utrecht"], ["zeist"], ["Utrecht"]),
        (["Utrecht"], ["Utrecht"], []),
    ],
)
def test_select_sites(only: list[str], exclude: list[str], expected: list[str]) -> None:
    assert _names(select_sites(SITES, only=only, exclude=exclude)) == expected


def test_select_sites_keeps_file_order() -> None:
    assert _names(select_sites(SITES, only=["Groningen", "Zeist"])) == [
        "Zeist",
        "Groningen",
        "Westerkwartier",
    ]


@pytest.mark.parametrize(
    ("only", "message"),
    [
        (["Zeistt"], "--only 'Zeistt' matches no site name, province or CBS code"),
        (["Groninge"], "did you mean 'Groningen'?"),
        ([""], "--only ''"),
    ],
)
def test_select_sites_only_typo_is_an_error(only: list[str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        select_sites(SITES, only=only)
    assert message in str(caught.value)


def test_select_sites_names_only_the_unmatched_values() -> None:
    with pytest.raises(ConfigError) as caught:
        select_sites(SITES, only=["Zeist", "Atlantis"])
    assert "'Atlantis'" in str(caught.value)
    assert "'Zeist'" not in str(caught.value)


# --- the committed sites.txt -------------------------------------------------------------


def test_committed_sites_txt_parses() -> None:
    sites = load_sites(SITES_TXT)
    assert len(sites) == 342
    assert all(site.url.startswith("https://") for site in sites)


@needs_csv
def test_committed_sites_txt_matches_gemeenten_csv() -> None:
    with GEMEENTEN_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    expected = {
        row["cbs_code"]: (row["name"], row["province"], site_from_url(row["url"]).url)
        for row in rows
    }
    assert len(expected) == 342
    actual = {site.code: (site.name, site.province, site.url) for site in load_sites(SITES_TXT)}
    assert actual == expected


@needs_csv
def test_committed_sites_txt_is_what_the_generator_writes() -> None:
    make_sites = _make_sites_module()
    assert make_sites.main([str(GEMEENTEN_CSV), "-o", str(SITES_TXT), "--check"]) == 0


def test_generator_keeps_hand_edits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_sites = _make_sites_module()
    csv_path = tmp_path / "gemeenten.csv"
    csv_path.write_text(
        "name,cbs_code,province,url\r\n"
        "Zeist,GM0355,Utrecht,https://www.zeist.nl\r\n"
        "Aa en Hunze,GM1680,Drenthe,https://www.aaenhunze.nl\r\n"
        "Groningen,GM0014,Groningen,https://www.groningen.nl\r\n",
        encoding="utf-8",
    )
    output = tmp_path / "sites.txt"
    assert make_sites.main([str(csv_path), "-o", str(output)]) == 0
    assert _names(load_sites(output)) == ["Aa en Hunze", "Groningen", "Zeist"]  # by province

    edited = output.read_text(encoding="utf-8").replace(
        "https://www.groningen.nl", "https://gemeente.groningen.nl | groningen.nl"
    )
    edited += "https://www.example.nl\nOud | Drenthe | GM9999 | https://oud.nl\n"
    output.write_text(edited, encoding="utf-8")
    assert make_sites.main([str(csv_path), "-o", str(output)]) == 0
    sites = {site.name: site for site in load_sites(output)}
    assert sites["Groningen"].url == "https://gemeente.groningen.nl/"
    assert sites["Groningen"].extra_domains == ("groningen.nl",)
    assert "www.example.nl" in sites
    assert "Oud" not in sites
    notes = capsys.readouterr().err
    assert "kept URL of Groningen" in notes
    assert "dropped: Oud GM9999" in notes
    assert make_sites.main([str(csv_path), "-o", str(output), "--check"]) == 0


def test_generator_rejects_a_csv_without_the_columns(tmp_path: Path) -> None:
    make_sites = _make_sites_module()
    csv_path = tmp_path / "gemeenten.csv"
    csv_path.write_text("naam,code\nA,GM0001\n", encoding="utf-8")
    assert make_sites.main([str(csv_path), "-o", str(tmp_path / "out.txt")]) == 2
    assert not (tmp_path / "out.txt").exists()
