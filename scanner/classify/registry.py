"""What a rule is: one declaration per rule, kept in one registry.

A :class:`Rule` says everything about a rule that is not words: its id, the most
serious severity it gives, the public text its legal basis links to, whether its
findings mean the visitor is tracked, whether it judges the banner test, the text
variants it may choose, and the function that checks it. The words (title,
explanation, fix and the legal basis in each language) are in the message catalogue
under the rule's id (``scanner/messages/*.json``).

The rules themselves are declared in :data:`scanner.classify.rules.RULES`; this module
knows none of them, so anything may import it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import MappingProxyType

from scanner.classify.context import RuleContext
from scanner.models import Finding, Severity

__all__ = ["GRADES", "PRIVACY", "SECURITY", "Check", "Rule", "RuleRegistry"]

PRIVACY = "privacy"
"""The grade of what a site does to its visitors before they consent."""
SECURITY = "security"
"""The grade of the website's own information-security basics (HTTPS, HSTS, TLS, …)."""
GRADES = (PRIVACY, SECURITY)
"""The grades a rule can count for, each with its own score (``docs/scoring.md``)."""

Check = Callable[[RuleContext], list[Finding]]
"""A rule's check: the findings one site gives, in any order."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule, declared once."""

    id: str
    """Stable identifier, e.g. ``cookie-tracking-before-consent``: the first part of
    every finding id it gives, and its key in the message catalogue."""
    check: Check
    """Finds what the rule is about in one site's observations."""
    severity: Severity
    """The most serious severity its findings can have (some are milder)."""
    legal_url: str
    """Public text of the law or guidance it rests on (https)."""
    tracking: bool = False
    """Its violations and likely violations mean the visitor is tracked: they count for
    ``no-banner-while-tracking`` and the site verdicts (``scanner.classify.verdicts``)."""
    consent: bool = False
    """It judges the banner test (the banner, the refusing and the accepting visitor),
    so it runs only when the capture ran that test (``consent_tested``)."""
    variants: tuple[str, ...] = ()
    """Other texts it may choose for a finding (``Finding.variant``), beside its own."""
    grade: str = PRIVACY
    """Which grade its findings count for: :data:`PRIVACY` or :data:`SECURITY`; the
    site report shows them in that grade's section."""


class RuleRegistry:
    """The rules in documentation order, by id; immutable once built."""

    __slots__ = ("_by_id", "_rules")

    def __init__(self, *rules: Rule) -> None:
        by_id = {}
        for rule in rules:
            if rule.id in by_id:
                raise ValueError(f"rule {rule.id!r} is declared twice")
            if rule.grade not in GRADES:
                raise ValueError(f"rule {rule.id!r}: unknown grade {rule.grade!r}")
            by_id[rule.id] = rule
        self._rules = rules
        self._by_id = MappingProxyType(by_id)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._by_id

    def __getitem__(self, rule_id: str) -> Rule:
        return self._by_id[rule_id]

    def get(self, rule_id: str) -> Rule | None:
        """The rule with this id, or ``None`` (e.g. a rule of an older privacyscan)."""
        return self._by_id.get(rule_id)

    @property
    def ids(self) -> tuple[str, ...]:
        """Every rule id, in documentation order."""
        return tuple(r.id for r in self._rules)

    def grade_of(self, rule_id: str) -> str:
        """The grade a rule's findings count for; a rule this privacyscan does not know
        (an older or newer one) counts for privacy, as every rule did before."""
        rule = self._by_id.get(rule_id)
        return rule.grade if rule is not None else PRIVACY

    def of_grade(self, findings: Iterable[Finding], grade: str) -> tuple[Finding, ...]:
        """The findings that count for ``grade``, in their order."""
        return tuple(f for f in findings if self.grade_of(f.rule) == grade)

    def tracking(self) -> tuple[Rule, ...]:
        """The rules whose (likely) violations mean the visitor is tracked."""
        return tuple(r for r in self._rules if r.tracking)

    def run(self, ctx: RuleContext) -> tuple[Finding, ...]:
        """All findings of one site, most serious first, then by id (deterministic).

        Rules that judge the banner test run only when ``ctx.consent_tested``.
        """
        findings: list[Finding] = []
        for rule in self._rules:
            if rule.consent and not ctx.consent_tested:
                continue
            findings.extend(rule.check(ctx))
        return tuple(sorted(findings, key=lambda f: (f.severity.rank, f.id)))
