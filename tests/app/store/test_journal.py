"""JournalStorage on disk: recovery from torn and damaged journals, compaction, TinyDB writes."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest
from tinydb import Query, TinyDB
from tinydb.storages import MemoryStorage

from app.store import (
    JournalStorage,
    LocalStore,
    MemoryJournalStorage,
    StoreCorrupted,
    StoreError,
    SyncOutcome,
)
from app.store import journal as journal_module
from app.store import snapshots as snapshots_module
from app.store.codec import Delete, DropTable, Put, frame

from .conftest import visit

KIND = "employer_visit"


def fill(path: Path, ids: list[str], **storage_args: Any) -> dict[str, Any]:
    """Save records ``ids`` into the store at ``path``; returns the resulting state."""
    store = LocalStore(JournalStorage(path, **storage_args))
    for n, record_id in enumerate(ids):
        store.save(KIND, visit(record_id), op_id=f"op-{n}", queued_at=f"t{n}")
    state = snapshot_of(store)
    store.close()
    return state


def snapshot_of(store: LocalStore) -> dict[str, Any]:
    return {
        "records": {r.data["id"]: r for r in store.all(KIND)},
        "outbox": store.outbox(),
        "cursor": store.cursor(),
    }


def lines_of_saving(path: Path, record_id: str) -> bytes:
    """The journal line a save of ``record_id`` writes, taken from a scratch store."""
    scratch = path.parent / f"scratch-{record_id}"
    fill(scratch, [record_id])
    return (scratch / "journal.log").read_bytes()


def journal_lines(path: Path) -> list[bytes]:
    return (path / "journal.log").read_bytes().splitlines(keepends=True)


def test_torn_last_line_is_dropped_silently(tmp_path: Path) -> None:
    state = fill(tmp_path, ["v1", "v2"])
    with open(tmp_path / "journal.log", "ab") as journal:
        journal.write(b'1234abcd [["p","employer_visit","v3",{"id":')  # killed mid-write
    store = LocalStore.open(tmp_path)
    assert snapshot_of(store) == state and store.recovery_notes == []
    store.save(KIND, visit("v4"), op_id="op-4", queued_at="t4")  # appends after the cut tail
    store.close()
    reopened = LocalStore.open(tmp_path)
    assert sorted(snapshot_of(reopened)["records"]) == ["v1", "v2", "v4"]
    assert reopened.recovery_notes == [] and not list(tmp_path.glob("journal.corrupt-*"))
    reopened.close()


def test_damaged_middle_line_is_set_aside_and_reported(tmp_path: Path) -> None:
    fill(tmp_path, ["v1", "v2", "v3"])
    lines = journal_lines(tmp_path)
    damaged = lines[1].replace(b'"v2"', b'"vX"', 1)  # checksum no longer matches
    (tmp_path / "journal.log").write_bytes(lines[0] + damaged + lines[2])

    store = LocalStore.open(tmp_path)
    assert sorted(snapshot_of(store)["records"]) == ["v1", "v3"]  # good lines around it replay
    assert len(store.recovery_notes) == 1 and "journal.corrupt-1" in store.recovery_notes[0]
    assert (tmp_path / "journal.corrupt-1").read_bytes() == damaged + lines[2]
    store.close()

    again = LocalStore.open(tmp_path)  # the damage was folded away: nothing new to report
    assert again.recovery_notes == [] and not (tmp_path / "journal.corrupt-2").exists()
    assert sorted(snapshot_of(again)["records"]) == ["v1", "v3"]
    again.close()


def test_complete_but_unreadable_last_line_is_kept_too(tmp_path: Path) -> None:
    fill(tmp_path, ["v1"])
    with open(tmp_path / "journal.log", "ab") as journal:
        journal.write(b"00000000 [] but not what was written\n")
    store = LocalStore.open(tmp_path)
    assert sorted(snapshot_of(store)["records"]) == ["v1"]
    assert len(store.recovery_notes) == 1 and (tmp_path / "journal.corrupt-1").exists()
    store.close()


@pytest.mark.parametrize("payload", [b"not json", b'{"p": 1}', b'[["p","t","a",[1]]]', b'[["z"]]'])
def test_checksummed_line_that_is_no_transaction_is_damage(tmp_path: Path, payload: bytes) -> None:
    fill(tmp_path, ["v1"])
    with open(tmp_path / "journal.log", "ab") as journal:
        journal.write(frame(payload))  # a checksum that matches by chance
        journal.write(lines_of_saving(tmp_path, "v2"))
    store = LocalStore.open(tmp_path)
    assert sorted(snapshot_of(store)["records"]) == ["v1", "v2"]
    assert len(store.recovery_notes) == 1
    store.close()


def test_compaction_keeps_everything(tmp_path: Path) -> None:
    storage = JournalStorage(tmp_path, compact_min_bytes=2048)  # compacts every few saves
    store = LocalStore(storage)
    for n in range(60):
        store.save(KIND, visit(f"v{n % 25}", notes=f"edit {n}"), op_id=f"op-{n}", queued_at=f"t{n}")
        if n % 7 == 0:
            first = store.outbox()[0]
            store.record_outcomes(
                [SyncOutcome(first.op_id, KIND, first.record_id, "synced", server_version=n)]
            )
    store.delete(KIND, "v3", op_id="op-del", queued_at="t99")
    store.apply_remote([], cursor="c9")
    assert storage.journal_bytes < (tmp_path / "snapshot.json").stat().st_size + 2048
    state = snapshot_of(store)
    store.close()
    reopened = LocalStore.open(tmp_path)
    assert snapshot_of(reopened) == state
    assert len(state["records"]) == 24 and reopened.recovery_notes == []
    reopened.close()


def test_crash_between_snapshot_and_journal_reset_replays_idempotently(tmp_path: Path) -> None:
    storage = JournalStorage(tmp_path)
    store = LocalStore(storage)
    for n in range(5):
        store.save(KIND, visit(f"v{n}"), op_id=f"op-{n}", queued_at=f"t{n}")
    store.save("employer", {"id": "e1", "version": 1}, op_id="op-e", queued_at="t")
    store.wipe_kind("employer")
    store.delete(KIND, "v1", op_id="op-d", queued_at="t")
    store.save(KIND, visit("v2", notes="changed"), op_id="op-c", queued_at="t")
    store.apply_remote([], cursor="c1")
    state = snapshot_of(store)
    old_journal = (tmp_path / "journal.log").read_bytes()
    storage.compact()
    store.close()
    (tmp_path / "journal.log").write_bytes(old_journal)  # as if the reset never happened

    reopened = LocalStore.open(tmp_path)
    assert snapshot_of(reopened) == state and reopened.all("employer") == []
    assert reopened.recovery_notes == []
    reopened.close()


def test_large_journal_is_compacted_on_open(tmp_path: Path) -> None:
    state = fill(tmp_path, [f"v{n}" for n in range(20)])
    storage = JournalStorage(tmp_path, compact_min_bytes=1024)
    assert storage.journal_bytes == 0 and (tmp_path / "snapshot.json").exists()
    store = LocalStore(storage)
    assert snapshot_of(store) == state
    store.close()


def test_failed_append_leaves_no_partial_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fill(tmp_path, ["v1"])
    store = LocalStore.open(tmp_path)
    size = (tmp_path / "journal.log").stat().st_size

    def disk_full(fd: int, data: bytes) -> None:
        os.write(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(journal_module, "write_all", disk_full)
    with pytest.raises(StoreError):
        store.save(KIND, visit("v2"), op_id="op-2", queued_at="t2")
    assert (tmp_path / "journal.log").stat().st_size == size
    assert store.get(KIND, "v2") is None
    monkeypatch.undo()
    store.save(KIND, visit("v3"), op_id="op-3", queued_at="t3")
    store.close()
    reopened = LocalStore.open(tmp_path)
    assert sorted(snapshot_of(reopened)["records"]) == ["v1", "v3"]
    assert reopened.recovery_notes == []
    reopened.close()


def test_store_refuses_writes_when_the_journal_cannot_be_repaired(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalStore.open(tmp_path)

    def fail(*args: object) -> None:
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(journal_module, "write_all", fail)
    monkeypatch.setattr("app.store.journal.os.ftruncate", fail)
    with pytest.raises(StoreError):
        store.save(KIND, visit("v1"), op_id="op-1", queued_at="t1")
    monkeypatch.undo()
    with pytest.raises(StoreError, match="repaired"):
        store.save(KIND, visit("v2"), op_id="op-2", queued_at="t2")
    store.close()


def test_bad_input_does_not_touch_the_files(tmp_path: Path) -> None:
    fill(tmp_path, ["v1"])
    before = (tmp_path / "journal.log").read_bytes()
    store = LocalStore.open(tmp_path)
    with pytest.raises(StoreError):
        store.save(KIND, visit("v2", when=object()), op_id="op-2", queued_at="t2")
    store.close()
    assert (tmp_path / "journal.log").read_bytes() == before


def test_a_store_is_open_in_one_place_at_a_time(tmp_path: Path) -> None:
    store = LocalStore.open(tmp_path)
    with pytest.raises(StoreError, match="already open"):
        LocalStore.open(tmp_path)
    store.close()
    LocalStore.open(tmp_path).close()


@pytest.mark.parametrize(
    "damage",
    [
        lambda blob: blob[:-3] + bytes([blob[-3] ^ 0x01]) + blob[-2:],  # a flipped bit
        lambda blob: blob[: len(blob) // 2],  # truncated
        lambda blob: blob.replace(b"fieldwork-snapshot 3", b"fieldwork-snapshot 9", 1),
        lambda blob: b"",
    ],
    ids=["bit-flip", "truncated", "unknown-format", "empty"],
)
def test_damaged_snapshot_is_replaced_by_its_backup(tmp_path: Path, damage: Any) -> None:
    storage = JournalStorage(tmp_path)
    storage.apply([Put("t", "a", {"x": 1})])
    storage.compact()
    storage.apply([Put("t", "b", {"x": 2})])
    storage.close()
    snapshot = tmp_path / "snapshot.json"
    damaged = damage(snapshot.read_bytes())
    snapshot.write_bytes(damaged)
    reopened = JournalStorage(tmp_path)
    assert reopened.read() == {"t": {"a": {"x": 1}, "b": {"x": 2}}}
    assert "backup snapshot was used" in reopened.recovery_notes[0]
    assert (tmp_path / "snapshot.corrupt-1").read_bytes() == damaged  # kept for a person to see
    reopened.close()
    again = JournalStorage(tmp_path)  # the snapshot was rewritten: no damage left
    assert again.read() == {"t": {"a": {"x": 1}, "b": {"x": 2}}} and again.recovery_notes == []
    again.close()


@pytest.mark.parametrize(
    "damage",
    [
        lambda blob: blob[:-3] + bytes([blob[-3] ^ 0x01]) + blob[-2:],  # a flipped bit
        lambda blob: blob[: len(blob) // 2],  # truncated
    ],
    ids=["bit-flip", "truncated"],
)
def test_snapshot_and_backup_both_damaged_is_refused_not_guessed(tmp_path: Path, damage: Any) -> None:
    storage = JournalStorage(tmp_path)
    storage.apply([Put("t", "a", {"x": 1})])
    storage.compact()
    storage.close()
    snapshot, backup = tmp_path / "snapshot.json", tmp_path / "snapshot.bak"
    snapshot.write_bytes(damage(snapshot.read_bytes()))
    backup.write_bytes(damage(backup.read_bytes()))
    with pytest.raises(StoreCorrupted, match="backup"):
        JournalStorage(tmp_path)
    assert snapshot.exists() and backup.exists()  # left for a person to look at
    snapshot.unlink()  # the refused open released its lock
    backup.unlink()
    JournalStorage(tmp_path).close()


def test_leftover_temporary_files_are_ignored(tmp_path: Path) -> None:
    state = fill(tmp_path, ["v1"])
    (tmp_path / "snapshot.json.tmp").write_bytes(b"half a snapshot")
    (tmp_path / "journal.log.tmp").write_bytes(b"junk")
    store = LocalStore.open(tmp_path)
    assert snapshot_of(store) == state
    store.close()
    assert not (tmp_path / "snapshot.json.tmp").exists()


def test_storage_apply_is_absolute_puts_deletes_and_drops(tmp_path: Path) -> None:
    storage = JournalStorage(tmp_path)
    storage.apply([Put("a", "1", {"n": 1}), Put("a", "2", {"n": 2}), Put("b", "1", {"n": 3})])
    storage.apply([Delete("a", "1"), Delete("a", "missing"), DropTable("b")])
    assert storage.read() == {"a": {"2": {"n": 2}}}
    storage.close()
    reopened = JournalStorage(tmp_path)
    assert reopened.read() == {"a": {"2": {"n": 2}}}
    reopened.close()


def tinydb_session(db: TinyDB) -> None:
    """TinyDB's own write path: insert, update, remove, truncate, drop_table."""
    people = db.table("people")
    people.insert_multiple([{"name": "Ann", "age": 30}, {"name": "Bo", "age": 41}])
    people.update({"age": 31}, Query().name == "Ann")
    people.insert({"name": "Cy", "age": 22})
    people.remove(Query().name == "Bo")
    db.table("scratch").insert({"x": 1})
    db.drop_table("scratch")
    db.table("empty").insert({"y": 1})
    db.table("empty").truncate()


