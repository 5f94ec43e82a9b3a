"""Scoring: derived only from findings, capped per rule, ceilings per worst severity."""

from __future__ import annotations

import pytest

from scanner.classify.score import GRADES, RULE_CAP, WEIGHTS, grade_for, score_findings
from scanner.models import Finding, Severity

V = Severity.VIOLATION
LV = Severity.LIKELY_VIOLATION
R = Severity.REVIEW
I = Severity.INFO  # noqa: E741


def f(rule: str, severity: Severity, subject: str = "x") -> Finding:
    return Finding(id=f"{rule}:{subject}", rule=rule, severity=severity, subject=subject, title="t")


def many(rule: str, severity: Severity, n: int) -> list[Finding]:
    return [f(rule, severity, str(i)) for i in range(n)]


@pytest.mark.parametrize(
    ("findings", "score", "grade"),
    [
        ([], 100, "A"),
        ([f("info", I)] * 3, 100, "A"),
        ([f("r", R)], 89, "B"),  # review caps at B
        (many("r", R, 3), 89, "B"),
        (many("r", R, 5), 85, "B"),
        ([f("lv", LV)], 74, "C"),  # likely violation caps at C
        ([f("v", V)], 59, "D"),  # any violation caps at D
        ([f("v", V), f("lv", LV), f("r", R)], 59, "D"),
        (many("v", V, 10), 59, "D"),  # one noisy rule cannot sink the site alone
        (many("a", V, 3) + many("b", V, 3) + many("c", V, 3), 10, "F"),
        (many("a", V, 3) + many("b", LV, 2) + many("c", R, 2), 48, "D"),
        (many("a", V, 3) + many("b", V, 3) + many("c", LV, 2), 24, "E"),
    ],
)
def test_score_table(findings: list[Finding], score: int, grade: str) -> None:
    assert score_findings(findings) == (score, grade)


def test_rule_cap_limits_one_rule() -> None:
    noisy = many("noisy", V, 50)
    assert score_findings(noisy)[0] == max(0, min(100 - RULE_CAP, 59))


def test_score_never_negative() -> None:
    findings = [x for r in "abcdefgh" for x in many(r, V, 5)]
    assert score_findings(findings) == (0, "F")


def test_adding_a_finding_never_raises_the_score() -> None:
    base = [f("a", R), f("b", LV)]
    before = score_findings(base)[0]
    for severity in Severity:
        assert score_findings([*base, f("c", severity)])[0] <= before


def test_weights_ordered_by_severity() -> None:
    assert WEIGHTS[V] > WEIGHTS[LV] > WEIGHTS[R] > WEIGHTS[I] == 0


@pytest.mark.parametrize(
    ("score", "grade"),
    [(100, "A"), (90, "A"), (89, "B"), (75, "B"), (74, "C"), (60, "C"), (59, "D"),
     (40, "D"), (39, "E"), (20, "E"), (19, "F"), (0, "F")],
)  # fmt: skip
def test_grade_boundaries(score: int, grade: str) -> None:
    assert grade_for(score) == grade
    assert grade in {g for _, g in GRADES}


def test_severity_has_one_order_worst_first() -> None:
    order = [Severity.VIOLATION, Severity.LIKELY_VIOLATION, Severity.REVIEW, Severity.INFO]
    assert list(Severity) == order
    assert [s.rank for s in order] == [0, 1, 2, 3]
    assert sorted(reversed(order), key=lambda s: s.rank) == order
    assert Severity.VIOLATION.at_least(Severity.REVIEW)
    assert Severity.REVIEW.at_least(Severity.REVIEW)
    assert not Severity.INFO.at_least(Severity.REVIEW)
