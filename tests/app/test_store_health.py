"""The specialist is told when the phone's saved data was repaired, and when a save finds the disk
full; damaged team credentials ask to connect again and keep every record."""

from __future__ import annotations

import asyncio
import errno
import itertools
from pathlib import Path

import pytest

from app.credentials import (
    CREDENTIALS_DAMAGED,
    CheckedFileCredentialStore,
    CredentialsDamaged,
    InThread,
    SecureStorageCredentialStore,
)
from app.device_sync import DeviceApi, DeviceSync
from app.domain.clock import FakeClock
from app.domain.records import Employer
from app.records import RecordService
from app.state.employers import EmployerFormState
from app.state.store_health import remember_recovery
from app.state.sync_status import OfflineSyncStatus
from app.state.today import TodayState
from app.store import LocalStore
from app.store import journal as journal_module
from sync.credentials import Credentials
from tests.app.conftest import NOW
from tests.app.test_store_key import FakeSecureStorage

KEY = bytes(range(32))


def service_on(store: LocalStore) -> RecordService:
    counter = itertools.count(1)
    return RecordService(store, clock=FakeClock(NOW), new_id=lambda: f"id-{next(counter):04d}")


def opened(path: Path) -> LocalStore:
    """Open as the app does: the repairs this open made become the notice Today shows."""
    store = LocalStore.open(path, key=KEY)
    remember_recovery(store)
    return store


def today_of(store: LocalStore) -> TodayState:
    return TodayState(service_on(store), sync_status=OfflineSyncStatus(store))


def damaged_store(path: Path, *, journal_line: bool) -> None:
    with opened(path) as store:
        service = service_on(store)
        service.save(Employer(name="Riverside Café"))
        store._storage.compact()  # type: ignore[attr-defined]
        service.save(Employer(name="Fellside Garden Centre"))
        service.save(Employer(name="Lakeland Print Co"))
    if journal_line:
        journal = path / "journal.log"
        lines = [line + b"\n" for line in journal.read_bytes().split(b"\n")[:-1]]
        journal.write_bytes(lines[0][:40] + b"@" + lines[0][41:] + lines[1])
    else:
        (path / "snapshot.json").write_bytes(b"\0" * 64)


def test_a_clean_phone_shows_no_notice(tmp_path: Path) -> None:
    with opened(tmp_path / "store") as store:
        assert today_of(store).store_notice is None


def test_a_snapshot_repaired_from_its_backup_is_told_on_today_until_dismissed(tmp_path: Path) -> None:
    damaged_store(tmp_path / "store", journal_line=False)
    with opened(tmp_path / "store") as store:
        today = today_of(store)
        assert today.store_notice is not None and "Nothing you saved was lost" in today.store_notice
        assert len(store.all("employer")) == 3
    with opened(tmp_path / "store") as store:  # an app restart before reading it keeps the notice
        today = today_of(store)
        assert today.store_notice is not None
        today.dismiss_store_notice()
        assert today.store_notice is None
    with opened(tmp_path / "store") as store:
        assert today_of(store).store_notice is None


def test_an_unreadable_change_is_counted_in_the_notice(tmp_path: Path) -> None:
    damaged_store(tmp_path / "store", journal_line=True)
    with opened(tmp_path / "store") as store:
        notice = today_of(store).store_notice
        assert notice is not None and "1 change could not be read" in notice
        assert [r.data["name"] for r in store.all("employer")] == ["Riverside Café", "Lakeland Print Co"]


def test_a_full_disk_gives_the_form_a_plain_sentence_and_keeps_what_was_typed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with opened(tmp_path / "store") as store:
        service = service_on(store)
        service.save(Employer(name="Riverside Café"))

        def disk_full(fd: int, data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(journal_module, "write_all", disk_full)
        form = EmployerFormState(service)
        form.set_field("name", "Kent Valley Care Home")
        result = form.on_save()
        assert result.saved is None
        assert result.message == "Not saved. Phone storage is full: free space and save again."
        assert form.text("name") == "Kent Valley Care Home"
        monkeypatch.undo()
        assert form.on_save().saved is not None
        assert len(store.all("employer")) == 2


def credentials() -> Credentials:
    return Credentials("http://127.0.0.1:9", "tok-1", "dev-1", "Ana", "IPS North")


def test_a_damaged_credentials_file_is_set_aside_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "credentials.json"
    CheckedFileCredentialStore(path).save(credentials())
    assert CheckedFileCredentialStore(path).load() == credentials()
    path.write_text(path.read_text()[:25])  # truncated
    with pytest.raises(CredentialsDamaged):
        CheckedFileCredentialStore(path).load()
    assert not path.exists()
    assert (tmp_path / "credentials.json.corrupt").exists()
    assert CheckedFileCredentialStore(path).load() is None  # after that: simply not connected


def test_damaged_secure_storage_credentials_are_removed_and_reported() -> None:
    storage = FakeSecureStorage()
    store = SecureStorageCredentialStore(storage)
    asyncio.run(store.save(credentials()))
    assert asyncio.run(store.load()) == credentials()
    storage.values["fieldwork.credentials"] = "{not json"
    with pytest.raises(CredentialsDamaged):
        asyncio.run(store.load())
    assert asyncio.run(store.load()) is None


def no_client(*args: object) -> DeviceApi:
    raise AssertionError("a phone without credentials makes no client")


def test_damaged_credentials_ask_to_connect_again_and_keep_the_outbox(tmp_path: Path) -> None:
    path = tmp_path / "credentials.json"
    path.write_text('{"server_url": "http://127.0.0.1:9", "tok')
    with opened(tmp_path / "store") as store:
        service_on(store).save(Employer(name="Riverside Café"))
        link = DeviceSync(store, clock=FakeClock(NOW), make_client=no_client, device_name="test")
        asyncio.run(link.start(InThread(CheckedFileCredentialStore(path))))
        summary = link.summary()
        assert summary.label.startswith(CREDENTIALS_DAMAGED) and summary.action == "connect"
        assert summary.kind == "error" and store.pending_count() == 1
