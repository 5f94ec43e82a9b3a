"""The exports: JSON is the model exactly, CSV is safe to open in a spreadsheet."""

from __future__ import annotations

import base64
import csv
import dataclasses
import io
import json
import re
from enum import Enum
from pathlib import Path

import pytest

from scanner import models, serialize
from scanner.classify.verdicts import judge
from scanner.errors import ConfigError
from scanner.export import (
    CSV_COLUMNS,
    export_csv,
    export_json,
    load_json,
    neutralise,
    site_document,
)
from scanner.messages import translator
from scanner.messages.findings import result_with_texts, with_texts
from scanner.models import (
    SCHEMA_VERSION,
    ApiCall,
    Banner,
    BannerButton,
    ConsentChoice,
    Cookie,
    Initiator,
    Page,
    Party,
    Phase,
    Scan,
    Screenshot,
    Site,
    SiteResult,
)
from tests.test_store import HOSTILE, JPEG, PNG, rich_scan

SCHEMA_MD = Path(__file__).resolve().parent.parent / "docs" / "schema.md"


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# -- JSON -------------------------------------------------------------------------------


def test_json_round_trip() -> None:
    """The JSON is the model exactly, with each finding's words rendered in the
    export's language (Dutch unless asked otherwise)."""
    scan = rich_scan()
    out = io.StringIO()
    export_json(scan, out)
    document = json.loads(out.getvalue())
    assert document["schema_version"] == SCHEMA_VERSION
    written = with_texts(scan, translator("nl"))
    assert serialize.from_dict(Scan, document["scan"]) == written
    assert load_json(io.StringIO(out.getvalue())) == written
    (rendered,) = [f for f in written.sites[0].findings if f.params]
    assert rendered.title == f"Cookie {HOSTILE[2]} blijft 13 maanden bestaan"
    assert rendered.legal_url.startswith("https://") and rendered.legal_basis
    english = io.StringIO()
    export_json(scan, english, lang="en")
    in_english = load_json(io.StringIO(english.getvalue()))
    assert in_english == with_texts(scan, translator("en"))
    (rendered,) = [f for f in in_english.sites[0].findings if f.params]
    assert rendered.title == f"Cookie {HOSTILE[2]} lives for 13 months"


def test_json_screenshots_are_base64_text() -> None:
    scan = rich_scan()
    out = io.StringIO()
    export_json(scan, out)
    site = json.loads(out.getvalue())["scan"]["sites"][0]
    assert site["pages_discovered"] == 17
    shots = site["screenshots"]
    assert [s["label"] for s in shots] == ["page", HOSTILE[0] + HOSTILE[3]]
    assert all(isinstance(s["data"], str) for s in shots)
    assert base64.b64decode(shots[0]["data"], validate=True) == JPEG + b"\x00"
    assert base64.b64decode(shots[1]["data"], validate=True) == PNG
    assert (shots[1]["mime"], shots[1]["phase"]) == ("image/png", "accept")
    call = site["api_calls"][0]
    assert call["party"]["category"] == "fingerprinting"
    assert call["initiator"]["stack"][0] == "f3@https://a.example/x.js:1:2"
    assert call["count"] == 7 and call["phase"] == "reject"
    result = site_document(scan, scan.sites[0])["result"]
    assert result["screenshots"] == shots and result["api_calls"] == site["api_calls"]


def test_json_banner_and_choices() -> None:
    scan = rich_scan()
    out = io.StringIO()
    export_json(scan, out)
    sites = json.loads(out.getvalue())["scan"]["sites"]
    banner = sites[0]["banner"]
    assert (banner["cmp"], banner["method"]) == ("cookiebot", "heuristic")
    assert banner["buttons"][0] == {"text": HOSTILE[1], "role": "reject", "rule": "nl-weigeren"}
    assert banner["buttons"][1]["rule"] is None and banner["buttons"][2]["rule"] == ""
    assert banner["reject_on_first_layer"] is True and banner["in_shadow_dom"] is True
    assert base64.b64decode(banner["screenshot"], validate=True) == JPEG + b"\x00\x01"
    assert sites[1]["banner"]["reject_on_first_layer"] is False
    assert sites[2]["banner"] is None
    first, second = sites[0]["choices"]
    assert first["phase"] == "reject" and first["clicked"] is True and first["layer"] == 2
    assert (second["method"], second["element_text"], second["layer"]) == (None, "", 0)
    assert sites[2]["choices"] == [
        {
            "phase": "reject",
            "clicked": False,
            "method": None,
            "element_text": None,
            "rule": None,
            "reason": "no banner",
            "layer": None,
            "banner_closed": False,
            "banner_on_next_page": False,
        }
    ]
    result = site_document(scan, scan.sites[0])["result"]
    assert result["banner"] == banner and result["choices"] == sites[0]["choices"]
    written = result_with_texts(scan.sites[0], translator("nl"))
    assert serialize.from_dict(SiteResult, result) == written


