"""The queue between a scan and its workers: Celery with a Redis broker.

A scan on the fleet is registered in the shared history (PostgreSQL) like a local
one, then each pending site becomes one task on the queue. A worker acknowledges a
task only after the site's result is saved (``acks_late``); a worker that dies
mid-site never acknowledges it, and once the broker's visibility timeout has passed
another worker takes it again. Saving is idempotent (one result per scan and site),
so a site delivered twice is simply saved twice, or skipped when it is done already.

Celery, Redis's client and psycopg are the ``fleet`` extra; nothing here is imported
by a local scan.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .. import serialize
from ..errors import ConfigError, PrivacyscanError
from ..models import Site
from ..store.base import ScanStore, ScanSummary
from ..store.migrate import head_revision

if TYPE_CHECKING:
    from celery import Celery

__all__ = [
    "DEFAULT_VISIBILITY_TIMEOUT_S",
    "QUEUE",
    "TASK",
    "FleetError",
    "QueueUrlError",
    "check_broker",
    "enqueue",
    "make_app",
    "redact",
    "wait_for_scan",
]

TASK = "privacyscan.scan_site"
QUEUE = "privacyscan"
DEFAULT_VISIBILITY_TIMEOUT_S = 7200.0
"""Seconds a task may stay unacknowledged before the broker hands it to another worker:
longer than a site's whole visit (three visitors of up to ``60 + 45 × max-pages`` s
each), so a slow site is not visited twice, and as short as that allows, since it is
how long a site of a dead worker waits."""
BROKER_TIMEOUT_S = 10.0


class FleetError(PrivacyscanError):
    """The queue cannot be used (unreachable broker, missing extra): exit code 3."""


class QueueUrlError(ConfigError):
    """The queue was named in a way privacyscan cannot use: exit code 2."""


def redact(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not sep or not at or ":" not in credentials:
        return url
    return f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}"


def check_queue_url(url: str) -> str:
    """``url`` if it names a Redis broker (``redis://`` or ``rediss://``), else an error."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in ("redis", "rediss") or not rest.strip("/"):
        raise QueueUrlError(
            f"unsupported queue URL {redact(url)!r}: use a Redis broker, "
            "redis://host:6379/0 (or rediss:// for TLS)"
        )
    return url


def make_app(url: str, *, visibility_timeout: float = DEFAULT_VISIBILITY_TIMEOUT_S) -> Celery:
    """A Celery app on the broker at ``url``, configured for late acknowledgement."""
    check_queue_url(url)
    try:
        from celery import Celery
    except ModuleNotFoundError as exc:
        raise FleetError(
            f"the fleet needs Celery ({exc.name} is missing): pip install 'privacyscan[fleet]'"
        ) from None
    app = Celery("privacyscan", broker=url, set_as_current=False)
    app.conf.update(
        task_default_queue=QUEUE,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        # Acknowledged after the site is saved; redelivered when the worker is lost.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # A worker reserves no more sites than it visits: the rest stay for others.
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": visibility_timeout,
            # Look for tasks of dead workers often enough for that timeout.
            "unacked_restore_interval": max(1, min(10, int(visibility_timeout / 4))),
            "unacked_restore_throttle": 1,
            "socket_connect_timeout": BROKER_TIMEOUT_S,
        },
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        worker_enable_remote_control=False,
        worker_send_task_events=False,
    )
    return app


def check_broker(app: Celery, url: str) -> None:
    """Connect to the broker once, or a :class:`FleetError` that says where and why."""
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT_S)
    except Exception as exc:
        raise FleetError(f"cannot reach the queue {redact(url)}: {exc}") from None


def task_message(
    scan_id: str,
    site: Site,
    options: Sequence[tuple[str, str]],
    lists: Sequence[tuple[str, str]],
) -> dict[str, Any]:
    """One task's arguments: everything a worker needs without reading the whole scan."""
    return {
        "scan_id": scan_id,
        "site": serialize.to_dict(site),
        "options": [list(pair) for pair in options],
        "lists": [list(pair) for pair in lists],
        "schema": head_revision(),
    }


def enqueue(
    app: Celery,
    url: str,
    scan_id: str,
    sites: Sequence[Site],
    options: Sequence[tuple[str, str]],
    lists: Sequence[tuple[str, str]],
) -> int:
    """One task per site on the queue; returns how many were sent."""
    try:
        with app.producer_or_acquire() as producer:
            for site in sites:
                app.send_task(
                    TASK,
                    kwargs=task_message(scan_id, site, options, lists),
                    queue=QUEUE,
                    producer=producer,
                )
    except Exception as exc:
        raise FleetError(f"cannot send to the queue {redact(url)}: {exc}") from None
    return len(sites)


def wait_for_scan(
    store: ScanStore,
    scan_id: str,
    on_change: Callable[[ScanSummary], None],
    *,
    poll_s: float = 2.0,
) -> ScanSummary:
    """Follow the scan in the history until no site is pending; returns its summary.

    Workers save each site as they finish it; this only reads. ``on_change`` is
    called whenever the counts change.
    """
    last: tuple[int, ...] | None = None
    while True:
        summary = store.scan_summary(scan_id)
        counts = (
            summary.sites_done,
            summary.sites_partial,
            summary.sites_failed,
            summary.sites_pending,
        )
        if counts != last:
            on_change(summary)
            last = counts
        if summary.sites_pending == 0:
            return summary
        time.sleep(poll_s)
