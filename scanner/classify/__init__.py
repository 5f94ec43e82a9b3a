"""Classification: who is behind each observation, what the law says, and a score.

Pure code: a captured :class:`~scanner.models.SiteResult` goes in, the same result with
parties, findings, score, grade, verdicts and knowledge share filled comes out. No clock,
no network, no files, so the same observations always give the same findings (and
finding ids).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from scanner.classify.context import make_context
from scanner.classify.coverage import knowledge_share
from scanner.classify.parties import PartyResolver
from scanner.classify.registry import PRIVACY, SECURITY
from scanner.classify.rules import RULES, run_rules
from scanner.classify.score import score_findings
from scanner.classify.verdicts import judge
from scanner.knowledge.base import Knowledge
from scanner.models import SiteResult, SiteStatus

__all__ = ["PartyResolver", "classify"]


def classify(
    result: SiteResult,
    *,
    resolver: PartyResolver,
    knowledge: Knowledge,
    now: datetime,
    consent_tested: bool = False,
) -> SiteResult:
    """A new result whose observations carry parties and whose findings and score are set.

    ``knowledge`` must be the one ``resolver`` was built with (it is what the parties
    come from); ``now`` is accepted for rules that may need the scan date and is
    unused today, so classifying on another date gives identical findings. A site that
    failed or was not scanned gets findings but no score: an empty capture is not a
    clean site.

    ``consent_tested`` says the capture ran the banner test (banner detection, then the
    reject and accept visitors): only then do the consent rules run, so that
    ``banner is None`` can mean "no banner" and reject observations "after refusal".
    With the default ``False`` the findings are those of the first visitor alone.
    """
    del now  # no rule depends on the date
    if resolver.knowledge is not knowledge:
        resolver = PartyResolver(resolver.domains, knowledge)
    site = result.site
    classified = replace(
        result,
        cookies=tuple(replace(c, party=resolver.party_for_cookie(c, site)) for c in result.cookies),
        requests=tuple(
            replace(r, party=resolver.party_for_url(r.url, site)) for r in result.requests
        ),
        storage=tuple(
            replace(s, party=resolver.party_for_storage(s, site)) for s in result.storage
        ),
        api_calls=tuple(
            replace(a, party=resolver.party_for_api_call(a, site)) for a in result.api_calls
        ),
    )
    findings = run_rules(make_context(classified, resolver, consent_tested=consent_tested))
    judged = replace(classified, findings=findings)
    if result.status in (SiteStatus.FAILED, SiteStatus.PENDING):
        return replace(
            judged,
            score=None,
            grade=None,
            verdicts=None,
            knowledge=None,
            security_score=None,
            security_grade=None,
        )
    score, grade = score_findings(RULES.of_grade(findings, PRIVACY))
    security_score: int | None = None
    security_grade: str | None = None
    if result.security is not None:
        security_score, security_grade = score_findings(RULES.of_grade(findings, SECURITY))
    return replace(
        judged,
        score=score,
        grade=grade,
        verdicts=judge(judged),
        knowledge=knowledge_share(judged),
        security_score=security_score,
        security_grade=security_grade,
    )
