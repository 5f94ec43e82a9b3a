"""Read the list of sites to scan (``sites.txt``) and pick sites from it.

Privacy officers edit the file by hand, so the parser is strict about anything that
would scan the wrong thing (a non-web URL, a duplicate, a mistyped code) and names
the line to fix; it is lenient about spacing, comments, blank lines, a byte-order
mark and Windows line ends.

A line is either ``name | province | CBS code | start URL | extra domains`` (the
last field optional, the code may be empty) or just a start URL. Only ``http`` and
``https`` URLs are accepted: a ``file:``, ``javascript:`` or ``chrome:`` URL handed
to the browser could read local files or run script, so every URL, from the file
or the command line, passes the one gate :func:`_normalise_url`.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import idna

from scanner.errors import ConfigError, SitesFileError
from scanner.models import Site

__all__ = [
    "ALLOWED_SCHEMES",
    "FIELD_SEPARATOR",
    "load_sites",
    "parse_sites",
    "select_sites",
    "site_from_url",
    "to_ascii_host",
    "unicode_host",
]

FIELD_SEPARATOR = "|"
"""Separates the fields of a line; written as `` | `` (spaces around it are ignored)."""
ALLOWED_SCHEMES = frozenset({"http", "https"})
"""The only URL schemes accepted from users."""

_FIELDS = "name | province | CBS code | start URL | extra domains"
_DEFAULT_PORTS = {"http": 80, "https": 443}
_CBS_CODE = re.compile(r"GM[0-9]{4}")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_MAX_HOST_LENGTH = 253


class _Invalid(Exception):
    """A field is wrong; the caller adds the location (file and line, or none)."""


def parse_sites(text: str, source: str = "sites.txt") -> list[Site]:
    """Parse the text of a sites file into sites, in file order.

    ``source`` is only used in error messages. Raises :class:`SitesFileError` for the
    first bad line. A text with no sites gives an empty list.
    """
    sites: list[Site] = []
    seen_names: dict[str, int] = {}
    seen_urls: dict[str, int] = {}
    seen_codes: dict[str, int] = {}
    # Split on \n only (not str.splitlines) so line numbers match every editor.
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").split("\n")
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            site = _parse_line(stripped)
        except _Invalid as exc:
            raise SitesFileError(source, number, str(exc)) from None
        checks = (
            (seen_names, _key(site.name), f"name {site.name!r}"),
            (seen_urls, _url_key(site.url), f"URL {site.url}"),
            (seen_codes, site.code, f"CBS code {site.code}"),
        )
        for seen, key, what in checks:
            if key is None:
                continue
            if key in seen:
                message = f"duplicate site: {what} is on lines {seen[key]} and {number}"
                raise SitesFileError(source, number, message)
            seen[key] = number
        sites.append(site)
    return sites


def load_sites(path: Path) -> list[Site]:
    """Read and parse a UTF-8 sites file.

    Raises :class:`ConfigError` when the file cannot be read or lists no site (a scan
    of nothing is always a mistake), :class:`SitesFileError` for a bad line.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read sites file: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SitesFileError(str(path), line, "not valid UTF-8; save the file as UTF-8") from None
    sites = parse_sites(text, source=str(path))
    if not sites:
        raise ConfigError(f"{path}: no sites: every line is blank or a comment")
    return sites


def site_from_url(url: str) -> Site:
    """Make a site from a URL given on the command line, named after its host.

    Applies the same checks and normalisation as a URL line in a sites file; raises
    :class:`ConfigError`.
    """
    try:
        normalised, host = _normalise_url(url.strip())
    except _Invalid as exc:
        raise ConfigError(str(exc)) from None
    return Site(name=host, url=normalised)


