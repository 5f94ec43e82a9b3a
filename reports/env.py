"""The Jinja environment for the reports, built per language.

Built by :func:`make_env` and passed down, never kept at module level, so two
reports in two languages can be rendered in one process without sharing state.
Everything a website sent reaches a template as plain ``str`` and is escaped by
autoescaping; only our own CSS and script are ever marked safe.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from scanner.messages import LANGUAGES, Translator, load_messages
from scanner.sites import unicode_host

from .script import ENHANCE_JS

__all__ = ["LANGUAGES", "Translator", "load_messages", "make_env", "translator_of"]

_HERE = Path(__file__).parent


def translator_of(env: jinja2.Environment) -> Translator:
    """The translator an environment from :func:`make_env` renders with."""
    t = env.globals["t"]
    if not isinstance(t, Translator):
        raise TypeError("not an environment made by reports.env.make_env")
    return t


def script_hash(script: str) -> str:
    """CSP source expression for an inline script, so no 'unsafe-inline' is needed."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def make_env(lang: str = "nl") -> jinja2.Environment:
    """Build the environment for one report language, with filters and globals."""
    t = Translator(lang, load_messages(lang))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(
        t=t,
        _=t,
        lang=lang,
        # Our own code, not website data: the only thing marked safe besides CSS.
        enhance_js=Markup(ENHANCE_JS),
        script_hash=script_hash(ENHANCE_JS),
    )
    filters: dict[str, Callable[..., Any]] = {
        "date": lambda v: format_date(v, t),
        "duration": lambda v: format_duration(v, t),
        "num": lambda v: format_number(v, lang),
        "pct": format_percent,
        "severity_label": lambda v: t(f"severity.{_value(v)}"),
        "phase_label": lambda v: t(f"phase.{_value(v)}"),
        "phase_title": lambda v: t(f"phase.title.{_value(v)}"),
        "status_label": lambda v: t(f"status.{_value(v)}"),
        "category_label": lambda v: _open_label(t, "category", v),
        "error_label": lambda v: _open_label(t, "error", v),
        "source_label": lambda v: t(f"source.{_value(v)}"),
        "role_label": lambda v: _open_label(t, "banner.role", v),
        "method_label": lambda v: _open_label(t, "banner.method", v),
        "yesno": lambda v: t("unknown") if v is None else t("yes") if v else t("no"),
        "idn": with_unicode_host,
    }
    env.filters.update(filters)
    return env


def with_unicode_host(value: object) -> str:
    """A URL or host with a punycode name, followed by its Unicode form:
    ``www.xn--gemeente-strae-dgb.nl (www.gemeente-straße.nl)``. Both, so a look-alike
    name cannot pass for the real one."""
    text = str(value)
    unicode = unicode_host(text)
    return f"{text} ({unicode})" if unicode else text


def _value(v: object) -> str:
    return str(v.value) if isinstance(v, Enum) else str(v)


def _open_label(t: Translator, prefix: str, v: object) -> str:
    # Categories and error classes may grow in the scanner before the catalogue
    # does: show the raw code rather than failing the whole report.
    if v is None or v == "":
        return t("unknown")
    code = _value(v)
    return t.get(f"{prefix}.{code}", code)


def format_date(value: str | None, t: Translator) -> str:
    """``2026-11-28T19:03:04Z`` as ``28 november 2026, 19:03 UTC``: people read dates, not ISO."""
    if not value:
        return t("unknown")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return t(
        "format.datetime",
        day=moment.day,
        month=t(f"month.{moment.month}"),
        year=moment.year,
        time=f"{moment.hour:02d}:{moment.minute:02d}",
    )


def format_duration(seconds: int | None, t: Translator) -> str:
    """A cookie lifetime the way people say it: ``2 jaar``, ``13 maanden``, ``sessie``."""
    if seconds is None:
        return t("duration.session")
    if seconds < 0:
        return t("duration.expired")
    days = seconds / 86400
    years = round(days / 365.25)
    months = round(days / 30.44)
    if years >= 1 and (months >= 24 or abs(days - years * 365.25) < 16):
        return _plural(t, "year", years)
    if months >= 2 or days >= 45:
        return _plural(t, "month", months)
    if days >= 1:
        return _plural(t, "day", round(days))
    if seconds >= 3600:
        return _plural(t, "hour", round(seconds / 3600))
    if seconds >= 60:
        return _plural(t, "minute", round(seconds / 60))
    return _plural(t, "second", seconds)


def _plural(t: Translator, unit: str, n: int) -> str:
    return t(f"duration.{unit}.{'one' if n == 1 else 'other'}", n=n)


def format_number(value: int | None, lang: str) -> str:
    """Thousands grouped the local way (``1.234`` in Dutch, ``1,234`` in English)."""
    if value is None:
        return "—"
    text = f"{value:,}"
    return text.replace(",", ".") if lang == "nl" else text


def format_percent(value: int | None) -> str:
    """A whole percentage; no false precision for a handful of sites."""
    if value is None:
        return "—"
    return f"{value}%"
