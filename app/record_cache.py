"""The decoded records of one store, kept in memory (issue 18): RecordService reads through it, so
a screen refresh decodes only the records the store says changed since the last read."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Hashable
from typing import Any, NamedTuple

from app.domain.codec import from_dict
from app.domain.errors import ValidationError
from app.domain.records import Record
from app.store import LocalStore, StoredRecord


class CachedRecord(NamedTuple):
    record: Record | None  # None: deleted on this phone, or data this app version cannot read
    sync_state: str
    deleted: bool
    reviewed: bool  # the supervisor asked for changes or commented: a candidate for feedback rows


_GENERATIONS = itertools.count(1)  # shared by every cache: a new store never repeats a version


class RecordCache:
    """The decoded records of one store, kept in memory and brought up to date from the store's
    change listener, so a screen refresh decodes nothing that did not change.

    The listener (on the writing thread, with the store's lock held) only marks the written
    (kind, id) pairs dirty; the next read re-reads and decodes just those. Derived views (sorted
    lists, what is due, recent activity) are memoised until the next change. A kind is loaded
    whole on its first read. Entries keep the store's order: a record deleted on this phone stays
    as a placeholder until the store forgets it."""

    def __init__(self, store: LocalStore) -> None:
        self.store = store
        self._lock = threading.RLock()  # readers; taken before the store's lock, never inside it
        self._dirty_lock = threading.Lock()  # only around the dirty sets; the listener takes it
        self._dirty: set[tuple[str, str]] = set()
        self._wiped: set[str] = set()
        self._kinds: dict[str, dict[str, CachedRecord]] = {}
        self._memo: dict[Hashable, Any] = {}
        self._generation = next(_GENERATIONS)  # changes with every change caught up with
        self._remove = store.add_change_listener(self._changed)

    def close(self) -> None:
        self._remove()

    def _changed(self, records: set[tuple[str, str]], kinds: set[str]) -> None:
        with self._dirty_lock:
            self._dirty |= records
            self._wiped |= kinds

    def _catch_up(self) -> None:
        with self._dirty_lock:
            dirty, wiped = self._dirty, self._wiped
            self._dirty, self._wiped = set(), set()
        if not dirty and not wiped:
            return
        self._generation = next(_GENERATIONS)
        self._memo.clear()
        for kind in wiped:
            self._kinds.pop(kind, None)
        for kind, record_id in sorted(dirty):
            table = self._kinds.get(kind)
            if table is None:
                continue  # not loaded yet: its first read loads it whole
            stored = self.store.get(kind, record_id)
            if stored is None:
                table.pop(record_id, None)
            else:
                table[record_id] = _cached(stored)

    def table(self, kind: str) -> dict[str, CachedRecord]:
        """The live entries of `kind` (the caller holds `lock`; never mutate them)."""
        self._catch_up()
        table = self._kinds.get(kind)
        if table is None:
            table = {stored.data["id"]: _cached(stored) for stored in self.store.all(kind)}
            self._kinds[kind] = table
        return table

    def memo(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """`compute()`'s value, kept until the store next changes."""
        with self._lock:
            self._catch_up()
            if key in self._memo:
                return self._memo[key]
            generation = self._generation
            value = compute()
            if generation == self._generation:  # no change was caught up with while computing
                self._memo[key] = value
            return value

    @property
    def lock(self) -> threading.RLock:
        return self._lock

    def version(self) -> int:
        """Changes whenever a record changes, and differs between caches (stores)."""
        with self._lock:
            self._catch_up()
            return self._generation


def _cached(stored: StoredRecord) -> CachedRecord:
    review = stored.review or {}
    reviewed = review.get("state") == "needs_changes" or bool(review.get("comments"))
    record: Record | None = None
    if not stored.deleted:
        try:
            record = from_dict(stored.kind, stored.data)
        except ValidationError:
            record = None  # a record the device cannot read is shown under "needs attention"
    return CachedRecord(record, stored.sync.state, stored.deleted, reviewed)
