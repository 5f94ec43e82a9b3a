"""The ``privacyscan`` command line: parse options, build one object, delegate.

Exit codes: 0 the command completed (a scan completes even when sites failed;
their errors are in the results); 1 ``diff --fail-on`` found a new finding of
that severity or worse; 2 usage or input error; 3 the run itself could not
proceed (no browser, database unusable).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .app import DEFAULT_DB, App, AppSettings
from .config import CaptureOptions, validate_capture_options
from .errors import ConfigError, PrivacyscanError
from .models import Scan, Site

MAX_VISITS = 10
"""Most visits per site ``--visits`` accepts: each is a whole crawl of the site."""

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
            "--har/--no-har",
            default=True,
            show_default=True,
            help="Record an HTTP Archive (HAR) per visitor, kept with the scan.",
        ),
        click.option(
            "--har-content",
            is_flag=True,
            help="Embed response bodies in the archives. Default: headers and timings only.",
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
        click.option(
            "--no-form-typing",
            "no_form_typing",
            is_flag=True,
            help="Do not type fictional values into text fields to catch key loggers "
            "(default: the first visitor types, never submits).",
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
            har=kwargs["har"] or kwargs["har_content"],
            har_content=kwargs["har_content"],
            page_timeout_s=kwargs["page_timeout"],
            dwell_s=kwargs["dwell"],
            allow_private_network=kwargs["allow_private_network"],
            form_typing=not kwargs["no_form_typing"],
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
    default=DEFAULT_DB,
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
@click.option(
    "--visits",
    type=click.IntRange(min=1, max=MAX_VISITS),
    default=1,
    show_default=True,
    help="Visit each site this many times as the first visitor (each in a fresh profile, "
    "one after the other): each finding says in how many visits it was seen; the grade, "
    "the verdicts and the comparison count those seen in a majority.",
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
    visits: int,
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

        privacyscan scan https://www.example.nl --visits 3
    """
    app = App(AppSettings(db=db_path))
    sites = _guard(lambda: app.load_sites(targets, only, exclude))
    options = _guard(lambda: _build_capture_options(capture))
    _guard(lambda: app.check_reachable(sites, options))
    settings = app.scan_settings(
        max_pages=max_pages,
        concurrency=concurrency,
        memory_budget=memory_budget or 0,
        lang=lang,
        phases=phases,
        visits=visits,
    )
    if queue:
        _run_fleet_scan(
            app,
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
    _run_scan(app, out, sites, options, settings, scan_id=None, quiet=quiet, report=not no_report)


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
    app = App(AppSettings(db=db_path))
    scan_record, options, settings = _guard(
        lambda: app.resumed(scan_ref, concurrency=concurrency, memory_budget=memory_budget)
    )
    if queue:
        _run_fleet_scan(
            app,
            queue,
            out,
            [],
            options,
            settings,
            scan_id=scan_record.id,
            detach=detach,
            quiet=quiet,
            report=not no_report,
            header=scan_record,
        )
        return
    _run_scan(
        app, out, [], options, settings, scan_id=scan_record.id, quiet=quiet, report=not no_report
    )


@cli.command()
@_DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def scans(db_path: str, as_json: bool) -> None:
    """List the scans in the history, newest first.

    Example:

        privacyscan scans --db monthly.db
    """
    summaries = _guard(App(AppSettings(db=db_path)).scans)
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
    app = App(AppSettings(db=db_path))
    scan_record = _guard(lambda: app.scan(scan_ref))
    if fmt == "csv":
        for path in app.export_csv(scan_record, out or Path("export"), lang=lang):
            click.echo(str(path))
        return
    text = app.export_json(scan_record, out, lang=lang)
    if text is None:
        click.echo(str(out))
    else:
        click.echo(text, nl=False)


_BROWSER_OPTION = click.option(
    "--browser",
    "browser_path",
    envvar="PRIVACYSCAN_BROWSER",
    metavar="PATH",
    help="Chromium executable that prints the PDF (default: found automatically).",
)


@cli.command()
@click.argument("scan_ref", default="latest")
@_DB_OPTION
@click.option("--out", default="out", show_default=True, type=click.Path(path_type=Path))
@click.option(
    "--pdf",
    is_flag=True,
    help="Also print every page to PDF beside it (A4, page numbers) with the scanning "
    "Chromium: index.pdf, sites/<site>.pdf.",
)
@_BROWSER_OPTION
@_LANG_OPTION
def report(
    scan_ref: str, db_path: str, out: Path, pdf: bool, browser_path: str | None, lang: str
) -> None:
    """Render the HTML reports of a scan: a comparison and one page per site.

    Compares with the previous scan in the history when there is one.

    Examples:

        privacyscan report latest --out reports-2026-11 --lang en

        privacyscan report latest --out reports-2026-11 --pdf
    """
    app = App(AppSettings(db=db_path))
    scan_record, previous = _guard(lambda: app.scan_and_previous(scan_ref))
    index = _guard(
        lambda: app.write_report(
            scan_record, previous, out, lang, pdf=pdf, browser_path=browser_path
        )
    )
    click.echo(str(index))


@cli.command()
@click.argument("scan_ref")
@click.argument("site_ref")
@_DB_OPTION
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="A new directory, or a file ending in .zip.",
)
@click.option(
    "--sign-key",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="PEM",
    help="Sign the manifest with this Ed25519 private key (openssl genpkey -algorithm "
    "ed25519); an encrypted key reads its passphrase from PRIVACYSCAN_SIGN_PASSPHRASE.",
)
@click.option(
    "--pdf/--no-pdf",
    default=True,
    show_default=True,
    help="Put the report printed to PDF by the scanning Chromium in the bundle.",
)
@_BROWSER_OPTION
@_LANG_OPTION
def evidence(
    scan_ref: str,
    site_ref: str,
    db_path: str,
    out: Path,
    sign_key: Path | None,
    pdf: bool,
    browser_path: str | None,
    lang: str,
) -> None:
    """Write one site's evidence bundle: JSON, HARs, screenshots, report, hashed manifest.

    SCAN_REF is a scan ID, a prefix, `latest` or `previous`; SITE_REF the site's
    name, start URL, code or report name. The report is also printed to PDF by the
    scanning Chromium (--no-pdf: not). manifest.json holds the SHA-256 of every
    file, the tool, browser and list versions, the options and the scan's start and
    end; `privacyscan verify` checks it.

    Example:

        privacyscan evidence latest "Aa en Hunze" --out aa-en-hunze.zip --sign-key key.pem
    """
    app = App(AppSettings(db=db_path))
    bundle = _guard(
        lambda: app.evidence(
            scan_ref,
            site_ref,
            out,
            lang=lang,
            sign_key=sign_key,
            pdf=pdf,
            browser_path=browser_path,
        )
    )
    click.echo(str(bundle.path))
    click.echo(
        f"{bundle.files} files of {bundle.site.name} (scan {bundle.scan_id}); "
        f"manifest.json SHA-256 {bundle.manifest_sha256}",
        err=True,
    )
    if bundle.key_fingerprint is not None:
        click.echo(f"signed with Ed25519 key SHA-256 {bundle.key_fingerprint}", err=True)


