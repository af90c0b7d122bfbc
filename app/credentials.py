"""Where this phone keeps its device token: the platform's secure storage on a phone, a 0600 file
elsewhere. The app sees one async seam, because secure storage only answers asynchronously.

Damaged credentials (a file or secure-storage entry that is there but unreadable) are not the same
as none: ``load`` sets them aside and raises ``CredentialsDamaged``, so the app can tell the
specialist to connect again instead of silently looking never enrolled. The records and outbox
live in the store, not here: nothing saved is lost, it is sent once the phone is connected again."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any, Protocol

from sync.credentials import Credentials, CredentialStore, FileCredentialStore

SECURE_KEY = "fieldwork.credentials"
PHONE_PLATFORMS = ("android", "ios")
CREDENTIALS_DAMAGED = (
    "This phone's connection to your team was damaged. Connect again: nothing saved on the phone was lost."
)


class CredentialsDamaged(Exception):
    """Credentials were found but could not be read; they were set aside."""


class AsyncCredentialStore(Protocol):
    async def load(self) -> Credentials | None: ...
    async def save(self, credentials: Credentials) -> None: ...
    async def clear(self) -> None: ...


class InThread:
    """A synchronous store (file or memory), kept off the UI loop."""

    def __init__(self, store: CredentialStore) -> None:
        self.store = store

    async def load(self) -> Credentials | None:
        return await asyncio.to_thread(self.store.load)

    async def save(self, credentials: Credentials) -> None:
        await asyncio.to_thread(self.store.save, credentials)

    async def clear(self) -> None:
        await asyncio.to_thread(self.store.clear)


class SecureStorageCredentialStore:
    """Android Keystore / iOS Keychain through flet-secure-storage (a service control: build it in
    the page's `main` and keep this object referenced)."""

    def __init__(self, storage: Any) -> None:
        self.storage = storage

    async def load(self) -> Credentials | None:
        text = await self.storage.get(SECURE_KEY)
        if not text:
            return None
        try:
            return Credentials.from_json(str(text))
        except (ValueError, KeyError, TypeError):
            await self.storage.remove(SECURE_KEY)  # nothing to keep: a token cannot be repaired
            raise CredentialsDamaged(CREDENTIALS_DAMAGED) from None

    async def save(self, credentials: Credentials) -> None:
        await self.storage.set(SECURE_KEY, credentials.to_json())

    async def clear(self) -> None:
        await self.storage.remove(SECURE_KEY)


class CheckedFileCredentialStore(FileCredentialStore):
    """The 0600 file, telling a damaged file from a missing one (kept aside as ``.corrupt``)."""

    def load(self) -> Credentials | None:
        credentials = super().load()
        if credentials is None and self.path.exists():
            self.path.replace(self.corrupt)
            raise CredentialsDamaged(CREDENTIALS_DAMAGED)
        return credentials

    def clear(self) -> None:
        """Forget the token, and a damaged one set aside earlier (a sign-out leaves neither)."""
        with contextlib.suppress(FileNotFoundError):
            self.corrupt.unlink()
        super().clear()

    @property
    def corrupt(self) -> Path:
        return self.path.with_name(self.path.name + ".corrupt")


def is_phone(platform: object) -> bool:
    """True for a mobile build (page.platform is android/ios, or FLET_PLATFORM says so)."""
    value = getattr(platform, "value", platform)
    return str(value or "").lower() in PHONE_PLATFORMS


def credentials_file(store_path: str | Path) -> Path:
    """The 0600 file beside the record store (e.g. var/device -> var/credentials.json)."""
    return Path(store_path).resolve().parent / "credentials.json"
