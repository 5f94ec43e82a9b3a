"""The ``privacyscan`` command line: parse options, build one object, delegate.

Exit codes: 0 the command completed (a scan completes even when sites failed;
their errors are in the results); 1 ``diff --fail-on`` found a new finding of
that severity or worse; 2 usage or input error; 3 the run itself could not
proceed (no browser, database unusable).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import threading
import urllib.request
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .config import CaptureOptions, validate_capture_options
from .errors import ConfigError, PrivacyscanError
from .models import Scan, Severity, Site

F = TypeVar("F", bound=Callable[..., Any])

EXIT_FAILED_RUN = 3
EXIT_INTERRUPTED = {signal.SIGINT: 130, signal.SIGTERM: 143}
"""A scan stopped by Ctrl-C (SIGINT) or SIGTERM exits 128 + the signal's number."""
SHUTDOWN_GRACE_S = 5.0
"""After a stop signal, time to close the browsers before the process leaves anyway."""


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
            help="Accept any TLS certificate (service workers included). Only for test "
            "environments; --trust-cert-spki trusts one certificate instead of all.",
        ),
        click.option(
            "--allow-private-network",
            is_flag=True,
            help="Let pages and the sitemap reader reach loopback, private, link-local "
            "(cloud metadata) and other internal addresses. Default: refused and recorded; "
            "--map-host targets are always allowed.",
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
            allow_private_network=kwargs["allow_private_network"],
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


def _check_reachable(sites: list[Site], options: CaptureOptions) -> None:
    """A start URL on an internal address needs the user's say-so (the browser refuses it)."""
    from urllib.parse import urlsplit

    from .netguard import browser_refusal

    for site in sites:
        parts = urlsplit(site.url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        kind = browser_refusal(
            parts.hostname or "",
            port,
            options.map_hosts,
            allow_private_network=options.allow_private_network,
        )
        if kind is not None:
            raise click.UsageError(
                f"{site.url} is on an internal address ({kind}), which privacyscan refuses; "
                "scan it with --allow-private-network, or name it with --map-host"
            )


_DB_OPTION = click.option(
    "--db",
    "db_path",
    envvar="PRIVACYSCAN_DB",
    default="privacyscan.db",
    show_default=True,
    metavar="PATH|URL",
    help="Scan history: a SQLite file, or a PostgreSQL database shared by a fleet "
    "(postgresql://user@host/dbname). Env PRIVACYSCAN_DB.",
)
_QUEUE_OPTION = click.option(
    "--queue",
    envvar="PRIVACYSCAN_QUEUE",
    metavar="URL",
    help="Hand the sites to fleet workers through this Redis broker "
    "(redis://host:6379/0; env PRIVACYSCAN_QUEUE) instead of scanning here; needs "
    "--db postgresql://… (docs/fleet.md).",
)
_DETACH_OPTION = click.option(
    "--detach",
    is_flag=True,
    help="With --queue: print the scan ID and return once the sites are queued, "
    "instead of following the workers until every site is saved.",
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
@_QUEUE_OPTION
@_DETACH_OPTION
@_LANG_OPTION
@_capture_options
def scan(
    targets: tuple[str, ...],
    db_path: str,
    out: Path,
    only: tuple[str, ...],
    exclude: tuple[str, ...],
    max_pages: int,
    concurrency: int,
    memory_budget: int | None,
    phases: str,
    no_report: bool,
    quiet: bool,
    queue: str | None,
    detach: bool,
    lang: str,
    **capture: Any,
) -> None:
    """Scan websites as a first-time visitor and store the results.

    TARGETS are sites files (see sites.txt) and/or http(s) URLs; without
    targets, ./sites.txt is scanned. Each site's results are saved as soon as it
    finishes; Ctrl-C or SIGTERM stops the scan within seconds (exit 130 or 143)
    and `privacyscan resume` continues it.

    Pages and the sitemap reader never reach internal addresses (loopback,
    private, link-local, ...) except --map-host targets, unless
    --allow-private-network is given.

    Examples:

        privacyscan scan sites.txt --only Utrecht --max-pages 5

        privacyscan scan https://www.example.nl --map-host '*=10.0.0.5'

        privacyscan scan http://intranet.example.local --allow-private-network

        privacyscan scan sites.txt --queue redis://broker:6379/0 --db postgresql://scan@db/privacyscan
    """
    from .engine import ScanSettings

    sites = _load_targets(targets, only, exclude)
    options = _guard(lambda: _build_capture_options(capture))
    _check_reachable(sites, options)
    settings = ScanSettings(
        max_pages=max_pages,
        concurrency=concurrency,
        memory_budget=memory_budget or 0,
        lang=lang,
        phases=phases,
    )
    if queue:
        _run_fleet_scan(
            db_path,
            queue,
            out,
            sites,
            options,
            settings,
            scan_id=None,
            detach=detach,
            quiet=quiet,
            report=not no_report,
        )
        return
    _run_scan(
        db_path, out, sites, options, settings, scan_id=None, quiet=quiet, report=not no_report
    )


@cli.command()
@click.argument("scan_ref", default="latest")
@_DB_OPTION
@click.option("--out", default="out", show_default=True, type=click.Path(path_type=Path))
@click.option("--no-report", is_flag=True, help="Do not render the HTML reports.")
@click.option("--quiet", "-q", is_flag=True, help="No progress display.")
@_QUEUE_OPTION
@_DETACH_OPTION
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
    db_path: str,
    out: Path,
    no_report: bool,
    quiet: bool,
    concurrency: int | None,
    memory_budget: int | None,
    queue: str | None,
    detach: bool,
) -> None:
    """Finish an interrupted scan: only its unfinished sites are scanned.

    Uses the options the scan started with; --concurrency and --memory-budget
    fit the rest to the machine it finishes on. SCAN_REF is a scan ID, a unique
    prefix, `latest` (default) or `previous`.

    With --queue, the unfinished sites are queued again for the fleet's workers
    (a site saved meanwhile is skipped by them).

    Examples:

        privacyscan resume latest

        privacyscan resume latest --concurrency 0 --memory-budget 8G

        privacyscan resume latest --queue redis://broker:6379/0 --db postgresql://scan@db/privacyscan
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
    if queue:
        _run_fleet_scan(
            db_path,
            queue,
            out,
            [],
            options,
            settings,
            scan_id=scan_id,
            detach=detach,
            quiet=quiet,
            report=not no_report,
            header=scan_record,
        )
        return
    _run_scan(
        db_path, out, [], options, settings, scan_id=scan_id, quiet=quiet, report=not no_report
    )


@cli.command()
@_DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def scans(db_path: str, as_json: bool) -> None:
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
@_LANG_OPTION
def export(scan_ref: str, db_path: str, fmt: str, out: Path | None, lang: str) -> None:
    """Export a scan in the documented, versioned schema (docs/schema.md).

    The findings' titles, explanations and fixes are written in --lang.

    Examples:

        privacyscan export latest --format json --out scan.json

        privacyscan export latest --format csv --out export/ --lang en
    """
    from .export import export_csv, export_json

    scan_record = _get_scan(db_path, scan_ref)
    if fmt == "csv":
        paths = export_csv(scan_record, out or Path("export"), lang=lang)
        for path in paths:
            click.echo(str(path))
    elif out is None:
        export_json(scan_record, sys.stdout, lang=lang)
    else:
        with out.open("w", encoding="utf-8") as fh:
            export_json(scan_record, fh, lang=lang)
        click.echo(str(out))


@cli.command()
@click.argument("scan_ref", default="latest")
@_DB_OPTION
@click.option("--out", default="out", show_default=True, type=click.Path(path_type=Path))
@_LANG_OPTION
def report(scan_ref: str, db_path: str, out: Path, lang: str) -> None:
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
    old_ref: str, new_ref: str, db_path: str, fmt: str, fail_on: str | None, lang: str
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


@cli.command()
@click.option(
    "--queue",
    required=True,
    envvar="PRIVACYSCAN_QUEUE",
    metavar="URL",
    help="The Redis broker scans queue their sites on (env PRIVACYSCAN_QUEUE).",
)
@click.option(
    "--db",
    "db_path",
    required=True,
    envvar="PRIVACYSCAN_DB",
    metavar="URL",
    help="The shared scan history, postgresql://user@host/dbname (env PRIVACYSCAN_DB).",
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Visitors in flight on this machine, as for a local scan (0: follow the machine).",
)
@click.option(
    "--memory-budget",
    default=None,
    callback=_memory_size,
    metavar="SIZE",
    help="Memory (PSS) this worker's processes stay within, e.g. 4G (default: half the RAM).",
)
@click.option(
    "--visibility-timeout",
    type=click.FloatRange(min=1),
    envvar="PRIVACYSCAN_VISIBILITY_TIMEOUT",
    default=None,
    metavar="SECONDS",
    help="How long a site may stay unacknowledged before another worker takes it "
    "(a worker died): longer than a site's whole visit. Default 7200.",
)
@click.option(
    "--browser",
    "browser_path",
    envvar="PRIVACYSCAN_BROWSER",
    metavar="PATH",
    help="Chromium executable (default: found automatically).",
)
@click.option("--name", metavar="NAME", help="This worker's name in logs (default: host-pid).")
def worker(
    queue: str,
    db_path: str,
    concurrency: int,
    memory_budget: int | None,
    visibility_timeout: float | None,
    browser_path: str | None,
    name: str | None,
) -> None:
    """Run a fleet worker: visit the sites scans queue, save them in the shared history.

    A worker is the local engine fed by the queue: its own Chromium, visitors in
    flight following the machine as in a local scan (or --concurrency), each site
    saved in one transaction and acknowledged after.
    A site of a worker that dies goes to another worker after the visibility
    timeout. The worker refuses a database or a task of another privacyscan schema
    revision (exit 3). SIGTERM finishes the sites in progress, then stops.

    Example:

        privacyscan worker --queue redis://broker:6379/0 --db postgresql://scan@db/privacyscan
    """
    from .browser.discovery import find_browser
    from .classify.parties import PartyResolver
    from .domains import Domains
    from .fleet.queue import DEFAULT_VISIBILITY_TIMEOUT_S, check_broker, make_app, redact
    from .fleet.worker import Runtime, run_worker
    from .knowledge import default_cache_dir, load_knowledge
    from .store import describe_target

    timeout = visibility_timeout or DEFAULT_VISIBILITY_TIMEOUT_S
    app = _guard(lambda: make_app(queue, visibility_timeout=timeout))
    _guard(lambda: find_browser(browser_path))
    store = _open_store(db_path, migrate=False)
    with store:
        _guard(lambda: check_broker(app, queue))
        knowledge = load_knowledge(default_cache_dir())
        runtime = Runtime(
            store,
            knowledge=knowledge,
            resolver=PartyResolver(Domains(), knowledge),
            concurrency=concurrency,
            memory_budget=memory_budget or 0,
            browser_path=browser_path,
            visibility_timeout=timeout,
            log=click.echo,
            hostname=name,
        )
        click.echo(
            f"privacyscan worker {runtime.hostname}: queue {redact(queue)}, database "
            f"{describe_target(db_path)} (schema revision {store.revision}), "
            f"{runtime.threads} sites at once"
        )
        run_worker(app, runtime)
    if runtime.refusal is not None:
        raise _Fatal(runtime.refusal)
    click.echo(f"privacyscan worker {runtime.hostname}: stopped")


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
    from .knowledge.lists import default_cache_dir, update_lists

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
    from .knowledge import default_cache_dir, load_knowledge

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


def _open_store(db_path: str | Path, *, migrate: bool = True) -> Any:
    """The scan history at ``db_path`` (a SQLite file or a PostgreSQL URL): a bad URL
    scheme exits 2, an unreachable or unusable database 3."""
    from .store import open_store

    return _guard(lambda: open_store(db_path, migrate=migrate))


def _get_scan(db_path: str | Path, ref: str) -> Scan:
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
    db_path: str | Path,
    out: Path,
    sites: list[Site],
    options: CaptureOptions,
    settings: Any,
    *,
    scan_id: str | None,
    quiet: bool,
    report: bool,
) -> None:
    from .classify.parties import PartyResolver
    from .domains import Domains
    from .engine import Engine
    from .knowledge import default_cache_dir, load_knowledge
    from .progress import make_progress

    knowledge = load_knowledge(default_cache_dir())
    resolver = PartyResolver(Domains(), knowledge)
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
            run_id = scan_id
            try:
                finished = _guard(lambda: _run_until_stopped(lambda: engine.run(run_id)))
            except _Stopped as stop:
                click.echo(
                    "Interrupted. Finished sites are saved; continue with: "
                    f"privacyscan resume {scan_id}",
                    err=True,
                )
                sys.exit(EXIT_INTERRUPTED[stop.signum])
        previous = _previous_scan(store, finished)
    _write_outputs(db_path, out, finished, previous, lang=settings.lang, report=report)


def _write_outputs(
    db_path: str | Path,
    out: Path,
    finished: Scan,
    previous: Scan | None,
    *,
    lang: str,
    report: bool,
) -> None:
    """The JSON document per site and the reports of a finished scan."""
    from .export import site_document
    from .store import describe_target

    json_dir = out / "json"
    json_dir.mkdir(parents=True, exist_ok=True)
    from reports.context import site_slugs

    for slug, result in zip(site_slugs(finished), finished.sites, strict=True):
        (json_dir / f"{slug}.json").write_text(
            json.dumps(site_document(finished, result, lang=lang), ensure_ascii=False, indent=2),
            "utf-8",
        )
    click.echo(
        f"Scan {finished.id}: {len(finished.sites)} sites; database {describe_target(db_path)}"
    )
    click.echo(f"JSON per site: {json_dir}")
    if report:
        click.echo(f"Report: {_write_reports(finished, previous, out, lang)}")


def _run_fleet_scan(
    db_path: str,
    queue: str,
    out: Path,
    sites: list[Site],
    options: CaptureOptions,
    settings: Any,
    *,
    scan_id: str | None,
    detach: bool,
    quiet: bool,
    report: bool,
    header: Scan | None = None,
) -> None:
    """Register the scan (or take ``header``, the scan resumed), queue its pending sites
    for the fleet's workers, then follow it in the history until every site is saved
    (``detach``: print its ID and return)."""
    from .classify.parties import PartyResolver
    from .domains import Domains
    from .engine import Engine
    from .fleet.queue import check_broker, enqueue, make_app, redact, wait_for_scan
    from .knowledge import default_cache_dir, load_knowledge
    from .store import describe_target, is_postgres

    if not is_postgres(db_path):
        raise click.UsageError(
            "--queue needs a database every worker reaches: --db postgresql://user@host/dbname "
            "(a SQLite file stays on one machine)"
        )
    app = _guard(lambda: make_app(queue))
    store = _open_store(db_path)
    with store:
        _guard(lambda: check_broker(app, queue))
        if scan_id is None:
            knowledge = load_knowledge(default_cache_dir())
            engine = Engine(
                store,
                options,
                settings,
                knowledge=knowledge,
                resolver=PartyResolver(Domains(), knowledge),
            )
            scan_id = engine.create(sites, _browser_version_or_blank(options))
            header = store.get_scan(scan_id)
        assert header is not None
        pending = store.pending_sites(scan_id)
        queued = _guard(
            lambda: enqueue(app, queue, header.id, pending, header.options, header.lists)
        )
        click.echo(
            f"Scan {scan_id}: {queued} sites queued on {redact(queue)}; "
            f"database {describe_target(db_path)}",
            err=True,
        )
        if detach:
            click.echo(
                f"Workers save the sites as they go: privacyscan scans --db …; when done: "
                f"privacyscan report {scan_id} --db …",
                err=True,
            )
            click.echo(scan_id)
            return

        def shown(summary: Any) -> None:
            if not quiet:
                done = summary.sites_total - summary.sites_pending
                click.echo(
                    f"[{done}/{summary.sites_total}] done {summary.sites_done}, "
                    f"partial {summary.sites_partial}, failed {summary.sites_failed}; "
                    f"pages {summary.pages}",
                    err=True,
                )

        run_id = scan_id
        try:
            _guard(lambda: wait_for_scan(store, run_id, shown))
        except KeyboardInterrupt:
            click.echo(
                f"Stopped following scan {scan_id}; the workers go on. Follow it again with: "
                f"privacyscan resume {scan_id} --queue … --db …",
                err=True,
            )
            sys.exit(EXIT_INTERRUPTED[signal.SIGINT])
        finished = store.get_scan(scan_id)
        if finished.finished_at is None:
            from .cookies import now_iso

            store.finish_scan(scan_id, now_iso())
            finished = store.get_scan(scan_id)
        previous = _previous_scan(store, finished)
    _write_outputs(db_path, out, finished, previous, lang=settings.lang, report=report)


def _browser_version_or_blank(options: CaptureOptions) -> str:
    """This machine's browser version for the scan's record; the workers visit with
    their own (the same version everywhere, see docs/fleet.md), so none here is fine."""
    from .browser.discovery import browser_version, find_browser

    try:
        return browser_version(find_browser(options.browser_path).path)
    except PrivacyscanError:
        return ""


class _Stopped(Exception):
    """SIGINT or SIGTERM ended the run."""

    def __init__(self, signum: signal.Signals) -> None:
        super().__init__(signum.name)
        self.signum = signum


def _run_until_stopped(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run ``make()`` to its end, or until SIGINT or SIGTERM: then :class:`_Stopped`.

    A signal cancels the run: sites in progress stop (their browsers are closed and
    they stay pending for ``resume``), finished sites are already saved. Should that
    take longer than :data:`SHUTDOWN_GRACE_S`, or a second signal come, the process
    ends its own child processes and leaves at once: a stop must never hang.
    """
    received: list[signal.Signals] = []

    async def main() -> T:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None

        def on_signal(signum: signal.Signals) -> None:
            if received:
                _leave_now(EXIT_INTERRUPTED[received[0]])
            received.append(signum)
            task.cancel()
            timer = threading.Timer(SHUTDOWN_GRACE_S, _leave_now, args=(EXIT_INTERRUPTED[signum],))
            timer.daemon = True
            timer.start()

        for signum in EXIT_INTERRUPTED:
            loop.add_signal_handler(signum, on_signal, signum)
        try:
            return await make()
        finally:
            for signum in EXIT_INTERRUPTED:
                loop.remove_signal_handler(signum)

    try:
        return asyncio.run(main())
    except asyncio.CancelledError:
        if received:
            raise _Stopped(received[0]) from None
        raise
    except KeyboardInterrupt:  # SIGINT before the loop took over
        raise _Stopped(signal.SIGINT) from None


def _leave_now(code: int) -> None:
    """End this process's descendants (the browser driver and browsers), then exit."""
    sys.stderr.write("Stopping took too long: leaving now. Continue with: privacyscan resume\n")
    sys.stderr.flush()
    for pid in _descendants(os.getpid()):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            continue
    os._exit(code)


def _descendants(root: int) -> list[int]:
    """Process ids below ``root`` (Linux /proc; elsewhere none), deepest last."""
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                parent = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found: list[int] = []
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found