@cli.command()
@click.argument("bundle", type=click.Path(path_type=Path))
@click.option(
    "--public-key",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="PEM",
    help="Check the signature with this public key (the signer's), not the one in the bundle.",
)
def verify(bundle: Path, public_key: Path | None) -> None:
    """Check an evidence bundle: recompute every hash, check the signature.

    Exit 0 when every file matches manifest.json (and the signature, if any, is
    valid); 1 naming each file that changed, is missing or was added, or a bad
    signature; 2 when BUNDLE is no bundle.

    Example:

        privacyscan verify aa-en-hunze.zip --public-key signer.pub.pem
    """
    app = App()
    result = _guard(lambda: app.verify(bundle, public_key))
    for problem in result.problems:
        click.echo(problem)
    if result.signature == "valid":
        whose = (
            "the key inside the bundle: it proves nothing unless you know that key is the "
            "signer's (--public-key)"
            if result.key_from_bundle
            else "the given public key"
        )
        signature = f"signature valid (Ed25519 key SHA-256 {result.key_fingerprint}, {whose})"
    else:
        signature = f"signature {result.signature}"
    verdict = "OK" if result.ok else "FAILED"
    click.echo(
        f"{verdict}: {result.files} files in the manifest of {result.site or '?'} "
        f"(scan {result.scan_id or '?'}), {len(result.problems)} problems; {signature}; "
        f"manifest.json SHA-256 {result.manifest_sha256}"
    )
    sys.exit(0 if result.ok else 1)


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
    app = App(AppSettings(db=db_path))
    result = _guard(lambda: app.diff(old_ref, new_ref))
    click.echo(app.render_diff(result, fmt, lang))
    sys.exit(app.diff_exit_code(result, fail_on))


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
    app = App(AppSettings(db=db_path, migrate=False))
    fleet = _guard(lambda: app.fleet(queue, visibility_timeout=visibility_timeout))
    _guard(lambda: app.find_browser(browser_path))
    with _guard(app.open_store) as store:
        _guard(fleet.check)
        runtime = app.worker(
            store,
            fleet,
            concurrency=concurrency,
            memory_budget=memory_budget or 0,
            browser_path=browser_path,
            log=click.echo,
            hostname=name,
        )
        click.echo(
            f"privacyscan worker {runtime.hostname}: queue {fleet.shown}, database "
            f"{app.describe_db()} (schema revision {store.revision}), "
            f"{runtime.threads} sites at once"
        )
        fleet.serve(runtime)
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
    app = App()
    for name, version in _guard(app.update_lists):
        click.echo(f"{name}: {version}")
    click.echo(f"Cached in {app.cache_dir}")