def select_sites(
    sites: Sequence[Site], only: Sequence[str] = (), exclude: Sequence[str] = ()
) -> list[Site]:
    """Keep the sites chosen by ``--only`` and not dropped by ``--exclude``, in order.

    A value matches a site whose name, province or CBS code equals it, ignoring case
    (``Utrecht`` picks the whole province, ``GM0344`` only the city). An ``only``
    value that matches no site raises :class:`ConfigError`, because a typo would
    otherwise silently scan less than asked.
    """
    site_keys = [_site_keys(site) for site in sites]
    chosen = list(zip(sites, site_keys, strict=True))
    if only:
        wanted = {_key(value) for value in only}
        unmatched = [v for v in only if not any(_key(v) in keys for keys in site_keys)]
        if unmatched:
            raise ConfigError(_unmatched_message(unmatched, sites))
        chosen = [(site, keys) for site, keys in chosen if keys & wanted]
    unwanted = {_key(value) for value in exclude}
    return [site for site, keys in chosen if not keys & unwanted]


def _parse_line(line: str) -> Site:
    """Turn one non-comment line into a site."""
    fields = [field.strip() for field in line.split(FIELD_SEPARATOR)]
    if len(fields) == 1 and _looks_like_url(fields[0]):
        url, host = _normalise_url(fields[0])
        return Site(name=host, url=url)
    if len(fields) not in (4, 5):
        raise _Invalid(
            f'expected 4 or 5 fields separated by " | " ({_FIELDS}) or just a URL, '
            f"found {len(fields)} field{'s' if len(fields) != 1 else ''}"
        )
    name = _clean_text(fields[0], "name")
    province = _clean_text(fields[1], "province")
    code = fields[2].upper() or None
    if code is not None and not _CBS_CODE.fullmatch(code):
        raise _Invalid(f"CBS code {fields[2]!r} is not GM followed by 4 digits (like GM0014)")
    url, _host = _normalise_url(fields[3])
    extra = _parse_extra_domains(fields[4]) if len(fields) == 5 else ()
    return Site(name=name, url=url, province=province, code=code, extra_domains=extra)


def _looks_like_url(value: str) -> bool:
    """Tell a URL-only line from a line with too few fields (``Aa en Hunze``)."""
    return not any(ch.isspace() for ch in value) and any(ch in value for ch in ":./")


def _clean_text(value: str, what: str) -> str:
    """Normalise a name so copy-pasted text (NFD, no-break spaces) matches typed text."""
    cleaned = " ".join(unicodedata.normalize("NFC", value).split())
    if not cleaned:
        raise _Invalid(f"{what} is empty")
    if not cleaned.isprintable():
        raise _Invalid(f"{what} {cleaned!r} contains invisible or control characters")
    return cleaned


def _normalise_url(raw: str) -> tuple[str, str]:
    """Check a user's URL and return it normalised, with its ``host[:port]``.

    The gate for every URL: http(s) only, a valid host, no credentials, no spaces.
    The host is lower-cased (an international name becomes punycode the way Chromium
    makes it, see :func:`to_ascii_host`), a default port is dropped and an empty path
    becomes ``/``; the scheme is kept as given.
    """
    if not raw:
        raise _Invalid("URL is empty")
    if not raw.isprintable() or any(ch.isspace() for ch in raw):
        raise _Invalid(f"URL {raw!r} contains spaces or control characters")
    try:
        parts = urlsplit(raw)
    except ValueError as exc:
        raise _Invalid(f"URL {raw!r} is malformed: {exc}") from None
    scheme = parts.scheme
    if scheme not in ALLOWED_SCHEMES:
        if "://" not in raw and (not scheme or "." in scheme):
            raise _Invalid(f"URL {raw!r} must start with http:// or https://")
        raise _Invalid(f"URL {raw!r} uses {scheme}:, only http:// and https:// are allowed")
    if "@" in parts.netloc:
        raise _Invalid(f"URL {raw!r} contains a user name or password (the part before @)")
    if not parts.hostname:
        raise _Invalid(f"URL {raw!r} has no host")
    host = _normalise_host(parts.hostname, raw)
    try:
        port = parts.port
    except ValueError:
        raise _Invalid(f"URL {raw!r} has an invalid port") from None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    url = urlunsplit((scheme, netloc, parts.path or "/", parts.query, parts.fragment))
    return url, netloc


