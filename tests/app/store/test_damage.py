"""Damaged files and a full disk, on the encrypted store the app runs: each kind of damage is
detected, the last good state comes back, the damage is reported, nothing saved before it is lost."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from app.store import JournalStorage, LocalStore, StoreFull, StoreKeyError
from app.store import files as files_module
from app.store import snapshots as snapshots_module
from app.store.codec import checked_payload, frame
from app.store.errors import STORAGE_FULL

from .conftest import SEALED_KEY, visit

KIND = "employer_visit"


def open_store(path: Path, **storage_args: Any) -> LocalStore:
    return LocalStore(JournalStorage(path, key=SEALED_KEY, **storage_args))


def save(store: LocalStore, *ids: str) -> None:
    for record_id in ids:
        store.save(KIND, visit(record_id), op_id=f"op-{record_id}", queued_at="t")


def ids_in(store: LocalStore) -> list[str]:
    return sorted(record.data["id"] for record in store.all(KIND))


def lines_of(journal: Path) -> list[bytes]:
    """Journal lines split on newlines only (``splitlines`` would also split on a ``\\r`` inside
    ciphertext, which sealed lines may hold)."""
    return [line + b"\n" for line in journal.read_bytes().split(b"\n")[:-1]]


def compacted_then_saved(path: Path) -> None:
    """v1, v2 in the snapshot (and its backup); v3, v4 in the journal after it."""
    with open_store(path) as store:
        save(store, "v1", "v2")
        store._storage.compact()  # type: ignore[attr-defined]
        save(store, "v3", "v4")


# -- snapshot ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "damage",
    [
        lambda blob: blob[:200] + bytes([blob[200] ^ 0x10]) + blob[201:],  # one flipped bit
        lambda blob: blob[: len(blob) // 2],  # truncated
        lambda blob: b"",  # emptied
        None,  # deleted
    ],
    ids=["bit-flip", "truncated", "empty", "missing"],
)
def test_damaged_sealed_snapshot_is_recovered_from_its_backup(tmp_path: Path, damage: Any) -> None:
    compacted_then_saved(tmp_path)
    snapshot = tmp_path / "snapshot.json"
    if damage is None:
        snapshot.unlink()
    else:
        snapshot.write_bytes(damage(snapshot.read_bytes()))
    with open_store(tmp_path) as store:
        assert ids_in(store) == ["v1", "v2", "v3", "v4"]  # nothing saved before the damage is lost
        assert len(store.outbox()) == 4
        assert "nothing was lost" in store.recovery_notes[0]
        assert store._storage.lost_changes == 0  # type: ignore[attr-defined]
        save(store, "v5")
    with open_store(tmp_path) as store:
        assert ids_in(store) == ["v1", "v2", "v3", "v4", "v5"] and store.recovery_notes == []


def test_backup_is_not_trusted_over_a_journal_reset_it_missed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the backup cannot be written, the journal is kept: backup + journal is still everything."""
    with open_store(tmp_path) as store:
        save(store, "v1")
        store._storage.compact()  # type: ignore[attr-defined]
        save(store, "v2")
        real = snapshots_module.replace_durably

        def backup_fails(target: Path, data: bytes) -> None:
            if target.name == "snapshot.bak":
                raise OSError(errno.ENOSPC, "No space left on device")
            real(target, data)

        monkeypatch.setattr(snapshots_module, "replace_durably", backup_fails)
        with pytest.raises(StoreFull):
            store._storage.compact()  # type: ignore[attr-defined]
        monkeypatch.undo()
        save(store, "v3")
    (tmp_path / "snapshot.json").write_bytes(b"garbage")
    with open_store(tmp_path) as store:
        assert ids_in(store) == ["v1", "v2", "v3"]


# -- journal -------------------------------------------------------------------------------------


def test_torn_sealed_tail_is_dropped_silently(tmp_path: Path) -> None:
    compacted_then_saved(tmp_path)
    journal = tmp_path / "journal.log"
    journal.write_bytes(journal.read_bytes()[:-40])  # the last save never returned
    with open_store(tmp_path) as store:
        assert ids_in(store) == ["v1", "v2", "v3"] and store.recovery_notes == []


def test_damaged_sealed_line_is_set_aside_and_counted(tmp_path: Path) -> None:
    compacted_then_saved(tmp_path)
    journal = tmp_path / "journal.log"
    first, second = lines_of(journal)
    broken = first[:30] + (b"A" if first[30:31] != b"A" else b"B") + first[31:]
    journal.write_bytes(broken + second)
    with open_store(tmp_path) as store:
        assert ids_in(store) == ["v1", "v2", "v4"]  # the last good state: only v3's line is unreadable
        assert store._storage.lost_changes == 1  # type: ignore[attr-defined]
        assert "journal damaged" in store.recovery_notes[0]
    assert (tmp_path / "journal.corrupt-1").read_bytes().startswith(broken)


