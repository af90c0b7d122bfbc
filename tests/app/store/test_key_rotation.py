"""Key rotation: the store is re-encrypted under a new key, nothing is lost, and the old key no
longer opens it, even when the rotating process is killed at any of its steps."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.device_data import DeviceData
from app.store import LocalStore, RemoteChange, StoreKeyError, SyncOutcome
from app.store.rotation import main as rotate_command
from app.store.rotation import open_store, open_store_async, rotate, rotate_async
from app.store.sealing import Sealer
from app.store_key import FileKeysInThread, FileKeyStore, SecureStorageKeyStore, decode_key, key_file
from tests.app.test_store_key import FakeSecureStorage

from .conftest import visit
from .test_kill import REPO, Writer

ROTATOR = Path(__file__).with_name("_rotator.py")
KIND = "employer_visit"
STEPS = [
    "key-pending",
    "snapshot-written",
    "backup-written",
    "journal-reset",
    "key-switched",
    "copy-switched",
]


def filled(path: Path, keys: FileKeyStore) -> LocalStore:
    """A store holding records in every sync state, a queued delete, a cursor and a setting."""
    store = open_store(path, keys)
    for n in range(6):
        store.save(KIND, visit(f"v{n}", version=n), op_id=f"op-{n}", queued_at=f"t{n}")
    store.record_outcomes([SyncOutcome("op-0", KIND, "v0", "synced", server_version=3)])
    store.record_outcomes([SyncOutcome("op-1", KIND, "v1", "rejected", reason="no employer")])
    store.delete(KIND, "v2", op_id="op-del", queued_at="t9")
    remote = RemoteChange(
        kind="employer", record_id="e1", server_version=4, data={"id": "e1", "name": "Deli"}
    )
    store.apply_remote([remote], cursor="cursor-17")
    store.set_meta("last_sync", "2026-05-04T09:30:00+00:00")
    return store


def everything(store: LocalStore) -> dict[str, Any]:
    return {
        "visits": [store.get(KIND, f"v{n}") for n in range(6)],
        "employers": store.all("employer"),
        "outbox": store.outbox(),
        "attention": store.needs_attention(),
        "cursor": store.cursor(),
        "meta": store.get_meta("last_sync"),
    }


def test_rotation_keeps_every_record_the_outbox_and_the_cursor(tmp_path: Path) -> None:
    keys = FileKeyStore(key_file(tmp_path / "device"))
    store = filled(tmp_path / "device", keys)
    before = everything(store)
    old = keys.load_or_create()
    rotate(store, keys)
    assert everything(store) == before  # the open store goes on as it was
    store.save(KIND, visit("v9"), op_id="op-9", queued_at="t10")  # sealed with the new key
    store.close()

    new = keys.load_or_create()
    assert new != old and keys.load_pending() is None
    with LocalStore.open(tmp_path / "device", key=new) as reopened:  # the new key alone opens it
        assert reopened.recovery_notes == []
        assert everything(reopened) == before | {"outbox": [*before["outbox"], reopened.outbox()[-1]]}
        assert reopened.get(KIND, "v9") is not None


def test_the_old_key_no_longer_opens_the_store_and_no_file_holds_it(tmp_path: Path) -> None:
    keys = FileKeyStore(key_file(tmp_path / "device"))
    store = filled(tmp_path / "device", keys)
    old = keys.load_or_create()
    rotate(store, keys)
    store.close()
    with pytest.raises(StoreKeyError):
        LocalStore.open(tmp_path / "device", key=old)
    old_id = Sealer(old).key_id
    for file in (tmp_path / "device").iterdir():
        assert old_id not in file.read_bytes()[:200], file.name
    assert keys_on_disk(keys) == ({keys.load_or_create()}, None)
    assert sorted(file.name for file in tmp_path.glob("device.key*")) == ["device.key", "device.key.copy"]


def test_a_phone_rotates_through_secure_storage(tmp_path: Path) -> None:
    async def scenario() -> None:
        secure = FakeSecureStorage()
        keys = SecureStorageKeyStore(secure)
        store = await open_store_async(tmp_path / "device", keys)
        store.save(KIND, visit("v1"), op_id="op-1", queued_at="t1")
        old = await keys.load_or_create()
        steps: list[str] = []
        await rotate_async(store, keys, step=steps.append)
        store.close()
        assert steps == [*STEPS[:4], "key-switched", "rotated"]
        assert list(secure.values) == ["fieldwork.store_key"]  # the pending entry is gone
        new = await keys.load_or_create()
        assert new != old
        with pytest.raises(StoreKeyError):
            LocalStore.open(tmp_path / "device", key=old)
        with await open_store_async(tmp_path / "device", keys) as reopened:
            assert reopened.get(KIND, "v1") is not None

    asyncio.run(scenario())


def test_an_interrupted_rotation_is_finished_when_the_app_opens_the_store(tmp_path: Path) -> None:
    """The app's own opening path (key files in a thread) finishes what a kill left half done."""
    keys = FileKeyStore(key_file(tmp_path / "device"))
    store = filled(tmp_path / "device", keys)
    before = everything(store)
    pending = keys.begin_rotation()
    store.rotate_key(pending)  # the files are re-sealed, the key store not yet switched
    store.close()
    with pytest.raises(StoreKeyError):
        LocalStore.open(tmp_path / "device", key=keys.load_or_create())  # the old key alone fails

    async def reopen() -> LocalStore:  # as app.main opens the store on a computer
        return await DeviceData(tmp_path / "device", FileKeysInThread(keys)).open()

    with asyncio.run(reopen()) as reopened:
        assert everything(reopened) == before and reopened.recovery_notes == []
    assert keys.load_or_create() == pending and keys.load_pending() is None