def _normalise_host(host: str, raw: str) -> str:
    """Return a lower-case ASCII host name or IP address, or raise ``_Invalid``."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if not host.isascii():
        try:
            host = to_ascii_host(host)
        except ValueError:
            raise _Invalid(f"{raw!r}: {host!r} is not a valid host name") from None
    host = host.lower()
    labels = host.split(".")
    if len(host) > _MAX_HOST_LENGTH or not all(_LABEL.fullmatch(label) for label in labels):
        raise _Invalid(f"{raw!r}: {host!r} is not a valid host name")
    return host


def to_ascii_host(host: str) -> str:
    """An international host name in ASCII (punycode) as Chromium writes it: UTS #46
    without transitional mapping (IDNA 2008), so ``straße`` stays ``xn--strae-oqa``.

    Python's own ``idna`` codec is IDNA 2003 and makes it ``strasse``: another host
    than the browser visits. Raises ``ValueError`` for a name that is not valid.
    """
    try:
        return idna.encode(host, uts46=True, transitional=False).decode("ascii")
    except idna.IDNAError as exc:
        raise ValueError(str(exc)) from None


def unicode_host(url_or_host: str) -> str | None:
    """The Unicode form of a URL's or host's punycode name, ``None`` when it has none."""
    text = url_or_host.strip()
    try:
        host = urlsplit(text).hostname if "://" in text else text.split("/", 1)[0]
    except ValueError:
        return None
    if not host or not any(label.startswith("xn--") for label in host.lower().split(".")):
        return None
    try:
        return idna.decode(host)
    except (idna.IDNAError, UnicodeError):
        return None


def _parse_extra_domains(field: str) -> tuple[str, ...]:
    """Parse the comma-separated extra first-party domains, without duplicates."""
    domains: list[str] = []
    for item in field.split(","):
        domain = item.strip()
        if not domain:
            continue  # a trailing comma is harmless
        if any(ch in domain for ch in ":/@?#") or any(ch.isspace() for ch in domain):
            raise _Invalid(
                f"extra domain {domain!r} must be a bare host name like groningen.nl, "
                "without https://, a path or a port (separate domains with commas)"
            )
        try:
            host = _normalise_host(domain, domain)
        except _Invalid:
            raise _Invalid(f"extra domain {domain!r} is not a valid host name") from None
        if "." not in host or ":" in host or host.replace(".", "").isdigit():
            raise _Invalid(f"extra domain {domain!r} must be a domain name like groningen.nl")
        if host not in domains:
            domains.append(host)
    return tuple(domains)


def _key(value: str) -> str:
    """Compare names the way a person does: case, accents' encoding and spacing aside."""
    return " ".join(unicodedata.normalize("NFC", value).split()).casefold()


def _url_key(url: str) -> str:
    """The same page over http and https is the same site."""
    return url.split("://", 1)[1]


def _site_keys(site: Site) -> set[str]:
    """The values ``--only``/``--exclude`` can name this site by."""
    values = (site.name, site.province, site.code)
    return {_key(value) for value in values if value}


def _unmatched_message(unmatched: Sequence[str], sites: Sequence[Site]) -> str:
    """Name each ``--only`` value that matched nothing, with a suggestion for typos."""
    known: dict[str, str] = {}
    for site in sites:
        for value in (site.name, site.province, site.code):
            if value:
                known.setdefault(_key(value), value)
    parts = []
    for value in unmatched:
        close = difflib.get_close_matches(_key(value), list(known), n=1, cutoff=0.75)
        hint = f" (did you mean {known[close[0]]!r}?)" if close else ""
        parts.append(f"--only {value!r} matches no site name, province or CBS code{hint}")
    return "; ".join(parts)
