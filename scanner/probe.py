"""Direct security probes of a site's own hosts, outside the browser.

What the browser cannot tell: which TLS versions a server still accepts (Chromium
offers only TLS 1.2 and 1.3), whether the certificate passes a public trust store,
where ``http://HOST/`` sends a visitor first, and the site's security.txt. These are
privacyscan's own requests, like the robots.txt reader's, so they go through
:class:`scanner.fetch.Probe`: only the site's own hosts (the start URL's and where the
home page lives), ``--map-host`` and the certificate options honoured, no internal
address, a deadline for every operation and one for the whole site. A host that
refuses a probe is a result (``accepted: false``, ``http_error``), never an error.

security.txt is validated with Internet.nl's ``sectxt`` (the DigitalTrustCenter's
parser that Internet.nl runs): given the content we fetched, it never fetches itself.
Its ``Parser`` judges ``Expires`` against the clock, which is right here: a probe
records what was true at ``HostProbe.checked_at``.
"""

from __future__ import annotations

import contextlib
import ssl
import time
import warnings
from collections.abc import Sequence
from email.message import Message
from urllib.parse import urljoin, urlsplit

from cryptography import x509
from cryptography.x509.oid import NameOID

from .classify.security import name_matches
from .config import CaptureOptions
from .cookies import iso, now_iso
from .domains import SiteScope, host_of
from .fetch import Answer, Deadline, Probe, Resolve
from .models import Certificate, HostProbe, SecurityTxt

__all__ = [
    "HANDSHAKE_TIMEOUT_S",
    "PROBE_TIMEOUT_S",
    "TLS_VERSIONS",
    "probe_hosts",
    "probe_site",
    "read_security_txt",
]

PROBE_TIMEOUT_S = 25.0
"""Every probe of one site together, however many hosts and however slow the server."""
HANDSHAKE_TIMEOUT_S = 5.0
"""One TLS handshake or one request."""
SECURITY_TXT_MAX_BYTES = 64_000
"""security.txt is a few lines; anything far larger is not one."""
MAX_REDIRECTS = 5

TLS_VERSIONS: tuple[tuple[str, ssl.TLSVersion], ...] = (
    ("TLS 1.0", ssl.TLSVersion.TLSv1),
    ("TLS 1.1", ssl.TLSVersion.TLSv1_1),
    ("TLS 1.2", ssl.TLSVersion.TLSv1_2),
    ("TLS 1.3", ssl.TLSVersion.TLSv1_3),
)
"""The versions offered one at a time, oldest first, as the model names them."""

_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def _version_context(version: ssl.TLSVersion) -> ssl.SSLContext | None:
    """A client context offering only ``version``, or ``None`` when the local TLS
    library cannot (Debian's OpenSSL allows TLS 1.0/1.1 only at security level 0)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            if version < ssl.TLSVersion.TLSv1_2:
                context.set_ciphers("DEFAULT:@SECLEVEL=0")
            context.minimum_version = version
            context.maximum_version = version
    except (ValueError, ssl.SSLError):
        return None
    return context


def _unverified() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _name(name: x509.Name) -> str:
    for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME):
        values = name.get_attributes_for_oid(oid)
        if values:
            return str(values[0].value)
    return name.rfc4514_string()


def certificate_of(der: bytes) -> Certificate:
    """The model's :class:`Certificate` from a DER certificate."""
    cert = x509.load_der_x509_certificate(der)
    names: list[str] = []
    with contextlib.suppress(x509.ExtensionNotFound):
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [str(n) for n in san.get_values_for_type(x509.DNSName)]
        names += [str(a) for a in san.get_values_for_type(x509.IPAddress)]
    return Certificate(
        subject=_name(cert.subject),
        san=tuple(names),
        issuer=_name(cert.issuer),
        valid_from=iso(cert.not_valid_before_utc) or "",
        valid_to=iso(cert.not_valid_after_utc) or "",
    )


def _tls_versions(
    probe: Probe, host: str, port: int, total: float
) -> tuple[tuple[str, bool | None], ...]:
    out: list[tuple[str, bool | None]] = []
    for name, version in TLS_VERSIONS:
        context = _version_context(version)
        accepted: bool | None = None
        if context is not None:
            try:
                with probe.handshake(host, port, context, Deadline(HANDSHAKE_TIMEOUT_S, total)):
                    accepted = True
            except ssl.SSLError as exc:
                # The server refused the version; unless our side could not offer it.
                accepted = None if exc.reason == "NO_PROTOCOLS_AVAILABLE" else False
            except (OSError, TimeoutError):
                accepted = None
        out.append((name, accepted))
    return tuple(out)


def _certificate(
    probe: Probe, options: CaptureOptions, host: str, port: int, total: float
) -> tuple[Certificate | None, str, str | None, str | None]:
    """(certificate, trust, why the public store refused it, error reaching the host)."""
    try:
        deadline = Deadline(HANDSHAKE_TIMEOUT_S, total)
        with probe.handshake(host, port, _unverified(), deadline) as tls:
            der = tls.getpeercert(binary_form=True)
    except (OSError, TimeoutError) as exc:
        return None, "", None, _why(exc)
    if not der:
        return None, "", None, "no certificate"
    certificate = certificate_of(der)
    if options.ignore_cert_errors:
        return certificate, "ignored", None, None
    if options.trust_cert_spki and probe.spki(der) in options.trust_cert_spki:
        return certificate, "pinned", None, None
    try:
        with probe.handshake(
            host, port, ssl.create_default_context(), Deadline(HANDSHAKE_TIMEOUT_S, total)
        ):
            return certificate, "public", None, None
    except ssl.SSLCertVerificationError as exc:
        return certificate, "untrusted", str(exc.verify_message or exc.reason or exc), None
    except (OSError, TimeoutError) as exc:
        return certificate, "", None, _why(exc)


