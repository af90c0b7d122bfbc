"""TinyDB as the store's query layer, over a storage whose writes bypass TinyDB."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from app.store.base import ApplyingStorage


class RecordTable(Table):
    """A TinyDB table keyed by the records' own string ids."""

    # Documents are keyed by their UUID strings; TinyDB's insert (which invents int ids) is
    # never called, so nothing needs int ids.
    document_id_class = str  # type: ignore[assignment]

    def __init__(
        self,
        storage: Storage,
        name: str,
        cache_size: int = Table.default_query_cache_capacity,
        persist_empty: bool = False,
    ) -> None:
        super().__init__(storage, name, cache_size, persist_empty)
        # Writes bypass Table._update_table, so the table cannot clear its own query cache;
        # the storage tells it instead.
        if isinstance(storage, ApplyingStorage):
            storage.add_listener(self._on_change)

    def raw(self, doc_id: str) -> Mapping[str, Any] | None:
        """The live stored document (no copy; never mutate it), or None."""
        if isinstance(self._storage, ApplyingStorage):
            return self._storage.peek(self.name, doc_id)  # one chunk of a table still encoded
        return self._read_table().get(doc_id)

    def raw_table(self) -> Mapping[str, Mapping[str, Any]]:
        """The live table itself, id -> document (no copies; never mutate either)."""
        return self._read_table()

    def ids(self) -> list[str]:
        return list(self._read_table())

    def raw_values(self) -> list[Mapping[str, Any]]:
        """The live stored documents (no copies; never mutate them)."""
        return list(self._read_table().values())

    def _on_change(self, tables: set[str] | None) -> None:
        if tables is None or self.name in tables:
            self.clear_cache()


class StoreDB(TinyDB):
    table_class = RecordTable

    def table(self, name: str, **kwargs: object) -> RecordTable:
        table = super().table(name, **kwargs)
        assert isinstance(table, RecordTable)
        return table


def open_db(storage: ApplyingStorage) -> StoreDB:
    # TinyDB constructs its storage from a class; hand it the instance we already built.
    return StoreDB(storage=lambda: storage)
