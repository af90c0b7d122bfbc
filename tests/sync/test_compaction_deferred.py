"""A sync pass writes down one batch after another; the store's housekeeping (folding its journal
into a snapshot) waits instead of stalling the pass between batches, up to a bound on the journal,
and runs while the last batch is on the air; every batch's outcome is as durable as before."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from app.domain.outbox import SyncOutcome
from app.store import LocalStore
from app.store.journal import JournalStorage
from sync.engine import Progress, SyncEngine
from sync.protocol import Operation, PushResponse
from tests.sync.applying_api import ApplyingApi
from tests.sync.records import employer, save, visit

SMALL = 16 * 1024  # a compaction every few batches without deferral
FAILURE_S = 10.0  # how long a broken engine gets before the test calls it broken


def filled(path: Path, count: int) -> tuple[LocalStore, JournalStorage]:
    storage = JournalStorage(path, compact_min_bytes=SMALL)
    store = LocalStore(storage)
    place = save(store, employer())
    for _ in range(count):
        save(store, visit(place.data["id"]))
    storage.compact()
    return store, storage


def watch_compactions(
    monkeypatch: pytest.MonkeyPatch, storage: JournalStorage, compacted: threading.Event | None = None
) -> list[int]:
    """The journal's size at each compaction (the real one runs, then `compacted` is set)."""
    sizes: list[int] = []
    real = storage._compact

    def compact(**kwargs: object) -> None:
        sizes.append(storage.journal_bytes)
        real(**kwargs)  # type: ignore[arg-type]
        if compacted is not None:
            compacted.set()

    monkeypatch.setattr(storage, "_compact", compact)
    return sizes


class LastAnswerHeld(ApplyingApi):
    """Answers the last batch only once the store has compacted (or the wait gives up)."""

    def __init__(
        self, last_push: int, compacted: threading.Event, then: Callable[[], object] = lambda: None
    ) -> None:
        self.pushes = 0
        self.last_push = last_push
        self.compacted = compacted
        self.compacted_in_flight = False
        self.then = then  # the specialist, once the store has compacted, before the answer

    def push(self, operations: list[Operation]) -> PushResponse:
        self.pushes += 1
        if self.pushes == self.last_push:
            self.compacted_in_flight = self.compacted.wait(FAILURE_S)
            self.then()
        return super().push(operations)


def test_a_pass_compacts_once_while_its_last_batch_is_on_the_air_and_keeps_every_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, storage = filled(tmp_path / "store", 120)  # 121 records: 13 batches of at most 10
    compacted = threading.Event()
    sizes = watch_compactions(monkeypatch, storage, compacted)
    api = LastAnswerHeld(last_push=13, compacted=compacted)
    during: list[int] = []

    def written_down(progress: Progress) -> None:
        if progress.phase == "push":
            during.append(len(sizes))

    report = SyncEngine(store, api, batch_size=10, on_progress=written_down).sync_once()
    assert report.pushed == 121 and store.pending_count() == 0
    # Nothing folded between batches; once, before the last answer came back (an engine that
    # compacts after the pass holds that answer until the wait gives up), not again after it.
    assert api.compacted_in_flight
    assert during == [0] * 12 + [1]
    assert len(sizes) == 1 and sizes[0] > storage.compaction_threshold()
    store.close()
    reopened = LocalStore.open(tmp_path / "store")
    assert reopened.pending_count() == 0
    assert {record.sync.state for record in reopened.all("employer_visit")} == {"synced"}
    reopened.close()


def test_a_save_made_while_the_store_compacts_during_the_last_push_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, storage = filled(tmp_path / "store", 120)
    compacted = threading.Event()
    watch_compactions(monkeypatch, storage, compacted)
    place = store.all("employer")[0]
    late = visit(place.data["id"])
    api = LastAnswerHeld(last_push=13, compacted=compacted, then=lambda: save(store, late))
    report = SyncEngine(store, api, batch_size=10).sync_once()
    assert api.compacted_in_flight and report.pushed == 121
    store.close()
    reopened = LocalStore.open(tmp_path / "store")
    assert [entry.record_id for entry in reopened.outbox()] == [late.id]  # queued for the next pass
    kept = reopened.get("employer_visit", late.id)
    assert kept is not None and kept.sync.state == "pending"
    assert sum(record.sync.state == "synced" for record in reopened.all("employer_visit")) == 120
    reopened.close()


def test_the_journal_stays_bounded_while_compactions_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, storage = filled(tmp_path / "store", 600)
    sizes = watch_compactions(monkeypatch, storage)
    bound = 2 * storage.compaction_threshold()
    most = 0
    with store.compaction_deferred(bound=2):
        for _ in range(200):  # bounded: the queue empties long before
            queued = store.outbox(limit=10)
            if not queued:
                break
            store.record_outcomes(
                [
                    SyncOutcome(
                        op_id=e.op_id, kind=e.kind, record_id=e.record_id, state="synced", server_version=1
                    )
                    for e in queued
                ]
            )
            most = max(most, storage.journal_bytes)
    assert store.pending_count() == 0
    assert len(sizes) >= 2  # the bound was reached while waiting, and the rest folded at the end
    assert all(size > bound for size in sizes[:-1])
    assert most <= bound + SMALL  # never more than the bound and a batch's line past it
    store.close()


def test_without_a_pass_compactions_run_as_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store, storage = filled(tmp_path / "store", 0)
    sizes = watch_compactions(monkeypatch, storage)
    place = save(store, employer())
    for _ in range(1000):  # bounded: a few hundred saves pass the threshold
        save(store, visit(place.data["id"]))
        assert storage.journal_bytes <= storage.compaction_threshold() + 4096
        if sizes:
            break
    assert sizes[0] <= storage.compaction_threshold() + 4096
    store.close()


def test_a_whole_stores_first_sync_folds_the_snapshot_only_while_its_last_batch_is_on_the_air(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Large enough that the threshold is the snapshot's thirty-second, not the floor: a push
    # outcome for every record then writes several thresholds of journal, as at 10,000 records.
    store, storage = filled(tmp_path / "store", 3000)
    assert storage.compaction_threshold() > SMALL
    compacted = threading.Event()
    sizes = watch_compactions(monkeypatch, storage, compacted)
    api = LastAnswerHeld(last_push=7, compacted=compacted)  # 3,001 records: 7 batches of 500
    report = SyncEngine(store, api, batch_size=500).sync_once()
    assert report.pushed == 3001 and store.pending_count() == 0
    assert api.compacted_in_flight
    assert len(sizes) == 1 and sizes[0] > 4 * storage.compaction_threshold()  # past the old bound
    store.close()