def test_line_with_a_good_checksum_that_does_not_decrypt_is_damage(tmp_path: Path) -> None:
    """The snapshot named our key, so a line that does not authenticate was changed, not mis-keyed."""
    compacted_then_saved(tmp_path)
    journal = tmp_path / "journal.log"
    first, second = lines_of(journal)
    payload = checked_payload(first[:-1])
    assert payload is not None
    forged = frame(payload[:-8] + b"AAAAAAAA")  # a valid checksum over a changed ciphertext
    journal.write_bytes(forged + second)
    with open_store(tmp_path) as store:
        assert ids_in(store) == ["v1", "v2", "v4"]
        assert store._storage.lost_changes == 1  # type: ignore[attr-defined]


# -- lock file -----------------------------------------------------------------------------------


def test_lock_file_with_garbage_is_harmless(tmp_path: Path) -> None:
    compacted_then_saved(tmp_path)
    (tmp_path / "lock").write_bytes(os.urandom(64))
    with open_store(tmp_path) as store:
        assert ids_in(store) == ["v1", "v2", "v3", "v4"] and store.recovery_notes == []


def test_unopenable_lock_file_is_replaced_and_reported(tmp_path: Path) -> None:
    compacted_then_saved(tmp_path)
    (tmp_path / "lock").unlink()
    (tmp_path / "lock").mkdir()  # e.g. a file-system repair left a directory in its place
    with open_store(tmp_path) as store:
        assert ids_in(store) == ["v1", "v2", "v3", "v4"]
        assert "lock file" in store.recovery_notes[0]
    assert (tmp_path / "lock.corrupt-1").is_dir() and (tmp_path / "lock").is_file()


# -- full disk -----------------------------------------------------------------------------------


class FillingDisk:
    """``os`` for the store's file writer, with ``budget`` bytes of free space left."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.os = SimpleNamespace(
            **{name: getattr(os, name) for name in dir(os) if not name.startswith("__")}
        )
        self.os.write = self.write

    def write(self, fd: int, data: Any) -> int:
        if self.budget <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        written = os.write(fd, bytes(data[: self.budget]))  # a short write, as a filling disk does
        self.budget -= written
        return written


def test_disk_full_during_a_save_says_so_and_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compacted_then_saved(tmp_path)
    store = open_store(tmp_path)
    journal_size = (tmp_path / "journal.log").stat().st_size
    disk = FillingDisk(budget=100)  # less than one sealed line
    monkeypatch.setattr(files_module, "os", disk.os)
    with pytest.raises(StoreFull) as refused:
        save(store, "v5")
    assert str(refused.value) == STORAGE_FULL == "Phone storage is full: free space and save again"
    assert store.get(KIND, "v5") is None and ids_in(store) == ["v1", "v2", "v3", "v4"]
    assert (tmp_path / "journal.log").stat().st_size == journal_size  # no half line left behind
    monkeypatch.undo()  # space freed
    save(store, "v5")
    store.close()
    with open_store(tmp_path) as reopened:
        assert ids_in(reopened) == ["v1", "v2", "v3", "v4", "v5"] and reopened.recovery_notes == []
        assert len(reopened.outbox()) == 5


def test_disk_full_during_compaction_says_so_and_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compacted_then_saved(tmp_path)
    store = open_store(tmp_path)
    snapshot = (tmp_path / "snapshot.json").read_bytes()
    monkeypatch.setattr(files_module, "os", FillingDisk(budget=300).os)  # runs out mid-snapshot
    with pytest.raises(StoreFull, match="Phone storage is full"):
        store._storage.compact()  # type: ignore[attr-defined]
    assert (tmp_path / "snapshot.json").read_bytes() == snapshot  # the old one is untouched
    assert not list(tmp_path.glob("*.tmp"))  # the half-written copy gave its space back
    monkeypatch.undo()
    save(store, "v5")  # the store is still usable
    store.close()
    with open_store(tmp_path) as reopened:
        assert ids_in(reopened) == ["v1", "v2", "v3", "v4", "v5"] and reopened.recovery_notes == []


def test_automatic_compaction_on_a_full_disk_does_not_fail_the_save(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(tmp_path, compact_min_bytes=2048)
    disk = FillingDisk(budget=6000)  # room for the journal lines, not for a snapshot too
    monkeypatch.setattr(files_module, "os", disk.os)
    saved = []
    for n in range(40):
        try:
            save(store, f"v{n:02d}")
        except StoreFull:
            break
        saved.append(f"v{n:02d}")
    assert len(saved) >= 4  # saves went on past the compaction point until the disk was full
    monkeypatch.undo()
    store.close()
    with open_store(tmp_path) as reopened:
        assert ids_in(reopened) == saved and reopened.recovery_notes == []


def test_migration_waits_when_the_disk_is_full(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with LocalStore.open(tmp_path) as plain:
        save(plain, "v1", "v2")
    monkeypatch.setattr(files_module, "os", FillingDisk(budget=0).os)
    with open_store(tmp_path) as store:  # opens, and works, on the old plaintext files
        assert ids_in(store) == ["v1", "v2"]
    monkeypatch.undo()
    with open_store(tmp_path) as store:  # migrated now
        assert ids_in(store) == ["v1", "v2"]
    with pytest.raises(StoreKeyError):
        LocalStore.open(tmp_path)