@pytest.mark.parametrize("durable", [True, False])
def test_tinydb_full_writes_still_work(tmp_path: Path, durable: bool) -> None:
    expected_db = TinyDB(storage=MemoryStorage)
    tinydb_session(expected_db)
    expected = expected_db.storage.read()

    storage = JournalStorage(tmp_path) if durable else MemoryJournalStorage()
    db = TinyDB(storage=lambda: storage)
    tinydb_session(db)
    assert storage.read() == expected
    assert db.table("people").search(Query().age > 25) == [{"name": "Ann", "age": 31}]
    if durable:
        db.close()
        reopened = JournalStorage(tmp_path)
        assert reopened.read() == expected
        reopened.close()


def test_failed_compaction_does_not_fail_the_save(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    storage = JournalStorage(tmp_path, compact_min_bytes=1024)
    store = LocalStore(storage)

    def disk_full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(snapshots_module, "replace_durably", disk_full)
    for n in range(10):  # well past the threshold: every save still returns
        store.save(KIND, visit(f"v{n}"), op_id=f"op-{n}", queued_at="t")
    assert not (tmp_path / "snapshot.json").exists()
    monkeypatch.undo()
    state = snapshot_of(store)
    store.close()
    reopened = LocalStore.open(tmp_path)
    assert snapshot_of(reopened) == state
    reopened.close()


def test_failed_journal_reset_keeps_appending_to_the_live_journal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = JournalStorage(tmp_path)
    store = LocalStore(storage)
    store.save(KIND, visit("v1"), op_id="op-1", queued_at="t")

    def fail(*args: object) -> int:
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(journal_module, "fresh_append_file", fail)
    with pytest.raises(StoreError):
        storage.compact()  # the snapshot is new, the journal is still the old one
    monkeypatch.undo()
    store.save(KIND, visit("v2"), op_id="op-2", queued_at="t")
    state = snapshot_of(store)
    store.close()
    reopened = LocalStore.open(tmp_path)
    assert snapshot_of(reopened) == state and sorted(state["records"]) == ["v1", "v2"]
    reopened.close()


def test_failed_tinydb_write_goes_back_to_the_durable_state(tmp_path: Path) -> None:
    storage = JournalStorage(tmp_path)
    db = TinyDB(storage=lambda: storage)
    db.table("people").insert({"name": "Ann"})
    with pytest.raises(StoreError):
        db.table("people").insert({"name": "Bo", "photo": b"raw"})
    assert storage.read() == {"people": {"1": {"name": "Ann"}}}
    assert db.table("people").all() == [{"name": "Ann"}]
    db.close()
