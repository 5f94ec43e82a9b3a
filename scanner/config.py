"""Options of a capture, validated once at the edge.

Plain frozen values: the CLI builds them, the browser layer reads them, and the
scan records them (``as_pairs``) so a report states its measurement conditions.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from dataclasses import dataclass, fields
from urllib.parse import urlsplit

from .errors import ConfigError
from .netguard import chromium_rules

_HOST_PATTERN = re.compile(r"^[A-Za-z0-9*.\-]+$")


@dataclass(frozen=True, slots=True)
class CaptureOptions:
    """How the browser visits pages. Defaults behave like a Dutch first-time visitor."""

    browser_path: str | None = None
    """Chromium executable; ``None`` finds one (see ``scanner.browser.discovery``)."""
    map_hosts: tuple[str, ...] = ()
    """``PATTERN=IP[:PORT]`` rules: reach a site that is not on public DNS."""
    ignore_cert_errors: bool = False
    """Accept any certificate (acceptance environments). Off for real scans."""
    trust_cert_spki: tuple[str, ...] = ()
    """Base64 SHA-256 hashes of public keys to trust despite an unknown issuer."""
    locale: str = "nl-NL"
    timezone: str = "Europe/Amsterdam"
    user_agent: str | None = None
    """``None`` uses the browser's own user agent with ``HeadlessChrome`` → ``Chrome``."""
    viewport: tuple[int, int] = (1366, 768)
    page_timeout_s: float = 30.0
    """Longest wait for one page's ``load`` event."""
    dwell_s: float = 4.0
    """Least time on a page after ``load``: trackers often fire late."""
    quiet_s: float = 1.0
    """Network silence that counts as settled."""
    max_settle_s: float = 15.0
    """Longest settle period after ``load``, however busy the network stays."""
    max_navigations: int = 10
    """Main-frame documents one page visit may load (meta-refresh and script
    reload loops end there, as a ``redirects`` error)."""
    scroll: bool = True
    """Scroll to the bottom to trigger lazily loaded embeds."""
    third_party_cookies: bool = True
    """Accept third-party cookies like a default desktop Chrome (Chromium 156 headless
    blocks them unless the profile says otherwise). ``False`` measures a browser
    that blocks them."""
    raw_values: bool = False
    """Keep raw cookie and storage values (personal data) instead of hash + prefix."""
    har: bool = True
    """Record an HTTP Archive per visitor (``--no-har``: not), from the DevTools
    network events the visitor records anyway (``scanner.browser.archive``)."""
    har_content: bool = False
    """Embed response bodies in each visitor's HTTP Archive (default: headers and timings
    only; bodies can hold personal data and make an archive many times larger)."""
    headless: bool = True
    allow_private_network: bool = False
    """Let pages and the sitemap reader reach loopback, private, link-local and other
    internal addresses (see ``scanner.netguard``). Off: only ``map_hosts`` targets."""
    form_typing: bool = True
    """The first visitor types fictional values into each page's visible text fields
    (never submitting) and records requests that carry them (``scanner.canaries``)."""

    def host_resolver_rules(self) -> str | None:
        """Chromium's ``--host-resolver-rules``: ``map_hosts`` behind the internal-address
        refusals of ``scanner.netguard`` (none with ``allow_private_network``)."""
        rules = chromium_rules(self.map_hosts, allow_private_network=self.allow_private_network)
        return ", ".join(rules) or None

    def as_pairs(self) -> tuple[tuple[str, str], ...]:
        """The options as (name, value) text pairs, for the scan record."""
        return tuple((f.name, str(getattr(self, f.name))) for f in fields(self))


def validate_capture_options(options: CaptureOptions) -> CaptureOptions:
    """Reject impossible options with a message that says how to fix them."""
    for rule in options.map_hosts:
        pattern, eq, target = rule.partition("=")
        if not eq or not pattern.strip() or not target.strip():
            raise ConfigError(
                f"--map-host {rule!r}: expected PATTERN=IP[:PORT], e.g. '*.example.nl=10.0.0.5'"
            )
        if not _HOST_PATTERN.match(pattern.strip()):
            raise ConfigError(f"--map-host {rule!r}: {pattern!r} is not a host name pattern")
        host, _, port = (
            target.strip().rpartition(":") if target.count(":") == 1 else (target, "", "")
        )
        if target.strip() == "~NOTFOUND":
            continue  # Chromium's rule for "this host does not resolve"
        try:
            ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            raise ConfigError(f"--map-host {rule!r}: {host!r} is not an IP address") from None
        if port and not (port.isdigit() and 0 < int(port) < 65536):
            raise ConfigError(f"--map-host {rule!r}: {port!r} is not a port number")
    for spki in options.trust_cert_spki:
        try:
            if len(base64.b64decode(spki, validate=True)) != 32:
                raise ValueError
        except (binascii.Error, ValueError):
            raise ConfigError(
                f"--trust-cert-spki {spki!r}: expected the base64 SHA-256 of a public key"
            ) from None
    if options.page_timeout_s <= 0 or options.dwell_s < 0 or options.quiet_s < 0:
        raise ConfigError("timeouts must be positive")
    return options


def check_url(url: str) -> str:
    """Accept only http(s) URLs with a host: a scanner must never open ``file:``.

    Returns the URL as a sites file would have it: an international host in the
    punycode Chromium uses (UTS #46, ``scanner.sites.to_ascii_host``).
    """
    from .sites import site_from_url

    split = urlsplit(url.strip())
    if split.scheme.lower() not in {"http", "https"} or not split.hostname:
        raise ConfigError(f"{url!r} is not an http(s) URL")
    return site_from_url(url).url
