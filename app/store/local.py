"""``LocalStore``: the app's records, their sync state and the outbox, in one TinyDB.

The table layout is in ``layout``, the rules for push outcomes and pulled changes in
``sync_rules``.

Every public mutation is one ``Transaction`` and so one durable write: a record never changes
without its sync state and outbox entry, and the pull cursor never advances without the data.
A lock serialises callers, since Flet runs handlers and the sync engine on other threads.
"""

from __future__ import annotations

import heapq
import operator
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tinydb import where
from tinydb.queries import QueryLike

from app.domain.replies import LocalReply, ReplyOutcome
from app.store.base import ApplyingStorage
from app.store.db import open_db
from app.store.errors import StoreError
from app.store.journal import JournalStorage
from app.store.layout import CURSOR, META, OUTBOX, REPLIES, SYNC, check_kind, row_key, split_key
from app.store.memory import MemoryJournalStorage
from app.store.pickles import paused_gc
from app.store.records import (
    ATTENTION_STATES,
    OutboxEntry,
    RemoteChange,
    StoredRecord,
    SyncInfo,
    SyncOutcome,
    SyncState,
    clone,
    listed_records,
    outbox_entry,
    stored_record,
    sync_doc,
)
from app.store.replies import drop_pulled_replies, local_reply, reply_doc, settle_reply
from app.store.sync_rules import apply_remote_change, carry_conflict, pending_sync, settle_outcome
from app.store.txn import Transaction

# Told after each durable write: the (kind, record id) pairs that changed, and the kinds wiped whole.
ChangeListener = Callable[[set[tuple[str, str]], set[str]], None]

# How far a sync pass lets the journal grow before a compaction, in compaction thresholds (a
# thirty-second of the snapshot each). Writing down a push outcome for every record of the store
# takes about seven (a sync row is a fifth of a record's size), and the pass may start with up to
# one: twelve lets a whole store's first sync go through without folding the snapshot mid-pass,
# where the fold holds the interpreter while the next batch's answer waits to be read. A crash
# mid-pass leaves at most about a third of the snapshot's size to replay on reopen; sync rows and
# pulled records replay cheaply next to loading the snapshot (README, figures behind the code).
PASS_COMPACTION_BOUND = 12

__all__ = [
    "ChangeListener",
    "LocalStore",
    "OutboxEntry",
    "RemoteChange",
    "StoredRecord",
    "SyncInfo",
    "SyncOutcome",
    "SyncState",
]


