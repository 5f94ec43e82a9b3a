"""Which addresses the scanner may reach: never the network it runs in, unless told.

A scan runs inside a municipality's network or on a cloud machine and visits sites
nobody vetted. Two doors lead from such a site into that network: the scanner's own
robots.txt/sitemap client (``scanner.fetch``), which follows URLs the site names, and
the browser, which requests whatever a page asks for. Both refuse the address ranges
listed here (:data:`BLOCKED_NETWORKS`): loopback, private (RFC 1918, IPv6 ULA),
link-local (with cloud metadata at 169.254.169.254), CGNAT, multicast, unspecified
and reserved.

Exceptions, both the user's explicit choice: an address a ``--map-host`` rule sends a
host to, and everything with ``--allow-private-network``.

The client checks the address it actually connects to (:func:`address_kind`). The
browser gets the same ranges as ``--host-resolver-rules`` that resolve them to nothing
(:func:`chromium_rules`): Chromium then refuses them before any connection, for every
kind of request (documents, subresources, fetch, WebSocket, preconnect, workers),
without the CPU cost of intercepting requests. A refusal is recorded as the request's
``failed`` text (:func:`refusal_text`), which the classification reads back with
:func:`refusal_kind`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from functools import cache

__all__ = [
    "BLOCKED_NETWORKS",
    "REFUSED_PREFIX",
    "address_kind",
    "browser_refusal",
    "chromium_patterns",
    "chromium_rules",
    "host_kind",
    "is_map_target",
    "map_targets",
    "refusal_kind",
    "refusal_text",
    "split_target",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

BLOCKED_NETWORKS: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/8", "unspecified"),
    ("127.0.0.0/8", "loopback"),
    ("10.0.0.0/8", "private"),
    ("172.16.0.0/12", "private"),
    ("192.168.0.0/16", "private"),
    ("100.64.0.0/10", "cgnat"),
    ("169.254.0.0/16", "link-local"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("::/96", "reserved"),
    ("fc00::/7", "private"),
    ("fe80::/10", "link-local"),
    ("ff00::/8", "multicast"),
)
"""(network, kind) the scanner never reaches by default. IPv4-mapped IPv6 addresses
(``::ffff:10.0.0.1``) are judged by the IPv4 address inside, and refused as
``reserved`` when that one is public: no website needs them."""

_IPV6_PATTERNS = ("[::*", "[fc*", "[fd*", "[fe8*", "[fe9*", "[fea*", "[feb*", "[ff*")
"""Chromium patterns for the IPv6 ranges above (matched against ``[address]:port``):
``[::*`` covers ``::``, ``::1``, ``::/96`` and every ``::ffff:…``."""

_LOCALHOST_PATTERNS = ("localhost", "*.localhost")
"""Names that are loopback by definition (RFC 6761); Chromium never asks DNS for them."""

REFUSED_PREFIX = "privacyscan refused: "
"""Start of a request's ``failed`` text when privacyscan refused it."""

_KIND_RE = re.compile(r"^privacyscan refused: ([a-z-]+)")


@cache
def _networks() -> tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...]:
    return tuple((ipaddress.ip_network(net), kind) for net, kind in BLOCKED_NETWORKS)


