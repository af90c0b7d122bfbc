"""The decoded records of one store, kept in memory (issue 18): RecordService reads through it, so
a screen refresh decodes only the records the store says changed since the last read.

Derived views come in two sorts. A memo (`memo`) is recomputed after a change to one of the kinds
it names, and kept otherwise. An index (`Index`) is kept up to date record by record: a save
moves the one record it wrote, so what Today and the forms read after a tap costs the same with
fifty thousand records as with fifty."""

from __future__ import annotations

import bisect
import itertools
import threading
from collections.abc import Callable, Hashable, Iterable
from typing import Any, NamedTuple, TypeVar

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

Table = dict[str, "CachedRecord"]


class Index:
    """A derived view of `kinds`, brought up to date one record at a time: `changed` is called
    with a record's entry before and after each change (None: not in the table). It is built
    from the whole tables on first use, and again after a kind it reads was wiped."""

    kinds: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.built = False

    def clear(self) -> None:
        raise NotImplementedError

    def changed(self, kind: str, record_id: str, old: CachedRecord | None, new: CachedRecord | None) -> None:
        raise NotImplementedError

    def build(self, tables: dict[str, Table]) -> None:
        self.clear()
        for kind in self.kinds:
            for record_id, entry in tables[kind].items():
                self.changed(kind, record_id, None, entry)
        self.built = True


class SortedGroups(Index):
    """Per group, the sorted keys `keys(kind, record)` yields for the records of `kinds`: e.g. per
    employer, (when, visit id) of its visits, so the latest or the count is one look-up away."""

    def __init__(
        self, kinds: tuple[str, ...], keys: Callable[[str, Any], Iterable[tuple[str, tuple[Any, ...]]]]
    ) -> None:
        super().__init__()
        self.kinds = kinds
        self.keys = keys
        self.groups: dict[str, list[tuple[Any, ...]]] = {}

    def clear(self) -> None:
        self.groups = {}

    def changed(self, kind: str, record_id: str, old: CachedRecord | None, new: CachedRecord | None) -> None:
        if old is not None and old.record is not None:
            for group, key in self.keys(kind, old.record):
                keys = self.groups.get(group, [])
                at = bisect.bisect_left(keys, key)
                if at < len(keys) and keys[at] == key:
                    del keys[at]
                if not keys:
                    self.groups.pop(group, None)
        if new is not None and new.record is not None:
            for group, key in self.keys(kind, new.record):
                bisect.insort(self.groups.setdefault(group, []), key)

    def build(self, tables: dict[str, Table]) -> None:
        """All at once: each group's keys sorted once, not inserted one by one."""
        self.clear()
        for kind in self.kinds:
            for entry in tables[kind].values():
                if entry.record is not None:
                    for group, key in self.keys(kind, entry.record):
                        self.groups.setdefault(group, []).append(key)
        for keys in self.groups.values():
            keys.sort()
        self.built = True


class Matching(Index):
    """The (kind, id) of the entries `wanted(kind, entry)` picks, e.g. records with feedback."""

    def __init__(self, kinds: tuple[str, ...], wanted: Callable[[str, CachedRecord], bool]) -> None:
        super().__init__()
        self.kinds = kinds
        self.wanted = wanted
        self.found: set[tuple[str, str]] = set()

    def clear(self) -> None:
        self.found = set()

    def changed(self, kind: str, record_id: str, old: CachedRecord | None, new: CachedRecord | None) -> None:
        if new is not None and self.wanted(kind, new):
            self.found.add((kind, record_id))
        else:
            self.found.discard((kind, record_id))


class Timeline(Index):
    """Every record of `kinds` with a time, in the order `sorted(..., key=time, reverse=True)` puts
    them (ties: kinds in the order given, then the table's order), newest last in `keys`."""

    def __init__(self, kinds: tuple[str, ...], time: Callable[[Any], float]) -> None:
        super().__init__()
        self.kinds = kinds
        self.time = time
        self.keys: list[tuple[float, int, int, str, str]] = []
        self._key: dict[tuple[str, str], tuple[float, int, int, str, str]] = {}
        self._seq: dict[tuple[str, str], int] = {}
        self._next = itertools.count()

    def clear(self) -> None:
        self.keys, self._key, self._seq = [], {}, {}

    def changed(self, kind: str, record_id: str, old: CachedRecord | None, new: CachedRecord | None) -> None:
        at = (kind, record_id)
        key = self._key.pop(at, None)
        if key is not None:
            del self.keys[bisect.bisect_left(self.keys, key)]
        if new is None:
            self._seq.pop(at, None)  # left the table: back at its end if it returns
            return
        seq = self._seq.setdefault(at, next(self._next))
        if new.record is not None:
            key = (self.time(new.record), -self.kinds.index(kind), -seq, kind, record_id)
            bisect.insort(self.keys, key)
            self._key[at] = key

    def build(self, tables: dict[str, Table]) -> None:
        """All at once: the keys sorted once, not inserted one by one."""
        self.clear()
        for kind in self.kinds:
            for record_id, entry in tables[kind].items():
                at = (kind, record_id)
                seq = self._seq[at] = next(self._next)
                if entry.record is not None:
                    self._key[at] = (self.time(entry.record), -self.kinds.index(kind), -seq, kind, record_id)
        self.keys = sorted(self._key.values())
        self.built = True

    def newest(self, limit: int) -> list[tuple[str, str]]:
        return [(kind, record_id) for *_, kind, record_id in reversed(self.keys[-limit:])] if limit else []


