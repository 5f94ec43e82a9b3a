"""Flat rows of the model's records, for tables: the SQLite store and the CSV export.

Both used to list every field by hand, in parallel; one mapping means a field added
to the model reaches both tables or fails loudly in both (the store has no column
for it, the CSV columns differ), instead of silently reaching one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from types import MappingProxyType
from typing import Any

from .models import Initiator, Party, Payload, WebSocketSent

__all__ = ["NESTED", "flatten"]

NESTED: Mapping[str, type[Any]] = MappingProxyType(
    {"initiator": Initiator, "party": Party, "payload": Payload, "websocket": WebSocketSent}
)
"""Fields holding a small record that a table stores as prefixed columns
(``initiator_url``, ``party_domain``, ``payload_events``…); ``None`` gives ``None`` in each."""


def flatten(
    record: Any, *, skip: Collection[str] = (), rename: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """One row: each field of ``record`` by name, nested records as prefixed columns.

    Values keep their Python types (enums, tuples, booleans): how a cell is written
    (JSON text in SQLite, a joined list in CSV) is the caller's business.
    """
    rename = rename or {}
    row: dict[str, Any] = {}
    for field in dataclasses.fields(record):
        name = field.name
        if name in skip:
            continue
        value = getattr(record, name)
        nested = NESTED.get(name)
        if nested is None:
            row[rename.get(name, name)] = value
            continue
        for inner in dataclasses.fields(nested):
            row[f"{name}_{inner.name}"] = None if value is None else getattr(value, inner.name)
    return row