def test_json_is_utf8_text_not_escapes() -> None:
    out = io.StringIO()
    export_json(rich_scan(), out)
    assert "Súdwest-Fryslân" in out.getvalue()
    assert out.getvalue().endswith("}\n")


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        '{"schema_version": "1.0"}',
        '{"schema_version": "2.0", "scan": {}}',
        "[]",
    ],
)
def test_load_json_refuses(text: str) -> None:
    with pytest.raises(ConfigError):
        load_json(io.StringIO(text))


def test_load_json_of_an_older_version_judges_the_verdicts() -> None:
    """A 1.1 document has no verdicts: they are judged from what it holds; a 1.2
    document's verdicts, none included, are read as written."""
    scan = rich_scan()
    out = io.StringIO()
    export_json(scan, out)
    document = json.loads(out.getvalue())
    assert document["scan"]["sites"][2]["verdicts"] is None  # failed: none
    document["schema_version"] = "1.1"
    for site in document["scan"]["sites"]:
        del site["verdicts"]
    older = load_json(io.StringIO(json.dumps(document)))
    written = with_texts(scan, translator("nl"))
    assert [r.verdicts for r in older.sites] == [judge(r) for r in written.sites]
    assert older.sites[0].verdicts is not None and older.sites[2].verdicts is None
    assert [r.verdicts for r in load_json(io.StringIO(out.getvalue())).sites] == [
        r.verdicts for r in scan.sites
    ]


def test_site_document() -> None:
    scan = rich_scan()
    result = scan.sites[1]
    doc = site_document(scan, result)
    assert doc["schema_version"] == SCHEMA_VERSION
    assert doc["scan_id"] == scan.id
    assert doc["tool_version"] == scan.tool_version
    assert doc["browser"] == scan.browser
    assert doc["options"] == [list(p) for p in scan.options]
    assert doc["lists"] == [list(p) for p in scan.lists]
    # It survives a trip through JSON text and loads back into the same result.
    again = json.loads(json.dumps(doc, ensure_ascii=False))
    written = result_with_texts(result, translator("nl"))  # words in the document's language
    assert serialize.from_dict(SiteResult, again["result"]) == written
    english = site_document(scan, result, lang="en")["result"]
    assert serialize.from_dict(SiteResult, english) == result_with_texts(result, translator("en"))


# -- CSV --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+31 6 1234", "'+31 6 1234"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ('=HYPERLINK("https://evil.example","x")', '\'=HYPERLINK("https://evil.example","x")'),
        ("'already quoted", "'already quoted"),
        ("a=1", "a=1"),
        (" =1", " =1"),
        ("", ""),
        ("_ga", "_ga"),
        ("https://x.nl/?a=-1", "https://x.nl/?a=-1"),
        ("Zoë", "Zoë"),
    ],
)
def test_neutralise(raw: str, expected: str) -> None:
    assert neutralise(raw) == expected


HOSTILE_CELLS = ("=cmd|' /C calc'!A0", "+1", "-1+1", "@x", "\tx", "\rx")


