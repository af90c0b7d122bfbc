"""``LocalStore``: the app's records, their sync state and the outbox, in one TinyDB.

Tables: one per record kind (``employer``, ``job_seeker``, ...; documents are the record data,
so TinyDB queries run over it), ``_sync`` (sync state, review and local-deletion mark per
record), ``_outbox`` (at most one queued op per record), ``_meta`` and ``_cursor``. Rows of
``_sync`` and ``_outbox`` are keyed ``"<kind>/<record id>"``.

Every public mutation is one ``Transaction`` and so one durable write: a record never changes
without its sync state and outbox entry, and the pull cursor never advances without the data.
A lock serialises callers, since Flet runs handlers and the sync engine on other threads.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tinydb import where
from tinydb.queries import QueryLike

from app.store.base import ApplyingStorage
from app.store.codec import paused_gc
from app.store.db import open_db
from app.store.errors import StoreError
from app.store.journal import JournalStorage
from app.store.memory import MemoryJournalStorage
from app.store.records import (
    ATTENTION_STATES,
    OutboxEntry,
    RemoteChange,
    StoredRecord,
    SyncInfo,
    SyncOutcome,
    SyncState,
    clone,
    outbox_entry,
    sync_doc,
    sync_info,
)
from app.store.txn import Doc, Transaction

__all__ = [
    "LocalStore",
    "OutboxEntry",
    "RemoteChange",
    "StoredRecord",
    "SyncInfo",
    "SyncOutcome",
    "SyncState",
]

SYNC = "_sync"
OUTBOX = "_outbox"
META = "_meta"
CURSOR = "_cursor"


class LocalStore:
    """Records, sync state and outbox of one device."""

    def __init__(self, storage: JournalStorage | MemoryJournalStorage) -> None:
        self._storage: ApplyingStorage = storage
        self._db = open_db(storage)
        self._lock = threading.RLock()
        self.recovery_notes: list[str] = list(storage.recovery_notes)
        seqs = [doc["seq"] for doc in self._db.table(OUTBOX).all()]
        self._next_seq = max(seqs, default=0) + 1

    @classmethod
    def open(cls, path: str | Path) -> LocalStore:
        """The durable store in directory ``path``."""
        return cls(JournalStorage(path))

    @classmethod
    def in_memory(cls) -> LocalStore:
        return cls(MemoryJournalStorage())

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> LocalStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- local edits ---------------------------------------------------------------------

    def save(self, kind: str, data: Mapping[str, Any], *, op_id: str, queued_at: str) -> StoredRecord:
        """Upsert a record as pending and queue it for push, in one durable write."""
        _check_kind(kind)
        record_id = data.get("id") if isinstance(data, Mapping) else None
        if not isinstance(record_id, str) or not record_id:
            raise StoreError(f"a {kind} record needs a non-empty string 'id'")
        with self._lock:
            txn = Transaction(self._storage)
            key = _key(kind, record_id)
            txn.put(kind, record_id, dict(data))
            txn.put(SYNC, key, _pending(txn.get(SYNC, key), deleted=False))
            self._queue(txn, kind, record_id, op_id=op_id, queued_at=queued_at, deleted=False)
            txn.commit()
            record = self._record(kind, record_id)
        assert record is not None
        return record

    def delete(self, kind: str, record_id: str, *, op_id: str, queued_at: str) -> None:
        """Mark a record deleted and queue the delete; it is purged once the server agrees."""
        _check_kind(kind)
        with self._lock:
            txn = Transaction(self._storage)
            if txn.get(kind, record_id) is None:
                raise StoreError(f"no {kind} record {record_id!r} to delete")
            key = _key(kind, record_id)
            txn.put(SYNC, key, _pending(txn.get(SYNC, key), deleted=True))
            self._queue(txn, kind, record_id, op_id=op_id, queued_at=queued_at, deleted=True)
            txn.commit()

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
        key = _key(kind, record_id)
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
        _check_kind(kind)
        with self._lock:
            return self._record(kind, record_id, include_deleted=True)

    def all(self, kind: str) -> list[StoredRecord]:
        """Every record of ``kind`` except those deleted locally."""
        _check_kind(kind)
        with self._lock:
            return self._records(kind, self._db.table(kind).ids())

    def search(self, kind: str, cond: QueryLike) -> list[StoredRecord]:
        """Records whose data matches a TinyDB query, e.g. ``Query().employer_id == x``."""
        _check_kind(kind)
        with self._lock:
            ids = [str(doc.doc_id) for doc in self._db.table(kind).search(cond)]
            return self._records(kind, ids)

    def needs_attention(self) -> list[StoredRecord]:
        """Records the server rejected or that ended in a conflict."""
        with self._lock:
            rows = self._db.table(SYNC).search(where("state").one_of(list(ATTENTION_STATES)))
            found = (
                self._record(*_split(str(row.doc_id)), include_deleted=True)
                for row in sorted(rows, key=lambda row: str(row.doc_id))
            )
            return [record for record in found if record is not None]

    def outbox(self, *, limit: int | None = None) -> list[OutboxEntry]:
        """Queued ops, oldest first."""
        with self._lock:
            rows = sorted(self._db.table(OUTBOX).all(), key=lambda row: row["seq"])
            return [outbox_entry(row) for row in rows[:limit]]

    def pending_count(self) -> int:
        with self._lock:
            return len(self._db.table(OUTBOX))

    def _records(self, kind: str, ids: Sequence[str]) -> list[StoredRecord]:
        # Copying tens of thousands of records otherwise spends most of its time in the cyclic
        # collector scanning the whole store (see codec.paused_gc).
        with paused_gc():
            found = [self._record(kind, record_id) for record_id in ids]
        return [record for record in found if record is not None]

    def _record(self, kind: str, record_id: str, *, include_deleted: bool = False) -> StoredRecord | None:
        doc = self._db.table(kind).raw(record_id)
        if doc is None:
            return None
        sync = self._db.table(SYNC).raw(_key(kind, record_id))
        deleted = bool(sync is not None and sync.get("deleted", False))
        if deleted and not include_deleted:
            return None
        review = None if sync is None else clone(sync.get("review"))
        return StoredRecord(kind, clone(doc), sync_info(sync), review=review, deleted=deleted)

    # -- sync ----------------------------------------------------------------------------

    def record_outcomes(self, outcomes: Sequence[SyncOutcome]) -> None:
        """Record push results in one durable write; unknown or stale op ids are ignored."""
        for outcome in outcomes:
            _check_kind(outcome.kind)
            if outcome.state not in ("synced", "rejected", "conflict"):
                raise StoreError(f"a push outcome cannot be {outcome.state!r}")
        with self._lock:
            txn = Transaction(self._storage)
            for outcome in outcomes:
                key = _key(outcome.kind, outcome.record_id)
                queued = txn.get(OUTBOX, key)
                if queued is None:
                    continue  # already recorded, or superseded and since pushed: idempotent
                sync = txn.get(SYNC, key) or _pending(None, deleted=False)
                if queued["op_id"] != outcome.op_id:
                    # Edited since this op was pushed: the newer op still has to go. Only an
                    # accepted op moves the base version; after a rejection or conflict the
                    # newer op must be judged against the server's copy again.
                    if outcome.state == "synced" and outcome.server_version:
                        txn.put(SYNC, key, {**sync, "server_version": outcome.server_version})
                    continue
                txn.delete(OUTBOX, key)
                _settle(txn, outcome, sync, was_delete=queued["deleted"])
            txn.commit()

    def apply_remote(self, changes: Sequence[RemoteChange], *, cursor: str) -> None:
        """Apply pulled changes and advance the cursor together, in one durable write."""
        with self._lock:
            txn = Transaction(self._storage)
            for change in changes:
                _check_kind(change.kind)
                _apply_remote_change(txn, change)
            txn.put(CURSOR, "pull", {"cursor": cursor})
            txn.commit()

    def cursor(self) -> str | None:
        with self._lock:
            doc = self._db.table(CURSOR).raw("pull")
            return None if doc is None else str(doc["cursor"])

    def bump_attempts(self, op_ids: Sequence[str]) -> None:
        wanted = set(op_ids)
        with self._lock:
            txn = Transaction(self._storage)
            for row in self._db.table(OUTBOX).all():
                if row["op_id"] in wanted:
                    txn.put(OUTBOX, str(row.doc_id), {**row, "attempts": row["attempts"] + 1})
            txn.commit()

    def wipe_kind(self, kind: str) -> None:
        """Forget every record of ``kind``, with its sync state and queued ops."""
        _check_kind(kind)
        prefix = _key(kind, "")
        with self._lock:
            txn = Transaction(self._storage)
            txn.drop(kind)
            for table in (SYNC, OUTBOX):
                for key in self._db.table(table).ids():
                    if key.startswith(prefix):
                        txn.delete(table, key)
            txn.commit()

    # -- settings ------------------------------------------------------------------------

    def get_meta(self, key: str) -> Any:
        with self._lock:
            doc = self._db.table(META).raw(key)
            return None if doc is None else clone(doc["value"])

    def set_meta(self, key: str, value: Any) -> None:
        with self._lock:
            txn = Transaction(self._storage)
            txn.put(META, key, {"value": value})
            txn.commit()


def _settle(txn: Transaction, outcome: SyncOutcome, sync: Doc, *, was_delete: bool) -> None:
    """Apply the outcome of the op that is still the newest for its record."""
    kind, record_id, key = outcome.kind, outcome.record_id, _key(outcome.kind, outcome.record_id)
    if was_delete and outcome.state == "synced":
        txn.delete(kind, record_id)  # the server deleted it too: the tombstone is done
        txn.delete(SYNC, key)
        return
    local = txn.get(kind, record_id) or {}
    if outcome.server_data is not None:
        txn.put(kind, record_id, {"id": record_id, **outcome.server_data})
    info = SyncInfo(
        state=outcome.state,
        reason=outcome.reason,
        server_version=outcome.server_version or sync["server_version"],
        field_errors=dict(outcome.field_errors),
        conflict=_losing_values(outcome, local) if outcome.state == "conflict" else None,
    )
    # A refused delete leaves the record on the server, so it comes back locally.
    txn.put(SYNC, key, sync_doc(info, review=sync.get("review"), deleted=False))


def _losing_values(outcome: SyncOutcome, local: Doc) -> dict[str, Any] | None:
    """Field -> the value that lost, so the specialist can see and re-enter it."""
    if outcome.conflicts:
        return {str(c["field"]): c.get("other") for c in outcome.conflicts if "field" in c}
    if outcome.server_data is None:
        return None  # the server kept our copy's place open: nothing was replaced locally
    server = outcome.server_data
    return {k: v for k, v in local.items() if k not in ("id", "version") and server.get(k) != v}


def _apply_remote_change(txn: Transaction, change: RemoteChange) -> None:
    kind, record_id = change.kind, change.record_id
    key = _key(kind, record_id)
    sync = txn.get(SYNC, key)
    if sync is not None and _local_wins(txn, key, sync, change):
        txn.put(SYNC, key, {**sync, "review": change.review})
        return
    if change.data is None:
        txn.delete(kind, record_id)
        txn.delete(SYNC, key)
        return
    txn.put(kind, record_id, {"id": record_id, **change.data})
    synced = SyncInfo(state="synced", server_version=change.server_version)
    txn.put(SYNC, key, sync_doc(synced, review=change.review))


def _local_wins(txn: Transaction, key: str, sync: Doc, change: RemoteChange) -> bool:
    """Whether a pulled change must leave the local data alone (its review still lands)."""
    if txn.get(OUTBOX, key) is not None:
        return True  # a pending local edit: the push decides, not the pull
    known = int(sync["server_version"])
    if change.server_version < known:
        return True  # older than what the server already confirmed to us
    # The same version that produced a rejection or conflict must not silently clear it.
    return sync["state"] in ATTENTION_STATES and change.server_version <= known


def _pending(sync: Doc | None, *, deleted: bool) -> Doc:
    """Sync state after a local edit: pending, keeping the base version and review."""
    base = 0 if sync is None else int(sync["server_version"])
    review = None if sync is None else sync.get("review")
    return sync_doc(SyncInfo(server_version=base), review=review, deleted=deleted)


def _check_kind(kind: str) -> None:
    if not isinstance(kind, str) or not kind or kind.startswith("_") or "/" in kind:
        raise StoreError(f"invalid record kind {kind!r}")


def _key(kind: str, record_id: str) -> str:
    return f"{kind}/{record_id}"  # unambiguous: kinds never contain "/"


def _split(key: str) -> tuple[str, str]:
    kind, _, record_id = key.partition("/")
    return kind, record_id