def test_the_command_rotates_a_store_on_this_computer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = FileKeyStore(key_file(tmp_path / "device"))
    store = filled(tmp_path / "device", keys)
    old = keys.load_or_create()
    # While the app holds the store the command refuses and changes nothing.
    assert rotate_command(["--store", str(tmp_path / "device")]) == 1
    assert "already open" in capsys.readouterr().out
    assert keys.load_or_create() == old and keys.load_pending() is None
    before = everything(store)
    store.close()

    assert rotate_command(["--store", str(tmp_path / "device")]) == 0
    assert "re-encrypted" in capsys.readouterr().out
    assert keys.load_or_create() != old
    with open_store(tmp_path / "device", keys) as reopened:
        assert everything(reopened) == before


class Rotator(Writer):
    """``_rotator.py`` in a child process, stopped (blocked on stdin) at the line ``pause_at``."""

    def __init__(self, store_dir: Path, *, run: int, pause_at: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        args = [sys.executable, str(ROTATOR), str(store_dir), str(run), pause_at]
        pipe = subprocess.PIPE
        self.child = subprocess.Popen(args, stdin=pipe, stdout=pipe, stderr=pipe, env=env)
        self.lines = []
        self._tail = b""


def keys_on_disk(keys: FileKeyStore) -> tuple[set[bytes], bytes | None]:
    """The current key files' keys and the pending key, read without repairing anything."""
    found = {
        file: decode_key(file.read_text()) if file.exists() else None
        for file in (keys.path, keys.copy, keys.pending, keys.pending_copy)
    }
    pending = found[keys.pending] or found[keys.pending_copy]
    return {key for file, key in found.items() if key is not None and file in (keys.path, keys.copy)}, pending


def verify_copy(store_dir: Path, work: Path, promised: dict[str, int], *, old: set[bytes], run: int) -> None:
    """Open a copy of the store and its key files as the app would and check every promise; the
    copy keeps the original as the kill left it for the next run to recover."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    shutil.copytree(store_dir, work / "store")
    for file in store_dir.parent.glob("store.key*"):
        shutil.copy2(file, work / file.name)
    keys = FileKeyStore(key_file(work / "store"))
    with open_store(work / "store", keys) as store:  # must always open, whichever keys it finds
        assert store.recovery_notes == [], f"run {run}: {store.recovery_notes}"  # a kill is not damage
        queued = {entry.record_id for entry in store.outbox()}
        for record_id, version in promised.items():
            stored = store.get(KIND, record_id)
            assert stored is not None, f"run {run}: lost {record_id}"
            assert stored.data["version"] >= version, f"run {run}: {record_id} went back"
            assert record_id in queued, f"run {run}: {record_id} has no outbox entry"
    current = keys.load_or_create()
    assert keys.load_pending() is None and current not in old, f"run {run}: rotation not finished"
    assert keys_on_disk(keys) == ({current}, None)
    LocalStore.open(work / "store", key=current).close()  # the one key left opens it alone
    for retired in old:
        with pytest.raises(StoreKeyError):
            LocalStore.open(work / "store", key=retired)


@pytest.mark.slow
def test_a_kill_at_any_step_of_a_rotation_loses_nothing(tmp_path: Path) -> None:
    """Each run is killed at one step, of its own rotation or of the one it finishes on opening
    (``open:<step>``, left pending by the run before); the store and its key files must then open
    with every save whose acknowledgement was printed."""
    store_dir = tmp_path / "store"
    pauses = [
        "key-pending",
        *(f"open:{step}" for step in STEPS[1:]),
        *STEPS[1:],
        "rotated",
        "saved",
    ]
    promised: dict[str, int] = {}
    for run, pause_at in enumerate(pauses, start=1):
        # Every key the store was under before this run, but the one it was moving to.
        current_keys, pending = keys_on_disk(FileKeyStore(key_file(store_dir)))
        old = current_keys - {pending}
        rotator = Rotator(store_dir, run=run, pause_at=pause_at)
        rotator.read_until(lambda lines, at=pause_at: bool(lines) and lines[-1] == at)  # type: ignore[misc]
        lines = rotator.kill()
        assert lines[-1] == pause_at
        for line in lines:
            parts = line.split()
            if len(parts) == 2:
                promised[parts[0]] = int(parts[1])
        verify_copy(store_dir, tmp_path / "check", promised, old=old, run=run)
    assert len(promised) >= 20
