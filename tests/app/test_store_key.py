"""Where the store's key is kept: a 0600 file and its copy beside the store, or secure storage."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import pytest

from app.store import LocalStore, StoreKeyError
from app.store_key import SECURE_KEY, FileKeyStore, SecureStorageKeyStore, key_file


def test_the_key_is_made_once_and_kept_owner_only_beside_the_store(tmp_path: Path) -> None:
    path = key_file(tmp_path / "var" / "device")
    assert path == tmp_path / "var" / "device.key"  # beside the store folder, not inside it
    key = FileKeyStore(path).load_or_create()
    assert len(key) == 32 and FileKeyStore(path).load_or_create() == key
    for file in (path, path.with_name("device.key.copy")):
        assert stat.S_IMODE(file.stat().st_mode) == 0o600


def test_a_damaged_key_file_is_repaired_from_its_copy(tmp_path: Path) -> None:
    keys = FileKeyStore(tmp_path / "device.key")
    key = keys.load_or_create()
    keys.path.write_text(keys.path.read_text().replace("fieldwork", "fieldwerk"))
    assert FileKeyStore(keys.path).load_or_create() == key
    keys.copy.unlink()
    assert FileKeyStore(keys.path).load_or_create() == key and keys.copy.exists()


def test_both_key_files_damaged_is_refused_never_replaced(tmp_path: Path) -> None:
    keys = FileKeyStore(tmp_path / "device.key")
    keys.load_or_create()
    keys.path.write_text("junk")
    keys.copy.write_text(keys.copy.read_text()[:20])  # truncated
    with pytest.raises(StoreKeyError, match="damaged"):
        FileKeyStore(keys.path).load_or_create()
    assert keys.path.read_text() == "junk"  # a new key would make the store unreadable for good


def test_a_new_key_cannot_open_a_store_made_with_a_lost_one(tmp_path: Path) -> None:
    keys = FileKeyStore(tmp_path / "device.key")
    LocalStore.open(tmp_path / "device", key=keys.load_or_create()).close()
    keys.path.unlink()
    keys.copy.unlink()
    with pytest.raises(StoreKeyError):
        LocalStore.open(tmp_path / "device", key=FileKeyStore(keys.path).load_or_create())


class FakeSecureStorage:
    """flet-secure-storage's async get/set/remove, in memory."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    async def get(self, key: str) -> str | None:
        return self.values.get(key)

    async def set(self, key: str, value: str) -> None:
        self.values[key] = value

    async def remove(self, key: str) -> None:
        self.values.pop(key, None)


def test_on_a_phone_the_key_lives_in_secure_storage() -> None:
    storage = FakeSecureStorage()
    key = asyncio.run(SecureStorageKeyStore(storage).load_or_create())
    assert SECURE_KEY in storage.values and key.hex() not in storage.values[SECURE_KEY]
    assert asyncio.run(SecureStorageKeyStore(storage).load_or_create()) == key
    storage.values[SECURE_KEY] = storage.values[SECURE_KEY][:-5]
    with pytest.raises(StoreKeyError, match="damaged"):
        asyncio.run(SecureStorageKeyStore(storage).load_or_create())