def _ip(value: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None


def address_kind(address: str | IPAddress) -> str | None:
    """The blocked range an IP address is in (``loopback``, ``private``, …), else ``None``.

    ``None`` also for anything that is not an IP address.
    """
    ip = _ip(address) if isinstance(address, str) else address
    if ip is None:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return address_kind(ip.ipv4_mapped) or "reserved"
    for network, kind in _networks():
        if ip.version == network.version and ip in network:
            return kind
    return None


def host_kind(host: str) -> str | None:
    """:func:`address_kind` of an IP literal; ``loopback`` for ``localhost`` names."""
    clean = host.strip().lower().rstrip(".")
    if clean == "localhost" or clean.endswith(".localhost"):
        return "loopback"
    return address_kind(clean)


def split_target(target: str) -> tuple[str, int | None]:
    """``IP[:PORT]`` of a ``--map-host`` rule as (IP, port or ``None``); IPv6 in brackets."""
    target = target.strip()
    if target.startswith("["):
        ip, _, rest = target[1:].partition("]")
        port = rest.removeprefix(":")
    elif target.count(":") == 1:
        ip, _, port = target.partition(":")
    else:
        ip, port = target, ""
    return ip, int(port) if port.isdigit() else None


def map_targets(map_hosts: Iterable[str]) -> tuple[tuple[str, int | None], ...]:
    """The addresses ``--map-host`` rules send hosts to: reaching them is the user's choice."""
    targets: list[tuple[str, int | None]] = []
    for rule in map_hosts:
        _, eq, target = rule.partition("=")
        ip, port = split_target(target)
        parsed = _ip(ip)
        if eq and parsed is not None:
            targets.append((str(parsed), port))
    return tuple(targets)


def is_map_target(ip: str, port: int, map_hosts: Iterable[str]) -> bool:
    """Whether ``ip:port`` is where a ``--map-host`` rule sends a host."""
    parsed = _ip(ip)
    return parsed is not None and any(
        str(parsed) == target and (target_port is None or target_port == port)
        for target, target_port in map_targets(map_hosts)
    )


@cache
def chromium_patterns() -> tuple[str, ...]:
    """Host patterns (``*`` and ``?``, as in ``--host-resolver-rules``) of every blocked range.

    IPv4 networks become one pattern per whole octet prefix (``172.16.*`` … ``172.31.*``);
    Chromium writes IP addresses in URLs canonically, so ``http://2130706433/`` and
    ``http://0x7f.1/`` are ``127.0.0.1`` by then. A host *name* starting like a blocked
    address (``127.0.0.1.nip.io``) matches too, and is refused: such names exist to
    point inside.
    """
    patterns: list[str] = []
    for network, _kind in _networks():
        if not isinstance(network, ipaddress.IPv4Network):
            continue
        octets = (network.prefixlen + 7) // 8
        for sub in network.subnets(new_prefix=8 * octets):
            prefix = ".".join(str(b) for b in sub.network_address.packed[:octets])
            patterns.append(f"{prefix}.*")
    return (*patterns, *_IPV6_PATTERNS, *_LOCALHOST_PATTERNS)


def _pattern_re(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(".".join(map(re.escape, p.split("?"))) for p in pattern.split("*")))


@cache
def _compiled() -> tuple[re.Pattern[str], ...]:
    return tuple(_pattern_re(p) for p in chromium_patterns())


def _matches(pattern: re.Pattern[str], host: str, port: int) -> bool:
    """Chromium matches a rule against the host and against ``host:port``."""
    name = f"[{host}]" if ":" in host else host
    return bool(pattern.fullmatch(host) or pattern.fullmatch(f"{name}:{port}"))


def _user_rules(map_hosts: Sequence[str]) -> list[tuple[str, str]]:
    return [
        (pattern.strip(), target.strip())
        for pattern, eq, target in (rule.partition("=") for rule in map_hosts)
        if eq
    ]


def _explicitly_mapped(host: str, port: int, map_hosts: Sequence[str]) -> bool:
    """A ``--map-host`` rule names this internal host without a wildcard: the user's choice."""
    return any(
        "*" not in pattern
        and "?" not in pattern
        and _matches(_pattern_re(pattern.lower()), host, port)
        for pattern, _target in _user_rules(map_hosts)
    )


def chromium_rules(map_hosts: Sequence[str], *, allow_private_network: bool) -> list[str]:
    """Chromium's host resolver rules: the user's ``MAP`` rules behind the refusals.

    In order (the first matching rule wins): the user's rules that name an internal
    host without a wildcard; each internal ``--map-host`` target mapped to itself (a
    page may name its acceptance server's address); every blocked range to
    ``~NOTFOUND``; then all the user's rules as given. Without refusals (``allow``),
    the user's rules alone.
    """
    user = [f"MAP {pattern} {target}" for pattern, target in _user_rules(map_hosts)]
    if allow_private_network:
        return user
    first = [
        f"MAP {pattern} {target}"
        for pattern, target in _user_rules(map_hosts)
        if "*" not in pattern and "?" not in pattern and host_kind(pattern) is not None
    ]
    for ip, port in map_targets(map_hosts):
        if address_kind(ip) is None:
            continue
        name = f"[{ip}]" if ":" in ip else ip
        where = f"{name}:{port}" if port is not None else name
        first.append(f"MAP {where if port is not None else ip} {where}")
    blocks = [f"MAP {pattern} ~NOTFOUND" for pattern in chromium_patterns()]
    return [*first, *blocks, *user]


def browser_refusal(
    host: str, port: int, map_hosts: Sequence[str], *, allow_private_network: bool
) -> str | None:
    """The kind of address Chromium was told to refuse for ``host:port``, else ``None``.

    Mirrors :func:`chromium_rules`: what it returns is exactly what the browser refuses.
    """
    if allow_private_network:
        return None
    clean = host.strip().lower().strip("[]")
    if _explicitly_mapped(clean, port, map_hosts) or is_map_target(clean, port, map_hosts):
        return None
    if not any(_matches(p, clean, port) for p in _compiled()):
        return None
    return host_kind(clean) or "internal-name"


def refusal_text(kind: str, address: str) -> str:
    """The ``failed`` text of a refused request: ``privacyscan refused: loopback 127.0.0.2``."""
    return f"{REFUSED_PREFIX}{kind} {address}"


def refusal_kind(failed: str | None) -> str | None:
    """The kind of address of a request privacyscan refused, from its ``failed`` text."""
    match = _KIND_RE.match(failed or "")
    return match.group(1) if match else None
