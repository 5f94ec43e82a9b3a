"""The cookie instrument: every attempt to set a cookie (``Set-Cookie`` headers, which
the network instrument hands over at the end, and scripts' ``document.cookie`` and
``cookieStore`` writes reported by ``hooks.js``), and the jar after each page: one
record per cookie, with whether the browser kept it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from ...cookies import ParsedCookie, iso, parse_cookie, value_digest
from ...models import Cookie, CookieSource, Initiator, Phase
from .base import Instrument, PageClock, WriteBudget, hook_initiator
from .network import SetCookieHeaders

_MAX_COOKIES = 1000
"""Cookie records per visitor (Chromium itself keeps about 180 per domain)."""


@dataclass
class _Write:
    """One attempt to set a cookie, from a header or a script."""

    parsed: ParsedCookie
    source: CookieSource
    stored: bool | None
    blocked: tuple[str, ...]
    page_index: int
    t_ms: int
    set_by: str | None
    initiator: Initiator | None
    frame_url: str | None


@dataclass
class CookieInstrument(Instrument):
    """Script cookie writes as they happen, the jar after each page."""

    hook_kinds: ClassVar[frozenset[str]] = frozenset({"cookie", "cookiestore"})

    phase: Phase
    clock: PageClock
    budget: WriteBudget
    raw_values: bool = False
    _writes: list[_Write] = field(default_factory=list)
    _jars: list[tuple[int, float, list[dict[str, Any]]]] = field(default_factory=list)

    def on_hook(
        self, kind: str, report: dict[str, Any], href: str, frame_url: str | None, now: float
    ) -> None:
        if self.budget.full():
            return
        initiator = hook_initiator(report, href)
        t_ms = self.clock.ms(now)
        if kind == "cookie":
            parsed = parse_cookie(str(report.get("value", "")), href, datetime.now(UTC))
            if parsed is not None:
                visible = report.get("visible")
                self._keep(
                    _Write(
                        parsed=parsed,
                        source=CookieSource.JS,
                        stored=True if visible is True else None,
                        blocked=(),
                        page_index=self.clock.index,
                        t_ms=t_ms,
                        set_by=initiator.url,
                        initiator=initiator,
                        frame_url=href or frame_url,
                    )
                )
        else:  # cookiestore
            options = report.get("options") or {}
            text = f"{options.get('name', '')}={options.get('value', '')}"
            if options.get("domain"):
                text += f"; Domain={options['domain']}"
            if options.get("path"):
                text += f"; Path={options['path']}"
            if options.get("expires"):
                seconds = (float(options["expires"]) / 1000) - datetime.now(UTC).timestamp()
                text += f"; Max-Age={int(seconds)}"
            parsed = parse_cookie(text + "; Secure", href, datetime.now(UTC))
            if parsed is not None:
                self._keep(
                    _Write(
                        parsed,
                        CookieSource.JS,
                        None,
                        (),
                        self.clock.index,
                        t_ms,
                        initiator.url,
                        initiator,
                        href or frame_url,
                    )
                )

    def _keep(self, write: _Write) -> None:
        self._writes.append(write)
        self.budget.used += 1

    def cookie_jar(self, cookies: list[dict[str, Any]], now: float) -> None:
        """``Storage.getCookies`` after a page: what the browser really kept."""
        self._jars.append((self.clock.index, now, cookies))

    # -- results ------------------------------------------------------------

    def cookies(self, headers: list[SetCookieHeaders]) -> list[Cookie]:
        """One record per cookie identity: its first write, whether it was kept.

        ``headers`` are the ``Set-Cookie`` lines the network instrument saw.
        """
        writes = _http_writes(headers) + self._writes
        writes.sort(key=lambda w: (w.page_index, w.t_ms))
        in_any_jar: set[tuple[str, str, str]] = set()
        for _, _, jar in self._jars:
            in_any_jar.update(_jar_key(c) for c in jar)
        last_jar = {_jar_key(c): c for c in self._jars[-1][2]} if self._jars else {}
        records: dict[tuple[str, str, str], tuple[_Write, list[_Write]]] = {}
        written: set[tuple[str, str, str]] = set()
        for write in writes:
            key = (write.parsed.name, write.parsed.domain, write.parsed.path)
            written.add(key)
            if key in records:
                records[key][1].append(write)
            elif not write.parsed.deletes and len(records) < _MAX_COOKIES:
                records[key] = (write, [write])
        result = [
            self._cookie(first, all_writes, key in in_any_jar, last_jar.get(key))
            for key, (first, all_writes) in records.items()
        ]
        # Cookies in the jar that no write explains (service workers, workers).
        seen = written
        for page_index, when, jar in self._jars:
            for raw in jar:
                key = _jar_key(raw)
                if key in seen or len(result) >= _MAX_COOKIES:
                    continue
                seen.add(key)
                result.append(self._jar_only(raw, page_index, when, last_jar.get(key)))
        return result

    def _cookie(
        self,
        first: _Write,
        writes: list[_Write],
        ever_in_jar: bool,
        jar: dict[str, Any] | None,
    ) -> Cookie:
        parsed = first.parsed
        stored = any(w.stored for w in writes) or ever_in_jar
        blocked = () if stored else tuple(dict.fromkeys(r for w in writes for r in w.blocked))
        latest = next((w for w in reversed(writes) if not w.parsed.deletes), first)
        value = latest.parsed.value
        digest, prefix = value_digest(value)
        expires = iso(parsed.expires)
        secure, http_only, same_site = parsed.secure, parsed.http_only, parsed.same_site
        partitioned, size = parsed.partitioned, len(parsed.name) + len(value)
        if jar is not None:
            secure = bool(jar.get("secure"))
            http_only = bool(jar.get("httpOnly"))
            partitioned = bool(jar.get("partitionKey"))
            size = int(jar.get("size", size))
            if not jar.get("session") and float(jar.get("expires", -1)) > 0:
                expires = iso(datetime.fromtimestamp(float(jar["expires"]), tz=UTC))
        return Cookie(
            name=parsed.name,
            domain=parsed.domain,
            path=parsed.path,
            phase=self.phase,
            source=first.source,
            stored=stored,
            blocked_reasons=blocked,
            in_jar=jar is not None,
            expires=expires,
            lifetime_s=parsed.lifetime_s,
            secure=secure,
            http_only=http_only,
            same_site=same_site,
            partitioned=partitioned,
            size=size,
            value_hash=digest,
            value_prefix=prefix,
            value=value if self.raw_values else None,
            page_url=self.clock.url(first.page_index),
            set_by=first.set_by,
            initiator=first.initiator,
            frame_url=first.frame_url,
            first_seen_ms=first.t_ms,
            writes=len(writes),
        )

    def _jar_only(
        self, raw: dict[str, Any], page_index: int, when: float, last: dict[str, Any] | None
    ) -> Cookie:
        value = str(raw.get("value", ""))
        digest, prefix = value_digest(value)
        expires_at = float(raw.get("expires", -1))
        session = bool(raw.get("session")) or expires_at <= 0
        now = datetime.now(UTC)
        same_site = raw.get("sameSite")
        return Cookie(
            name=str(raw.get("name", "")),
            domain=str(raw.get("domain", "")),
            path=str(raw.get("path", "/")),
            phase=self.phase,
            source=CookieSource.UNKNOWN,
            stored=True,
            in_jar=last is not None,
            expires=None if session else iso(datetime.fromtimestamp(expires_at, tz=UTC)),
            lifetime_s=None if session else int(expires_at - now.timestamp()),
            secure=bool(raw.get("secure")),
            http_only=bool(raw.get("httpOnly")),
            same_site=str(same_site) if same_site else None,
            partitioned=bool(raw.get("partitionKey")),
            size=int(raw.get("size", 0)),
            value_hash=digest,
            value_prefix=prefix,
            value=value if self.raw_values else None,
            page_url=self.clock.url(page_index),
            first_seen_ms=0,
            writes=0,
        )


def _http_writes(headers: list[SetCookieHeaders]) -> list[_Write]:
    writes: list[_Write] = []
    for response in headers:
        now = datetime.now(UTC)
        for line in response.lines:
            parsed = parse_cookie(line, response.url, now)
            if parsed is None:
                continue
            reasons = response.blocked.get(line, ())
            writes.append(
                _Write(
                    parsed=parsed,
                    source=CookieSource.HTTP,
                    stored=not reasons,
                    blocked=reasons,
                    page_index=response.page_index,
                    t_ms=response.t_ms,
                    set_by=response.url,
                    initiator=Initiator("http", response.url),
                    frame_url=response.frame_url,
                )
            )
    return writes


def _jar_key(raw: dict[str, Any]) -> tuple[str, str, str]:
    return str(raw.get("name", "")), str(raw.get("domain", "")), str(raw.get("path", "/"))
