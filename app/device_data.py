"""Everything Fieldwork keeps on this device, and the remote wipe that deletes it.

A device keeps a store folder (records, comments, sync state, outbox; encrypted) and the key that
opens it (secure storage on a phone, two 0600 files beside the folder elsewhere). When its team
signs the phone out, ``erase`` deletes both in an order that leaves nothing readable wherever a
crash stops it:

1. the store is closed and its folder renamed to ``<name>.erased`` (one atomic rename: from here
   on, opening the store finds an empty one);
2. the key is deleted, so whatever is left of the old files cannot be decrypted any more;
3. the renamed folder is deleted.

An erase cut short after step 1 is finished (steps 2 and 3) by the next ``open``.

Then a new key and an empty store are made, so the phone can join a team again with a new code.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from pathlib import Path
from typing import Protocol

from app.store import LocalStore
from app.store.files import fsync_dir
from app.store.rotation import AsyncRotatingKeys, open_store_async


class KeyStore(AsyncRotatingKeys, Protocol):
    async def forget(self) -> None: ...


class Eraser(Protocol):
    async def erase(self, store: LocalStore) -> LocalStore:
        """Delete everything ``store`` and its key hold; return a new, empty store."""
        ...


def open_store(path: str | Path, key: bytes) -> LocalStore:
    """The encrypted record store (an unencrypted one from an older version is migrated)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return LocalStore.open(path, key=key)


def erased_folder(store_path: str | Path) -> Path:
    store = Path(store_path).resolve()
    return store.with_name(f"{store.name}.erased")


def finish_erase(store_path: str | Path) -> None:
    """Delete the store folder an erase set aside (once its key is gone)."""
    aside = erased_folder(store_path)
    if aside.exists():
        shutil.rmtree(aside)
        fsync_dir(aside.parent)


def set_aside(store_path: str | Path) -> None:
    store = Path(store_path).resolve()
    finish_erase(store)  # a rename onto an existing folder would fail
    with contextlib.suppress(FileNotFoundError):  # never opened: nothing to set aside
        os.replace(store, erased_folder(store))
        fsync_dir(store.parent)


class DeviceData:
    """This device's store folder and the key store that opens it."""

    def __init__(self, store_path: str | Path, keys: KeyStore) -> None:
        self.store_path = Path(store_path)
        self.keys = keys

    async def open(self) -> LocalStore:
        if erased_folder(self.store_path).exists():
            await self._finish_erase()  # the last erase was cut short
        await asyncio.to_thread(self.store_path.parent.mkdir, parents=True, exist_ok=True)
        return await open_store_async(self.store_path, self.keys)  # finishes a key rotation cut short

    async def erase(self, store: LocalStore) -> LocalStore:
        store.close()
        await asyncio.to_thread(set_aside, self.store_path)
        await self._finish_erase()
        return await self.open()

    async def _finish_erase(self) -> None:
        await self.keys.forget()  # first: what the next step leaves is unreadable without it
        await asyncio.to_thread(finish_erase, self.store_path)


class MemoryData:
    """A store kept in memory only (tests, previews): erasing it is closing it."""

    async def erase(self, store: LocalStore) -> LocalStore:
        store.close()
        return LocalStore.in_memory()
