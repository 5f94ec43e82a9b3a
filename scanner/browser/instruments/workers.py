"""Workers' own traffic: what a dedicated, shared or service worker fetches.

A worker is a DevTools target of its own: the page's session does not see its
requests. The visitor attaches to each worker as it starts (``Target.setAutoAttach``)
and enables ``Network`` there; this module makes the worker's events fit the page's
recording before the recorder routes them like the page's own:

* request ids are prefixed with the worker's session, so they never meet the page's;
* a request with no script of its own (no URL, no http(s) stack frame) is the
  worker's: its initiator is the worker's script;
* a dedicated or shared worker's request belongs to the page's frame (the worker has
  none; DevTools does not say which frame started it); a service worker's to none.

DevTools cannot promise to see a worker's first requests: the browser automation's own
session also attaches to dedicated and service workers and lets them run at once, so
a request made as the worker starts may come before ``Network`` is on in ours. The
automation does see them (it enables its network first), and so do requests the
browser makes for a service worker (its script, and each update check). What it saw
finish is checked against what DevTools recorded (:class:`Missed`): a request DevTools
did not record is a worker's, recorded from what the automation knows (no stack, no
cookies sent). A service worker's script is one of those: DevTools reports none for it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ...models import Initiator, Phase, Request

WORKER_TYPES = frozenset({"worker", "shared_worker", "service_worker"})
"""DevTools target types of workers, whose traffic is recorded."""

SERVICE_WORKER = "service_worker"


@dataclass(frozen=True, slots=True)
class Worker:
    """A worker the visitor attached to."""

    session: str
    """The DevTools session attached to it."""
    url: str
    """Its script."""
    kind: str
    """One of :data:`WORKER_TYPES`."""


def worker_params(
    worker: Worker, method: str, params: dict[str, Any], main_frame: str | None
) -> dict[str, Any]:
    """A worker's DevTools event as the page's recording takes it (see the module)."""
    params = dict(params)
    if "requestId" in params:
        params["requestId"] = f"{worker.session}:{params['requestId']}"
    if method in ("Network.requestWillBeSent", "Network.webSocketCreated"):
        initiator = params.get("initiator") or {}
        if not initiator.get("url") and not _has_http_frame(initiator.get("stack")):
            params["initiator"] = {"type": "script", "url": worker.url}
        if worker.kind == SERVICE_WORKER:
            params["frameId"] = None
        elif not params.get("frameId"):
            params["frameId"] = main_frame
    return params


@dataclass(frozen=True, slots=True)
class SeenRequest:
    """A request the browser automation saw finish (from a page or a worker)."""

    url: str
    method: str
    resource_type: str
    """The automation's (lower-case) type: ``fetch``, ``script``, ``xhr``, …"""
    service_worker: str | None
    """The service worker's script URL when a service worker made it (or fetched its
    script), else ``None``."""
    status: int | None = None
    remote_ip: str | None = None
    failed: str | None = None


RESOURCE_TYPES = {
    "document": "Document",
    "stylesheet": "Stylesheet",
    "image": "Image",
    "media": "Media",
    "font": "Font",
    "script": "Script",
    "texttrack": "TextTrack",
    "xhr": "XHR",
    "fetch": "Fetch",
    "eventsource": "EventSource",
    "websocket": "WebSocket",
    "manifest": "Manifest",
    "ping": "Ping",
}
"""The automation's resource types in DevTools' spelling (``Request.resource_type``)."""


@dataclass
class Missed:
    """Which of the requests the automation saw finish DevTools did not record: those a
    worker made before ``Network`` was on in its session, and a service worker's script.

    Requests are matched by (URL, method) and counted, so a worker fetching what the
    page fetched too is still found. A request neither a service worker made nor one
    made while a dedicated or shared worker was known is not taken for a worker's.
    """

    claimed: Counter[tuple[str, str]] = field(default_factory=Counter)
    workers: list[str] = field(default_factory=list)
    """Dedicated and shared workers' scripts, in the order they started."""

    def started(self, worker: Worker) -> None:
        if worker.kind != SERVICE_WORKER and worker.url not in self.workers:
            self.workers.append(worker.url)

    def unrecorded(self, url: str, method: str, recorded: Counter[tuple[str, str]]) -> bool:
        """Whether DevTools has no (other) record of this request; claims one if it has."""
        key = (url, method)
        if recorded[key] > self.claimed[key]:
            self.claimed[key] += 1
            return False
        return True

    def request(
        self, seen: SeenRequest, phase: Phase, page_url: str, main_frame_url: str | None, t_ms: int
    ) -> Request | None:
        """The worker's request DevTools missed, ``None`` if it cannot be a worker's."""
        if seen.service_worker is not None:
            own_script = seen.url == seen.service_worker
            initiator = (
                Initiator("other") if own_script else Initiator("script", seen.service_worker)
            )
            frame_url = None
        elif self.workers:
            # The automation does not say which worker: the only one, else none named.
            worker = self.workers[0] if len(set(self.workers)) == 1 else None
            initiator = Initiator("script", worker) if worker else Initiator("other")
            frame_url = main_frame_url
        else:
            return None
        return Request(
            url=seen.url,
            phase=phase,
            page_url=page_url,
            frame_url=frame_url,
            method=seen.method,
            resource_type=RESOURCE_TYPES.get(seen.resource_type, "Other"),
            initiator=initiator,
            status=seen.status,
            remote_ip=seen.remote_ip,
            failed=seen.failed,
            t_ms=t_ms,
        )


def _has_http_frame(stack: Any) -> bool:
    """Whether a DevTools stack (with its async parents) has a frame of an http(s) script."""
    while isinstance(stack, dict):
        for call in stack.get("callFrames") or []:
            if str(call.get("url", "")).startswith(("http://", "https://")):
                return True
        stack = stack.get("parent")
    return False
