"""The ``privacyscan`` command line: parse options, build one object, delegate.

Exit codes: 0 the command completed (a scan completes even when sites failed;
their errors are in the results); 1 ``diff --fail-on`` found a new finding of
that severity or worse; 2 usage or input error; 3 the run itself could not
proceed (no browser, database unusable).
"""

from __future__ import annotations

import asyncio
import json
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .config import CaptureOptions, validate_capture_options
from .errors import ConfigError, PrivacyscanError
from .models import Scan, Severity, Site

F = TypeVar("F", bound=Callable[..., Any])

EXIT_FAILED_RUN = 3


class _Fatal(click.ClickException):
    """The run could not proceed: exit code 3, one line on stderr."""

    exit_code = EXIT_FAILED_RUN


def _capture_options(func: F) -> F:
    """Options shared by commands that drive the browser."""
    decorators = [
        click.option(
            "--map-host",
            "map_hosts",
            multiple=True,
            metavar="PATTERN=IP[:PORT]",
            help="Reach a host at another address (acceptance environments). Repeatable; "
            "'*' allowed. Example: --map-host 'www.example.nl=10.0.0.5:8443'.",
        ),
        click.option(
            "--ignore-cert-errors",
            is_flag=True,
            help="Accept any TLS certificate. Only for test environments.",
        ),
        click.option(
            "--trust-cert-spki",
            multiple=True,
            metavar="B64",
            help="Trust a certificate by the base64 SHA-256 of its public key. Repeatable.",
        ),
        click.option(
            "--raw-values",
            is_flag=True,
            help="Keep raw cookie and storage values (personal data). Default: hash + prefix.",
        ),
        click.option(
            "--browser",
            "browser_path",
            envvar="PRIVACYSCAN_BROWSER",
            metavar="PATH",
            help="Chromium executable (default: found automatically).",
        ),
        click.option(
            "--page-timeout",
            type=float,
            default=30.0,
            show_default=True,
            help="Seconds to wait for a page's load event.",
        ),
        click.option(
            "--dwell",
            type=float,
            default=4.0,
            show_default=True,
            help="Seconds to stay on a page after load: trackers fire late.",
        ),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def _build_capture_options(kwargs: dict[str, Any]) -> CaptureOptions:
    return validate_capture_options(
        CaptureOptions(
            browser_path=kwargs["browser_path"],
            map_hosts=tuple(kwargs["map_hosts"]),
            ignore_cert_errors=kwargs["ignore_cert_errors"],
            trust_cert_spki=tuple(kwargs["trust_cert_spki"]),
            raw_values=kwargs["raw_values"],
            page_timeout_s=kwargs["page_timeout"],
            dwell_s=kwargs["dwell"],
        )
    )


def _memory_size(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    """``--memory-budget 4G`` → bytes."""
    if value is None:
        return None
    from .capacity import parse_size

    try:
        return parse_size(value)
    except ConfigError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


_DB_OPTION = click.option(
    "--db",
    "db_path",
    envvar="PRIVACYSCAN_DB",
    default="privacyscan.db",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Scan history database (env PRIVACYSCAN_DB).",
)
_LANG_OPTION = click.option(
    "--lang",
    type=click.Choice(["nl", "en"]),
    default="nl",
    show_default=True,
    help="Language of findings and reports.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="privacyscan")
def cli() -> None:
    """What a website does to its visitors before they consent.

    Scans websites in a real Chromium as a first-time visitor, classifies every
    cookie, storage item and third-party request under the Dutch
    Telecommunicatiewet (art. 11.7a) and the AVG, and writes reports.

    Example:

        privacyscan scan sites.txt --only Drenthe
    """


@cli.command()
@click.argument("targets", nargs=-1)
@_DB_OPTION
@click.option(
    "--out",
    default="out",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for the per-site JSON documents and the reports.",
)
@click.option("--only", multiple=True, metavar="NAME", help="Only these sites or provinces.")
@click.option("--exclude", multiple=True, metavar="NAME", help="Skip these sites or provinces.")
@click.option("--max-pages", default=10, show_default=True, help="Pages per site.")
@click.option(
    "--concurrency",
    type=click.IntRange(min=0),
    default=0,
    help="Visitors (browsers) in flight; default 0: as many as the machine's CPU and the "
    "memory budget carry, measured while scanning.",
)
@click.option(
    "--memory-budget",
    default=None,
    callback=_memory_size,
    metavar="SIZE",
    help="Memory (PSS) the scan's processes stay within, e.g. 4G or 1500M. Default: half the RAM.",
)
@click.option(
    "--phases",
    type=click.Choice(["all", "none"]),
    default="all",
    show_default=True,
    help="all: also refuse and accept on the consent banner (three visitors); "
    "none: only the visitor who makes no choice.",
)
@click.option("--no-report", is_flag=True, help="Do not render the HTML reports.")
@click.option("--quiet", "-q", is_flag=True, help="No progress display.")
@_LANG_OPTION
@_capture_options
def scan(
    targets: tuple[str, ...],
    db_path: Path,
    out: Path,
    only: tuple[str, ...],
    exclude: tuple[str, ...],
    max_pages: int,
    concurrency: int,
    memory_budget: int | None,
    phases: str,
    no_report: bool,
    quiet: bool,
    lang: str,
    **capture: Any,
) -> None:
    """Scan websites as a first-time visitor and store the results.

    TARGETS are sites files (see sites.txt) and/or http(s) URLs; without
    targets, ./sites.txt is scanned. Each site's results are saved as soon as it
    finishes; an interrupted scan continues with `privacyscan resume`.

    Examples:

        privacyscan scan sites.txt --only Utrecht --max-pages 5

        privacyscan scan https://www.example.nl --map-host '*=10.0.0.5'
    """
    from .engine import ScanSettings

    sites = _load_targets(targets, only, exclude)
    options = _guard(lambda: _build_capture_options(capture))
    settings = ScanSettings(
        max_pages=max_pages,
        concurrency=concurrency,
        memory_budget=memory_budget or 0,
        lang=lang,
        phases=phases,
    )
    _run_scan(
        db_path, out, sites, options, settings, scan_id=None, quiet=quiet, report=not no_report
    )


@cli.command()
@click.argument("scan_ref", default="latest")
@_DB_OPTION
@click.option("--out", default="out", show_default=True, type=click.Path(path_type=Path))
@click.option("--no-report", is_flag=True, help="Do not render the HTML reports.")
@click.option("--quiet", "-q", is_flag=True, help="No progress display.")
@click.option(
    "--concurrency",
    type=click.IntRange(min=0),
    default=None,
    help="Visitors in flight on this machine (0: follow the machine). Default: as the scan "
    "started.",
)
@click.option(
    "--memory-budget",
    default=None,
    callback=_memory_size,
    metavar="SIZE",
    help="Memory (PSS) the scan's processes stay within, e.g. 4G. Default: as the scan started.",
)
def resume(
    scan_ref: str,
    db_path: Path,
    out: Path,
    no_report: bool,
    quiet: bool,
    concurrency: int | None,
    memory_budget: int | None,
) -> None:
    """Finish an interrupted scan: only its unfinished sites are scanned.

    Uses the options the scan started with; --concurrency and --memory-budget
    fit the rest to the machine it finishes on. SCAN_REF is a scan ID, a unique
    prefix, `latest` (default) or `previous`.

    Examples:

        privacyscan resume latest

        privacyscan resume latest --concurrency 0 --memory-budget 8G
    """
    from dataclasses import replace

    from .engine import options_from_pairs

    store = _open_store(db_path)
    with store:
        scan_id = _guard(lambda: store.resolve_scan_id(scan_ref))
        scan_record = store.get_scan(scan_id)
    options, settings = options_from_pairs(scan_record.options)
    if concurrency is not None:
        settings = replace(settings, concurrency=concurrency)
    if memory_budget is not None:
        settings = replace(settings, memory_budget=memory_budget)
    _run_scan(
        db_path, out, [], options, settings, scan_id=scan_id, quiet=quiet, report=not no_report
    )


@cli.command()
@_DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def scans(db_path: Path, as_json: bool) -> None:
    """List the scans in the history, newest first.

    Example:

        privacyscan scans --db monthly.db
    """
    store = _open_store(db_path)
    with store:
        summaries = store.list_scans()
    if as_json:
        from . import serialize

        click.echo(serialize.dumps(summaries))
        return
    if not summaries:
        click.echo("No scans yet. Start one with: privacyscan scan sites.txt")
        return
    for s in summaries:
        state = "finished" if s.finished_at else "interrupted"
        click.echo(
            f"{s.id}  {s.started_at[:16].replace('T', ' ')}  {state:<11}  "
            f"sites {s.sites_total} (done {s.sites_done}, partial {s.sites_partial}, "
            f"failed {s.sites_failed}, pending {s.sites_pending})  pages {s.pages}  "
            f"findings {s.findings_total}  {s.browser}  privacyscan {s.tool_version}"
        )


@cli.command()
@click.argument("scan_ref", default="latest")
@_DB_OPTION
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="File (json) or directory (csv). Default: standard output (json) or ./export (csv).",
)
def export(scan_ref: str, db_path: Path, fmt: str, out: Path | None) -> None:
    """Export a scan in the documented, versioned schema (docs/schema.md).

    Examples:

        privacyscan export latest --format json --out scan.json

        privacyscan export latest --format csv --out export/
    """
    from .export import export_csv, export_json

    scan_record = _get_scan(db_path, scan_ref)
    if fmt == "csv":
        paths = export_csv(scan_record, out or Path("export"))
        for path in paths:
            click.echo(str(path))
    elif out is None:
        export_json(scan_record, sys.stdout)
    else:
        with out.open("w", encoding="utf-8") as fh:
            export_json(scan_record, fh)
        click.echo(str(out))


@cli.command()
@click.argument("scan_ref", default="latest")
@_DB_OPTION
@click.option("--out", default="out", show_default=True, type=click.Path(path_type=Path))
@_LANG_OPTION
def report(scan_ref: str, db_path: Path, out: Path, lang: str) -> None:
    """Render the HTML reports of a scan: a comparison and one page per site.

    Compares with the previous scan in the history when there is one.

    Example:

        privacyscan report latest --out reports-2026-11 --lang en
    """
    store = _open_store(db_path)
    with store:
        scan_id = _guard(lambda: store.resolve_scan_id(scan_ref))
        scan_record = store.get_scan(scan_id)
        previous = _previous_scan(store, scan_record)
    click.echo(_write_reports(scan_record, previous, out, lang))


@cli.command()
@click.argument("old_ref")
@click.argument("new_ref")
@_DB_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text")
@click.option(
    "--fail-on",
    type=click.Choice(["violation", "likely", "review"]),
    help="Exit 1 when a new finding of this severity or worse appears.",
)
@_LANG_OPTION
def diff(
    old_ref: str, new_ref: str, db_path: Path, fmt: str, fail_on: str | None, lang: str
) -> None:
    """Compare two scans: new, fixed and persisting findings by their stable IDs.

    OLD_REF and NEW_REF are scan IDs, prefixes, `latest` or `previous`.

    Example (a monthly job that fails on any new violation):

        privacyscan diff previous latest --fail-on violation
    """
    from reports import diff_scans, diff_to_dict, exit_code_for, render_diff_html, render_diff_text
    from reports.env import make_env

    old = _get_scan(db_path, old_ref)
    new = _get_scan(db_path, new_ref)
    result = diff_scans(old, new)
    if fmt == "json":
        click.echo(json.dumps(diff_to_dict(result), ensure_ascii=False, indent=2))
    elif fmt == "html":
        click.echo(render_diff_html(result, env=make_env(lang)))
    else:
        click.echo(render_diff_text(result, lang=lang))
    level = {
        "violation": Severity.VIOLATION,
        "likely": Severity.LIKELY_VIOLATION,
        "review": Severity.REVIEW,
    }.get(fail_on or "")
    sys.exit(exit_code_for(result, level))


@cli.group()
def lists() -> None:
    """Manage the imported knowledge lists (Open Cookie Database, third-party-web).

    Example:

        privacyscan lists update
    """


@lists.command("update")
def lists_update() -> None:
    """Download the latest lists into the user cache (needs internet).

    Scans never download anything; they use what this command cached, and
    record the versions used.

    Example:

        PRIVACYSCAN_CACHE=/var/cache/privacyscan privacyscan lists update
    """
    from .classify.lists import default_cache_dir, update_lists

    def fetch(url: str) -> bytes:
        with urllib.request.urlopen(url, timeout=60) as response:
            data: bytes = response.read()
            return data

    cache = default_cache_dir()
    versions = _guard(lambda: update_lists(cache, fetch))
    for name, version in versions:
        click.echo(f"{name}: {version}")
    click.echo(f"Cached in {cache}")


@lists.command("show")
def lists_show() -> None:
    """Show the lists a scan would use now, with their versions.

    Example:

        privacyscan lists show
    """
    from .classify.knowledge import load_knowledge
    from .classify.lists import default_cache_dir

    knowledge = load_knowledge(default_cache_dir())
    for name, version in knowledge.versions:
        click.echo(f"{name}: {version}")


@cli.command()
@click.option("--out", default="demo", show_default=True, type=click.Path(path_type=Path))
@click.option("--db", "db_path", default=None, type=click.Path(path_type=Path))
@click.option("--max-pages", default=6, show_default=True, help="Pages per site.")
@click.option(
    "--dwell", type=float, default=4.0, show_default=True, help="Seconds on each page after load."
)
@click.option("--quiet", "-q", is_flag=True, help="No progress display.")
@_LANG_OPTION
def demo(
    out: Path, db_path: Path | None, max_pages: int, dwell: float, quiet: bool, lang: str
) -> None:
    """Scan the built-in local test web offline and render its reports.

    Starts the test web (fictional municipalities with tracker stand-ins on
    127.0.0.1), scans it with the real browser and prints where the reports
    are: the offline way to see what privacyscan does.

    Example:

        privacyscan demo --out /tmp/demo
    """
    from .engine import ScanSettings
    from .testweb import TestWeb, demo_sites

    sites = [
        Site(name=name, url=url, province="Demo", extra_domains=extra)
        for name, url, extra in demo_sites()
    ]
    with TestWeb() as web:
        options = CaptureOptions(
            map_hosts=(f"*=127.0.0.1:{web.port}",),
            trust_cert_spki=(web.spki_hash,),
            dwell_s=dwell,
        )
        settings = ScanSettings(max_pages=max_pages, lang=lang)
        _run_scan(
            db_path or out / "demo.db",
            out,
            sites,
            options,
            settings,
            scan_id=None,
            quiet=quiet,
            report=True,
        )


# -- helpers -------------------------------------------------------------------


T = TypeVar("T")


def _guard(call: Callable[[], T]) -> T:
    """Turn our own errors into one-line messages instead of tracebacks."""
    try:
        return call()
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    except LookupError as exc:
        raise click.UsageError(str(exc.args[0] if exc.args else exc)) from None
    except PrivacyscanError as exc:
        raise _Fatal(str(exc)) from None


def _load_targets(
    targets: tuple[str, ...], only: tuple[str, ...], exclude: tuple[str, ...]
) -> list[Site]:
    from .sites import load_sites, select_sites, site_from_url

    def load() -> list[Site]:
        sites: list[Site] = []
        for target in targets or ("sites.txt",):
            path = Path(target)
            if "://" not in target and path.exists():
                sites.extend(load_sites(path))
            elif "://" in target:
                sites.append(site_from_url(target))
            else:
                raise ConfigError(f"{target!r} is neither a sites file nor an http(s) URL")
        return select_sites(sites, only, exclude)

    return _guard(load)


def _open_store(db_path: Path) -> Any:
    from .store.sqlite import SQLiteStore

    return _guard(lambda: SQLiteStore(db_path))


def _get_scan(db_path: Path, ref: str) -> Scan:
    store = _open_store(db_path)
    with store:
        scan_id = _guard(lambda: store.resolve_scan_id(ref))
        result: Scan = store.get_scan(scan_id)
        return result


def _previous_scan(store: Any, scan_record: Scan) -> Scan | None:
    """The scan before this one in the history, for 'change since last scan'."""
    ids = [s.id for s in store.list_scans()]
    if scan_record.id in ids:
        index = ids.index(scan_record.id)
        if index + 1 < len(ids):
            previous: Scan = store.get_scan(ids[index + 1])
            return previous
    return None


def _write_reports(scan_record: Scan, previous: Scan | None, out: Path, lang: str) -> str:
    from reports import write_report

    return str(write_report(scan_record, out, lang=lang, previous=previous))


def _run_scan(
    db_path: Path,
    out: Path,
    sites: list[Site],
    options: CaptureOptions,
    settings: Any,
    *,
    scan_id: str | None,
    quiet: bool,
    report: bool,
) -> None:
    from .classify.knowledge import load_knowledge
    from .classify.lists import default_cache_dir
    from .classify.parties import PartyResolver, make_extractor
    from .engine import Engine
    from .export import site_document
    from .progress import make_progress

    knowledge = load_knowledge(default_cache_dir())
    resolver = PartyResolver(make_extractor(), knowledge)
    store = _open_store(db_path)
    with store:
        engine = Engine(store, options, settings, knowledge=knowledge, resolver=resolver)
        if scan_id is None:
            from .browser.discovery import browser_version, find_browser

            executable = _guard(lambda: find_browser(options.browser_path))
            scan_id = engine.create(sites, browser_version(executable.path))
        total = len(store.pending_sites(scan_id))
        with make_progress(total, quiet=quiet) as progress:
            engine.on_progress = progress.update
            try:
                finished = _guard(lambda: asyncio.run(engine.run(scan_id)))
            except KeyboardInterrupt:
                raise click.ClickException(
                    "Interrupted. Finished sites are saved; continue with: "
                    f"privacyscan resume {scan_id}"
                ) from None
        previous = _previous_scan(store, finished)
    json_dir = out / "json"
    json_dir.mkdir(parents=True, exist_ok=True)
    from reports.context import site_slugs

    for slug, result in zip(site_slugs(finished), finished.sites, strict=True):
        (json_dir / f"{slug}.json").write_text(
            json.dumps(site_document(finished, result), ensure_ascii=False, indent=2), "utf-8"
        )
    click.echo(f"Scan {finished.id}: {len(finished.sites)} sites; database {db_path}")
    click.echo(f"JSON per site: {json_dir}")
    if report:
        click.echo(f"Report: {_write_reports(finished, previous, out, settings.lang)}")
