"""The direct security probes (``scanner.probe``) against real local TLS servers.

No browser: TLS handshakes per version with Python's ``ssl``, the certificate, the
first hop of ``http://``, security.txt; through ``scanner.fetch.Probe``, so only the
site's own hosts, ``--map-host`` honoured, no internal address, bounded in time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from scanner.config import CaptureOptions
from scanner.domains import Domains, SiteScope
from scanner.fetch import Answer, Resolution
from scanner.models import Site
from scanner.probe import probe_hosts, probe_site, read_security_txt
from scanner.testweb.server import Listener, TestWeb, TlsProfile

VALID_TXT = (
    b"Contact: mailto:security@veiligdorp.nl\n"
    b"Expires: 2099-01-01T00:00:00Z\n"
    b"Canonical: https://www.veiligdorp.nl/.well-known/security.txt\n"
)
URL = "https://www.veiligdorp.nl/.well-known/security.txt"


def _scope(url: str) -> SiteScope:
    return SiteScope(Site("x", url), Domains())


def _options(web: TestWeb, *rules: str) -> CaptureOptions:
    return CaptureOptions(
        map_hosts=(*rules, f"*=127.0.0.1:{web.port}"), trust_cert_spki=web.spki_hashes
    )


@pytest.fixture(scope="module")
def legacy() -> Iterator[TestWeb]:
    with TestWeb(
        tls=TlsProfile(legacy=True, certificates=(("www.onvertrouwd.nl", "untrusted"),))
    ) as web:
        yield web


def test_versions_certificate_http_and_security_txt(testweb: TestWeb) -> None:
    (host,) = probe_hosts(
        ["www.veiligdorp.nl"], _options(testweb), scope=_scope("https://www.veiligdorp.nl/")
    )
    assert dict(host.tls_versions) == {
        "TLS 1.0": False,
        "TLS 1.1": False,
        "TLS 1.2": True,
        "TLS 1.3": True,
    }
    assert host.certificate is not None and "www.veiligdorp.nl" in host.certificate.san
    assert (host.certificate_trust, host.name_match, host.error) == ("pinned", True, None)
    assert (host.http_status, host.http_location) == (301, "https://www.veiligdorp.nl/")
    assert host.security_txt is not None and host.security_txt.found
    assert host.security_txt.errors == () and "not_signed" in host.security_txt.recommendations


def test_old_versions_accepted_and_untrusted_certificate(legacy: TestWeb) -> None:
    options = _options(legacy)
    old, untrusted = probe_hosts(
        ["www.oudtlsdorp.nl"], options, scope=_scope("https://www.oudtlsdorp.nl/")
    ) + probe_hosts(["www.onvertrouwd.nl"], options, scope=_scope("https://www.onvertrouwd.nl/"))
    assert dict(old.tls_versions)["TLS 1.0"] is True
    assert dict(old.tls_versions)["TLS 1.1"] is True
    assert untrusted.certificate_trust == "untrusted"
    assert untrusted.certificate_error and "self-signed" in untrusted.certificate_error


def test_probe_site_follows_the_start_url_to_where_the_site_lives(testweb: TestWeb) -> None:
    hosts = probe_site(
        "https://zwakdorp.nl/", _options(testweb), scope=_scope("https://zwakdorp.nl/")
    )
    assert [h.host for h in hosts] == ["zwakdorp.nl", "www.zwakdorp.nl"]
    assert hosts[0].http_location == "https://www.zwakdorp.nl/welkom/?taal=nl"


def test_internal_address_is_refused_without_sending(
    testweb: TestWeb, outbound: Callable[[], list[str]]
) -> None:
    """A site's own name that resolves inside (not by a --map-host rule) is never reached."""
    with Listener("127.0.0.2") as inside:

        def resolve(host: str, port: int) -> Resolution:
            return Resolution((("127.0.0.2", inside.port),))

        options = CaptureOptions(trust_cert_spki=(testweb.spki_hash,))
        (host,) = probe_hosts(
            ["intern.veiligdorp.nl"],
            options,
            scope=_scope("https://www.veiligdorp.nl/"),
            resolve=resolve,
        )
        assert host.error == "refused" and host.tls_versions == ()
        assert host.http_error == "no answer" and host.security_txt is None
        assert inside.connections == 0
    assert outbound() == []


def test_hosts_outside_the_site_are_not_probed(testweb: TestWeb) -> None:
    before = len(testweb.served())
    (host,) = probe_hosts(
        ["www.anderedomein.nl"], _options(testweb), scope=_scope("https://www.veiligdorp.nl/")
    )
    assert host.error == "refused" and host.http_status is None
    assert testweb.served()[before:] == []


def test_a_silent_server_costs_the_deadline_not_more() -> None:
    with Listener(answer=False) as silent:
        options = CaptureOptions(map_hosts=(f"*=127.0.0.1:{silent.port}",))
        started = time.monotonic()
        (host,) = probe_hosts(
            ["www.stil.nl"], options, scope=_scope("https://www.stil.nl/"), timeout_s=3.0
        )
        assert time.monotonic() - started < 6.0
    assert host.error == "timeout" and host.certificate is None


def test_security_txt_is_parsed_without_any_fetch(monkeypatch: pytest.MonkeyPatch) -> None:
    """sectxt gets our content; its own client (requests) must never run."""
    import requests

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("sectxt tried to fetch")

    monkeypatch.setattr(requests.Session, "request", refuse)
    monkeypatch.setattr(requests, "get", refuse)
    ok = read_security_txt(URL, Answer(200, None, VALID_TXT, "text/plain; charset=utf-8"), URL)
    assert ok.found and ok.errors == () and ok.contacts == ("mailto:security@veiligdorp.nl",)
    assert ok.expires == "2099-01-01T00:00:00Z" and not ok.signed
    expired = VALID_TXT.replace(b"2099", b"2024")
    old = read_security_txt(URL, Answer(200, None, expired, "text/plain"), URL)
    assert old.errors == ("expired",)
    html = read_security_txt(
        URL, Answer(200, None, b"<html>Niet gevonden</html>", "text/html"), URL
    )
    assert not html.found and html.status == 200
    wrong = read_security_txt(URL, Answer(200, None, VALID_TXT, "application/octet-stream"), URL)
    assert wrong.errors == ("invalid_media",)
    assert not read_security_txt(URL, Answer(404, None, None, "text/plain"), URL).found
