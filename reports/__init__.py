"""HTML, CSV and diff reports rendered from a Scan (never from a database).

``write_report`` writes a self-contained report directory; ``diff_scans`` and
``exit_code_for`` compare two scans for people and for CI. See ``reports.render``.
"""

from .diff import ScanDiff, SiteDiff, diff_scans, diff_to_dict, exit_code_for
from .env import make_env
from .render import (
    render_comparison,
    render_diff_html,
    render_diff_text,
    render_site,
    write_report,
)

__all__ = [
    "ScanDiff",
    "SiteDiff",
    "diff_scans",
    "diff_to_dict",
    "exit_code_for",
    "make_env",
    "render_comparison",
    "render_diff_html",
    "render_diff_text",
    "render_site",
    "write_report",
]
