"""``JournalStorage``: a TinyDB storage that is durable per transaction and O(change) to write.

The directory holds ``snapshot.json`` (the whole state at some point, written atomically) and
``journal.log`` (one checksummed line per transaction since that snapshot). A save appends one
line and fsyncs it before the change becomes visible, so every ``apply`` that returned survives
a kill or a power cut. Now and then (when the journal passes a quarter of the snapshot's size,
4 MiB at least) the state is compacted into a new snapshot and the journal starts over.

Opening loads the snapshot and replays the journal. An unterminated last line is a write that
never returned and is dropped. Any other unreadable line is damage: the good lines around it
are still replayed, the raw bytes from the first bad line on are kept in ``journal.corrupt-<n>``
and a note is added to ``recovery_notes``; nothing is thrown away silently.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from app.store.base import ApplyingStorage
from app.store.codec import (
    Tables,
    apply_ops,
    checked_payload,
    decode_snapshot,
    encode_snapshot,
    frame,
    parse_payloads,
    paused_gc,
)
from app.store.errors import StoreError
from app.store.files import (
    DirectoryLock,
    fresh_append_file,
    fsync_dir,
    fsync_fd,
    open_append,
    replace_durably,
    write_all,
)

SNAPSHOT = "snapshot.json"
JOURNAL = "journal.log"
LOCK = "lock"
DEFAULT_COMPACT_MIN_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Replay:
    """What replaying a journal found."""

    clean_bytes: int  # length of the journal prefix made only of good lines
    damaged: bytes  # raw bytes from the first bad complete line on ("" if none)
    replayed_after_damage: int  # good transactions found (and applied) after the damage


def replay(tables: Tables, journal: bytes) -> Replay:
    """Apply every good line of ``journal`` to ``tables``, in order."""
    lines: list[tuple[int, int, bytes | None]] = []  # start, end, payload if checksum ok
    pos = journal.find(b"\n")
    start = 0
    while pos != -1:  # a last piece without newline is a torn write that never returned
        lines.append((start, pos + 1, checked_payload(journal[start:pos])))
        start, pos = pos + 1, journal.find(b"\n", pos + 1)
    parsed = iter(parse_payloads([payload for _, _, payload in lines if payload is not None]))
    clean, first_bad, after_bad = 0, -1, 0
    for start, end, payload in lines:
        ops = None if payload is None else next(parsed)
        if ops is None:
            first_bad = start if first_bad < 0 else first_bad
            continue
        apply_ops(tables, ops)
        if first_bad < 0:
            clean = end
        else:
            after_bad += 1
    damaged = journal[first_bad:] if first_bad >= 0 else b""
    return Replay(clean_bytes=clean, damaged=damaged, replayed_after_damage=after_bad)


class JournalStorage(ApplyingStorage):
    """Durable storage in directory ``path`` (created if missing; the files inside are ours)."""

    def __init__(self, path: str | Path, *, compact_min_bytes: int = DEFAULT_COMPACT_MIN_BYTES) -> None:
        super().__init__()
        self.path = Path(path)
        self._compact_min_bytes = compact_min_bytes
        self._fd: int | None = None
        self._journal_bytes = 0
        self._snapshot_bytes = 0
        self._next_compaction = 0
        self._broken: str | None = None
        try:
            if not self.path.is_dir():
                self.path.mkdir(parents=True)
                fsync_dir(self.path.parent)  # or a power cut could lose the whole new store
            self._lock = DirectoryLock(self.path / LOCK)
        except OSError as exc:
            raise StoreError(f"cannot open store at {self.path}: {exc}") from exc
        try:
            self._load()
        except OSError as exc:
            self._release()
            raise StoreError(f"cannot open store at {self.path}: {exc}") from exc
        except BaseException:
            self._release()
            raise

    @property
    def journal_bytes(self) -> int:
        return self._journal_bytes

    @property
    def compaction_threshold(self) -> int:
        """Journal size past which the next transaction triggers a compaction."""
        return self._compaction_threshold()

    def compact(self) -> None:
        """Fold the journal into a new snapshot and start an empty journal."""
        self._check_writable()
        try:
            self._compact()
        except OSError as exc:
            raise StoreError(f"compaction failed: {exc}") from exc

    def close(self) -> None:
        self._release()

    # -- opening -------------------------------------------------------------------------

    def _load(self) -> None:
        for leftover in self.path.glob("*.tmp"):
            leftover.unlink()  # an interrupted replace_durably: never part of the live state
        with paused_gc():
            tables, raw = self._read_state()
            found = replay(tables, raw)
        self._tables = tables
        if found.damaged:
            self._keep_damaged(found)
        self._journal_bytes = len(raw)
        if found.damaged or self._journal_bytes > self._compaction_threshold():
            self._compact()  # also leaves a clean journal behind the damage we set aside
            return
        self._fd = open_append(self.path / JOURNAL)
        if not raw:
            fsync_dir(self.path)  # the journal file itself must survive a power cut
        if found.clean_bytes < len(raw):
            self._truncate_to(found.clean_bytes)  # cut the torn tail before appending after it
        self._next_compaction = self._compaction_threshold()

    def _read_state(self) -> tuple[Tables, bytes]:
        """The snapshot's tables (journal not yet applied) and the raw journal."""
        tables: Tables = {}
        snapshot = self.path / SNAPSHOT
        if snapshot.exists():
            blob = snapshot.read_bytes()
            tables = decode_snapshot(blob)
            self._snapshot_bytes = len(blob)
        journal = self.path / JOURNAL
        raw = journal.read_bytes() if journal.exists() else b""
        return tables, raw

    def _keep_damaged(self, found: Replay) -> None:
        n = 1
        while (self.path / f"journal.corrupt-{n}").exists():
            n += 1
        side = self.path / f"journal.corrupt-{n}"
        replace_durably(side, found.damaged)
        self.recovery_notes.append(
            f"journal damaged at byte {found.clean_bytes}: {found.replayed_after_damage} later "
            f"transaction(s) were replayed; the unreadable {len(found.damaged)} bytes from there "
            f"on are kept in {side}"
        )

    # -- writing -------------------------------------------------------------------------

    def _persist(self, payload: bytes) -> None:
        fd = self._check_writable()
        line = frame(payload)
        try:
            write_all(fd, line)
            fsync_fd(fd)
        except OSError as exc:
            # Leave no partial line behind: the next append would glue onto it and a good,
            # returned save would then read as damage.
            try:
                self._truncate_to(self._journal_bytes)
            except OSError:
                self._broken = f"journal could not be repaired after a failed write ({exc})"
            raise StoreError(f"could not save: {exc}") from exc
        self._journal_bytes += len(line)

    def _after_apply(self) -> None:
        if self._journal_bytes <= self._next_compaction:
            return
        try:
            self._compact()
        except OSError:
            # The transaction itself is already durable; compaction is housekeeping. Try
            # again only after another threshold's worth of journal, not on every save.
            self._next_compaction = self._journal_bytes + self._compaction_threshold()

    def _after_write(self) -> None:
        self._next_compaction = 0  # fold the full-state line into a snapshot right away
        self._after_apply()

    def _forget_unsaved_write(self) -> None:
        try:
            tables, raw = self._read_state()
            replay(tables, raw[: self._journal_bytes])
        except (OSError, StoreError) as exc:
            self._broken = f"state could not be reloaded after a failed write ({exc})"
            return
        self._tables = tables
        self._notify(None)

    def _compaction_threshold(self) -> int:
        # Growing with the snapshot keeps the amortised cost of compaction per save constant;
        # a quarter of it bounds the replay a reopen after a kill has to do (~1.25x a load).
        return max(self._compact_min_bytes, self._snapshot_bytes // 4)

    def _compact(self) -> None:
        blob = encode_snapshot(self._tables)
        replace_durably(self.path / SNAPSHOT, blob)
        self._snapshot_bytes = len(blob)
        # Crash here: new snapshot + old journal. Replaying that journal is harmless, every
        # operation in it is absolute (see codec.apply_ops).
        if self._fd is not None:
            os.close(self._fd)  # Windows cannot replace a file that is still open
            self._fd = None
        try:
            self._fd = fresh_append_file(self.path / JOURNAL)
        except OSError:
            self._reopen_journal()
            raise
        self._journal_bytes = 0
        self._next_compaction = self._compaction_threshold()

    def _reopen_journal(self) -> None:
        """After a failed reset: append to whichever journal is in place now (old or new)."""
        try:
            self._fd = open_append(self.path / JOURNAL)
            self._journal_bytes = os.fstat(self._fd).st_size
        except OSError as exc:
            self._broken = f"journal could not be reopened after a failed compaction ({exc})"

    def _truncate_to(self, size: int) -> None:
        fd = self._check_writable()
        os.ftruncate(fd, size)
        fsync_fd(fd)
        self._journal_bytes = size

    def _check_writable(self) -> int:
        if self._broken is not None:
            raise StoreError(self._broken)
        if self._fd is None:
            raise StoreError("store is closed")
        return self._fd

    def _release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        lock = getattr(self, "_lock", None)
        if lock is not None:
            lock.release()
