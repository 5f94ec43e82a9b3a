"""Score and grade of a site, derived only from its findings (see ``docs/scoring.md``).

The formula is deliberately simple so a council or board can follow it: points off per
finding by severity, a cap per rule so one noisy rule cannot dominate, and a ceiling
per worst severity so a site with a violation can never look good.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from scanner.models import Finding, Severity

__all__ = ["GRADES", "RULE_CAP", "SEVERITY_CEILING", "WEIGHTS", "grade_for", "score_findings"]

WEIGHTS: Mapping[Severity, int] = MappingProxyType(
    {
        Severity.VIOLATION: 12,
        Severity.LIKELY_VIOLATION: 8,
        Severity.REVIEW: 3,
        Severity.INFO: 0,
    }
)
"""Points subtracted from 100 per finding."""

RULE_CAP = 30
"""At most this many points are subtracted for all findings of one rule together."""

SEVERITY_CEILING: Mapping[Severity, int] = MappingProxyType(
    {
        Severity.VIOLATION: 59,
        Severity.LIKELY_VIOLATION: 74,
        Severity.REVIEW: 89,
        Severity.INFO: 100,
    }
)
"""Highest score possible when the worst finding has this severity (D, C, B, A)."""

GRADES: tuple[tuple[int, str], ...] = (
    (90, "A"),
    (75, "B"),
    (60, "C"),
    (40, "D"),
    (20, "E"),
    (0, "F"),
)
"""(lowest score, grade), best first."""


def grade_for(score: int) -> str:
    """The letter for a 0-100 score."""
    for floor, grade in GRADES:
        if score >= floor:
            return grade
    return GRADES[-1][1]


def score_findings(findings: Iterable[Finding]) -> tuple[int, str]:
    """(score 0-100, grade A-F) from the findings alone; no findings means 100/A."""
    per_rule: dict[str, int] = {}
    ceiling = 100
    for finding in findings:
        per_rule[finding.rule] = per_rule.get(finding.rule, 0) + WEIGHTS[finding.severity]
        ceiling = min(ceiling, SEVERITY_CEILING[finding.severity])
    penalty = sum(min(points, RULE_CAP) for points in per_rule.values())
    score = max(0, min(100 - penalty, ceiling))
    return score, grade_for(score)
