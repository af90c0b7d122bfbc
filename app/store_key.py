"""Where the key that encrypts the record store is kept: the phone's secure storage (Android
Keystore / iOS Keychain through flet-secure-storage) on a phone, a 0600 file beside the store
elsewhere. The key is made on first use and never leaves the device; losing it loses the store's
unsynced changes, so the file is kept twice and checksummed, and a missing key is never silently
replaced while an encrypted store exists (the store then refuses to open: ``StoreKeyError``).
``forget`` deletes the key for good: the remote wipe (app/device_data.py) does it when the team
signs the phone out.

A key rotation (``app.store.rotation``) keeps the new key as *pending* beside the current one
(``device.key.next`` and its copy; ``fieldwork.store_key.next`` in secure storage) before any
file is sealed with it, and retires the old key only after every file is: ``begin_rotation``,
then ``finish_rotation``. While a pending key exists the store opens with both.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import os
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.store.errors import StoreKeyError
from app.store.files import fsync_dir
from app.store.sealing import KEY_BYTES, new_key

SECURE_KEY = "fieldwork.store_key"
SECURE_PENDING = "fieldwork.store_key.next"
_MAGIC = "fieldwork-store-key 1"


def encode_key(key: bytes) -> str:
    return f"{_MAGIC} {base64.b64encode(key).decode()} {zlib.crc32(key):08x}\n"


def decode_key(text: str) -> bytes | None:
    """The key in ``text``, or None if it is not a whole, intact key."""
    parts = text.strip().split(" ")
    if len(parts) != 4 or " ".join(parts[:2]) != _MAGIC:
        return None
    try:
        key = base64.b64decode(parts[2], validate=True)
        crc = int(parts[3], 16)
    except (binascii.Error, ValueError):
        return None
    return key if len(key) == KEY_BYTES and zlib.crc32(key) == crc else None


def key_file(store_path: str | Path) -> Path:
    """The key file beside the store directory (var/device -> var/device.key), not inside it:
    a copy of the store folder alone is unreadable."""
    store = Path(store_path).resolve()
    return store.parent / f"{store.name}.key"


class FileKeyStore:
    """The key in a 0600 file and a 0600 copy of it; either one intact is enough."""

    MODE = 0o600

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.copy = self.path.with_name(self.path.name + ".copy")
        self.pending = self.path.with_name(self.path.name + ".next")
        self.pending_copy = self.path.with_name(self.path.name + ".next.copy")

    def load_or_create(self) -> bytes:
        found = [self._read(file) for file in (self.path, self.copy)]
        key = next((key for key in found if key is not None), None)
        if key is not None:
            for file, value in zip((self.path, self.copy), found, strict=True):
                if value != key:
                    self._write(file, key)  # repair the damaged or missing twin
            return key
        if self.path.exists() or self.copy.exists() or self.pending.exists():
            raise StoreKeyError(f"the store key in {self.path} is damaged and so is its copy")
        key = new_key()
        self._write(self.path, key)
        self._write(self.copy, key)
        return key

    def load_pending(self) -> bytes | None:
        """The key a rotation is moving the store to, or None when no rotation is under way."""
        files = (self.pending, self.pending_copy)
        found = [self._read(file) for file in files]
        key = next((key for key in found if key is not None), None)
        if key is None and any(file.exists() for file in files):
            # Written whole (temp file, rename) before the store used it: damage, not a kill.
            raise StoreKeyError(f"the pending store key in {self.pending} is damaged and so is its copy")
        return key

    def begin_rotation(self) -> bytes:
        """Make and keep (durably, twice) the new key; an unfinished rotation's key is reused,
        since files may already be sealed with it."""
        key = self.load_pending()
        if key is None:
            key = new_key()
            self._write(self.pending, key)
            self._write(self.pending_copy, key)
        return key

    def finish_rotation(self, key: bytes, *, step: Callable[[str], None] | None = None) -> None:
        """Make ``key`` (the pending one, now sealing every file) the current key; the old one
        is gone once both its files are replaced. Pending goes last: until then it still names
        the key that the store needs."""
        self._write(self.path, key)
        if step is not None:
            step("key-switched")
        self._write(self.copy, key)
        if step is not None:
            step("copy-switched")
        for file in (self.pending, self.pending_copy):
            with contextlib.suppress(FileNotFoundError):
                file.unlink()
        fsync_dir(self.path.parent)

    def forget(self) -> None:
        """Delete the key, its copy and any half-written temp file of either, durably."""
        for file in (self.path, self.copy, self.pending, self.pending_copy):
            for name in (file, file.with_name(f".{file.name}.tmp")):
                with contextlib.suppress(FileNotFoundError):
                    name.unlink()
        if self.path.parent.exists():
            fsync_dir(self.path.parent)

    def _read(self, file: Path) -> bytes | None:
        try:
            return decode_key(file.read_text(encoding="ascii"))
        except (OSError, UnicodeDecodeError):
            return None

    def _write(self, file: Path, key: bytes) -> None:
        file.parent.mkdir(parents=True, exist_ok=True)
        temp = file.with_name(f".{file.name}.tmp")
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()  # a leftover from a crash may have any mode: never reuse it
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, self.MODE)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(encode_key(key))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, file)
        fsync_dir(file.parent)  # the key must outlive a power cut before the store relies on it


class SecureStorageKeyStore:
    """The key in flet-secure-storage (a service control: build it in the page's ``main``)."""

    def __init__(self, storage: Any) -> None:
        self.storage = storage

    async def load_or_create(self) -> bytes:
        text = await self.storage.get(SECURE_KEY)
        if text:
            key = decode_key(str(text))
            if key is None:
                raise StoreKeyError("the store key in this phone's secure storage is damaged")
            return key
        key = new_key()
        await self.storage.set(SECURE_KEY, encode_key(key))
        return key

    async def load_pending(self) -> bytes | None:
        text = await self.storage.get(SECURE_PENDING)
        if not text:
            return None
        key = decode_key(str(text))
        if key is None:
            raise StoreKeyError("the pending store key in this phone's secure storage is damaged")
        return key

    async def begin_rotation(self) -> bytes:
        key = await self.load_pending()
        if key is None:
            key = new_key()
            await self.storage.set(SECURE_PENDING, encode_key(key))
        return key

    async def finish_rotation(self, key: bytes, *, step: Callable[[str], None] | None = None) -> None:
        await self.storage.set(SECURE_KEY, encode_key(key))  # one entry: replaced as a whole
        if step is not None:
            step("key-switched")
        await self.storage.remove(SECURE_PENDING)

    async def forget(self) -> None:
        await self.storage.remove(SECURE_KEY)
        await self.storage.remove(SECURE_PENDING)


class FileKeysInThread:
    """The 0600 key files behind the same async seam as secure storage, kept off the UI loop."""

    def __init__(self, keys: FileKeyStore) -> None:
        self.keys = keys

    async def load_or_create(self) -> bytes:
        return await asyncio.to_thread(self.keys.load_or_create)

    async def load_pending(self) -> bytes | None:
        return await asyncio.to_thread(self.keys.load_pending)

    async def begin_rotation(self) -> bytes:
        return await asyncio.to_thread(self.keys.begin_rotation)

    async def finish_rotation(self, key: bytes, *, step: Callable[[str], None] | None = None) -> None:
        await asyncio.to_thread(self.keys.finish_rotation, key, step=step)

    async def forget(self) -> None:
        await asyncio.to_thread(self.keys.forget)