@pytest.mark.parametrize("evil", HOSTILE_CELLS)
def test_csv_cells_are_neutralised(tmp_path: Path, evil: str) -> None:
    site = Site(name=evil, url="https://a.nl/", province=evil, extra_domains=(evil, "b.nl"))
    scan = Scan(
        id=evil,
        started_at="t",
        sites=(
            SiteResult(
                site=site,
                error_message=evil,
                pages=(Page(url=evil, title=evil, links=(evil,)),),
                cookies=(
                    Cookie(
                        name=evil,
                        domain=evil,
                        value=evil,
                        lifetime_s=-5,
                        party=Party(first_party=False, domain=evil, organisation=evil),
                    ),
                ),
                api_calls=(
                    ApiCall(
                        api=evil,
                        page_url=evil,
                        frame_url=evil,
                        origin=evil,
                        initiator=Initiator(evil, url=evil, stack=(evil, "f@x.js:1:2")),
                        count=-1,
                        party=Party(first_party=False, domain=evil, service=evil),
                    ),
                ),
                screenshots=(Screenshot(label=evil, page_url=evil, data="U0NSRUVOU0hPVA=="),),
                banner=Banner(
                    page_url=evil,
                    cmp=evil,
                    method=evil,
                    frame_url=evil,
                    buttons=(BannerButton(evil, evil, evil), BannerButton("Weigeren", "reject")),
                    text=evil,
                    screenshot="QkFOTkVSU0hPVA==",
                ),
                choices=(
                    ConsentChoice(
                        Phase.REJECT, True, evil, evil, evil, evil, layer=-1, banner_closed=True
                    ),
                ),
            ),
        ),
    )
    paths = export_csv(scan, tmp_path)
    cells = []
    for path in paths:
        with path.open(encoding="utf-8", newline="") as f:
            for row in list(csv.reader(f))[1:]:
                cells.extend(row)
    assert cells, "nothing written"
    for cell in cells:
        assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
        assert not cell.startswith("-") or re.fullmatch(r"-\d+", cell), cell
    assert "'" + evil in cells
    cookies = _read_csv(tmp_path / "cookies.csv")
    assert cookies[0]["name"] == "'" + evil
    assert cookies[0]["party_organisation"] == "'" + evil
    assert cookies[0]["lifetime_s"] == "-5"  # a number we wrote, not a formula
    sites = _read_csv(tmp_path / "sites.csv")
    assert sites[0]["extra_domains"] == f"'{evil} | b.nl"
    (call,) = _read_csv(tmp_path / "api_calls.csv")
    for column in ("api", "page_url", "frame_url", "origin", "initiator_type", "initiator_url"):
        assert call[column] == "'" + evil, column
    assert call["initiator_stack"] == f"'{evil} | f@x.js:1:2"
    assert call["party_domain"] == call["party_service"] == "'" + evil
    assert call["count"] == "-1"
    assert "U0NSRUVOU0hPVA==" not in cells  # screenshots are JSON only
    assert "QkFOTkVSU0hPVA==" not in cells  # the banner's too
    for column in ("cmp", "method", "page_url", "frame_url", "text"):
        assert sites[0]["banner_" + column] == "'" + evil, column
    assert sites[0]["banner_button_texts"] == f"'{evil} | Weigeren"
    assert sites[0]["banner_button_roles"] == f"'{evil} | reject"
    assert sites[0]["banner_button_rules"] == f"'{evil} | "
    (choice,) = _read_csv(tmp_path / "consent_choices.csv")
    for column in ("method", "element_text", "rule", "reason"):
        assert choice[column] == "'" + evil, column
    assert (choice["layer"], choice["clicked"], choice["banner_closed"]) == ("-1", "true", "true")


