"""The local durable store: records, their sync state and the outbox, on TinyDB.

``LocalStore`` is what the app uses; ``JournalStorage`` (durable, a directory of files) and
``MemoryJournalStorage`` (tests, previews) are the two storages it runs on.
"""

from __future__ import annotations

from app.store.errors import StoreCorrupted, StoreError, StoreFull, StoreKeyError
from app.store.journal import JournalStorage
from app.store.local import (
    LocalStore,
    OutboxEntry,
    RemoteChange,
    StoredRecord,
    SyncInfo,
    SyncOutcome,
    SyncState,
)
from app.store.memory import MemoryJournalStorage

__all__ = [
    "JournalStorage",
    "LocalStore",
    "MemoryJournalStorage",
    "OutboxEntry",
    "RemoteChange",
    "StoreCorrupted",
    "StoreError",
    "StoreFull",
    "StoreKeyError",
    "StoredRecord",
    "SyncInfo",
    "SyncOutcome",
    "SyncState",
]
