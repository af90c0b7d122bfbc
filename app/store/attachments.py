"""Photos attached to records: their entries in the store, their sealed files in its folder.

An entry (table ``_attachments``, keyed by the attachment id) names the record it belongs to, the
shrunk photo's size and SHA-256, and where its upload stands: ``waiting`` (to be sent, with why
it waits if the server said to wait), ``sent`` (the server holds it whole) or ``refused`` (the
server said no, with the reason; the photo stays on the phone). The file is written durably
*before* the entry, so an entry always has its file; a file without an entry (a kill in between)
is never shown and costs only its space.

Adding a photo never holds the store's lock while sealing or writing the file: a record save
waits at most for the one small write of the entry. A key rotation that ran meanwhile is caught
under the lock and the file sealed again with the key in use.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from app.store.errors import StoreError
from app.store.journal import JournalStorage
from app.store.layout import check_kind
from app.store.local import LocalStore
from app.store.photo_files import read_photo, write_photo
from app.store.sealing import Sealer
from app.store.txn import Transaction

ATTACHMENTS = "_attachments"
_MEMORY: WeakKeyDictionary[LocalStore, dict[str, bytes]] = WeakKeyDictionary()
WAITING, SENT, REFUSED = "waiting", "sent", "refused"
CONTENT_TYPE = "image/jpeg"  # the phone shrinks every photo to a JPEG


@dataclass(frozen=True)
class Attachment:
    id: str
    kind: str
    record_id: str
    size: int
    sha256: str
    added_at: str
    state: str = WAITING
    reason: str | None = None
    content_type: str = CONTENT_TYPE


class PhotoStore:
    """The photos of one ``LocalStore``: on disk beside a durable store, in memory otherwise."""

    def __init__(self, store: LocalStore) -> None:
        self._store = store
        storage = store.storage
        self._journal = storage if isinstance(storage, JournalStorage) else None
        # A store in memory keeps its photos here, one dict per store, whoever asks.
        self._in_memory = _MEMORY.setdefault(store, {})

    @property
    def store(self) -> LocalStore:
        return self._store

    def add(
        self, *, attachment_id: str, kind: str, record_id: str, photo: bytes, added_at: str
    ) -> Attachment:
        """Keep a (shrunk) photo for a record and queue its upload."""
        check_kind(kind)
        if not attachment_id or "/" in attachment_id or not attachment_id.replace("-", "").isalnum():
            raise StoreError("an attachment id is letters, digits and hyphens")
        entry = Attachment(
            id=attachment_id,
            kind=kind,
            record_id=record_id,
            size=len(photo),
            sha256=hashlib.sha256(photo).hexdigest(),
            added_at=added_at,
        )
        folder, sealer = self._folder(), self._sealer()
        if folder is not None:
            write_photo(folder, attachment_id, photo, sealer)  # outside the lock: saves go on
        with self._store.lock:
            if folder is not None and self._sealer() is not sealer:
                # A key rotation ran while the file was written, and may have missed it: seal it
                # again with the key in use now (the old one may be gone already).
                write_photo(folder, attachment_id, photo, self._sealer())
            elif folder is None:
                self._in_memory[attachment_id] = bytes(photo)
            txn = Transaction(self._store.storage)
            txn.put(ATTACHMENTS, attachment_id, _row(entry))
            txn.commit()
        return entry

    def read(self, attachment_id: str) -> bytes:
        """The photo's bytes (decrypted); ``StoreError`` if it is not kept here."""
        folder = self._folder()
        if folder is None:
            try:
                return self._in_memory[attachment_id]
            except KeyError:
                raise StoreError(f"no photo {attachment_id}") from None
        with self._store.lock:  # not while a rotation swaps the key under the file
            return read_photo(folder, attachment_id, self._sealer())

    def for_record(self, kind: str, record_id: str) -> list[Attachment]:
        """A record's photos, oldest first."""
        return [entry for entry in self.all() if entry.kind == kind and entry.record_id == record_id]

    def waiting(self, *, limit: int | None = None) -> list[Attachment]:
        """Photos still to upload, oldest first."""
        found = [entry for entry in self.all() if entry.state == WAITING]
        return found if limit is None else found[:limit]

    def all(self) -> list[Attachment]:
        with self._store.lock:
            rows = dict((self._store.storage.read() or {}).get(ATTACHMENTS, {}))
        entries = [_entry(key, row) for key, row in rows.items()]
        return sorted(entries, key=lambda entry: (entry.added_at, entry.id))

    def record_on_server(self, kind: str, record_id: str) -> bool:
        """Whether the record reached the server (its photos may go up only then)."""
        record = self._store.get(kind, record_id)
        return record is not None and record.sync.server_version > 0

    def mark_sent(self, attachment_id: str) -> None:
        self._set_state(attachment_id, SENT, None)

    def mark_refused(self, attachment_id: str, reason: str) -> None:
        """The server will not take it: the photo stays here, with the reason shown."""
        self._set_state(attachment_id, REFUSED, reason)

    def mark_waiting(self, attachment_id: str, reason: str) -> None:
        """Not taken yet for a reason that passes (the team's storage is full): shown, sent later."""
        self._set_state(attachment_id, WAITING, reason)

    def _set_state(self, attachment_id: str, state: str, reason: str | None) -> None:
        with self._store.lock:
            txn = Transaction(self._store.storage)
            row = txn.get(ATTACHMENTS, attachment_id)
            if row is None:
                return  # erased meanwhile (a remote wipe): nothing to note
            txn.put(ATTACHMENTS, attachment_id, {**row, "state": state, "reason": reason})
            txn.commit()

    def _folder(self) -> Path | None:
        return None if self._journal is None else self._journal.path

    def _sealer(self) -> Sealer | None:
        return None if self._journal is None else self._journal.sealer


def _row(entry: Attachment) -> dict[str, Any]:
    return {
        "kind": entry.kind,
        "record_id": entry.record_id,
        "size": entry.size,
        "sha256": entry.sha256,
        "added_at": entry.added_at,
        "state": entry.state,
        "reason": entry.reason,
        "content_type": entry.content_type,
    }


def _entry(attachment_id: str, row: Mapping[str, Any]) -> Attachment:
    return Attachment(
        id=attachment_id,
        kind=str(row["kind"]),
        record_id=str(row["record_id"]),
        size=int(row["size"]),
        sha256=str(row["sha256"]),
        added_at=str(row["added_at"]),
        state=str(row.get("state") or WAITING),
        reason=row.get("reason"),
        content_type=str(row.get("content_type") or CONTENT_TYPE),
    )
