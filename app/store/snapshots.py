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

from collections.abc import Callable
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
        blob = file.read_bytes()
    except FileNotFoundError:
        if file.name == SNAPSHOT and (file.parent / BACKUP).exists():
            raise StoreCorrupted("the snapshot file is missing") from None
        if file.name == BACKUP:
            raise StoreCorrupted("there is no backup") from None
        return Loaded(rewrite=sealer is not None)  # a new store, or one never compacted
    if not is_sealed_snapshot(blob):
        # Plaintext: an old store to migrate (or, with no key, the format in use).
        return Loaded(tables=decode_snapshot(blob), size=len(blob), rewrite=sealer is not None)
    if sealer is None:
        raise StoreKeyError("this store is encrypted: it opens only with its key")
    plain = sealer.open_snapshot(blob)
    if plain is None:
        raise StoreCorrupted("snapshot file is damaged (it does not decrypt: changed or truncated)")
    return Loaded(tables=decode_snapshot(plain, authenticated=True), size=len(blob), key_checked=True)


def write_snapshot(
    path: Path, tables: Tables, sealer: Sealer | None, *, step: Callable[[str], None] | None = None
) -> int:
    """Write the snapshot and then its backup, durably; returns the snapshot's size.

    ``step`` hears ``snapshot-written`` and ``backup-written`` as each becomes durable (the key
    rotation's kill test stops the process there)."""
    blob = encode_snapshot(tables)
    if sealer is not None:
        blob = sealer.seal_snapshot(blob)
    replace_durably(path / SNAPSHOT, blob)
    if step is not None:
        step("snapshot-written")
    replace_durably(path / BACKUP, blob)  # before the journal reset: see the module docstring
    if step is not None:
        step("backup-written")
    return len(blob)


def set_aside(file: Path, stem: str) -> Path:
    """Rename a damaged ``file`` to ``<stem>.corrupt-<n>`` beside it (kept for a person to see)."""
    n = 1
    while (file.parent / f"{stem}.corrupt-{n}").exists():
        n += 1
    side = file.parent / f"{stem}.corrupt-{n}"
    file.replace(side)
    return side
