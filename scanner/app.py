"""The application: what a command needs, built from the settings.

:class:`App` wires the layers together so that the command line
(:mod:`scanner.cli`) only parses options, builds one ``App`` and delegates: the
knowledge lists (with their cache), the party resolver, the scan history (opened
from ``--db``, migrating or not), the browser (one discovery,
:func:`scanner.browser.discovery.find_browser`), the engine, the previous scan of
a history, the fleet's queue, and the files a scan writes (a JSON document per
site, the reports).

Errors are the project's own: :class:`~scanner.errors.ConfigError` (and a
``LookupError`` such as an unknown scan) for wrong usage or input,
:class:`~scanner.errors.PrivacyscanError` when the run cannot proceed; the command
line turns them into its documented exit codes (2 and 3).

Heavy layers (the store's SQLAlchemy, the engine, Celery, the reports) are imported
when a command first needs them, so ``privacyscan --help`` stays quick.
"""

from __future__ import annotations

import contextlib
import json
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import CaptureOptions
from .errors import ConfigError, PrivacyscanError
from .models import Scan, Severity, Site, SiteResult

if TYPE_CHECKING:
    from celery import Celery

    from reports import ScanDiff

    from .browser.discovery import BrowserExecutable
    from .classify.parties import PartyResolver
    from .engine import Engine, ScanSettings
    from .evidence import Verification
    from .fleet.worker import Runtime
    from .knowledge import Knowledge
    from .store import ScanStore, ScanSummary, SQLStore

__all__ = ["App", "AppSettings", "Bundle", "Fleet", "LocalScan", "Outputs"]

DEFAULT_DB = "privacyscan.db"
DEFAULT_SITES = "sites.txt"
"""What ``privacyscan scan`` scans without targets."""
FAIL_ON = {
    "violation": Severity.VIOLATION,
    "likely": Severity.LIKELY_VIOLATION,
    "review": Severity.REVIEW,
}
"""``diff --fail-on`` values and the least severity that fails."""


@dataclass(frozen=True, slots=True)
class AppSettings:
    """What the command line says about the application (not about one scan)."""

    db: str | Path = DEFAULT_DB
    """The scan history: a SQLite file or a ``postgresql://`` URL (``--db``)."""
    migrate: bool = True
    """Create or upgrade the history's schema on open. A fleet worker never does: it
    refuses a database of another schema revision."""
    cache_dir: Path | None = None
    """Where ``lists update`` caches the lists and scans read them (``None``:
    ``$PRIVACYSCAN_CACHE`` or the user's cache, see ``scanner.knowledge.lists``)."""


@dataclass(frozen=True, slots=True)
class Outputs:
    """The files a finished scan wrote."""

    scan: Scan
    json_dir: Path
    """One JSON document per site (``<slug>.json``, the report's slugs)."""
    report: Path | None
    """The report's index page, or ``None`` without reports."""


@dataclass(frozen=True, slots=True)
class Bundle:
    """An evidence bundle just written (``privacyscan evidence``)."""

    path: Path
    scan_id: str
    site: Site
    files: int
    """Files the manifest lists."""
    manifest_sha256: str
    """SHA-256 of ``manifest.json``: written down elsewhere, it shows later whether the
    manifest itself was changed (a signature does this without writing anything down)."""
    key_fingerprint: str | None
    """SHA-256 of the signing key's public half, when signed."""


@dataclass(frozen=True, slots=True)
class LocalScan:
    """A scan about to run on this machine: its engine, ID and pending sites."""

    engine: Engine
    scan_id: str
    pending: int

    async def run(self) -> Scan:
        """Visit the pending sites; returns the finished scan."""
        return await self.engine.run(self.scan_id)


