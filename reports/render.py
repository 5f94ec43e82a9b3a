"""Render scans to self-contained HTML, CSV and text; the public face of ``reports``.

Every page embeds its CSS and script and loads nothing, so a report can be mailed,
archived and opened offline as evidence. The Jinja environment comes from
:func:`reports.env.make_env` and is passed in; nothing is kept between calls.
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2

from scanner.export import findings_csv
from scanner.messages import translator
from scanner.messages.findings import finding_text
from scanner.models import Scan, Severity, SiteResult

from .context import (
    build_comparison_report,
    build_diff_report,
    build_site_report,
    site_slugs,
)
from .diff import ScanDiff, diff_scans, diff_to_dict, exit_code_for
from .env import make_env, translator_of

__all__ = [
    "ScanDiff",
    "diff_scans",
    "diff_to_dict",
    "exit_code_for",
    "render_comparison",
    "render_diff_html",
    "render_diff_text",
    "render_site",
    "write_report",
]

# Control characters and bidirectional overrides let a site rewrite a terminal or
# disguise text ("Trojan Source"); plain-text output drops them.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def render_site(
    scan: Scan,
    result: SiteResult,
    *,
    env: jinja2.Environment,
    previous: Scan | None = None,
) -> str:
    """The per-site report (for the webmaster or supplier) as one HTML document."""
    report = build_site_report(scan, result, previous=previous, t=translator_of(env))
    return env.get_template("site.html").render(report=report)


def render_comparison(scan: Scan, *, env: jinja2.Environment, previous: Scan | None = None) -> str:
    """The comparison of all sites (for the privacy officer and the board) as HTML."""
    report = build_comparison_report(scan, previous=previous)
    return env.get_template("comparison.html").render(report=report)


def render_diff_html(diff: ScanDiff, *, env: jinja2.Environment) -> str:
    """The change between two scans as one HTML document."""
    report = build_diff_report(diff, t=translator_of(env))
    return env.get_template("diff.html").render(report=report)


def write_report(
    scan: Scan,
    out_dir: Path,
    *,
    lang: str = "nl",
    previous: Scan | None = None,
) -> Path:
    """Write ``index.html``, ``sites/<slug>.html`` and ``findings.csv``; return the index.

    Screenshots come from each site's results; only PNG, JPEG or WebP are embedded.
    """
    env = make_env(lang)
    diff = diff_scans(previous, scan) if previous is not None else None
    sites_dir = out_dir / "sites"
    sites_dir.mkdir(parents=True, exist_ok=True)
    site_template = env.get_template("site.html")
    for result, slug in zip(scan.sites, site_slugs(scan), strict=True):
        report = build_site_report(scan, result, diff=diff, slug=slug, t=translator_of(env))
        (sites_dir / f"{slug}.html").write_text(
            site_template.render(report=report), encoding="utf-8"
        )
    index = out_dir / "index.html"
    comparison = build_comparison_report(scan, diff=diff)
    index.write_text(env.get_template("comparison.html").render(report=comparison), "utf-8")
    # The export's findings.csv, in the report's language; a BOM so that Excel, which
    # officials open CSV files with, reads UTF-8 correctly.
    (out_dir / "findings.csv").write_text(
        "\ufeff" + findings_csv(scan, lang=lang), encoding="utf-8", newline=""
    )
    return index


def _plain(text: object) -> str:
    return _UNPRINTABLE.sub("", "" if text is None else str(text))


def render_diff_text(diff: ScanDiff, *, lang: str = "nl") -> str:
    """The change between two scans as plain text for a terminal or CI log."""
    t = translator(lang)
    lines = [
        t("text.header", old=diff.old_scan_id, new=diff.new_scan_id),
        t(
            "text.summary",
            new=diff.new_count,
            fixed=diff.fixed_count,
            persisting=diff.persisting_count,
        ),
    ]
    for s in sorted(
        diff.sites,
        key=lambda s: min((f.severity.rank for f in s.new), default=len(Severity)),
    ):
        if not (s.new or s.fixed) and s.comparable:
            continue
        lines.append("")
        lines.append(
            _plain(
                t(
                    "text.site",
                    name=s.name,
                    old=s.old_grade or "-",
                    new=s.new_grade or "-",
                    direction=t(f"change.short.{s.direction}"),
                )
            )
        )
        if not s.comparable and s.new_status is not None and not s.new:
            lines.append("  " + t("change.not_comparable"))
        for mark, findings in (("+", s.new), ("-", s.fixed)):
            for f in findings:
                label = t(f"severity.{f.severity.value}")
                title = finding_text(f, t).title
                lines.append(_plain(f"  {mark} [{label}] {title} ({f.id})"))
    return "\n".join(lines) + "\n"
