"""The snapshot and its backup: written as a pair, read with a fallback.

Compaction writes ``snapshot.json`` and then the same bytes to ``snapshot.bak``, and only after
both resets the journal. So at every moment *either* file plus the journal gives the live state
(the journal's operations are absolute, so replaying it over a snapshot that already holds it
is harmless): when ``snapshot.json`` is damaged, truncated or missing, the backup replaces it
and nothing is lost. Only when both are unreadable does the store refuse to open.

With a key the files are sealed (see ``sealing``); a plaintext snapshot found then is an old
store, read as it is and marked for rewriting, so opening migrates it.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from app.store.codec import Tables, decode_snapshot, encode_snapshot
from app.store.errors import StoreCorrupted, StoreKeyError
from app.store.files import replace_durably
from app.store.lazy import LiveTables
from app.store.sealing import Sealer, is_sealed_snapshot

SNAPSHOT = "snapshot.json"
BACKUP = "snapshot.bak"


@dataclass
class Loaded:
    """What reading the snapshot found."""

    tables: LiveTables = field(default_factory=LiveTables)
    size: int = 0  # bytes of the snapshot the state came from
    key_checked: bool = False  # a sealed snapshot named our key
    rewrite: bool = False  # plaintext under a key, or recovered: compact before appending
    notes: list[str] = field(default_factory=list)


def read_snapshot(path: Path, sealer: Sealer | None, *, keep_damage: bool = True) -> Loaded:
    """The state of the snapshot in store directory ``path``, from its backup if it is damaged."""
    main = path / SNAPSHOT
    try:
        return _decode_file(main, sealer)
    except StoreCorrupted as damage:
        problem = str(damage)
    backup = path / BACKUP
    try:
        loaded = _decode_file(backup, sealer)
    except StoreCorrupted as exc:
        raise StoreCorrupted(f"{problem}, and its backup too ({exc})") from exc
    loaded.rewrite = True
    side = set_aside(main, "snapshot") if keep_damage and main.exists() else None
    kept = f"; the damaged file is kept in {side}" if side else ""
    loaded.notes.append(f"{problem}: the backup snapshot was used and nothing was lost{kept}")
    return loaded


def _decode_file(file: Path, sealer: Sealer | None) -> Loaded:
    try:
        with _mapped(file) as blob:
            return _decode_blob(blob, sealer)
    except FileNotFoundError:
        if file.name == SNAPSHOT and (file.parent / BACKUP).exists():
            raise StoreCorrupted("the snapshot file is missing") from None
        if file.name == BACKUP:
            raise StoreCorrupted("there is no backup") from None
        return Loaded(rewrite=sealer is not None)  # a new store, or one never compacted


def _decode_blob(blob: bytes | mmap.mmap, sealer: Sealer | None) -> Loaded:
    if not is_sealed_snapshot(blob):
        # Plaintext: an old store to migrate (or, with no key, the format in use). Its record
        # kinds keep reading the bytes (lazy), so they are copied out of the mapping.
        plain = blob if isinstance(blob, bytes) else blob[:]
        return Loaded(tables=decode_snapshot(plain), size=len(plain), rewrite=sealer is not None)
    if sealer is None:
        raise StoreKeyError("this store is encrypted: it opens only with its key")
    opened = sealer.open_snapshot(blob)
    if opened is None:
        raise StoreCorrupted("snapshot file is damaged (it does not decrypt: changed or truncated)")
    return Loaded(tables=decode_snapshot(opened, authenticated=True), size=len(blob), key_checked=True)


@contextmanager
def _mapped(file: Path) -> Iterator[bytes | mmap.mmap]:
    """The file's bytes, mapped rather than read where the platform can: decryption reads the
    sealed snapshot straight from the page cache, without first copying megabytes into a fresh
    buffer (a good part of opening a store, most of it page faults)."""
    with file.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size == 0:
            mapped = None
        else:
            try:
                mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            except (OSError, ValueError):  # a file system that cannot map: read it instead
                mapped = None
        if mapped is None:
            yield handle.read()
            return
    try:
        yield mapped
    finally:
        with suppress(BufferError):  # a view of it is still alive: unmapped when that one goes
            mapped.close()


def write_snapshot(
    path: Path, tables: Tables, sealer: Sealer | None, *, step: Callable[[str], None] | None = None
) -> tuple[int, bytes]:
    """Write the snapshot and then its backup, durably; returns the snapshot's size and its
    plaintext (what ``decode_snapshot`` reads).

    ``step`` hears ``snapshot-written`` and ``backup-written`` as each becomes durable (the key
    rotation's kill test stops the process there)."""
    plain = blob = encode_snapshot(tables)
    if sealer is not None:
        blob = sealer.seal_snapshot(blob)
    replace_durably(path / SNAPSHOT, blob)
    if step is not None:
        step("snapshot-written")
    replace_durably(path / BACKUP, blob)  # before the journal reset: see the module docstring
    if step is not None:
        step("backup-written")
    return len(blob), plain


def set_aside(file: Path, stem: str) -> Path:
    """Rename a damaged ``file`` to ``<stem>.corrupt-<n>`` beside it (kept for a person to see)."""
    n = 1
    while (file.parent / f"{stem}.corrupt-{n}").exists():
        n += 1
    side = file.parent / f"{stem}.corrupt-{n}"
    file.replace(side)
    return side