@dataclass(frozen=True, slots=True)
class Fleet:
    """The fleet's queue: a Celery app on the Redis broker at ``url``."""

    url: str
    celery: Celery
    visibility_timeout: float
    """Seconds a site may stay unacknowledged before another worker takes it."""

    @property
    def shown(self) -> str:
        """The broker's URL for messages, without a password."""
        from .fleet.queue import redact

        return redact(self.url)

    def check(self) -> None:
        """Reach the broker once, or a ``FleetError`` that says where and why."""
        from .fleet.queue import check_broker

        check_broker(self.celery, self.url)

    def enqueue(self, header: Scan, sites: Sequence[Site]) -> int:
        """One task per site of the scan ``header``; returns how many were sent."""
        from .fleet.queue import enqueue

        return enqueue(self.celery, self.url, header.id, sites, header.options, header.lists)

    @staticmethod
    def follow(
        store: ScanStore, scan_id: str, on_change: Callable[[ScanSummary], None]
    ) -> ScanSummary:
        """Wait, reading the history, until the workers saved every site of the scan;
        ``on_change`` sees its counts whenever they change."""
        from .fleet.queue import wait_for_scan

        return wait_for_scan(store, scan_id, on_change)

    def serve(self, runtime: Runtime) -> None:
        """Run a worker on this queue until it is stopped."""
        from .fleet.worker import run_worker

        run_worker(self.celery, runtime)