class LocalStore:
    """Records, sync state and outbox of one device."""

    def __init__(self, storage: JournalStorage | MemoryJournalStorage) -> None:
        self._storage: ApplyingStorage = storage
        self._db = open_db(storage)
        self._lock = threading.RLock()
        self._listeners: list[ChangeListener] = []
        self.recovery_notes: list[str] = list(storage.recovery_notes)
        self.lost_changes = storage.lost_changes  # unreadable transactions found on opening
        # Read the live rows: TinyDB's all() would build a Document per queued op on every open.
        queued = self._db.table(OUTBOX).raw_values()
        self._next_seq = max((_queue_order(row) for row in queued), default=0) + 1

    @classmethod
    def open(cls, path: str | Path, *, key: bytes | None = None) -> LocalStore:
        """The durable store in directory ``path``; its files are encrypted when ``key`` is given."""
        return cls(JournalStorage(path, key=key))

    @classmethod
    def in_memory(cls) -> LocalStore:
        return cls(MemoryJournalStorage())

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- change listeners ----------------------------------------------------------------

    def add_change_listener(self, listener: ChangeListener) -> Callable[[], None]:
        """Call ``listener(records, kinds)`` after every durable write: the (kind, record id) of
        each record whose data, sync state, review or queued op changed, and every kind wiped whole.
        It runs on the writing thread with the store's lock held: keep it short, and never call
        the store from it. Returns a function that removes it."""
        with self._lock:
            self._listeners.append(listener)

        def remove() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return remove

    def _commit(self, txn: Transaction) -> None:
        txn.commit()
        if not self._listeners:
            return
        written, dropped = txn.touched()
        records: set[tuple[str, str]] = set()
        for table, doc_id in written:
            if table in (SYNC, OUTBOX):
                records.add(split_key(doc_id))
            elif not table.startswith("_"):
                records.add((table, doc_id))
        kinds = {table for table in dropped if not table.startswith("_")}
        if records or kinds:
            for listener in list(self._listeners):
                listener(records, kinds)

    def rotate_key(self, new_key: bytes, *, step: Callable[[str], None] | None = None) -> None:
        """Re-encrypt every file of the store under ``new_key``; no save runs meanwhile.

        Only the files: keeping the key (pending first, retired old key after) is
        ``app.store.rotation``'s, which every caller should go through."""
        if not isinstance(self._storage, JournalStorage):
            raise StoreError("a store kept in memory has no key to rotate")
        with self._lock:
            self._storage.rekey(new_key, step=step)

    # -- for app.store.attachments: photo entries in their own table, files in the store folder --

    @property
    def storage(self) -> ApplyingStorage:
        return self._storage

    @property
    def lock(self) -> threading.RLock:
        """Held by every read and write of the store (and by a key rotation)."""
        return self._lock

    def __enter__(self) -> LocalStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- local edits ---------------------------------------------------------------------

    def save(self, kind: str, data: Mapping[str, Any], *, op_id: str, queued_at: str) -> StoredRecord:
        """Upsert a record as pending and queue it for push, in one durable write."""
        check_kind(kind)
        record_id = data.get("id") if isinstance(data, Mapping) else None
        if not isinstance(record_id, str) or not record_id:
            raise StoreError(f"a {kind} record needs a non-empty string 'id'")
        with self._lock:
            txn = Transaction(self._storage)
            key = row_key(kind, record_id)
            txn.put(kind, record_id, dict(data))
            txn.put(SYNC, key, pending_sync(txn.get(SYNC, key), deleted=False))
            self._queue(txn, kind, record_id, op_id=op_id, queued_at=queued_at, deleted=False)
            self._commit(txn)
            record = self._record(kind, record_id)
        assert record is not None
        return record

    def delete(self, kind: str, record_id: str, *, op_id: str, queued_at: str) -> None:
        """Mark a record deleted and queue the delete; it is purged once the server agrees."""
        check_kind(kind)
        with self._lock:
            txn = Transaction(self._storage)
            if txn.get(kind, record_id) is None:
                raise StoreError(f"no {kind} record {record_id!r} to delete")
            key = row_key(kind, record_id)
            txn.put(SYNC, key, pending_sync(txn.get(SYNC, key), deleted=True))
            self._queue(txn, kind, record_id, op_id=op_id, queued_at=queued_at, deleted=True)
            self._commit(txn)

    def restore(self, archived: StoredRecord, *, op_id: str, queued_at: str) -> StoredRecord:
        """Undo ``delete`` (the app's "Archive"), in one durable write; ``archived`` is the record
        as ``get`` gave it just before the delete.

        The queued delete may not have been sent, may be on the air, or may already be answered
        (and the record purged): this cannot tell the first two apart, so it never just drops the
        delete. The record's data is kept (or, once purged, written back from ``archived``) and an
        edit of it replaces the delete in the queue, on the base the record had before the archive.
        A delete that never reached the server makes that edit change nothing there; one the server
        applied is undone by it (a tombstone this device made is restored by its next edit: see
        ``server.services.apply``). The answer to a delete still on the air is ignored, as for any
        op a newer save replaced. A record that is not deleted is returned unchanged."""
        kind, record_id = archived.kind, str(archived.data.get("id", ""))
        check_kind(kind)
        if not record_id:
            raise StoreError(f"a {kind} record needs a non-empty string 'id'")
        with self._lock:
            txn = Transaction(self._storage)
            key = row_key(kind, record_id)
            sync = txn.get(SYNC, key)
            if txn.get(kind, record_id) is not None and not (sync or {}).get("deleted", False):
                record = self._record(kind, record_id)
                assert record is not None
                return record  # not archived (undone twice): nothing to do
            if txn.get(kind, record_id) is None:  # the server confirmed the delete: it was purged
                txn.put(kind, record_id, dict(archived.data))
                before = SyncInfo(server_version=archived.sync.server_version)
                sync = sync_doc(before, review=archived.review)
            txn.put(SYNC, key, pending_sync(sync, deleted=False))
            self._queue(txn, kind, record_id, op_id=op_id, queued_at=queued_at, deleted=False)
            self._commit(txn)
            record = self._record(kind, record_id)
        assert record is not None
        return record

    def _queue(
        self,
        txn: Transaction,
        kind: str,
        record_id: str,
        *,
        op_id: str,
        queued_at: str,
        deleted: bool,
    ) -> None:
        key = row_key(kind, record_id)
        queued = txn.get(OUTBOX, key)
        # A newer edit replaces the queued op (it carries the full record) but keeps its
        # place in the queue, so records are still pushed in the order they were created.
        seq = queued["seq"] if queued else self._take_seq()
        txn.put(
            OUTBOX,
            key,
            {
                "op_id": op_id,
                "kind": kind,
                "record_id": record_id,
                "queued_at": queued_at,
                "attempts": 0,
                "deleted": deleted,
                "seq": seq,
            },
        )

    def _take_seq(self) -> int:
        seq = self._next_seq
        self._next_seq += 1
        return seq

    # -- reads ---------------------------------------------------------------------------

    def get(self, kind: str, record_id: str) -> StoredRecord | None:
        """The record, or None if unknown. A record deleted on this device is still returned
        (``deleted=True``) until the server confirms the delete: its base version is needed."""
        check_kind(kind)
        with self._lock:
            return self._record(kind, record_id, include_deleted=True)

    def get_many(self, keys: Sequence[tuple[str, str]]) -> list[StoredRecord | None]:
        """``get`` for each (kind, record id), in order, under one lock and one read of the sync
        table: the sync engine reads a batch of queued records at once."""
        kinds = {kind for kind, _ in keys}
        for kind in kinds:
            check_kind(kind)
        with self._lock:
            syncs = self._db.table(SYNC).raw_table()
            peek = self._storage.peek  # a chunk at a time of a kind still encoded (lazy)
            found: list[StoredRecord | None] = []
            with paused_gc():  # as in _listing: a batch of copies, no cycles to look for
                for kind, record_id in keys:
                    doc = peek(kind, record_id)
                    sync = syncs.get(row_key(kind, record_id))
                    found.append(None if doc is None else stored_record(kind, doc, sync))
            return found

    def all(self, kind: str) -> list[StoredRecord]:
        """Every record of ``kind`` except those deleted locally."""
        check_kind(kind)
        with self._lock:
            return self._listing(kind, self._storage.batches(kind))

    def search(self, kind: str, cond: QueryLike) -> list[StoredRecord]:
        """Records whose data matches a TinyDB query, e.g. ``Query().employer_id == x``."""
        check_kind(kind)
        with self._lock:
            table = self._db.table(kind)
            docs = table.raw_table()
            found = (str(doc.doc_id) for doc in table.search(cond))
            return self._listing(kind, [({i: docs[i] for i in found if i in docs}, False)])

    def needs_attention(self) -> list[StoredRecord]:
        """Records the server rejected or that ended in a conflict."""
        with self._lock:
            rows = self._db.table(SYNC).search(where("state").one_of(list(ATTENTION_STATES)))
            found = (
                self._record(*split_key(str(row.doc_id)), include_deleted=True)
                for row in sorted(rows, key=lambda row: str(row.doc_id))
            )
            return [record for record in found if record is not None]

    def outbox(self, *, limit: int | None = None) -> list[OutboxEntry]:
        """Queued ops, oldest first."""
        with self._lock:
            # The sync engine asks for one batch at a time from a queue that may hold tens of
            # thousands: take the oldest few from the live rows instead of copying and sorting all.
            rows = self._db.table(OUTBOX).raw_values()
            order = [_queue_order(row) for row in rows]
            if all(map(operator.le, order, order[1:])):
                # Rows are kept in the order they were first queued, which is queue order unless
                # a queued record was saved again (its row keeps its place with a later seq).
                oldest = rows if limit is None else rows[:limit]
            elif limit is None:
                oldest = sorted(rows, key=_queue_order)
            else:
                oldest = heapq.nsmallest(limit, rows, key=_queue_order)
            return [outbox_entry(row) for row in oldest]

    def pending_count(self) -> int:
        with self._lock:
            return len(self._db.table(OUTBOX))

    def _listing(self, kind: str, batches: Iterable[tuple[Mapping[str, Any], bool]]) -> list[StoredRecord]:
        """The records of batches of documents of ``kind`` (``listed_records``), those deleted
        locally left out: one pass over the live tables rather than two table lookups per record."""
        syncs = self._db.table(SYNC).raw_table()
        # Copying tens of thousands of records otherwise spends most of its time in the cyclic
        # collector scanning the whole store (see pickles.paused_gc).
        with paused_gc():
            return listed_records(kind, batches, syncs)

    def _record(self, kind: str, record_id: str, *, include_deleted: bool = False) -> StoredRecord | None:
        doc = self._db.table(kind).raw(record_id)
        if doc is None:
            return None
        sync = self._db.table(SYNC).raw(row_key(kind, record_id))
        if not include_deleted and sync is not None and sync.get("deleted", False):
            return None
        return stored_record(kind, doc, sync)

    # -- sync ----------------------------------------------------------------------------

    @contextmanager
    def compaction_deferred(self, bound: int = PASS_COMPACTION_BOUND) -> Iterator[None]:
        """Compactions wait while a sync pass writes (JournalStorage.defer_compaction), until
        the journal is `bound` times its usual size; the one held back runs at the end."""
        storage = self._storage
        if not isinstance(storage, JournalStorage):
            yield
            return
        with self._lock:
            storage.defer_compaction(bound)
        try:
            yield
        finally:
            with self._lock:
                storage.defer_compaction(1)

    def record_outcomes(self, outcomes: Sequence[SyncOutcome]) -> None:
        """Record push results in one durable write; unknown or stale op ids are ignored."""
        for outcome in outcomes:
            check_kind(outcome.kind)
            if outcome.state not in ("synced", "rejected", "conflict"):
                raise StoreError(f"a push outcome cannot be {outcome.state!r}")
        with self._lock:
            txn = Transaction(self._storage)
            for outcome in outcomes:
                key = row_key(outcome.kind, outcome.record_id)
                queued = txn.get(OUTBOX, key)
                if queued is None:
                    continue  # already recorded, or superseded and since pushed: idempotent
                sync = txn.get(SYNC, key) or pending_sync(None, deleted=False)
                if queued["op_id"] != outcome.op_id:
                    # Edited since this op was pushed: the newer op still has to go, and its base
                    # stays where it was. Moving it to the answer's version without the answer's
                    # data would send this device's stale copies of others' values as if they were
                    # its own changes (a lost update); the server reads the newer op against what
                    # this one sent. A conflict it reported is kept to show once the newer op lands.
                    if outcome.state == "conflict":
                        local = txn.get(outcome.kind, outcome.record_id)
                        txn.put(SYNC, key, carry_conflict(sync, outcome, local))
                    continue
                txn.delete(OUTBOX, key)
                settle_outcome(txn, outcome, sync, was_delete=queued["deleted"])
            self._commit(txn)

    def apply_remote(self, changes: Sequence[RemoteChange], *, cursor: str) -> None:
        """Apply pulled changes and advance the cursor together, in one durable write."""
        with self._lock:
            txn = Transaction(self._storage)
            for change in changes:
                check_kind(change.kind)
                apply_remote_change(txn, change)
                drop_pulled_replies(txn, change)
            txn.put(CURSOR, "pull", {"cursor": cursor})
            self._commit(txn)

    def cursor(self) -> str | None:
        with self._lock:
            doc = self._db.table(CURSOR).raw("pull")
            return None if doc is None else str(doc["cursor"])

    def bump_attempts(self, op_ids: Sequence[str]) -> None:
        wanted = set(op_ids)
        with self._lock:
            txn = Transaction(self._storage)
            # The live rows, not TinyDB's all(): that builds a Document per queued op, and a
            # failed push bumps a batch out of a queue that may hold tens of thousands.
            for key, row in self._db.table(OUTBOX).raw_table().items():
                if row["op_id"] in wanted:
                    txn.put(OUTBOX, key, {**row, "attempts": row["attempts"] + 1})
            self._commit(txn)

    def wipe_kind(self, kind: str) -> None:
        """Forget every record of ``kind``, with its sync state and queued ops."""
        check_kind(kind)
        prefix = row_key(kind, "")
        with self._lock:
            txn = Transaction(self._storage)
            txn.drop(kind)
            for table in (SYNC, OUTBOX):
                for key in self._db.table(table).ids():
                    if key.startswith(prefix):
                        txn.delete(table, key)
            self._commit(txn)

    # -- replies to the supervisor --------------------------------------------------------

    def save_reply(self, reply: LocalReply) -> None:
        """Keep a reply, waiting to be sent, in one durable write (app.domain.replies)."""
        check_kind(reply.kind)
        with self._lock:
            txn = Transaction(self._storage)
            txn.put(REPLIES, reply.reply_id, reply_doc(reply))
            self._commit(txn)

    def replies(self, kind: str, record_id: str) -> list[LocalReply]:
        """This record's replies not yet back in a pulled thread, oldest first."""
        with self._lock:
            rows = self._db.table(REPLIES).raw_values()
            found = [local_reply(r) for r in rows if r["kind"] == kind and r["record_id"] == record_id]
        return sorted(found, key=lambda reply: reply.created_at)

    def waiting_replies(self) -> list[LocalReply]:
        """Replies the server has not taken yet (refused ones are not sent again), oldest first."""
        with self._lock:
            found = [local_reply(r) for r in self._db.table(REPLIES).raw_values() if r["state"] == "waiting"]
        return sorted(found, key=lambda reply: reply.created_at)

    def record_reply_outcomes(self, outcomes: Sequence[ReplyOutcome]) -> None:
        """What the server said to sent replies, in one durable write."""
        with self._lock:
            txn = Transaction(self._storage)
            for outcome in outcomes:
                settle_reply(txn, outcome)
            self._commit(txn)

    # -- settings ------------------------------------------------------------------------

    def get_meta(self, key: str) -> Any:
        with self._lock:
            doc = self._db.table(META).raw(key)
            return None if doc is None else clone(doc["value"])

    def set_meta(self, key: str, value: Any) -> None:
        with self._lock:
            txn = Transaction(self._storage)
            txn.put(META, key, {"value": value})
            self._commit(txn)


def _queue_order(row: Mapping[str, Any]) -> int:
    return int(row["seq"])
