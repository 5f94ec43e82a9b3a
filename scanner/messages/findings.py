"""A finding's words, rendered from its rule, variant and parameters in one language.

Classification decides and writes no words; this module turns a
:class:`~scanner.models.Finding` into a title, explanation, fix and legal basis from
the message catalogue, when a report or an export is made. So a scan made with
``--lang nl`` gives an English report that is English throughout, and the other way
round.

Parameters are facts (a cookie name, a list of hosts, a lifetime in seconds, a
category code); how they read is decided here: lists are shortened (at most
:data:`LIST_LIMITS` items, then ``…``), categories, phases and missing values are
words from the catalogue. A finding from a scan made before schema 1.2 has no
parameters but its own words, written then; it is shown as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from scanner.classify.rules import RULES
from scanner.messages import Translator
from scanner.models import Finding, ParamValue, Scan, SiteResult

__all__ = ["LIST_LIMITS", "FindingText", "finding_text", "tidy", "with_texts"]

LIST_LIMITS: Mapping[str, int] = MappingProxyType(
    {
        "hosts": 5,
        "cookies": 5,
        "storage_keys": 5,
        "trackers": 6,
        "buttons": 6,
        "apis": 8,
        "parameters": 8,
        "scripts": 3,
        "addresses": 8,
        "fields": 8,
        "events": 6,
        "organisations": 6,
        "urls": 5,
        "pages": 5,
        "names": 6,
    }
)
"""How many items of a list parameter a sentence names before ``…``; others: all."""


@dataclass(frozen=True, slots=True)
class FindingText:
    """A finding's words in one language."""

    title: str
    explanation: str
    fix: str
    legal_basis: str
    legal_url: str


class _Defaulting(dict[str, str]):
    """A placeholder the values do not fill renders as ``?`` rather than failing a report."""

    def __missing__(self, key: str) -> str:
        return "?"


_REPEATED = re.compile(r"(?<![\w.-])([\w.-]+) \(\1\)")


def tidy(text: str) -> str:
    """Drop a parenthesis that only repeats the word before it.

    An organisation we cannot name is shown by its domain, so "{organisation}
    ({hosts})" would read "tracker.example (tracker.example)".
    """
    return _REPEATED.sub(r"\1", text)


def _key(f: Finding, t: Translator) -> str:
    """The catalogue key of the finding's texts; a variant this privacyscan does not
    know (a newer one wrote it) falls back to the rule's own text."""
    key = f"rule.{f.rule}.{f.variant}"
    return key if f.variant and f"{key}.title" in t else f"rule.{f.rule}"


def finding_text(f: Finding, t: Translator) -> FindingText:
    """The words of ``f`` in ``t``'s language.

    A finding without parameters (from before schema 1.2), or of a rule this
    privacyscan does not know, keeps the words it carries.
    """
    key = _key(f, t)
    rule = RULES.get(f.rule)
    if not f.params or rule is None or f"{key}.title" not in t:
        return FindingText(f.title, f.explanation, f.fix, f.legal_basis, f.legal_url)
    values = _Defaulting(placeholders(dict(f.params), t))
    return FindingText(
        title=tidy(t.fill(f"{key}.title", values)),
        explanation=tidy(t.fill(f"{key}.explanation", values)),
        fix=tidy(t.fill(f"{key}.fix", values)),
        legal_basis=t(f"rule.{f.rule}.legal"),
        legal_url=rule.legal_url,
    )


def with_texts(scan: Scan, t: Translator) -> Scan:
    """``scan`` with every finding's words filled in ``t``'s language (for exports)."""
    return replace(scan, sites=tuple(result_with_texts(r, t) for r in scan.sites))


def result_with_texts(result: SiteResult, t: Translator) -> SiteResult:
    """``result`` with every finding's words filled in ``t``'s language."""
    return replace(result, findings=tuple(_filled(f, t) for f in result.findings))


