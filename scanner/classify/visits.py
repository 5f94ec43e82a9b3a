"""Repeat visits (``--visits N``): how often each finding was seen, and what counts.

A single visit can be unlucky: an A/B test, a tag that loads now and then. With
``--visits N`` the engine repeats the first visitor (the one who makes no choice)
N - 1 more times, each in a fresh profile over the same pages. Each visit is
classified on its own, with the refusing and accepting visitors of the first visit
(they are not repeated) and the site's security probes (made once); the findings are
merged by their stable ``id``. Each finding then says in how many visits it was seen
(``Finding.seen_in`` of ``Finding.visits``); only those seen in a majority of visits
count for the score, the grades and the verdicts, which are judged the same way: a
verdict holds when it held in a majority of the visits.

Pure, like the rest of classification: the same visits give the same result.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import fields, replace
from datetime import datetime
from typing import Any

from scanner.classify import classify
from scanner.classify.parties import PartyResolver
from scanner.classify.registry import PRIVACY, SECURITY
from scanner.classify.rules import RULES
from scanner.classify.score import score_findings
from scanner.classify.verdicts import MEASURED
from scanner.knowledge.base import Knowledge
from scanner.models import Finding, Phase, SecurityFacts, SiteResult, Verdicts

__all__ = ["ONCE_PHASES", "classify_visits", "majority_verdicts", "merge_findings", "visit_of"]

ONCE_PHASES = frozenset({Phase.REJECT, Phase.ACCEPT})
"""Visitors made once per site whatever ``--visits`` says: their findings are seen in
1 of 1 visit."""

_NOT_REPEATED = "Sitemap"
"""Resource type of the refusals of the crawl's sitemap reading (made once)."""


def classify_visits(
    first: SiteResult,
    repeats: Sequence[SiteResult],
    *,
    resolver: PartyResolver,
    knowledge: Knowledge,
    now: datetime,
    consent_tested: bool = False,
) -> SiteResult:
    """``first`` classified (as :func:`~scanner.classify.classify` does), its findings
    counted over ``first`` and the ``repeats`` of its first visitor.

    ``first`` is the site's whole first visit (all visitors, the probes); each repeat is
    one more first visitor's capture of the same pages. A repeat whose home page gave
    nothing to judge (failed) is not a visit: it counts for no finding. Without a repeat
    that counts, this is exactly ``classify(first, …)``. The observations kept are those
    of the first visit; findings seen only in a repeat are added, with its evidence.
    """
    full = classify(
        first, resolver=resolver, knowledge=knowledge, now=now, consent_tested=consent_tested
    )
    counted = [r for r in repeats if r.status in MEASURED]
    if full.status not in MEASURED or not counted:
        return full
    runs = [full] + [
        classify(
            visit_of(first, repeat),
            resolver=resolver,
            knowledge=knowledge,
            now=now,
            consent_tested=consent_tested,
        )
        for repeat in counted
    ]
    findings = merge_findings([run.findings for run in runs])
    majority = [f for f in findings if f.in_majority]
    score, grade = score_findings(RULES.of_grade(majority, PRIVACY))
    security_score, security_grade = full.security_score, full.security_grade
    if full.security is not None:
        security_score, security_grade = score_findings(RULES.of_grade(majority, SECURITY))
    return replace(
        full,
        findings=findings,
        score=score,
        grade=grade,
        verdicts=majority_verdicts([run.verdicts for run in runs]),
        security_score=security_score,
        security_grade=security_grade,
    )


def visit_of(first: SiteResult, repeat: SiteResult) -> SiteResult:
    """One repeat as a whole site visit: its first visitor's observations in place of
    the first visit's; the refusing and accepting visitors, the banner, the sitemap
    refusals and the security probes of the first visit (made once)."""

    def once(items: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(item for item in items if item.phase in ONCE_PHASES)

    security = repeat.security
    if first.security is not None:
        security = replace(
            repeat.security or SecurityFacts(),
            hosts=first.security.hosts,
            probed=first.security.probed,
        )
    return replace(
        first,
        pages=repeat.pages + once(first.pages),
        cookies=repeat.cookies + once(first.cookies),
        requests=repeat.requests
        + tuple(
            r for r in first.requests if r.phase in ONCE_PHASES or r.resource_type == _NOT_REPEATED
        ),
        storage=repeat.storage + once(first.storage),
        api_calls=repeat.api_calls + once(first.api_calls),
        security=security,
        findings=(),
    )


def merge_findings(runs: Sequence[Sequence[Finding]]) -> tuple[Finding, ...]:
    """The findings of every visit, one per ``id`` (as the first visit that saw it
    described it), each with ``seen_in`` of ``visits``; most serious first, then by id.

    A finding of the refusing or accepting visitor alone (all its evidence from them)
    was measured once: 1 of 1.
    """
    seen = Counter(fid for run in runs for fid in {f.id for f in run})
    first: dict[str, Finding] = {}
    for run in runs:
        for f in run:
            first.setdefault(f.id, f)
    merged = []
    for fid, f in first.items():
        if f.evidence and all(e.phase in ONCE_PHASES for e in f.evidence):
            merged.append(replace(f, seen_in=1, visits=1))
        else:
            merged.append(replace(f, seen_in=seen[fid], visits=len(runs)))
    return tuple(sorted(merged, key=lambda f: (f.severity.rank, f.id)))


def majority_verdicts(runs: Sequence[Verdicts | None]) -> Verdicts | None:
    """The verdicts that held in a majority of the visits.

    A yes/no verdict is yes when more than half of the visits said yes; one that may be
    undecided (``None``) stays so when most visits left it undecided; a list of names
    keeps the names of a majority, in the order first seen. ``None`` when no visit
    could be judged.
    """
    judged = [v for v in runs if v is not None]
    if not judged:
        return None
    n = len(judged)
    values: dict[str, Any] = {}
    for f in fields(Verdicts):
        got = [getattr(v, f.name) for v in judged]
        if all(isinstance(g, tuple) for g in got):
            counts = Counter(name for g in got for name in dict.fromkeys(g))
            order = dict.fromkeys(name for g in got for name in g)
            values[f.name] = tuple(name for name in order if 2 * counts[name] > n)
        elif all(g is None or isinstance(g, bool) for g in got):
            if 2 * sum(g is None for g in got) > n:
                values[f.name] = None
            else:
                values[f.name] = 2 * sum(g is True for g in got) > n
        else:
            values[f.name] = got[0]
    return Verdicts(**values)
