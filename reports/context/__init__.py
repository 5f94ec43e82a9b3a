"""What the templates see: typed, frozen views built from a Scan, one module per view.

Templates never reach into the data model or a database; every figure, grouping
and ordering is decided here, where it can be typed and tested. Judgements are not:
they are the classification's (findings, ``SiteResult.verdicts``), which the views
only show, with the findings' words in the reader's language. Strings a website
sent stay plain ``str`` so autoescaping always applies to them.

:mod:`.shared` (slugs, safe links, findings, severity counts, change), :mod:`.site`
(one site), :mod:`.comparison` (all sites), :mod:`.diff_view` (two scans).
"""

from __future__ import annotations

from .comparison import ComparisonReport, build_comparison_report
from .diff_view import DiffReport, build_diff_report
from .shared import safe_link, site_slugs, slugify
from .site import SiteReport, build_site_report

__all__ = [
    "ComparisonReport",
    "DiffReport",
    "SiteReport",
    "build_comparison_report",
    "build_diff_report",
    "build_site_report",
    "safe_link",
    "site_slugs",
    "slugify",
]
