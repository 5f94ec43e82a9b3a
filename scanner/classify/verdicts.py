"""What classification concludes about a site as a whole: its verdicts.

Does the site track a visitor before any choice? Does refusing work? Is its banner a
cookie wall? These are judgements, so they are made here, once, from the classified
observations and the findings, and kept on the result (``SiteResult.verdicts``): the
comparison, the site report, the CSV and the diff only read them.
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.classify.purposes import TRACKING_PURPOSES
from scanner.classify.rules import RULES
from scanner.models import (
    ConsentChoice,
    Cookie,
    Phase,
    Request,
    Severity,
    SiteResult,
    SiteStatus,
    StorageItem,
    Verdicts,
)

__all__ = ["MEASURED", "is_cookie_wall", "judge", "tracks"]

MEASURED = (SiteStatus.DONE, SiteStatus.PARTIAL)
"""Statuses of a site whose capture can be judged; a failed or pending one cannot."""

_FIRING = (Severity.VIOLATION, Severity.LIKELY_VIOLATION)
_JOURNEY = (Phase.NONE, Phase.REJECT, Phase.ACCEPT)


def judge(result: SiteResult) -> Verdicts | None:
    """The verdicts of a classified result (parties and findings set); ``None`` for a
    site that was not measured: an empty capture is no clean site."""
    if result.status not in MEASURED:
        return None
    before = tracks(result, Phase.NONE)
    after_refusal = tracks(result, Phase.REJECT)
    tried = result.banner is not None and _choice(result, Phase.REJECT) is not None
    refused = _refused(result)
    return Verdicts(
        tracks_before_consent=before,
        non_eea_before_consent=any(
            r.phase is Phase.NONE
            and r.party is not None
            and not r.party.first_party
            and r.party.eea is False
            for r in result.requests
        ),
        no_banner_while_tracking=before and result.banner is None,
        refusal_tried=tried,
        refusal_works=(result.banner is not None and refused and not after_refusal)
        if tried
        else None,
        tracks_after_refusal=after_refusal,
        cookie_wall=is_cookie_wall(result),
        tracking_cookies_after_refusal=_tracking_cookies_after_refusal(result),
    )


def tracks(result: SiteResult, phase: Phase) -> bool:
    """Whether the visitor of ``phase`` is tracked.

    Tracked means: a cookie, request or storage item of a third party with a tracking
    purpose (:data:`~scanner.classify.purposes.TRACKING_PURPOSES`), or a (likely)
    violation of a tracking rule (``tracking`` in :data:`~scanner.classify.rules.RULES`)
    with evidence in that phase. First-party analytics alone is not: self-hosted
    analytics can meet the AP's conditions, and the rules judge it (info or review).
    The rules catch what purposes miss: a fingerprinting script of unknown purpose,
    an embed that sets cookies.
    """
    for item in _observations(result):
        p = item.party
        if (
            item.phase is phase
            and p is not None
            and not p.first_party
            and p.category in TRACKING_PURPOSES
        ):
            return True
    tracking_rules = {rule.id for rule in RULES.tracking()}
    return any(
        f.rule in tracking_rules
        and f.severity in _FIRING
        and any(e.phase is phase for e in f.evidence)
        for f in result.findings
    )


def is_cookie_wall(result: SiteResult) -> bool:
    """The banner covers the page, offers no refusal on its first layer, and the
    refusing visitor could not click one either (the rule ``cookie-wall``)."""
    banner = result.banner
    refusal = _choice(result, Phase.REJECT)
    return (
        banner is not None
        and banner.blocks_page
        and not banner.reject_on_first_layer
        and refusal is not None
        and not refusal.clicked
    )


def _observations(result: SiteResult) -> Iterator[Request | Cookie | StorageItem]:
    yield from result.requests
    yield from result.cookies
    yield from result.storage


def _choice(result: SiteResult, phase: Phase) -> ConsentChoice | None:
    return next((c for c in result.choices if c.phase is phase), None)


def _refused(result: SiteResult) -> bool:
    """The refusing visitor clicked something on the banner."""
    return any(c.phase is Phase.REJECT and c.clicked for c in result.choices)


def _tracking_cookies_after_refusal(result: SiteResult) -> tuple[str, ...]:
    """Names of cookies with a tracking purpose set for the visitor who refused.

    One per cookie identity (name, domain, path), described by the first visitor that
    saw it (the one who made no choice, else the one who refused); third parties
    first, then by name, as the site report's cookie table lists them.
    """
    order = {p: i for i, p in enumerate(_JOURNEY)}
    by_identity: dict[tuple[str, str, str], list[Cookie]] = {}
    for c in sorted(result.cookies, key=lambda c: order[c.phase]):
        by_identity.setdefault((c.name, c.domain, c.path), []).append(c)
    rows = []
    for (name, domain, path), records in by_identity.items():
        party = records[0].party
        if party is None or party.category not in TRACKING_PURPOSES:
            continue
        if any(r.phase is Phase.REJECT for r in records):
            rows.append((party.first_party, name.lower(), domain, path, name))
    rows.sort()
    return tuple(dict.fromkeys(row[-1] for row in rows))
