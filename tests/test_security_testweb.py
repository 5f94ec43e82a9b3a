"""The security checks (issue 16) on the test web, in real Chromium and real TLS.

Ground truth is ``scanner/testweb/security.json``, written from the sites before the
first scan. One engine run (first visitor, one page per site, direct probes) over its
sites: the ordinary test web plays most of them; a second listener that also accepts
TLS 1.0 and 1.1 and serves special certificates by SNI plays the rest. Each site must
give exactly its expected security findings and security grade, and the measured
facts the ground truth names.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from scanner.classify.parties import PartyResolver
from scanner.classify.registry import SECURITY
from scanner.classify.rules import RULES
from scanner.config import CaptureOptions, validate_capture_options
from scanner.domains import Domains
from scanner.engine import Engine, ScanSettings
from scanner.knowledge import load_knowledge
from scanner.models import HostProbe, Scan, Site, SiteResult
from scanner.store.memory import MemoryStore
from scanner.testweb.server import TestWeb, TlsProfile
from tests.conftest import LOOPBACK_ONLY

pytestmark = pytest.mark.browser

GROUND_TRUTH = Path(__file__).resolve().parents[1] / "scanner" / "testweb" / "security.json"
SITES: list[dict[str, Any]] = json.loads(GROUND_TRUTH.read_text("utf-8"))["sites"]
SETTINGS = ScanSettings(max_pages=1, concurrency=3, phases="none", site_timeout_s=60.0)


@dataclass(frozen=True)
class SecurityRun:
    scan: Scan
    by_name: dict[str, SiteResult]
    outbound: list[str]
    served: list[tuple[str, str, str]]
    """What the TLS listener served (only the special hosts are mapped to it)."""


def _host(url: str) -> str:
    return url.split("/")[2]


@pytest.fixture(scope="module")
def run(testweb: TestWeb) -> Iterator[SecurityRun]:
    certificates = tuple((_host(s["url"]), s["certificate"]) for s in SITES if "certificate" in s)
    with TestWeb(tls=TlsProfile(legacy=True, certificates=certificates)) as special:
        rules = [
            f"{_host(s['url'])}=127.0.0.1:{special.port}" for s in SITES if s["listener"] == "tls"
        ]
        rules.append(f"*=127.0.0.1:{testweb.port}")
        options = validate_capture_options(
            CaptureOptions(
                map_hosts=tuple(rules),
                trust_cert_spki=(testweb.spki_hash, *special.spki_hashes),
                dwell_s=1.0,
                max_settle_s=4.0,
                page_timeout_s=15.0,
            )
        )
        knowledge = load_knowledge()
        engine = Engine(
            MemoryStore(),
            options,
            SETTINGS,
            knowledge=knowledge,
            resolver=PartyResolver(Domains(), knowledge),
        )
        scan_id = engine.create([Site(s["name"], s["url"]) for s in SITES])
        attempts = len(LOOPBACK_ONLY.attempts)
        scan = asyncio.run(engine.run(scan_id))
        yield SecurityRun(
            scan=scan,
            by_name={r.site.name: r for r in scan.sites},
            outbound=LOOPBACK_ONLY.attempts[attempts:],
            served=special.served(),
        )


def _site(name: str) -> dict[str, Any]:
    return next(s for s in SITES if s["name"] == name)


def _probe(result: SiteResult, host: str) -> HostProbe:
    assert result.security is not None and result.security.probed, result.site.name
    return next(p for p in result.security.hosts if p.host == host)


NAMES = [s["name"] for s in SITES]


def test_ground_truth_is_well_formed() -> None:
    security_rules = {r.id for r in RULES if r.grade == SECURITY}
    for site in SITES:
        assert site["listener"] in ("main", "tls") and site["story"]
        for f in site["expected_findings"]:
            assert set(f) == {"id", "severity"}
            assert f["id"].split(":", 1)[0] in security_rules, f["id"]
    fired = {f["id"].split(":", 1)[0] for s in SITES for f in s["expected_findings"]}
    # Every security check is proven on this web; cookie attributes on the manifests' sites.
    untested = security_rules - fired
    assert untested <= {"cookie-insecure-attributes"}, untested


@pytest.mark.parametrize("name", NAMES)
def test_security_findings_match_ground_truth(run: SecurityRun, name: str) -> None:
    site, result = _site(name), run.by_name[name]
    assert result.status.value == site.get("expected_status", "done"), result.error_message
    actual = {(f.id, f.severity.value) for f in RULES.of_grade(result.findings, SECURITY)}
    expected = {(f["id"], f["severity"]) for f in site["expected_findings"]}
    assert sorted(actual - expected) == [] and sorted(expected - actual) == []
    assert result.security_grade == site["expected_security_grade"], result.security_score


@pytest.mark.parametrize("name", [s["name"] for s in SITES if "facts" in s])
def test_measured_facts(run: SecurityRun, name: str) -> None:
    facts, result = _site(name)["facts"], run.by_name[name]
    assert result.security is not None
    home = result.security.documents[0]
    probe = _probe(result, _host(home.url))
    if "tls_versions" in facts:
        assert dict(probe.tls_versions) == facts["tls_versions"]
    if "http_status" in facts:
        assert probe.http_status == facts["http_status"]
    if "security_txt_found" in facts:
        assert probe.security_txt is not None
        assert probe.security_txt.found is facts["security_txt_found"]
    if "security_txt_errors" in facts:
        assert probe.security_txt is not None
        assert list(probe.security_txt.errors) == facts["security_txt_errors"]
    if "negotiated" in facts:
        assert home.tls_protocol == facts["negotiated"]
        assert home.certificate is not None and home.certificate.valid_to
    if "scripts_with_sri" in facts:
        assert [s.src for s in home.scripts if s.integrity] == facts["scripts_with_sri"]
    if "full_referrer_to" in facts:
        assert list(home.full_referrer_to) == facts["full_referrer_to"]
    if "mixed_content" in facts:
        got = {(m.url, m.resource_type, m.resolution) for m in home.mixed_content}
        assert got == {tuple(m) for m in facts["mixed_content"]}
    if "sri_organisations" in facts:
        sri = next(f for f in result.findings if f.rule == "security-sri-missing")
        assert sri.param("count") == facts["sri_organisations"]


def test_good_site_has_every_header_recorded(run: SecurityRun) -> None:
    result = run.by_name["Veiligdorp"]
    assert result.security is not None
    home = result.security.documents[0]
    assert home.hsts == "max-age=63072000; includeSubDomains; preload"
    assert home.x_content_type_options == "nosniff"
    assert home.referrer_policy == "strict-origin-when-cross-origin"
    assert home.permissions_policy and home.csp and "frame-ancestors" in home.csp
    probe = _probe(result, "www.veiligdorp.nl")
    assert probe.certificate_trust == "pinned" and probe.name_match is True
    assert probe.security_txt is not None and probe.security_txt.contacts


def test_probes_stay_on_the_sites_own_hosts(run: SecurityRun) -> None:
    """Nothing left loopback; the probes asked only the sites' own hosts, and the TLS
    listener (where only the special sites are mapped) saw only them, the probes'
    security.txt and http:// requests included."""
    assert run.outbound == []
    own = {_host(s["url"]) for s in SITES} | {"www.zwakdorp.nl"}
    special = {_host(s["url"]) for s in SITES if s["listener"] == "tls"}
    assert {host for host, _, _ in run.served} == special
    assert ("www.oudtlsdorp.nl", "GET", "/.well-known/security.txt") in run.served
    probed = {p.host for r in run.scan.sites if r.security is not None for p in r.security.hosts}
    assert probed <= own
