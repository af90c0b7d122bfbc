"""Fixtures for the store tests: one contract suite runs over memory, journal, encrypted journal,
and a journal compacted at every reopen (so the reopened store reads record kinds still encoded
in the snapshot: app.store.lazy)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.store import JournalStorage, LocalStore

SEALED_KEY = bytes(range(32))  # a fixed test key; the app's comes from secure storage


class StoreHarness:
    """A store plus ``reopen()``: a no-op in memory, a real close-and-open on disk."""

    def __init__(self, kind: str, path: Path) -> None:
        self.kind = kind
        self.path = path
        self.store = self._open()

    @property
    def durable(self) -> bool:
        return self.kind in ("journal", "sealed", "compacted")

    def reopen(self) -> LocalStore:
        if self.durable:
            if self.kind == "compacted":
                storage = self.store.storage
                assert isinstance(storage, JournalStorage)
                storage.compact()
            self.store.close()
            self.store = self._open()
        return self.store

    def close(self) -> None:
        self.store.close()

    def _open(self) -> LocalStore:
        if not self.durable:
            return LocalStore.in_memory()
        return LocalStore.open(self.path, key=SEALED_KEY if self.kind == "sealed" else None)


@pytest.fixture(params=["memory", "journal", "sealed", "compacted"])
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreHarness]:
    harness = StoreHarness(request.param, tmp_path / "store")
    yield harness
    harness.close()


@pytest.fixture
def store(harness: StoreHarness) -> LocalStore:
    return harness.store


def visit(record_id: str, **fields: Any) -> dict[str, Any]:
    """A realistic employer visit record."""
    record: dict[str, Any] = {
        "id": record_id,
        "version": 1,
        "employer_id": "emp-1",
        "visited_at": "2024-05-02T10:15:00+00:00",
        "geotag": {"lat": 54.3275, "lon": -2.7463, "accuracy_m": 12.5},
        "notes": "Met the store manager; two openings on the night shift.",
        "job_seeker_ids": ["js-1", "js-2"],
    }
    record.update(fields)
    return record
