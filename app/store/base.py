"""What both storages share: the live table dict TinyDB reads, and the ``apply`` choke point.

TinyDB's own write path (``Table._update_table``) copies a whole table per insert and hands the
storage the whole database, so writes that must stay cheap bypass it: ``apply`` takes a list of
absolute changes, lets the subclass make them durable (``_persist``), and only then mutates the
live dict and clears the query caches of the tables it touched. So a ``_persist`` that raises
(full disk, I/O error, an interrupt) leaves the live state exactly as it was before the call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from tinydb.storages import Storage

from app.store.codec import (
    Change,
    CreateTable,
    Put,
    ResetAll,
    apply_ops,
    decode_payload,
    encode_changes,
)
from app.store.lazy import Docs, LiveTables

ChangeListener = Callable[[set[str] | None], None]  # None means "every table may have changed"


class ApplyingStorage(Storage):
    """A TinyDB storage whose ``read()`` is the live state and whose writes go through ``apply``."""

    def __init__(self) -> None:
        self._tables: LiveTables = LiveTables()
        self._listeners: list[ChangeListener] = []
        self.recovery_notes: list[str] = []
        self.lost_changes = 0  # transactions found unreadable when opening (damage)

    def read(self) -> dict[str, dict[str, Any]] | None:
        # The live dict, not a copy: TinyDB only reads through it (reads stay O(result)),
        # and every mutation goes through ``apply`` or ``write`` below.
        return self._tables

    def peek(self, table: str, doc_id: str) -> dict[str, Any] | None:
        """The live document (never mutate it), or None, without decoding its whole table."""
        encoded = self._tables.lazy.get(table)
        if encoded is not None:
            return encoded.get(doc_id)
        docs = dict.get(self._tables, table)
        return None if docs is None else docs.get(doc_id)

    def batches(self, table: str) -> Iterator[tuple[Docs, bool]]:
        """Every document of ``table`` in order, a batch at a time, each batch with whether it
        is fresh (decoded for this call: the caller's to keep) or live (to copy, never mutate)."""
        encoded = self._tables.lazy.get(table)
        if encoded is not None:
            yield from encoded.batches()
            return
        docs = dict.get(self._tables, table)
        if docs:
            yield docs, False

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        """TinyDB's full write: replace the whole state (kept correct, but not the fast path)."""
        # TinyDB has already mutated the live dict in place when it calls this, so there is no
        # old state left to diff against: journal the whole new state after a reset instead.
        changes: list[Change] = [ResetAll()]
        for table, docs in data.items():
            changes.append(CreateTable(table))
            changes += [Put(table, str(doc_id), doc) for doc_id, doc in docs.items()]
        try:
            payload = encode_changes(changes)
            ops = decode_payload(payload)
            self._persist(payload)
        except BaseException:  # an interrupt too: TinyDB's edit is in the live dict already
            self._forget_unsaved_write()
            raise
        fresh = LiveTables()
        apply_ops(fresh, ops)
        self._tables = fresh
        self._notify(None)
        self._after_write()

    def apply(self, changes: Sequence[Change]) -> None:
        """Make ``changes`` durable as one transaction, then make them visible."""
        if not changes:
            return
        payload = encode_changes(changes)
        # Decoding what will be persisted gives documents no caller holds a reference to, and
        # exactly the state a replay of this line would produce after a restart. Decoded before
        # the write, so nothing that can still fail (short of memory) sits between the durable
        # write and the live tables: a write that fails has changed nothing, one that returns
        # is visible.
        ops = decode_payload(payload)
        self._persist(payload)
        touched = apply_ops(self._tables, ops)
        self._notify(touched)
        self._after_apply()

    def add_listener(self, listener: ChangeListener) -> None:
        self._listeners.append(listener)

    def _notify(self, tables: set[str] | None) -> None:
        for listener in self._listeners:
            listener(tables)

    def _persist(self, payload: bytes) -> None:
        """Make one encoded transaction durable; raise ``StoreError`` if it is not."""

    def _forget_unsaved_write(self) -> None:
        """Bring the live dict back to the durable state after TinyDB's in-place edit failed."""

    def _after_write(self) -> None:
        """Housekeeping after a full write (e.g. folding that huge line into a snapshot)."""

    def _after_apply(self) -> None:
        """Housekeeping after a transaction became visible (e.g. compaction)."""
