"""A durable write that fails leaves the store exactly as it was: proven on the real journal file.

The fault is in the file system (``os.write``/``os.fsync`` on the journal's descriptor raise, see
``faults``), never in the store's own functions, so the code paths under test are the real ones.
"""

from __future__ import annotations

import copy
import errno
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tinydb import TinyDB

from app.store import JournalStorage, LocalStore, StoreError, StoreFull, SyncOutcome

from .conftest import SEALED_KEY, visit
from .faults import JournalFaults

KIND = "employer_visit"
ANSWER = SyncOutcome("op-1", KIND, "v1", "synced", server_version=1)


@dataclass(frozen=True)
class Fault:
    call: str  # "write" or "fsync"
    error: int = errno.ENOSPC
    partial: int = 0  # bytes of the line that reach the file before the write fails


FAULTS = {
    "disk full on write": Fault("write"),
    "disk full half way through the line": Fault("write", partial=40),
    "I/O error on fsync": Fault("fsync", error=errno.EIO),
    "disk full on fsync": Fault("fsync"),
}


@pytest.fixture(params=["plain", "sealed"])
def key(request: pytest.FixtureRequest) -> bytes | None:
    return SEALED_KEY if request.param == "sealed" else None


@pytest.fixture
def opened(tmp_path: Path, key: bytes | None) -> Iterator[tuple[JournalStorage, LocalStore]]:
    storage = JournalStorage(tmp_path / "store", key=key)
    store = LocalStore(storage)
    yield storage, store
    store.close()


def live_state(storage: JournalStorage) -> dict[str, Any]:
    """A deep copy of every table as the store holds it in memory."""
    return copy.deepcopy(storage.read() or {})


def assert_still_queued(store: LocalStore) -> None:
    stored = store.get(KIND, "v1")
    assert stored is not None and stored.sync.state == "pending" and stored.sync.server_version == 0
    assert [entry.op_id for entry in store.outbox()] == ["op-1"]


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
def test_a_failed_write_of_the_servers_answer_keeps_the_outbox_entry_and_the_pending_state(
    opened: tuple[JournalStorage, LocalStore],
    tmp_path: Path,
    key: bytes | None,
    fault: Fault,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    storage, store = opened
    store.save(KIND, visit("v1"), op_id="op-1", queued_at="t1")
    journal = (tmp_path / "store" / "journal.log").read_bytes()
    before = live_state(storage)
    faults = JournalFaults(tmp_path / "store", monkeypatch)

    faults.fail(fault.call, error=fault.error, partial=fault.partial)
    with pytest.raises(StoreFull if fault.error == errno.ENOSPC else StoreError):
        store.record_outcomes([ANSWER])

    assert faults.failed == [fault.call]  # the real write inside record_outcomes was the one refused
    assert live_state(storage) == before  # in memory: exactly as before the write
    assert (tmp_path / "store" / "journal.log").read_bytes() == journal  # on disk: no half line
    assert_still_queued(store)
    store.save(KIND, visit("v2"), op_id="op-2", queued_at="t2")  # still usable
    store.close()
    with LocalStore.open(tmp_path / "store", key=key) as reopened:
        stored = reopened.get(KIND, "v1")
        assert stored is not None and stored.sync.state == "pending" and stored.sync.server_version == 0
        assert [entry.op_id for entry in reopened.outbox()] == ["op-1", "op-2"]
        assert reopened.recovery_notes == []
        reopened.record_outcomes([ANSWER])  # space freed: the answer is written down at last
        assert [entry.op_id for entry in reopened.outbox()] == ["op-2"]


def test_a_journal_that_cannot_be_repaired_refuses_writes_and_keeps_memory_as_it_was(
    opened: tuple[JournalStorage, LocalStore],
    tmp_path: Path,
    key: bytes | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    storage, store = opened
    store.save(KIND, visit("v1"), op_id="op-1", queued_at="t1")
    before = live_state(storage)
    faults = JournalFaults(tmp_path / "store", monkeypatch)

    # Half a line reaches the file, and the fsync of the truncation that would remove it fails.
    faults.fail("write", partial=40)
    faults.fail("fsync", error=errno.EIO)
    with pytest.raises(StoreFull):
        store.record_outcomes([ANSWER])
    assert faults.failed == ["write", "fsync"]
    faults.heal()

    assert live_state(storage) == before
    assert_still_queued(store)
    with pytest.raises(StoreError, match="repaired"):  # it says so rather than append after junk
        store.save(KIND, visit("v2"), op_id="op-2", queued_at="t2")
    store.close()
    with LocalStore.open(tmp_path / "store", key=key) as reopened:  # the torn tail is dropped
        assert_still_queued(reopened)
        assert reopened.recovery_notes == []


class Interrupted(BaseException):
    """Stands for KeyboardInterrupt or SystemExit arriving in the middle of a save."""


def test_a_save_interrupted_between_write_and_fsync_leaves_no_line_that_memory_never_saw(
    opened: tuple[JournalStorage, LocalStore],
    tmp_path: Path,
    key: bytes | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    storage, store = opened
    journal = tmp_path / "store" / "journal.log"
    store.save(KIND, visit("v1"), op_id="op-1", queued_at="t1")
    size, before = journal.stat().st_size, live_state(storage)
    faults = JournalFaults(tmp_path / "store", monkeypatch)

    faults.fail("fsync", raising=Interrupted)  # the whole line is written, then the interrupt
    with pytest.raises(Interrupted):
        store.save(KIND, visit("v2"), op_id="op-2", queued_at="t2")
    assert journal.stat().st_size == size and live_state(storage) == before

    store.save(KIND, visit("v3"), op_id="op-3", queued_at="t3")  # returned: promised
    faults.fail("write", partial=40)  # and a later failed write must not cut into it
    with pytest.raises(StoreFull):
        store.save(KIND, visit("v4"), op_id="op-4", queued_at="t4")
    store.close()
    with LocalStore.open(tmp_path / "store", key=key) as reopened:
        assert sorted(r.data["id"] for r in reopened.all(KIND)) == ["v1", "v3"]
        assert [entry.op_id for entry in reopened.outbox()] == ["op-1", "op-3"]
        assert reopened.recovery_notes == []


@pytest.mark.parametrize("raising", [None, Interrupted], ids=["disk full", "interrupt"])
def test_a_failed_tinydb_write_goes_back_to_the_durable_state(
    tmp_path: Path, raising: type[BaseException] | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = JournalStorage(tmp_path / "store")
    db = TinyDB(storage=lambda: storage)
    db.table("people").insert({"name": "Ann", "tags": ["a"]})
    before = live_state(storage)
    faults = JournalFaults(tmp_path / "store", monkeypatch)

    faults.fail("fsync", raising=raising)  # TinyDB edits the live dict in place before writing
    with pytest.raises(StoreFull if raising is None else raising):
        db.table("people").update({"name": "Bo"})
    assert live_state(storage) == before
    assert db.table("people").all() == [{"name": "Ann", "tags": ["a"]}]
    db.close()