def _why(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, ssl.SSLError):
        return f"tls: {exc.reason or exc}"
    return "connection"


def _http(probe: Probe, host: str, total: float) -> tuple[int | None, str | None, str | None]:
    """(status, Location, error) of ``http://HOST/``, the first hop only."""
    try:
        answer = probe.answer(
            f"http://{host}/", max_bytes=-1, deadline=Deadline(HANDSHAKE_TIMEOUT_S, total)
        )
    except (OSError, TimeoutError) as exc:
        return None, None, _why(exc)
    if answer is None:
        return None, None, "no answer"
    return answer.status, answer.location, None


def read_security_txt(url: str, answer: Answer | None, final_url: str | None) -> SecurityTxt:
    """security.txt as found (or not) at ``final_url``, validated with ``sectxt``.

    A 200 answer served as HTML is a web page saying "not here" (many sites answer any
    path so), not a security.txt. The checks ``sectxt`` makes on the HTTP answer when it
    fetches itself (media type, charset) are made here on ours, with its codes.
    """
    if answer is None:
        return SecurityTxt(url)
    media = (answer.content_type or "").split(";")[0].strip().lower()
    page = media in ("text/html", "application/xhtml+xml")
    if answer.status != 200 or answer.body is None or page:
        return SecurityTxt(url, status=answer.status, content_type=answer.content_type)
    from sectxt import Parser  # heavy (OpenPGP, language tags): only when there is a file

    parser = Parser(answer.body, urls=final_url or url)
    errors = [str(e["code"]) for e in parser.errors]
    if not answer.content_type:
        errors.append("no_content_type")
    else:
        header = Message()
        header["content-type"] = answer.content_type
        if media != "text/plain":
            errors.append("invalid_media")
        charset = str(header.get_param("charset") or "utf-8").lower()
        if charset not in ("utf-8", "csutf8"):
            errors.append("invalid_charset")
    values = parser._values  # the parsed fields; sectxt exposes them only in part
    return SecurityTxt(
        url=url,
        found=True,
        final_url=final_url,
        status=200,
        content_type=answer.content_type,
        errors=tuple(dict.fromkeys(errors)),
        recommendations=tuple(dict.fromkeys(str(r["code"]) for r in parser.recommendations)),
        expires=(values.get("expires") or [None])[0],
        contacts=tuple(values.get("contact") or ()),
        signed=bool(parser._signed),
    )


def _follow(
    probe: Probe, url: str, total: float, max_bytes: int
) -> tuple[Answer | None, str | None]:
    """The last answer for ``url`` after at most 5 redirects on the site's domains."""
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        try:
            answer = probe.answer(
                current, max_bytes=max_bytes, deadline=Deadline(HANDSHAKE_TIMEOUT_S, total)
            )
        except (OSError, TimeoutError):
            return None, None
        if answer is None or answer.status not in _REDIRECTS or not answer.location:
            return answer, current
        current = urljoin(current, answer.location.strip())
        if urlsplit(current).scheme.lower() not in ("http", "https"):
            return answer, None
    return None, None


def _probe_host(
    probe: Probe, options: CaptureOptions, host: str, port: int, total: float
) -> HostProbe:
    checked_at = now_iso()
    certificate, trust, cert_error, error = _certificate(probe, options, host, port, total)
    versions = _tls_versions(probe, host, port, total) if error is None else ()
    status, location, http_error = _http(probe, host, total)
    txt_url = f"https://{host}/.well-known/security.txt"
    txt: SecurityTxt | None = None
    if error is None:
        answer, final = _follow(probe, txt_url, total, SECURITY_TXT_MAX_BYTES)
        txt = read_security_txt(txt_url, answer, final)
    return HostProbe(
        host=host,
        checked_at=checked_at,
        tls_versions=versions,
        certificate=certificate,
        certificate_trust=trust,
        certificate_error=cert_error,
        name_match=name_matches(host, certificate.san) if certificate is not None else None,
        http_status=status,
        http_location=location,
        http_error=http_error,
        security_txt=txt,
        error=error,
    )


def probe_hosts(
    hosts: Sequence[str],
    options: CaptureOptions,
    *,
    scope: SiteScope,
    resolve: Resolve | None = None,
    timeout_s: float = PROBE_TIMEOUT_S,
) -> tuple[HostProbe, ...]:
    """Probe each host (https on port 443, http on 80, as ``--map-host`` maps them)."""
    total = time.monotonic() + timeout_s
    probe = Probe(options, scope, resolve)
    out = []
    for host in dict.fromkeys(h.lower() for h in hosts if h):
        if time.monotonic() >= total:
            break
        out.append(_probe_host(probe, options, host, 443, total))
    return tuple(out)


def probe_site(
    url: str,
    options: CaptureOptions,
    *,
    scope: SiteScope,
    resolve: Resolve | None = None,
    timeout_s: float = PROBE_TIMEOUT_S,
) -> tuple[HostProbe, ...]:
    """The start URL's host, then the host its https redirects end on (where the site
    lives), each probed once, all within ``timeout_s``."""
    total = time.monotonic() + timeout_s
    start = host_of(url)
    https = "https://" + url.split("://", 1)[-1] if url.lower().startswith("http:") else url
    answer, final = _follow(Probe(options, scope, resolve), https, total, -1)
    hosts = [start]
    if answer is not None and final is not None:
        hosts.append(host_of(final))
    left = max(1.0, total - time.monotonic())
    return probe_hosts(hosts, options, scope=scope, resolve=resolve, timeout_s=left)
