"""Identifiers in URLs: which query parameters carry a visitor, device or click id.

Shared by the rules that judge what a URL passes on (``identifier-in-url``) and the
detection of cookie-sync chains (:mod:`scanner.classify.sync`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlsplit

from scanner.models import Cookie

__all__ = ["BENIGN_PARAMS", "ID_PARAMS", "cookie_tokens", "identifiers"]

ID_PARAMS = frozenset(
    {
        "cid", "uid", "_id", "client_id", "clientid", "user_id", "userid", "uuid", "guid",
        "vid", "visitor_id", "visitorid", "device_id", "deviceid", "did", "anonymous_id",
        "anonymousid", "fbp", "_fbp", "fbc", "_fbc", "fbclid", "gclid", "dclid", "msclkid",
        "ttclid", "li_fat_id", "_pk_id", "pk_vid", "_uetvid", "ecid", "mid", "_hjid",
    }
)  # fmt: skip
"""Query parameter names that carry a visitor, device or click identifier."""

BENIGN_PARAMS = frozenset(
    {
        "v", "ver", "version", "hash", "h", "t", "ts", "_", "cb", "cachebuster", "rand",
        "r", "key", "api_key", "apikey", "k", "render", "sitekey", "callback", "hl", "lang",
        "language", "id", "tid", "client", "channel", "signature", "sig", "etag",
        "integrity", "family", "display", "text", "libraries", "region", "origin", "url",
        "ref", "dl", "dr", "dt", "referrer", "page", "path", "q", "query", "token",
    }
)  # fmt: skip
"""Parameters that are site-level or content values, never counted as random-token IDs."""

_TOKEN_RE = re.compile(r"^[A-Za-z0-9_\-]{20,}$")
_VALUE_SPLIT_RE = re.compile(r"[.:|~&=]")


def _entropy(value: str) -> float:
    counts: dict[str, int] = {}
    for ch in value:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(value)
    return -sum(k / n * math.log2(k / n) for k in counts.values())


def _looks_random(value: str) -> bool:
    """A long token mixing letters and digits with high entropy, e.g. a device ID."""
    return (
        bool(_TOKEN_RE.match(value))
        and any(ch.isdigit() for ch in value)
        and any(ch.isalpha() for ch in value)
        and _entropy(value) >= 3.5
    )


def cookie_tokens(cookies: Iterable[Cookie]) -> set[str]:
    """Fragments of stored cookie values that identify a visitor, to spot them in URLs."""
    tokens: set[str] = set()
    for c in cookies:
        if not c.stored:
            continue
        if c.party is not None and c.party.category == "consent":
            continue
        if len(c.value_prefix) >= 8:
            tokens.add(c.value_prefix)
        if c.value:
            tokens.update(
                t for t in _VALUE_SPLIT_RE.split(c.value) if len(t) >= 8 and len(set(t)) > 3
            )
    return tokens


def identifiers(url: str, tokens: set[str]) -> tuple[set[str], set[str]]:
    """(strong, weak) parameter names carrying identifiers in ``url``'s query."""
    strong: set[str] = set()
    weak: set[str] = set()
    try:
        query = urlsplit(url).query
    except ValueError:
        return strong, weak
    for name, value in parse_qsl(query):
        lname = name.lower()
        if len(value) < 4:
            continue
        if lname in ID_PARAMS or any(tok in value for tok in tokens):
            strong.add(name)
        elif lname not in BENIGN_PARAMS and _looks_random(value):
            weak.add(name)
    return strong, weak
