"""``JournalStorage``: a TinyDB storage that is durable per transaction and O(change) to write.

The directory holds ``snapshot.json`` (the whole state at some point, written atomically), its
copy ``snapshot.bak`` (see ``snapshots``) and ``journal.log`` (one checksummed line per
transaction since that snapshot). A save appends one line and fsyncs it before the change becomes
visible, so every ``apply`` that returned survives a kill or a power cut. Now and then (when the
journal passes a thirty-second of the snapshot's size, 64 KiB at least) the state is compacted into a
new snapshot and the journal starts over. Given a key, every line and snapshot is encrypted
(``sealing``); a plaintext store opened with a key is rewritten encrypted at once.

Opening loads the snapshot and replays the journal. An unterminated last line is a write that
never returned and is dropped. Any other unreadable line is damage: the good lines around it
are still replayed, the raw bytes from the first bad line on are kept in ``journal.corrupt-<n>``
and a note is added to ``recovery_notes``; nothing is thrown away silently. A damaged or missing
snapshot is replaced by its backup, a lock file that cannot be opened by a new one (it holds no
data), each with a note. A full disk raises ``StoreFull`` and leaves everything saved in place.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.store.base import ApplyingStorage
from app.store.codec import (
    Tables,
    apply_ops,
    checked_payload,
    decode_snapshot,
    frame,
    parse_payloads,
)
from app.store.errors import StoreError, StoreFull, StoreKeyError, is_disk_full, save_failed
from app.store.files import (
    DirectoryLock,
    fresh_append_file,
    fsync_dir,
    fsync_fd,
    open_append,
    replace_durably,
    write_all,
)
from app.store.photo_files import reseal as reseal_photos
from app.store.pickles import paused_gc
from app.store.sealing import SEALED_LINE, Sealer
from app.store.snapshots import SNAPSHOT, read_snapshot, set_aside, write_snapshot

__all__ = ["JOURNAL", "LOCK", "SNAPSHOT", "JournalStorage", "Replay", "replay"]

JOURNAL = "journal.log"
LOCK = "lock"
DEFAULT_COMPACT_MIN_BYTES = 64 * 1024


@dataclass(frozen=True)
class Replay:
    """What replaying a journal found."""

    clean_bytes: int  # length of the journal prefix made only of good lines
    damaged: bytes  # raw bytes from the first bad complete line on ("" if none)
    replayed_after_damage: int  # good transactions found (and applied) after the damage
    bad_lines: int = 0  # complete lines that could not be read (each about one transaction)
    plain_lines: int = 0  # unencrypted lines read with a key: an old store still to migrate
    unauthentic: int = 0  # lines whose checksum holds but which do not decrypt with the key


def replay(tables: Tables, journal: bytes, sealer: Sealer | None = None) -> Replay:
    """Apply every good line of ``journal`` to ``tables``, in order."""
    lines: list[tuple[int, int, bytes | None]] = []  # start, end, payload if checksum ok
    pos = journal.find(b"\n")
    start = plain = unauthentic = 0
    while pos != -1:  # a last piece without newline is a torn write that never returned
        payload = checked_payload(journal[start:pos])
        if payload is not None and payload[:1] == SEALED_LINE:
            if sealer is None:
                raise StoreKeyError("this store is encrypted: it opens only with its key")
            payload = sealer.open_line(payload)
            unauthentic += payload is None
        elif payload is not None and sealer is not None:
            plain += 1
        lines.append((start, pos + 1, payload))
        start, pos = pos + 1, journal.find(b"\n", pos + 1)
    parsed = iter(parse_payloads([payload for _, _, payload in lines if payload is not None]))
    clean, first_bad, after_bad, bad = 0, -1, 0, 0
    for start, end, payload in lines:
        ops = None if payload is None else next(parsed)
        if ops is None:
            first_bad = start if first_bad < 0 else first_bad
            bad += 1
            continue
        apply_ops(tables, ops)
        if first_bad < 0:
            clean = end
        else:
            after_bad += 1
    damaged = journal[first_bad:] if first_bad >= 0 else b""
    return Replay(
        clean_bytes=clean,
        damaged=damaged,
        replayed_after_damage=after_bad,
        bad_lines=bad,
        plain_lines=plain,
        unauthentic=unauthentic,
    )


class JournalStorage(ApplyingStorage):
    """Durable storage in directory ``path`` (created if missing; the files inside are ours).

    ``key`` (32 bytes) encrypts the files; without one they are plaintext (tests, benchmarks)
    and an encrypted store refuses to open (``StoreKeyError``). ``old_keys`` also open files (a
    key rotation cut short, see ``rotation``); whatever is written is sealed with ``key``.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        compact_min_bytes: int = DEFAULT_COMPACT_MIN_BYTES,
        key: bytes | None = None,
        old_keys: Sequence[bytes] = (),
    ) -> None:
        super().__init__()
        self.path = Path(path)
        self._sealer = Sealer(key, older=old_keys) if key is not None else None
        self._compact_min_bytes = compact_min_bytes
        self._fd: int | None = None
        self._journal_bytes = 0
        self._snapshot_bytes = 0
        self._next_compaction = 0
        self._deferral = 1  # > 1 while compactions wait for a burst of writes (defer_compaction)
        self._broken: str | None = None
        try:
            if not self.path.is_dir():
                self.path.mkdir(mode=0o700, parents=True)  # records are personal data
                fsync_dir(self.path.parent)  # or a power cut could lose the whole new store
            self._lock = self._open_lock()
        except OSError as exc:
            raise StoreError(f"cannot open store at {self.path}: {exc}") from exc
        try:
            self._load()
        except OSError as exc:
            self._release()
            if is_disk_full(exc):
                raise StoreFull("Phone storage is full: free space and open Fieldwork again") from exc
            raise StoreError(f"cannot open store at {self.path}: {exc}") from exc
        except BaseException:
            self._release()
            raise

    @property
    def sealer(self) -> Sealer | None:
        """What seals this store's files now (photo files use it too: ``photo_files``)."""
        return self._sealer

    @property
    def journal_bytes(self) -> int:
        return self._journal_bytes

    def compact(self) -> None:
        """Fold the journal into a new snapshot and start an empty journal."""
        self._check_writable()
        try:
            self._compact()
        except OSError as exc:
            raise save_failed(exc, "compaction failed") from exc

    def rekey(self, key: bytes, *, step: Callable[[str], None] | None = None) -> None:
        """Re-seal every file with ``key``: a compaction under it (snapshot, backup, then a fresh
        journal). Until it returns the old keys still read the files, since a failure or a kill
        can leave any mix of old and new files; after it no file needs them."""
        self._check_writable()
        older = [] if self._sealer is None else [self._sealer.key, *self._sealer.older_keys]
        self._sealer = Sealer(key, older=older)
        try:
            reseal_photos(self.path, self._sealer)  # photo files first, while both keys read
            self._compact(step=step)
        except OSError as exc:
            raise save_failed(exc, "re-encryption failed") from exc
        self._sealer = Sealer(key)

    def close(self) -> None:
        self._release()

    # -- opening -------------------------------------------------------------------------

    def _open_lock(self) -> DirectoryLock:
        lock = self.path / LOCK
        try:
            return DirectoryLock(lock)
        except StoreError:
            raise  # held by another process: not damage
        except OSError as exc:
            if not os.path.lexists(lock):
                raise
            # The lock file holds no data, only a lock: a new one loses nothing.
            side = set_aside(lock, "lock")
            self.recovery_notes.append(f"lock file unusable ({exc}); replaced, the old one is {side}")
            return DirectoryLock(lock)

    def _load(self) -> None:
        for leftover in self.path.glob("*.tmp"):
            leftover.unlink()  # an interrupted replace_durably: never part of the live state
        with paused_gc():
            loaded = read_snapshot(self.path, self._sealer)
            raw = self._read_journal()
            found = replay(loaded.tables, raw, self._sealer)
        if found.unauthentic and not loaded.key_checked:
            # No snapshot vouches for the key, so lines that do not decrypt mean a wrong key,
            # not damage: setting them aside would throw the store away.
            raise StoreKeyError("this store was encrypted with another key")
        self._tables, self._snapshot_bytes = loaded.tables, loaded.size
        self.recovery_notes.extend(loaded.notes)
        if found.damaged:
            self._keep_damaged(found)
        self._journal_bytes = len(raw)
        rewrite = loaded.rewrite or found.plain_lines > 0
        if found.damaged or rewrite or self._journal_bytes > self.compaction_threshold():
            try:
                self._compact()  # also leaves a clean journal behind the damage we set aside
                return
            except OSError:
                if found.damaged:
                    raise
                # A migration or housekeeping compaction can wait (e.g. the disk is full): the
                # store works as it is and the next compaction tries again.
        if self._fd is None:
            self._fd = open_append(self.path / JOURNAL)
        if not raw:
            fsync_dir(self.path)  # the journal file itself must survive a power cut
        if found.clean_bytes < self._journal_bytes:
            self._truncate_to(found.clean_bytes)  # cut the torn tail before appending after it
        self._next_compaction = self.compaction_threshold()

    def _read_journal(self) -> bytes:
        journal = self.path / JOURNAL
        return journal.read_bytes() if journal.exists() else b""

    def _keep_damaged(self, found: Replay) -> None:
        n = 1
        while (self.path / f"journal.corrupt-{n}").exists():
            n += 1
        side = self.path / f"journal.corrupt-{n}"
        replace_durably(side, found.damaged)
        self.lost_changes += found.bad_lines
        self.recovery_notes.append(
            f"journal damaged at byte {found.clean_bytes}: {found.replayed_after_damage} later "
            f"transaction(s) were replayed; the unreadable {len(found.damaged)} bytes from there "
            f"on are kept in {side}"
        )

    # -- writing -------------------------------------------------------------------------

    def _persist(self, payload: bytes) -> None:
        fd = self._check_writable()
        line = frame(payload if self._sealer is None else self._sealer.seal_line(payload))
        try:
            write_all(fd, line)
            fsync_fd(fd)
        except BaseException as exc:
            # Leave no partial line behind: the next append would glue onto it and a good,
            # returned save would then read as damage. Not only for OSError: an interrupt between
            # write and fsync would otherwise leave a whole line that memory never applied (a
            # reopen would resurrect it) and ``_journal_bytes`` short of the file, so the next
            # failed write would truncate into a save that had returned.
            try:
                self._truncate_to(self._journal_bytes)
            except OSError:
                self._broken = f"journal could not be repaired after a failed write ({exc})"
            if isinstance(exc, OSError):
                raise save_failed(exc, "could not save") from exc
            raise
        self._journal_bytes += len(line)

    def defer_compaction(self, bound: int) -> None:
        """With `bound` > 1, housekeeping compactions wait until the journal is `bound` times
        the size that usually triggers one (a sync pass writes down one batch after another);
        with 1, they are back to normal and the one held back, if due, runs now. Every
        transaction is fsynced to the journal as before: only folding it into a snapshot waits,
        and a full-state write is still folded at once. Callers hold the store's lock."""
        self._deferral = max(bound, 1)
        if bound <= 1 and self._fd is not None and self._broken is None:  # not closed or broken
            self._after_apply()

    def _after_apply(self) -> None:
        limit = self._next_compaction
        if self._deferral > 1 and limit > 0:
            limit = max(limit, self._deferral * self.compaction_threshold())
        if self._journal_bytes <= limit:
            return
        try:
            self._compact()
        except OSError:
            # The transaction itself is already durable; compaction is housekeeping. Try
            # again only after another threshold's worth of journal, not on every save.
            self._next_compaction = self._journal_bytes + self.compaction_threshold()

    def _after_write(self) -> None:
        self._next_compaction = 0  # fold the full-state line into a snapshot right away
        self._after_apply()

    def _forget_unsaved_write(self) -> None:
        try:
            loaded = read_snapshot(self.path, self._sealer, keep_damage=False)
            tables = loaded.tables
            replay(tables, self._read_journal()[: self._journal_bytes], self._sealer)
        except (OSError, StoreError) as exc:
            self._broken = f"state could not be reloaded after a failed write ({exc})"
            return
        self._tables = tables
        self._notify(None)

    def compaction_threshold(self) -> int:
        """The journal size that triggers a compaction (so the most a reopen replays)."""
        # Growing with the snapshot keeps the amortised cost of compaction per save constant;
        # a thirty-second of it bounds the replay a reopen after a kill has to do. A journal byte
        # costs a reopen far more than a snapshot byte (a line is checked, decrypted and applied
        # on its own, where a record kind of the snapshot is not even decoded until it is read:
        # ``lazy``), so the journal is kept short; the floor is low too, since it, not the
        # fraction, is the bound until the snapshot reaches 32 times it. Compacting often costs
        # little: chunks of the snapshot that no write touched are written back as they are.
        return max(self._compact_min_bytes, self._snapshot_bytes // 32)

    def _compact(self, *, step: Callable[[str], None] | None = None) -> None:
        self._snapshot_bytes, plain = write_snapshot(self.path, self._tables, self._sealer, step=step)
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
        self._next_compaction = self.compaction_threshold()
        if step is not None:
            step("journal-reset")
        # The record kinds read the snapshot just written from now on, as after a reopen: the
        # documents decoded since are freed, and the next compaction copies every chunk that no
        # write touches in between instead of encoding it again.
        self._tables.rebase(decode_snapshot(plain, authenticated=True))

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
