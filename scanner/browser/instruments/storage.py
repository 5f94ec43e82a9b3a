"""The storage instrument: ``localStorage``/``sessionStorage`` writes (DevTools sees
every one, ``hooks.js`` says which script made it) and IndexedDB databases (opened, as
``hooks.js`` reports, or listed at the end of a page)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from ...cookies import value_digest
from ...models import Initiator, Phase, StorageItem, StorageKind
from .base import Frames, Instrument, PageClock, WriteBudget, hook_initiator, origin


@dataclass
class _StorageWrite:
    kind: StorageKind
    origin: str
    key: str
    value: str
    page_index: int
    t_ms: int
    frame_url: str | None
    initiator: Initiator | None


@dataclass
class StorageInstrument(Instrument):
    """Web storage and IndexedDB, one record per (kind, origin, key) at the end."""

    cdp_events: ClassVar[frozenset[str]] = frozenset(
        {"DOMStorage.domStorageItemAdded", "DOMStorage.domStorageItemUpdated"}
    )
    hook_kinds: ClassVar[frozenset[str]] = frozenset({"storage", "indexeddb"})

    phase: Phase
    clock: PageClock
    frames: Frames
    budget: WriteBudget
    raw_values: bool = False
    _writes: list[_StorageWrite] = field(default_factory=list)
    _stacks: dict[tuple[str, str, str], Initiator] = field(default_factory=dict)

    def on_cdp(self, method: str, params: dict[str, Any], now: float) -> None:
        """``DOMStorage.domStorageItemAdded/Updated``: every write, even without setItem."""
        if self.budget.full():
            return
        storage_id = params.get("storageId") or {}
        where = origin(str(storage_id.get("securityOrigin") or storage_id.get("storageKey") or ""))
        kind = StorageKind.LOCAL if storage_id.get("isLocalStorage") else StorageKind.SESSION
        key = str(params.get("key", ""))
        value = str(params.get("newValue", ""))
        self._keep(
            _StorageWrite(kind, where, key, value, self.clock.index, self.clock.ms(now), None, None)
        )

    def on_hook(
        self, kind: str, report: dict[str, Any], href: str, frame_url: str | None, now: float
    ) -> None:
        if self.budget.full():
            return
        initiator = hook_initiator(report, href)
        t_ms = self.clock.ms(now)
        if kind == "storage":
            area = report.get("area")
            if area in ("localStorage", "sessionStorage"):
                key = (
                    str(area),
                    origin(str(report.get("origin", ""))),
                    str(report.get("key", "")),
                )
                self._stacks.setdefault(key, initiator)
                self._keep(
                    _StorageWrite(
                        StorageKind(area),
                        key[1],
                        key[2],
                        str(report.get("value", "")),
                        self.clock.index,
                        t_ms,
                        href or frame_url,
                        initiator,
                    )
                )
        else:  # indexeddb: a database opened
            self._keep(
                _StorageWrite(
                    StorageKind.INDEXED_DB,
                    origin(str(report.get("origin", ""))),
                    str(report.get("name", "")),
                    "",
                    self.clock.index,
                    t_ms,
                    href or frame_url,
                    initiator,
                )
            )

    def indexeddb_databases(self, origin_: str, names: list[str], frame_url: str | None) -> None:
        """Databases listed by ``indexedDB.databases()`` in a frame at the end of a page."""
        for name in names:
            self._keep(
                _StorageWrite(
                    StorageKind.INDEXED_DB,
                    origin(origin_),
                    name,
                    "",
                    self.clock.index,
                    self.clock.ms(self.clock.t0),
                    frame_url,
                    None,
                )
            )

    def _keep(self, write: _StorageWrite) -> None:
        self._writes.append(write)
        self.budget.used += 1

    # -- results ------------------------------------------------------------

    def storage(self) -> list[StorageItem]:
        """One record per (kind, origin, key), first write first."""
        merged: dict[tuple[str, str, str], list[_StorageWrite]] = {}
        for write in sorted(self._writes, key=lambda w: (w.page_index, w.t_ms)):
            merged.setdefault((write.kind.value, write.origin, write.key), []).append(write)
        result = []
        for key, writes in merged.items():
            first = writes[0]
            initiator = next((w.initiator for w in writes if w.initiator is not None), None)
            frame_url = next((w.frame_url for w in writes if w.frame_url), None)
            value = next((w.value for w in writes if w.value), first.value)
            digest, prefix = value_digest(value)
            counted = [w for w in writes if w.initiator is not None] or writes
            if first.kind is not StorageKind.INDEXED_DB:
                # A setItem is reported twice (hook and DevTools); count the hook's.
                writes_count = len(counted)
            else:
                writes_count = len([w for w in writes if w.initiator is not None]) or 1
            result.append(
                StorageItem(
                    kind=first.kind,
                    origin=first.origin,
                    key=first.key,
                    phase=self.phase,
                    page_url=self.clock.url(first.page_index),
                    frame_url=frame_url or self.frames.url_of_origin(first.origin),
                    initiator=initiator or self._stacks.get(key),
                    value_hash=digest if first.kind is not StorageKind.INDEXED_DB else "",
                    value_prefix=prefix if first.kind is not StorageKind.INDEXED_DB else "",
                    value=value
                    if self.raw_values and first.kind is not StorageKind.INDEXED_DB
                    else None,
                    size=len(first.key) + len(value),
                    first_seen_ms=first.t_ms,
                    writes=writes_count,
                )
            )
        return result