def test_csv_files_and_rows(tmp_path: Path) -> None:
    scan = rich_scan()
    paths = export_csv(scan, tmp_path / "out")
    assert [p.name for p in paths] == [name for name, _ in CSV_COLUMNS]
    for path, (_, columns) in zip(paths, CSV_COLUMNS, strict=True):
        with path.open(encoding="utf-8", newline="") as f:
            assert next(csv.reader(f)) == list(columns)
        assert not path.read_bytes().startswith(b"\xef\xbb\xbf")
    sites = _read_csv(tmp_path / "out" / "sites.csv")
    assert [r["site_url"] for r in sites] == [r.site.url for r in scan.sites]
    assert sites[0]["status"] == "done" and sites[0]["score"] == "0"
    assert sites[2]["score"] == "" and sites[2]["pages"] == "0"
    assert [r["pages_discovered"] for r in sites] == ["17", "18", "19"]
    assert [r["api_calls"] for r in sites] == ["3", "3", "3"]
    assert [r["consent_choices"] for r in sites] == ["2", "2", "1"]
    assert [r["banner_cmp"] for r in sites] == ["cookiebot", "'" + HOSTILE[2], ""]
    assert [r["banner_reject_on_first_layer"] for r in sites] == ["true", "false", ""]
    assert [r["banner_blocks_page"] for r in sites] == ["true", "true", ""]
    assert [r["banner_settings_on_first_layer"] for r in sites] == ["true", "false", ""]
    assert sites[0]["banner_method"] == "heuristic"
    assert sites[0]["banner_frame_url"] == "https://consent.example/frame?x=<y>"
    assert sites[0]["banner_text"] == HOSTILE[5] + HOSTILE[0]
    first_banner = scan.sites[0].banner
    assert first_banner is not None
    assert sites[0]["banner_button_roles"] == "reject | accept | settings | " + HOSTILE[0]
    assert sites[0]["banner_button_rules"] == f"nl-weigeren |  |  | {HOSTILE[4]}"
    assert sites[0]["banner_button_texts"] == " | ".join(b.text for b in first_banner.buttons)
    assert all(v == "" for k, v in sites[2].items() if k.startswith("banner_"))
    expected_counts = {
        "pages.csv": sum(len(r.pages) for r in scan.sites),
        "cookies.csv": sum(len(r.cookies) for r in scan.sites),
        "requests.csv": sum(len(r.requests) for r in scan.sites),
        "storage.csv": sum(len(r.storage) for r in scan.sites),
        "api_calls.csv": sum(len(r.api_calls) for r in scan.sites),
        "consent_choices.csv": sum(len(r.choices) for r in scan.sites),
        "findings.csv": sum(len(r.findings) for r in scan.sites),
    }
    for name, count in expected_counts.items():
        rows = _read_csv(tmp_path / "out" / name)
        assert len(rows) == count, name
        assert all(r["scan_id"] == scan.id for r in rows)
        assert {r["site_name"] for r in rows} <= {r.site.name for r in scan.sites}
    cookie = _read_csv(tmp_path / "out" / "cookies.csv")[0]
    first = scan.sites[0].cookies[0]
    assert first.party is not None and first.initiator is not None
    assert cookie["party_domain"] == first.party.domain
    assert cookie["party_eea"] == "false"
    assert cookie["party_first_party"] == "false"
    assert cookie["secure"] == "true"
    assert cookie["initiator_stack"] == " | ".join(first.initiator.stack)
    assert cookie["value"] == HOSTILE[4]  # NUL and all, as UTF-8
    unclassified = _read_csv(tmp_path / "out" / "cookies.csv")[1]
    assert unclassified["party_domain"] == "" and unclassified["initiator_type"] == ""
    finding = _read_csv(tmp_path / "out" / "findings.csv")[0]
    assert finding["evidence_count"] == "2"
    assert finding["evidence_phases"] == "accept | none"
    page = _read_csv(tmp_path / "out" / "pages.csv")[0]
    assert page["redirects"].startswith("301 https://")
    calls = _read_csv(tmp_path / "out" / "api_calls.csv")
    call, bare = calls[0], calls[1]
    first_call = scan.sites[0].api_calls[0]
    assert first_call.party is not None and first_call.initiator is not None
    assert call["api"] == first_call.api and call["phase"] == Phase.REJECT.value
    assert (call["count"], call["origin"]) == ("7", "https://fp.example")
    assert call["party_category"] == "fingerprinting" and call["party_eea"] == "false"
    assert call["initiator_stack"] == " | ".join(first_call.initiator.stack)
    assert call["initiator_line"] == "4"
    assert bare["party_domain"] == "" and bare["initiator_type"] == "script"
    assert bare["initiator_stack"] == "" and bare["frame_url"] == ""
    assert calls[2]["api"] == "'" + HOSTILE[2]  # =HYPERLINK(…) neutralised
    choices = _read_csv(tmp_path / "out" / "consent_choices.csv")
    assert [(c["site_name"], c["phase"], c["clicked"]) for c in choices] == [
        ("Aa en Hunze", "reject", "true"),
        ("Aa en Hunze", "accept", "false"),
        ("Súdwest-Fryslân", "reject", "true"),
        ("Súdwest-Fryslân", "accept", "false"),
        ("Failed Town", "reject", "false"),
    ]
    assert choices[0]["element_text"] == "'" + HOSTILE[2]
    assert (choices[0]["layer"], choices[0]["banner_on_next_page"]) == ("2", "true")
    assert (choices[1]["method"], choices[1]["element_text"], choices[1]["layer"]) == ("", "", "0")
    assert choices[4]["reason"] == "no banner" and choices[4]["layer"] == ""
    everything = "".join(p.read_text(encoding="utf-8") for p in paths)
    assert scan.sites[0].screenshots[0].data not in everything  # screenshots: JSON only
    assert first_banner.screenshot is not None
    assert first_banner.screenshot not in everything  # the banner's too


def test_csv_of_empty_scan_has_headers(tmp_path: Path) -> None:
    paths = export_csv(Scan(id="e", started_at="t"), tmp_path)
    for path, (_, columns) in zip(paths, CSV_COLUMNS, strict=True):
        assert path.read_bytes() == (",".join(columns) + "\r\n").encode()


# -- docs/schema.md ---------------------------------------------------------------------


def _section(doc: str, title: str) -> str:
    start = doc.index(f"### `{title}`")
    end = doc.find("\n## ", start)
    nxt = doc.find("\n### ", start + 1)
    ends = [e for e in (end, nxt) if e != -1]
    return doc[start : min(ends)] if ends else doc[start:]


def test_schema_md_documents_every_csv_column() -> None:
    doc = SCHEMA_MD.read_text(encoding="utf-8")
    for filename, columns in CSV_COLUMNS:
        section = _section(doc, filename)
        missing = [c for c in columns if f"| `{c}` |" not in section]
        assert not missing, f"{filename}: {missing}"


def test_schema_md_documents_every_model_field() -> None:
    doc = SCHEMA_MD.read_text(encoding="utf-8")
    assert f"**Schema version: `{SCHEMA_VERSION}`**" in doc
    for name in dir(models):
        cls = getattr(models, name)
        if isinstance(cls, type) and cls.__module__ == models.__name__:
            section = _section(doc, name)
            if issubclass(cls, Enum):
                names = [m.value for m in cls]
            elif dataclasses.is_dataclass(cls):
                names = [f.name for f in dataclasses.fields(cls)]
            else:
                continue
            missing = [n for n in names if f"| `{n}` |" not in section]
            assert not missing, f"{name}: {missing}"
