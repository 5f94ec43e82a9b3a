"""Reading cookie strings the way a browser does (RFC 6265), without a browser.

The capture sees cookies as raw text: ``Set-Cookie`` header lines and strings
written to ``document.cookie``. These pure functions turn that text into the
attributes a report needs, and keep values private by default.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

VALUE_PREFIX_CHARS = 8
"""Characters of a value kept by default: enough to recognise ``GA1.1.``, not a user."""


@dataclass(frozen=True, slots=True)
class ParsedCookie:
    """One cookie string, parsed."""

    name: str
    value: str
    domain: str
    """As the browser would key it: ``.example.nl`` with a Domain attribute, else the host."""
    path: str
    expires: datetime | None
    """Absolute expiry; ``None`` for a session cookie."""
    lifetime_s: int | None
    """Seconds from ``now`` to expiry; ``None`` for a session cookie; ≤ 0 deletes."""
    secure: bool
    http_only: bool
    same_site: str | None
    partitioned: bool

    @property
    def deletes(self) -> bool:
        """A write that removes the cookie (expiry in the past), not a new cookie."""
        return self.lifetime_s is not None and self.lifetime_s <= 0


def parse_cookie(line: str, url: str, now: datetime) -> ParsedCookie | None:
    """Parse a ``Set-Cookie`` line or a ``document.cookie`` write made at ``url``.

    Returns ``None`` for text a browser would ignore outright (no name and value).
    """
    parts = line.split(";")
    pair = parts[0]
    if "=" in pair:
        name, _, value = pair.partition("=")
    else:
        name, value = "", pair
    name, value = name.strip(), value.strip()
    if not name and not value:
        return None
    attrs: dict[str, str] = {}
    flags: set[str] = set()
    for part in parts[1:]:
        key, eq, val = part.partition("=")
        key = key.strip().lower()
        if not key:
            continue
        if eq:
            attrs[key] = val.strip()
        else:
            flags.add(key)
    split = urlsplit(url)
    host = (split.hostname or "").lower()
    domain_attr = attrs.get("domain", "").strip().lstrip(".").lower()
    domain = "." + domain_attr if domain_attr else host
    path = attrs.get("path", "")
    if not path.startswith("/"):
        path = default_path(split.path)
    expires, lifetime = _expiry(attrs, now)
    same_site = attrs.get("samesite")
    if same_site is not None:
        same_site = (
            same_site.capitalize() if same_site.lower() in {"lax", "strict", "none"} else None
        )
    return ParsedCookie(
        name=name,
        value=value,
        domain=domain,
        path=path,
        expires=expires,
        lifetime_s=lifetime,
        secure="secure" in flags or "secure" in attrs,
        http_only="httponly" in flags or "httponly" in attrs,
        same_site=same_site,
        partitioned="partitioned" in flags or "partitioned" in attrs,
    )


def default_path(url_path: str) -> str:
    """RFC 6265 section 5.1.4: the directory of the request path."""
    if not url_path.startswith("/") or url_path.count("/") == 1:
        return "/"
    return url_path[: url_path.rindex("/")]


def _expiry(attrs: dict[str, str], now: datetime) -> tuple[datetime | None, int | None]:
    # Max-Age wins over Expires (RFC 6265 section 5.3, step 3).
    if "max-age" in attrs:
        try:
            seconds = int(attrs["max-age"])
        except ValueError:
            seconds = None
        if seconds is not None:
            seconds = max(seconds, 0)
            return _add_seconds(now, seconds), seconds
    if "expires" in attrs:
        try:
            when = parsedate_to_datetime(attrs["expires"])
        except (TypeError, ValueError, IndexError, OverflowError):
            return None, None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return when, int((when - now).total_seconds())
    return None, None


def _add_seconds(now: datetime, seconds: int) -> datetime | None:
    try:
        return datetime.fromtimestamp(now.timestamp() + seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def value_digest(value: str) -> tuple[str, str]:
    """Hash and short prefix of a cookie or storage value: comparable, not kept."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest(), value[
        :VALUE_PREFIX_CHARS
    ]


def now_iso() -> str:
    """The current time in the model's one time format."""
    return iso(datetime.now(UTC)) or ""


def iso(when: datetime | None) -> str | None:
    """UTC ISO 8601 with milliseconds and a ``Z``: the one time format of the model."""
    if when is None:
        return None
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{when.microsecond // 1000:03d}Z"
    )