class App:
    """Builds, from :class:`AppSettings`, what the commands need.

    The knowledge lists are loaded once per ``App``; everything else is built when
    asked for.
    """

    def __init__(self, settings: AppSettings | None = None) -> None:
        self.settings = settings or AppSettings()
        self._knowledge: Knowledge | None = None

    # -- building blocks -------------------------------------------------------------

    @property
    def cache_dir(self) -> Path:
        """Where the knowledge lists are cached."""
        from .knowledge import default_cache_dir

        return self.settings.cache_dir or default_cache_dir()

    def knowledge(self) -> Knowledge:
        """The lists a scan uses now: curated, updated (cached) or bundled."""
        if self._knowledge is None:
            from .knowledge import load_knowledge

            self._knowledge = load_knowledge(self.cache_dir)
        return self._knowledge

    def resolver(self) -> PartyResolver:
        """Who is behind a host: the one domain configuration and the lists."""
        from .classify.parties import PartyResolver
        from .domains import Domains

        return PartyResolver(Domains(), self.knowledge())

    def open_store(self) -> SQLStore:
        """The scan history at ``settings.db`` (use it with ``with``). A URL of another
        scheme is a ``ConfigError``; an unreachable or unusable database, or one of
        another schema revision when not migrating, a ``StoreError``."""
        from .store import open_store

        return open_store(self.settings.db, migrate=self.settings.migrate)

    def describe_db(self) -> str:
        """The history's name for messages: a path, or a URL without its password."""
        from .store import describe_target

        return describe_target(self.settings.db)

    def find_browser(self, explicit: str | None = None) -> BrowserExecutable:
        """The browser a scan here would launch (the browser layer asks the same
        function), or ``BrowserNotFound``."""
        from .browser.discovery import find_browser

        return find_browser(explicit)

    def browser_version(self, explicit: str | None = None) -> str:
        """``Chromium 156.0.8078.108`` of the browser found, or ``BrowserNotFound``."""
        from .browser.discovery import browser_version

        return browser_version(self.find_browser(explicit).path)

    @staticmethod
    def scan_settings(**values: Any) -> ScanSettings:
        """``ScanSettings(**values)``: how much of each site to scan, how many at once."""
        from .engine import ScanSettings

        return ScanSettings(**values)

    def engine(self, store: ScanStore, options: CaptureOptions, settings: ScanSettings) -> Engine:
        """The engine over ``store`` with this application's lists and resolver."""
        from .engine import Engine

        return Engine(
            store, options, settings, knowledge=self.knowledge(), resolver=self.resolver()
        )

    # -- input -----------------------------------------------------------------------

    def load_sites(
        self, targets: Sequence[str], only: Sequence[str] = (), exclude: Sequence[str] = ()
    ) -> list[Site]:
        """The sites of ``targets`` (sites files and/or http(s) URLs; none:
        ``sites.txt``), chosen by ``only`` and ``exclude``."""
        from .sites import load_sites, select_sites, site_from_url

        sites: list[Site] = []
        for target in targets or (DEFAULT_SITES,):
            path = Path(target)
            if "://" not in target and path.exists():
                sites.extend(load_sites(path))
            elif "://" in target:
                sites.append(site_from_url(target))
            else:
                raise ConfigError(f"{target!r} is neither a sites file nor an http(s) URL")
        return select_sites(sites, only, exclude)

    @staticmethod
    def check_reachable(sites: Sequence[Site], options: CaptureOptions) -> None:
        """A start URL on an internal address needs the user's say-so (the browser
        refuses it): a ``ConfigError`` that says how to give it."""
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
                raise ConfigError(
                    f"{site.url} is on an internal address ({kind}), which privacyscan "
                    "refuses; scan it with --allow-private-network, or name it with --map-host"
                )

    # -- the history -----------------------------------------------------------------

    def scans(self) -> list[ScanSummary]:
        """The scans in the history, newest first."""
        with self.open_store() as store:
            return list(store.list_scans())

    def scan(self, ref: str) -> Scan:
        """The scan ``ref`` names (an ID, a unique prefix, ``latest``, ``previous``)."""
        with self.open_store() as store:
            return store.get_scan(store.resolve_scan_id(ref))

    def scan_and_previous(self, ref: str) -> tuple[Scan, Scan | None]:
        """The scan ``ref`` names and the one before it in the history."""
        with self.open_store() as store:
            scan = store.get_scan(store.resolve_scan_id(ref))
            return scan, self.previous_scan(store, scan)

    @staticmethod
    def previous_scan(store: ScanStore, scan: Scan) -> Scan | None:
        """The scan before ``scan`` in the history, for 'change since last scan'."""
        ids = [s.id for s in store.list_scans()]
        if scan.id in ids:
            index = ids.index(scan.id)
            if index + 1 < len(ids):
                return store.get_scan(ids[index + 1])
        return None

    def resumed(
        self, ref: str, *, concurrency: int | None = None, memory_budget: int | None = None
    ) -> tuple[Scan, CaptureOptions, ScanSettings]:
        """The scan ``ref`` names and the options it started with; ``concurrency`` and
        ``memory_budget`` (when given) fit it to the machine it finishes on."""
        from .engine import options_from_pairs

        header = self.scan(ref)
        options, settings = options_from_pairs(header.options)
        if concurrency is not None:
            settings = replace(settings, concurrency=concurrency)
        if memory_budget is not None:
            settings = replace(settings, memory_budget=memory_budget)
        return header, options, settings

    # -- scanning here ---------------------------------------------------------------

    def local_scan(
        self,
        store: ScanStore,
        sites: Sequence[Site],
        options: CaptureOptions,
        settings: ScanSettings,
        *,
        scan_id: str | None = None,
    ) -> LocalScan:
        """A new scan of ``sites`` registered in ``store`` (with this machine's
        browser version; no browser is ``BrowserNotFound``), or the pending rest of
        ``scan_id``."""
        engine = self.engine(store, options, settings)
        if scan_id is None:
            scan_id = engine.create(sites, self.browser_version(options.browser_path))
        return LocalScan(engine, scan_id, len(store.pending_sites(scan_id)))

    # -- the fleet -------------------------------------------------------------------

    def fleet(self, url: str, *, visibility_timeout: float | None = None) -> Fleet:
        """The fleet's queue at ``url`` (a ``QueueUrlError`` unless ``redis://``)."""
        from .fleet.queue import DEFAULT_VISIBILITY_TIMEOUT_S, make_app

        timeout = visibility_timeout or DEFAULT_VISIBILITY_TIMEOUT_S
        return Fleet(url, make_app(url, visibility_timeout=timeout), timeout)

    def check_shared_db(self) -> None:
        """Sites handed to the fleet need a history every worker reaches."""
        from .store import is_postgres

        if not is_postgres(self.settings.db):
            raise ConfigError(
                "--queue needs a database every worker reaches: --db "
                "postgresql://user@host/dbname (a SQLite file stays on one machine)"
            )

    def queued_scan(
        self,
        store: ScanStore,
        sites: Sequence[Site],
        options: CaptureOptions,
        settings: ScanSettings,
    ) -> Scan:
        """A new scan of ``sites`` registered for the fleet. Its browser version is this
        machine's if it has one: the workers visit with their own (the same version
        everywhere, see docs/fleet.md), so none here is fine."""
        try:
            version = self.browser_version(options.browser_path)
        except PrivacyscanError:
            version = ""
        scan_id = self.engine(store, options, settings).create(sites, version)
        return store.get_scan(scan_id)

    @staticmethod
    def finished(store: ScanStore, scan_id: str) -> Scan:
        """The scan the fleet's workers finished, marked finished if none did."""
        scan = store.get_scan(scan_id)
        if scan.finished_at is None:
            from .cookies import now_iso

            store.finish_scan(scan_id, now_iso())
            scan = store.get_scan(scan_id)
        return scan

    def worker(
        self,
        store: SQLStore,
        fleet: Fleet,
        *,
        concurrency: int,
        memory_budget: int,
        browser_path: str | None,
        log: Callable[[str], None],
        hostname: str | None,
    ) -> Runtime:
        """A fleet worker's engine sessions over ``store`` with this application's
        lists and resolver, for the tasks of ``fleet`` (serve it with
        :meth:`Fleet.serve`)."""
        from .fleet.worker import Runtime

        return Runtime(
            store,
            knowledge=self.knowledge(),
            resolver=self.resolver(),
            concurrency=concurrency,
            memory_budget=memory_budget,
            browser_path=browser_path,
            visibility_timeout=fleet.visibility_timeout,
            log=log,
            hostname=hostname,
        )

    # -- what a scan writes ----------------------------------------------------------

    def write_report(
        self,
        scan: Scan,
        previous: Scan | None,
        out: Path,
        lang: str,
        *,
        pdf: bool = False,
        browser_path: str | None = None,
    ) -> Path:
        """The HTML reports of ``scan`` (compared with ``previous``) in ``out``; returns
        the index page. With ``pdf``, each page is printed beside it (``index.pdf``,
        ``sites/<slug>.pdf``) by the scanning Chromium."""
        from reports import write_report

        index = write_report(scan, out, lang=lang, previous=previous)
        if pdf:
            pages = [index, *sorted((out / "sites").glob("*.html"))]
            self.print_pdf(
                [(p.read_text("utf-8"), p.with_suffix(".pdf")) for p in pages], browser_path
            )
        return index

    @staticmethod
    def print_pdf(jobs: Sequence[tuple[str, Path]], browser_path: str | None = None) -> None:
        """Print each (HTML, PDF path) with the scanning Chromium: A4, page numbers, every
        ``<details>`` open. A report that asks for anything while printing is a bug of
        ours: a ``PrivacyscanError`` (nothing was sent; the browser refused it)."""
        import asyncio

        from .browser.printing import PrintJob, print_pdfs

        printed = asyncio.run(
            print_pdfs([PrintJob(html, out) for html, out in jobs], browser_path=browser_path)
        )
        if printed.refused:
            raise PrivacyscanError(
                f"a report asked for {printed.refused[0]} while being printed (refused): "
                "reports must load nothing; please report this as a bug"
            )

    def write_outputs(
        self, scan: Scan, previous: Scan | None, out: Path, *, lang: str, report: bool
    ) -> Outputs:
        """A finished scan's files: ``out/json/<slug>.json`` per site and, with
        ``report``, the reports in ``out``."""
        from reports.context import site_slugs

        from .export import site_document

        json_dir = out / "json"
        json_dir.mkdir(parents=True, exist_ok=True)
        with contextlib.ExitStack() as stack:
            store = (
                stack.enter_context(self.open_store()) if any(r.hars for r in scan.sites) else None
            )
            for slug, result in zip(site_slugs(scan), scan.sites, strict=True):
                hars = self._write_hars(store, scan, result, out, slug) if store else []
                document = site_document(scan, result, lang=lang, har_files=hars)
                (json_dir / f"{slug}.json").write_text(
                    json.dumps(document, ensure_ascii=False, indent=2), "utf-8"
                )
        index = self.write_report(scan, previous, out, lang) if report else None
        return Outputs(scan, json_dir, index)

    @staticmethod
    def _write_hars(
        store: ScanStore, scan: Scan, result: SiteResult, out: Path, slug: str
    ) -> list[dict[str, Any]]:
        """The site's archives as ``out/har/<slug>-<phase>.har``; where they went."""
        written: list[dict[str, Any]] = []
        for har in result.hars:
            data = store.har_data(scan.id, result.site.url, har.phase)
            if data is None:
                continue
            path = Path("har") / f"{slug}-{har.phase.value}.har"
            (out / path).parent.mkdir(parents=True, exist_ok=True)
            (out / path).write_text(data, "utf-8")
            written.append(
                {
                    "phase": har.phase.value,
                    "path": path.as_posix(),
                    "entries": har.entries,
                    "sha256": har.sha256,
                }
            )
        return written

    # -- evidence --------------------------------------------------------------------

    @staticmethod
    def find_site(scan: Scan, ref: str) -> SiteResult:
        """The site of ``scan`` that ``ref`` names: its report's slug, its name, start
        URL or code (case-insensitive). None or several is a ``ConfigError``."""
        from reports.context import site_slugs

        wanted = ref.strip().casefold()
        matches = [
            result
            for result, slug in zip(scan.sites, site_slugs(scan), strict=True)
            if wanted
            in {
                slug.casefold(),
                result.site.name.casefold(),
                result.site.url.casefold(),
                (result.site.code or "").casefold(),
            }
        ]
        if len(matches) == 1:
            return matches[0]
        known = ", ".join(f"{r.site.name!r}" for r in scan.sites[:10])
        if not matches:
            raise ConfigError(f"scan {scan.id} has no site {ref!r} (sites: {known})")
        raise ConfigError(
            f"{ref!r} names {len(matches)} sites of scan {scan.id}; give the start URL"
        )

    def evidence(
        self,
        scan_ref: str,
        site_ref: str,
        out: Path,
        *,
        lang: str,
        sign_key: Path | None = None,
        pdf: bool = True,
        browser_path: str | None = None,
    ) -> Bundle:
        """Write the evidence bundle of one site of a scan to ``out`` (a directory or a
        ``.zip`` file): its JSON document, archives, screenshots and report (HTML and,
        with ``pdf``, printed by the scanning Chromium), and a manifest with the SHA-256
        of each; signed with the Ed25519 key in ``sign_key`` when given."""
        from reports import render_site
        from reports.env import make_env

        from . import __version__
        from .cookies import now_iso
        from .evidence import (
            BundleFile,
            build_manifest,
            key_fingerprint,
            load_signing_key,
            public_key_file,
            screenshot_files,
            write_bundle,
        )
        from .export import site_document

        key = load_signing_key(sign_key) if sign_key is not None else None
        with self.open_store() as store:
            scan = store.get_scan(store.resolve_scan_id(scan_ref))
            previous = self.previous_scan(store, scan)
            result = self.find_site(scan, site_ref)
            hars = [
                BundleFile(f"har/{har.phase.value}.har", data.encode("utf-8"), "har")
                for har in result.hars
                if (data := store.har_data(scan.id, result.site.url, har.phase)) is not None
            ]
        document = json.dumps(site_document(scan, result, lang=lang), ensure_ascii=False, indent=2)
        html = render_site(scan, result, env=make_env(lang), previous=previous)
        printed: list[BundleFile] = []
        if pdf:
            import tempfile

            with tempfile.TemporaryDirectory(prefix="privacyscan-pdf-") as tmp:
                target = Path(tmp) / "report.pdf"
                self.print_pdf([(html, target)], browser_path)
                printed.append(BundleFile("report.pdf", target.read_bytes(), "report-pdf"))
        files = [
            BundleFile("site.json", (document + "\n").encode(), "site-json"),
            BundleFile("report.html", html.encode(), "report-html"),
            *printed,
            *screenshot_files(result),
            *hars,
        ]
        if key is not None:
            files.append(public_key_file(key.public_key()))
        manifest = build_manifest(
            scan,
            result,
            files,
            created_at=now_iso(),
            bundled_by=__version__,
            lang=lang,
            public_key=key.public_key() if key is not None else None,
        )
        digest = write_bundle(out, files, manifest, key)
        return Bundle(
            out,
            scan.id,
            result.site,
            len(files),
            digest,
            key_fingerprint(key.public_key()) if key is not None else None,
        )

    @staticmethod
    def verify(bundle: Path, public_key: Path | None = None) -> Verification:
        """Recompute every hash of an evidence bundle and check its signature."""
        from .evidence import verify_bundle

        return verify_bundle(bundle, public_key)

    # -- exports and comparisons -----------------------------------------------------

    @staticmethod
    def export_csv(scan: Scan, out: Path, *, lang: str) -> list[Path]:
        """The CSV files of the export schema in the directory ``out``."""
        from .export import export_csv

        return export_csv(scan, out, lang=lang)

    @staticmethod
    def export_json(scan: Scan, out: Path | None, *, lang: str) -> str | None:
        """The JSON export written to the file ``out``, or returned as text."""
        import io

        from .export import export_json

        if out is None:
            buffer = io.StringIO()
            export_json(scan, buffer, lang=lang)
            return buffer.getvalue()
        with out.open("w", encoding="utf-8") as fh:
            export_json(scan, fh, lang=lang)
        return None

    def diff(self, old_ref: str, new_ref: str) -> ScanDiff:
        """New, fixed and persisting findings between two scans of the history."""
        from reports import diff_scans

        return diff_scans(self.scan(old_ref), self.scan(new_ref))

    @staticmethod
    def render_diff(result: ScanDiff, fmt: str, lang: str) -> str:
        """A comparison as ``json``, ``html`` or ``text``."""
        from reports import diff_to_dict, render_diff_html, render_diff_text
        from reports.env import make_env

        if fmt == "json":
            return json.dumps(diff_to_dict(result), ensure_ascii=False, indent=2)
        if fmt == "html":
            return render_diff_html(result, env=make_env(lang))
        return render_diff_text(result, lang=lang)

    @staticmethod
    def diff_exit_code(result: ScanDiff, fail_on: str | None) -> int:
        """1 when a new finding of the ``fail_on`` severity or worse appeared, else 0."""
        from reports import exit_code_for

        return exit_code_for(result, FAIL_ON.get(fail_on or ""))

    # -- the knowledge lists ---------------------------------------------------------

    def list_versions(self) -> tuple[tuple[str, str], ...]:
        """The lists a scan would use now, with their versions."""
        return self.knowledge().versions

    def update_lists(self) -> tuple[tuple[str, str], ...]:
        """Download the latest lists into the cache (needs internet); their versions."""
        from .knowledge.lists import update_lists

        def fetch(url: str) -> bytes:
            with urllib.request.urlopen(url, timeout=60) as response:
                data: bytes = response.read()
                return data

        self._knowledge = None
        return tuple(update_lists(self.cache_dir, fetch))

    # -- the demo --------------------------------------------------------------------

    @staticmethod
    @contextlib.contextmanager
    def demo_web(dwell_s: float) -> Iterator[tuple[list[Site], CaptureOptions]]:
        """The built-in test web running on 127.0.0.1: its sites, and the capture
        options that reach them there."""
        from .testweb import TestWeb, demo_sites

        sites = [
            Site(name=name, url=url, province="Demo", extra_domains=extra)
            for name, url, extra in demo_sites()
        ]
        with TestWeb() as web:
            yield (
                sites,
                CaptureOptions(
                    map_hosts=(f"*=127.0.0.1:{web.port}",),
                    trust_cert_spki=(web.spki_hash,),
                    dwell_s=dwell_s,
                ),
            )
