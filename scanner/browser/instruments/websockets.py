"""The WebSocket instrument: every WebSocket a page opens, and what it sent over it.

DevTools reports a WebSocket apart from ordinary requests (``Network.webSocket…``
events, not ``requestWillBeSent``): its creation with the script responsible, the
opening handshake, each frame sent and its end. Each becomes one
:class:`~scanner.models.Request` of resource type ``WebSocket`` whose ``websocket``
says how many messages went out, how many bytes, and a hash of the first bytes.
The messages themselves are never kept.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ...models import Initiator, Phase, Request, WebSocketSent
from .base import Frames, Instrument, PageClock
from .network import devtools_initiator, is_recorded

FIRST_BYTES = 64
"""How many of the first bytes sent are hashed (``WebSocketSent.first_bytes_sha256``)."""

RESOURCE_TYPE = "WebSocket"
"""``Request.resource_type`` of a WebSocket (Chromium's own name for the type)."""

DATA_OPCODES = frozenset({1, 2})
"""Text and binary frames: the messages a page sends (not pings or closes)."""


@dataclass
class _Socket:
    """One WebSocket while the pages are open."""

    url: str
    initiator: Initiator
    frame_url: str | None
    page_index: int
    t_ms: int
    status: int | None = None
    cookies_sent: tuple[str, ...] = ()
    failed: str | None = None
    frames: int = 0
    size: int = 0
    first: bytearray = field(default_factory=bytearray)


@dataclass
class WebSocketInstrument(Instrument):
    """WebSockets: where they went, who opened them, and what was sent (sizes, a hash)."""

    cdp_events: ClassVar[frozenset[str]] = frozenset(
        {
            "Network.webSocketCreated",
            "Network.webSocketWillSendHandshakeRequest",
            "Network.webSocketHandshakeResponseReceived",
            "Network.webSocketFrameSent",
            "Network.webSocketFrameError",
            "Network.webSocketClosed",
        }
    )

    phase: Phase
    clock: PageClock
    frames: Frames
    _sockets: dict[str, _Socket] = field(default_factory=dict)
    _order: list[str] = field(default_factory=list)

    def on_cdp(self, method: str, params: dict[str, Any], now: float) -> None:
        request_id = str(params.get("requestId", ""))
        if method == "Network.webSocketCreated":
            self._created(request_id, params, now)
            return
        socket = self._sockets.get(request_id)
        if socket is None:
            return
        if method == "Network.webSocketWillSendHandshakeRequest":
            headers = (params.get("request") or {}).get("headers") or {}
            socket.cookies_sent = cookie_names(headers)
        elif method == "Network.webSocketHandshakeResponseReceived":
            status = (params.get("response") or {}).get("status")
            socket.status = int(status) if isinstance(status, (int, float)) else None
        elif method == "Network.webSocketFrameSent":
            self._frame_sent(socket, params.get("response") or {})
        elif method == "Network.webSocketFrameError":
            socket.failed = socket.failed or str(params.get("errorMessage") or "failed")
        elif socket.status is None and socket.failed is None:  # Network.webSocketClosed
            socket.failed = "closed before the handshake"

    def _created(self, request_id: str, params: dict[str, Any], now: float) -> None:
        url = str(params.get("url", ""))
        if not request_id or request_id in self._sockets or not is_recorded(url):
            return
        # DevTools does not say which frame opened it: the page's own frame.
        self._sockets[request_id] = _Socket(
            url=url,
            initiator=devtools_initiator(params.get("initiator") or {}),
            frame_url=self.frames.url(self.frames.main),
            page_index=self.clock.index,
            t_ms=self.clock.ms(now),
        )
        self._order.append(request_id)

    def _frame_sent(self, socket: _Socket, frame: dict[str, Any]) -> None:
        opcode = frame.get("opcode")
        if opcode not in DATA_OPCODES:
            return
        data = payload_bytes(int(opcode), str(frame.get("payloadData", "")))
        socket.frames += 1
        socket.size += len(data)
        if len(socket.first) < FIRST_BYTES:
            socket.first += data[: FIRST_BYTES - len(socket.first)]

    def requests(self) -> list[Request]:
        """One request per WebSocket, in the order they were opened."""
        found: list[Request] = []
        for request_id in self._order:
            socket = self._sockets[request_id]
            found.append(
                Request(
                    url=socket.url,
                    phase=self.phase,
                    page_url=self.clock.url(socket.page_index),
                    frame_url=socket.frame_url,
                    method="GET",
                    resource_type=RESOURCE_TYPE,
                    initiator=socket.initiator,
                    status=socket.status,
                    cookies_sent=socket.cookies_sent,
                    failed=socket.failed,
                    t_ms=socket.t_ms,
                    websocket=WebSocketSent(
                        frames_sent=socket.frames,
                        bytes_sent=socket.size,
                        first_bytes_sha256=hashlib.sha256(socket.first).hexdigest()
                        if socket.frames
                        else None,
                    ),
                )
            )
        return found


def payload_bytes(opcode: int, payload: str) -> bytes:
    """A frame's payload as sent: DevTools gives text as text, binary as base64."""
    if opcode == 2:
        try:
            return base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            return payload.encode("utf-8", "replace")
    return payload.encode("utf-8", "replace")


def cookie_names(headers: dict[str, Any]) -> tuple[str, ...]:
    """Names of the cookies in a handshake's ``Cookie`` header, in order."""
    value = next((str(v) for k, v in headers.items() if str(k).lower() == "cookie"), "")
    names = (part.split("=", 1)[0].strip() for part in value.replace("\n", ";").split(";"))
    return tuple(name for name in names if name)
