"""Collects one operation's changes so the store writes them in a single durable ``apply``."""

from __future__ import annotations

from typing import Any

from app.store.base import ApplyingStorage
from app.store.codec import Change, Delete, DropTable, Put

Doc = dict[str, Any]


class Transaction:
    """Reads see the transaction's own pending writes; ``commit`` applies them all at once."""

    def __init__(self, storage: ApplyingStorage) -> None:
        self._storage = storage
        self._changes: list[Change] = []
        self._pending: dict[tuple[str, str], Doc | None] = {}
        self._dropped: set[str] = set()

    def get(self, table: str, doc_id: str) -> Doc | None:
        """The document as this transaction would leave it (live: do not mutate it)."""
        key = (table, doc_id)
        if key in self._pending:
            return self._pending[key]
        if table in self._dropped:
            return None
        return self._storage.peek(table, doc_id)

    def put(self, table: str, doc_id: str, doc: Doc) -> None:
        self._pending[(table, doc_id)] = doc
        self._changes.append(Put(table, doc_id, doc))

    def delete(self, table: str, doc_id: str) -> None:
        self._pending[(table, doc_id)] = None
        self._changes.append(Delete(table, doc_id))

    def drop(self, table: str) -> None:
        self._pending = {k: v for k, v in self._pending.items() if k[0] != table}
        self._dropped.add(table)
        self._changes.append(DropTable(table))

    def commit(self) -> None:
        self._storage.apply(self._changes)

    def touched(self) -> tuple[set[tuple[str, str]], set[str]]:
        """The (table, document id) pairs this transaction wrote, and the tables it dropped."""
        return {key for key in self._pending if key[0] not in self._dropped}, set(self._dropped)
