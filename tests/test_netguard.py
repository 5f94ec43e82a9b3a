"""Which addresses are internal, and the browser rules that refuse them (pure)."""

from __future__ import annotations

import ipaddress

import pytest

from scanner.netguard import (
    address_kind,
    browser_refusal,
    chromium_patterns,
    chromium_rules,
    host_kind,
    is_map_target,
    refusal_kind,
    refusal_text,
)

KINDS = [
    ("127.0.0.1", "loopback"),
    ("127.255.0.9", "loopback"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("172.31.255.255", "private"),
    ("192.168.1.1", "private"),
    ("100.64.0.1", "cgnat"),
    ("100.100.100.200", "cgnat"),  # Alibaba Cloud's instance metadata
    ("169.254.169.254", "link-local"),  # AWS, Azure, GCP, Oracle instance metadata
    ("224.0.0.251", "multicast"),
    ("0.0.0.0", "unspecified"),
    ("255.255.255.255", "reserved"),
    ("::", "unspecified"),
    ("::1", "loopback"),
    ("[::1]", "loopback"),
    ("fd00:ec2::254", "private"),  # AWS's IPv6 instance metadata
    ("fe80::1", "link-local"),
    ("ff02::1", "multicast"),
    ("::ffff:10.0.0.1", "private"),
    ("::ffff:8.8.8.8", "reserved"),
    ("8.8.8.8", None),
    ("172.32.0.1", None),
    ("100.128.0.1", None),
    ("2a00:1450::1", None),
    ("www.gemeente.nl", None),
]


@pytest.mark.parametrize(("address", "kind"), KINDS)
def test_address_kind(address: str, kind: str | None) -> None:
    assert address_kind(address) == kind


def test_localhost_names_are_loopback() -> None:
    assert host_kind("localhost") == host_kind("app.localhost.") == "loopback"
    assert host_kind("localhost.gemeente.nl") is None


def _chromium_form(address: str) -> str | None:
    """The host as Chromium writes it in a canonical URL; ``None`` for names and for
    IPv4-mapped addresses (Chromium writes those in hex; all of them are refused)."""
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return None
    return None if getattr(ip, "ipv4_mapped", None) else str(ip)


@pytest.mark.parametrize(("address", "kind"), [k for k in KINDS if _chromium_form(k[0])])
def test_the_browser_refuses_exactly_the_internal_literals(address: str, kind: str | None) -> None:
    """The Chromium patterns and the address check agree on every IP literal above."""
    host = _chromium_form(address)
    assert host is not None
    assert browser_refusal(host, 80, (), allow_private_network=False) == kind


def test_map_targets_and_explicit_rules_are_the_users_choice() -> None:
    rules = ("www.gemeente.nl=10.0.0.5:8443", "*=127.0.0.1:9000", "localhost=127.0.0.1:9001")
    assert is_map_target("10.0.0.5", 8443, rules)
    assert not is_map_target("10.0.0.5", 443, rules)
    assert browser_refusal("10.0.0.5", 8443, rules, allow_private_network=False) is None
    assert browser_refusal("10.0.0.5", 443, rules, allow_private_network=False) == "private"
    assert browser_refusal("127.0.0.1", 9000, rules, allow_private_network=False) is None
    assert browser_refusal("127.0.0.2", 9000, rules, allow_private_network=False) == "loopback"
    assert browser_refusal("localhost", 80, rules, allow_private_network=False) is None
    assert browser_refusal("x.localhost", 80, rules, allow_private_network=False) == "loopback"
    assert browser_refusal("192.168.1.1", 80, rules, allow_private_network=True) is None
    # A name that merely looks like an address is refused too: such names point inside.
    assert browser_refusal("10.0.0.1.nip.io", 80, (), allow_private_network=False) == (
        "internal-name"
    )
    assert browser_refusal("www.gemeente.nl", 443, (), allow_private_network=False) is None


def test_chromium_rules_order() -> None:
    rules = chromium_rules(
        ("localhost=127.0.0.1:9001", "*=127.0.0.1:9000", "intra.nl=[fd00::5]:8443"),
        allow_private_network=False,
    )
    assert rules[:4] == [
        "MAP localhost 127.0.0.1:9001",
        "MAP 127.0.0.1:9001 127.0.0.1:9001",
        "MAP 127.0.0.1:9000 127.0.0.1:9000",
        "MAP [fd00::5]:8443 [fd00::5]:8443",
    ]
    blocks = [r for r in rules if r.endswith("~NOTFOUND")]
    assert len(blocks) == len(chromium_patterns())
    assert rules[-3:] == [
        "MAP localhost 127.0.0.1:9001",
        "MAP * 127.0.0.1:9000",
        "MAP intra.nl [fd00::5]:8443",
    ]
    # 172.16.0.0/12 is 16 patterns, 100.64.0.0/10 is 64, 224.0.0.0/4 is 16.
    assert "172.31.*" in chromium_patterns() and "172.32.*" not in chromium_patterns()
    assert "100.127.*" in chromium_patterns() and "100.128.*" not in chromium_patterns()


def test_refusal_text_round_trip() -> None:
    text = refusal_text("link-local", "169.254.169.254")
    assert text == "privacyscan refused: link-local 169.254.169.254"
    assert refusal_kind(text) == "link-local"
    assert refusal_kind("net::ERR_NAME_NOT_RESOLVED") is None
    assert refusal_kind(None) is None