class Sorted(Index):
    """The records of `sorted_kinds` that `key(kind, record, tables)` gives a key (None: left out),
    as (key, kind, id) in order in `keys`. Another kind in `kinds` is one the keys read (through
    `tables`, the live tables): a change of it that `stale(kind, old, new)` says matters rebuilds
    the whole index on its next read."""

    def __init__(
        self,
        sorted_kinds: tuple[str, ...],
        key: Callable[[str, Any, dict[str, Table]], tuple[Any, ...] | None],
        *,
        reads: tuple[str, ...] = (),
        stale: Callable[[str, CachedRecord | None, CachedRecord | None], bool] = lambda *_: True,
    ) -> None:
        super().__init__()
        self.sorted_kinds = sorted_kinds
        self.kinds = sorted_kinds + reads
        self.key = key
        self.stale = stale
        self.tables: dict[str, Table] = {}
        self.keys: list[tuple[Any, ...]] = []
        self._key: dict[tuple[str, str], tuple[Any, ...]] = {}
        self.changes = 0  # counts changes to `keys` (a record in, out or moved, or a rebuild)

    def clear(self) -> None:
        self.keys, self._key = [], {}
        self.changes += 1

    def changed(self, kind: str, record_id: str, old: CachedRecord | None, new: CachedRecord | None) -> None:
        if kind not in self.sorted_kinds:
            if self.stale(kind, old, new):
                self.built = False  # the cache rebuilds it on its next read
            return
        at = (kind, record_id)
        key = self._key.pop(at, None)
        if key is not None:
            del self.keys[bisect.bisect_left(self.keys, key)]
            self.changes += 1
        if new is not None and new.record is not None:
            sort_key = self.key(kind, new.record, self.tables)
            if sort_key is not None:
                key = self._key[at] = (sort_key, kind, record_id)
                bisect.insort(self.keys, key)
                self.changes += 1

    def build(self, tables: dict[str, Table]) -> None:
        """All at once: the keys sorted once, not inserted one by one."""
        self.clear()
        self.tables = tables
        for kind in self.sorted_kinds:
            for record_id, entry in tables[kind].items():
                if entry.record is not None:
                    sort_key = self.key(kind, entry.record, tables)
                    if sort_key is not None:
                        self._key[(kind, record_id)] = (sort_key, kind, record_id)
        self.keys = sorted(self._key.values())
        self.built = True


IndexT = TypeVar("IndexT", bound=Index)


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
        self._memo: dict[Hashable, tuple[Hashable, Any]] = {}  # key -> (what it was computed at, value)
        self._indexes: dict[Hashable, Index] = {}
        self._generation = next(_GENERATIONS)  # changes with every change caught up with
        self._kind_generation: dict[str, int] = {}  # kind -> the generation of its last change
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
        for kind in wiped | {kind for kind, _ in dirty}:
            self._kind_generation[kind] = self._generation
        for kind in wiped:
            self._kinds.pop(kind, None)
            for index in self._indexes.values():
                if kind in index.kinds:
                    index.built = False  # rebuilt from the reloaded table on its next read
        for kind, record_id in sorted(dirty):
            table = self._kinds.get(kind)
            if table is None:
                continue  # not loaded yet: its first read loads it whole
            old = table.get(record_id)
            stored = self.store.get(kind, record_id)
            new = None if stored is None else _cached(stored)
            if new is None:
                table.pop(record_id, None)
            else:
                table[record_id] = new
            for index in self._indexes.values():
                if index.built and kind in index.kinds:
                    index.changed(kind, record_id, old, new)

    def table(self, kind: str) -> dict[str, CachedRecord]:
        """The live entries of `kind` (the caller holds `lock`; never mutate them)."""
        self._catch_up()
        table = self._kinds.get(kind)
        if table is None:
            table = {stored.data["id"]: _cached(stored) for stored in self.store.all(kind)}
            self._kinds[kind] = table
        return table

    def memo(self, key: Hashable, compute: Callable[[], Any], kinds: Iterable[str] | None = None) -> Any:
        """`compute()`'s value, kept until a record of one of `kinds` next changes (of any kind
        when None): `kinds` must name every kind `compute` reads."""
        with self._lock:
            self._catch_up()
            stamp: Hashable = (
                self._generation
                if kinds is None
                else tuple(self._kind_generation.get(kind, 0) for kind in kinds)
            )
            held = self._memo.get(key)
            if held is not None and held[0] == stamp:
                return held[1]
            generation = self._generation
            value = compute()
            if generation == self._generation:  # no change was caught up with while computing
                self._memo[key] = (stamp, value)
            return value

    def index(self, key: Hashable, make: Callable[[], IndexT]) -> IndexT:
        """The index kept under `key` (made by `make` the first time), up to date (the caller
        holds `lock` while it reads the index)."""
        self._catch_up()
        index = self._indexes.get(key)
        if index is None:
            index = self._indexes[key] = make()
        if not index.built:
            index.build({kind: self.table(kind) for kind in index.kinds})
        return index  # type: ignore[return-value]

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
