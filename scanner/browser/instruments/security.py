"""The security instrument (first visitor only): what each page's own document came
with — security headers, TLS and certificate, mixed content, scripts from other
origins with or without Subresource Integrity, and full URLs sent as ``Referer``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

from ...cookies import iso
from ...models import Certificate, DocumentSecurity, MixedContent, ScriptTag
from .base import Instrument, PageClock
from .network import NetworkInstrument, is_recorded

_SECURITY_HEADERS = {
    "strict-transport-security": "hsts",
    "content-security-policy": "csp",
    "x-content-type-options": "x_content_type_options",
    "x-frame-options": "x_frame_options",
    "referrer-policy": "referrer_policy",
    "permissions-policy": "permissions_policy",
}
"""Response headers of a page's document kept for the security rules, by model field."""
_MIXED_RESOLUTIONS = {
    "MixedContentBlocked": "blocked",
    "MixedContentAutomaticallyUpgraded": "upgraded",
    "MixedContentWarning": "warned",
}
_MAX_PER_PAGE = 50
"""Mixed-content reports, scripts and full-URL referrers kept per page."""


@dataclass
class _DocumentFacts:
    """What the browser received for one page's own document (security facts)."""

    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    details: dict[str, Any] | None = None
    mixed: list[MixedContent] = field(default_factory=list)
    scripts: list[ScriptTag] = field(default_factory=list)
    full_referrer_to: list[str] = field(default_factory=list)


@dataclass
class SecurityInstrument(Instrument):
    """Security facts of each page's document, kept per page."""

    cdp_events: ClassVar[frozenset[str]] = frozenset(
        {"Network.requestWillBeSent", "Network.responseReceived", "Audits.issueAdded"}
    )

    clock: PageClock
    network: NetworkInstrument
    """Tells which response is the current page's own document."""
    _documents: dict[int, _DocumentFacts] = field(default_factory=dict)

    def on_cdp(self, method: str, params: dict[str, Any], now: float) -> None:
        if method == "Network.requestWillBeSent":
            request = params["request"]
            url = str(request["url"]) + str(request.get("urlFragment", ""))
            if is_recorded(url):
                self._note_referrer(url, request.get("headers") or {})
        elif method == "Network.responseReceived":
            document = self.network.current_document(params["requestId"])
            if document is not None:
                self._document_response(document, params["response"])
        else:  # Audits.issueAdded
            self._audit_issue(params)

    def _facts(self) -> _DocumentFacts:
        return self._documents.setdefault(self.clock.index, _DocumentFacts())

    def _document_response(self, url: str, response: dict[str, Any]) -> None:
        """The page's own document answered: keep its security headers and TLS details.

        A later document of the same visit (after a redirect) replaces an earlier one.
        """
        facts = self._facts()
        facts.url = url
        facts.headers = {}
        for name, value in (response.get("headers") or {}).items():
            key = _SECURITY_HEADERS.get(str(name).lower())
            if key is not None:
                values = [v.strip() for v in str(value).split("\n") if v.strip()]
                facts.headers[key] = ", ".join(values)
        details = response.get("securityDetails")
        facts.details = details if isinstance(details, dict) else None

    def _note_referrer(self, url: str, headers: dict[str, Any]) -> None:
        """A request to another origin that carries a page's full URL as ``Referer``."""
        referer = next((str(v) for k, v in headers.items() if str(k).lower() == "referer"), "")
        if not referer:
            return
        try:
            ref, target = urlsplit(referer), urlsplit(url)
        except ValueError:
            return
        if (ref.scheme, ref.netloc) == (target.scheme, target.netloc):
            return
        if ref.path in ("", "/") and not ref.query:
            return
        facts = self._facts()
        if len(facts.full_referrer_to) < _MAX_PER_PAGE and url not in facts.full_referrer_to:
            facts.full_referrer_to.append(url)

    def _audit_issue(self, event: dict[str, Any]) -> None:
        """Chromium's mixed-content reports (images it upgraded, scripts it blocked,
        forms it warned about) name the insecure URL as written."""
        issue = event.get("issue") or {}
        if issue.get("code") != "MixedContentIssue":
            return
        details = (issue.get("details") or {}).get("mixedContentIssueDetails") or {}
        url = str(details.get("insecureURL") or "")
        resolution = _MIXED_RESOLUTIONS.get(str(details.get("resolutionStatus")), "warned")
        if not url:
            return
        found = MixedContent(url, str(details.get("resourceType") or "Other"), resolution)
        facts = self._facts()
        if found not in facts.mixed and len(facts.mixed) < _MAX_PER_PAGE:
            facts.mixed.append(found)

    def page_scripts(self, scripts: list[Any]) -> None:
        """``security.js`` at the end of a page: scripts from other origins, SRI or not."""
        facts = self._facts()
        for item in scripts[:_MAX_PER_PAGE]:
            if isinstance(item, list) and len(item) == 2 and isinstance(item[0], str):
                tag = ScriptTag(item[0], bool(item[1]))
                if tag not in facts.scripts:
                    facts.scripts.append(tag)

    def documents(self) -> list[DocumentSecurity]:
        """The security facts of each page's document, in visiting order."""
        out = []
        page_urls = self.clock.page_urls
        for index, facts in sorted(self._documents.items()):
            if not facts.url or index >= len(page_urls):
                continue
            details = facts.details or {}
            certificate = None
            if facts.details is not None:
                certificate = Certificate(
                    subject=str(details.get("subjectName") or ""),
                    san=tuple(str(n) for n in details.get("sanList") or ()),
                    issuer=str(details.get("issuer") or ""),
                    valid_from=_epoch_iso(details.get("validFrom")),
                    valid_to=_epoch_iso(details.get("validTo")),
                )
            out.append(
                DocumentSecurity(
                    page_url=page_urls[index],
                    url=facts.url,
                    tls_protocol=details.get("protocol") or None,
                    tls_cipher=details.get("cipher") or None,
                    tls_key_exchange=details.get("keyExchange")
                    or details.get("keyExchangeGroup")
                    or None,
                    certificate=certificate,
                    mixed_content=tuple(facts.mixed),
                    scripts=tuple(facts.scripts),
                    full_referrer_to=tuple(facts.full_referrer_to),
                    **facts.headers,
                )
            )
        return out


def _epoch_iso(seconds: Any) -> str:
    """DevTools' certificate times (seconds since 1970) as ISO 8601 UTC."""
    try:
        return iso(datetime.fromtimestamp(float(seconds), tz=UTC)) or ""
    except (TypeError, ValueError, OverflowError, OSError):
        return ""