@lists.command("show")
def lists_show() -> None:
    """Show the lists a scan would use now, with their versions.

    Example:

        privacyscan lists show
    """
    for name, version in App().list_versions():
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
    app = App(AppSettings(db=db_path or out / "demo.db"))
    with app.demo_web(dwell) as (sites, options):
        settings = app.scan_settings(max_pages=max_pages, lang=lang)
        _run_scan(app, out, sites, options, settings, scan_id=None, quiet=quiet, report=True)


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


def _run_scan(
    app: App,
    out: Path,
    sites: list[Site],
    options: CaptureOptions,
    settings: Any,
    *,
    scan_id: str | None,
    quiet: bool,
    report: bool,
) -> None:
    """Scan here: a new scan of ``sites``, or the pending rest of ``scan_id``."""
    from .progress import make_progress

    with _guard(app.open_store) as store:
        run = _guard(lambda: app.local_scan(store, sites, options, settings, scan_id=scan_id))
        with make_progress(run.pending, quiet=quiet) as progress:
            run.engine.on_progress = progress.update
            try:
                finished = _guard(lambda: _run_until_stopped(run.run))
            except _Stopped as stop:
                click.echo(
                    "Interrupted. Finished sites are saved; continue with: "
                    f"privacyscan resume {run.scan_id}",
                    err=True,
                )
                sys.exit(EXIT_INTERRUPTED[stop.signum])
        previous = app.previous_scan(store, finished)
    _write_outputs(app, finished, previous, out, lang=settings.lang, report=report)


def _write_outputs(
    app: App, finished: Scan, previous: Scan | None, out: Path, *, lang: str, report: bool
) -> None:
    """The JSON document per site and the reports of a finished scan, and where they are."""
    outputs = _guard(lambda: app.write_outputs(finished, previous, out, lang=lang, report=report))
    click.echo(
        f"Scan {outputs.scan.id}: {len(outputs.scan.sites)} sites; database {app.describe_db()}"
    )
    click.echo(f"JSON per site: {outputs.json_dir}")
    if outputs.report is not None:
        click.echo(f"Report: {outputs.report}")


def _run_fleet_scan(
    app: App,
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
    _guard(app.check_shared_db)
    fleet = _guard(lambda: app.fleet(queue))
    with _guard(app.open_store) as store:
        _guard(fleet.check)
        if scan_id is None:
            header = _guard(lambda: app.queued_scan(store, sites, options, settings))
            scan_id = header.id
        assert header is not None
        queued = _guard(lambda: fleet.enqueue(header, store.pending_sites(header.id)))
        click.echo(
            f"Scan {scan_id}: {queued} sites queued on {fleet.shown}; database {app.describe_db()}",
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
            _guard(lambda: fleet.follow(store, run_id, shown))
        except KeyboardInterrupt:
            click.echo(
                f"Stopped following scan {scan_id}; the workers go on. Follow it again with: "
                f"privacyscan resume {scan_id} --queue … --db …",
                err=True,
            )
            sys.exit(EXIT_INTERRUPTED[signal.SIGINT])
        finished = app.finished(store, scan_id)
        previous = app.previous_scan(store, finished)
    _write_outputs(app, finished, previous, out, lang=settings.lang, report=report)


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