def _filled(f: Finding, t: Translator) -> Finding:
    text = finding_text(f, t)
    return replace(
        f,
        title=text.title,
        explanation=text.explanation,
        fix=text.fix,
        legal_basis=text.legal_basis,
        legal_url=text.legal_url,
    )


def _names(values: tuple[str, ...], limit: int | None) -> str:
    shown = values if limit is None else values[:limit]
    more = limit is not None and len(values) > limit
    return ", ".join(shown) + (", …" if more else "")


def _lifetime(seconds: int, t: Translator) -> str:
    days = seconds / 86400
    if days >= 730:
        return t("phrase.years", n=round(days / 365.25))
    return t("phrase.months", n=round(days / 30.44))


def placeholders(params: Mapping[str, ParamValue], t: Translator) -> dict[str, str]:
    """Every ``{placeholder}`` of a finding's texts, from its parameters.

    Most parameters read as they are (``cookie``, ``site``, ``key``…), lists joined
    and shortened, ``None`` as "unknown". Some read through the catalogue
    (``category``, ``problems``, ``choices``…) or make another placeholder
    (``lifetime_s`` → ``{lifetime}``, ``cookies`` and ``storage_keys`` → ``{items}``).
    A code the catalogue does not know (written by a newer privacyscan) reads as
    itself rather than failing the report.
    """
    unknown = t("phrase.unknown")
    out: dict[str, str] = {}
    for name, value in params.items():
        if isinstance(value, tuple):
            out[name] = _names(value, LIST_LIMITS.get(name))
        elif value is None or isinstance(value, bool):
            out[name] = unknown if value is None else ""
        else:
            out[name] = str(value)
    # Who is behind it: the organisation (or its domain), its product, its purpose.
    if "organisation" in params:
        organisation = out["organisation"]
        out["service"] = str(params.get("service") or organisation)
        category = params.get("category")
        out["category"] = t.get(f"purpose.{category}", str(category)) if category else unknown
        out["domain"] = str(params.get("domain") or "")
    if "buttons" in params:
        buttons = params["buttons"] if isinstance(params["buttons"], tuple) else ()
        limit = LIST_LIMITS["buttons"]
        out["buttons"] = ", ".join(f"'{b}'" for b in buttons[:limit]) or t("phrase.none")
    if "reasons" in params:
        out["reasons"] = out["reasons"] or unknown
    if "refusal_deeper" in params:
        out["layer"] = t("phrase.refusal_deeper") if params["refusal_deeper"] else ""
    if "lifetime_s" in params:
        lifetime = params["lifetime_s"]
        out["lifetime"] = _lifetime(lifetime, t) if isinstance(lifetime, int) else unknown
    and_ = f" {t('phrase.and')} "
    if "problems" in params:
        problems = params["problems"] if isinstance(params["problems"], tuple) else ()
        out["problems"] = "; ".join(t.get(f"phrase.no_{p}", p) for p in problems)
        out["fixes"] = ", ".join(t.get(f"phrase.fix_{p}", p) for p in problems)
    if "choices" in params:
        choices = params["choices"] if isinstance(params["choices"], tuple) else ()
        out["choices"] = and_.join(t.get(f"phrase.choice_{c}", c) for c in choices)
    if "hops" in params:
        # A cookie-sync chain, hop by hop: "cm.adform.net (Adform) → match.adsrvr.org (…)".
        hops = params["hops"] if isinstance(params["hops"], tuple) else ()
        orgs = params.get("hop_organisations")
        orgs = orgs if isinstance(orgs, tuple) and len(orgs) == len(hops) else ("",) * len(hops)
        out["chain"] = " → ".join(f"{h} ({o})" if o else h for h, o in zip(hops, orgs, strict=True))
    if "events" in params:
        out["events"] = out["events"] or unknown
    if "cookies" in params or "storage_keys" in params:
        parts = []
        if out.get("cookies"):
            parts.append(f"{t('phrase.cookies')} ({out['cookies']})")
        if out.get("storage_keys"):
            parts.append(f"{t('phrase.storage')} ({out['storage_keys']})")
        out["items"] = and_.join(parts)
    return out
