"""What a party's purpose (``Party.category``) means to the rules and the site verdicts.

One place for every set of purposes a judgement rests on, each named for that
judgement, so two of them can no longer go by the same name with different members.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "AD_TECH_CATEGORIES",
    "BENIGN_CATEGORIES",
    "CONSENT_MODE_CATEGORIES",
    "EMBED_CATEGORIES",
    "INFRASTRUCTURE_CATEGORIES",
    "PURPOSE_RANK",
    "REFUSAL_TRACKING_CATEGORIES",
    "TRACKER_CATEGORIES",
    "TRACKING_PURPOSES",
]

TRACKER_CATEGORIES = frozenset({"advertising", "marketing", "social", "fingerprinting"})
"""Purposes that always need consent: a cookie, storage item or request of such a party
before consent is a violation (rules 1, 1c and 2). Analytics, session replay and embeds
have their own rules."""

AD_TECH_CATEGORIES = frozenset({"advertising", "marketing"})
"""Purposes of the parties a cookie-sync chain passes identifiers between (rule
``cookie-sync-before-consent``): ad servers and exchanges, and marketing platforms."""

REFUSAL_TRACKING_CATEGORIES = TRACKER_CATEGORIES | {"session_replay"}
"""Purposes whose cookies or requests after a refusal are a violation (plus embeds and
analytics stored by a third party; see ``tracking-after-refusal``)."""

TRACKING_PURPOSES = TRACKER_CATEGORIES | {"analytics", "session_replay"}
"""Purposes that make a third party count as tracking in the site verdicts
(``Verdicts.tracks_before_consent``, refusing works): the headline figures."""

EMBED_CATEGORIES = frozenset({"video", "maps"})
"""Embedded content judged by ``embed-before-consent``."""

BENIGN_CATEGORIES = frozenset({"necessary", "security", "consent"})
"""Purposes that may run without consent (strictly necessary in the sense of Tw 11.7a)."""

INFRASTRUCTURE_CATEGORIES = BENIGN_CATEGORIES | {"cdn"}
"""Purposes that make a transfer outside the EEA only ask for review."""

CONSENT_MODE_CATEGORIES = frozenset({"analytics", "functional"}) | INFRASTRUCTURE_CATEGORIES
"""Google uses that Consent Mode can make cookieless: analytics pings and the tag loader."""

PURPOSE_RANK: Sequence[str] = (
    "fingerprinting",
    "session_replay",
    "advertising",
    "marketing",
    "social",
    "analytics",
    "video",
    "maps",
    "fonts",
    "functional",
    "cdn",
    "consent",
    "security",
    "necessary",
)
"""Purposes by what they tell a reader about a party, most telling first: the
category an organisation's finding shows when it runs several services."""
