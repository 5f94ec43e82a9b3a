"""The scan history: where scans and their per-site results are kept between runs.

Callers depend on :class:`ScanStore`; :class:`SQLiteStore` is the default back end
and :class:`MemoryStore` serves the tests.
"""

from __future__ import annotations

from .base import (
    ScanNotFound,
    ScanStore,
    ScanSummary,
    StoreError,
    StoreVersionError,
    resolve_ref,
)
from .memory import MemoryStore
from .sqlite import SQLiteStore

__all__ = [
    "MemoryStore",
    "SQLiteStore",
    "ScanNotFound",
    "ScanStore",
    "ScanSummary",
    "StoreError",
    "StoreVersionError",
    "resolve_ref",
]
