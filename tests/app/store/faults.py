"""A narrow fault hook on the real file system: fail the writes or fsyncs of one store's journal.

The store's own code runs unchanged (``os.write``/``os.fsync`` are wrapped, not the store's
functions); only calls on a descriptor that refers to the store's ``journal.log`` are failed, and
only while armed, so pytest's output, the snapshot files and everything else write normally.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from errno import ENOSPC
from pathlib import Path

import pytest


@dataclass
class _Armed:
    times: int
    error: int
    partial: int
    raising: type[BaseException] | None  # instead of OSError(error)

    def exception(self) -> BaseException:
        return self.raising() if self.raising else OSError(self.error, os.strerror(self.error))


REAL_WRITE = os.write
REAL_FSYNC = os.fsync


class JournalFaults:
    """``fail("write" | "fsync", times=n)`` makes the next ``n`` such calls on the journal raise."""

    def __init__(self, store_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self._journal = store_dir / "journal.log"
        self._lock = threading.Lock()  # the sync runner writes from its own thread
        self._armed: dict[str, _Armed] = {}
        self.failed: list[str] = []  # what was failed, in order
        monkeypatch.setattr(os, "write", self._write)
        monkeypatch.setattr(os, "fsync", self._fsync)

    def fail(
        self,
        call: str,
        *,
        times: int = 1,
        error: int = ENOSPC,
        partial: int = 0,
        raising: type[BaseException] | None = None,
    ) -> None:
        """Arm: ``partial`` bytes of a failing write still reach the file first (a filling disk);
        ``raising`` throws that instead of an ``OSError`` (an interrupt in the middle of a save)."""
        with self._lock:
            self._armed[call] = _Armed(times, error, partial, raising)

    def heal(self) -> None:
        """Space was freed: every call goes through again."""
        with self._lock:
            self._armed.clear()

    def _take(self, call: str, fd: int) -> _Armed | None:
        with self._lock:
            armed = self._armed.get(call)
            if armed is None or armed.times <= 0 or not self._is_journal(fd):
                return None
            armed.times -= 1
            self.failed.append(call)
            return armed

    def _is_journal(self, fd: int) -> bool:
        # Compared by inode, not by the storage's private descriptor: compaction replaces the file.
        try:
            here, journal = os.fstat(fd), os.stat(self._journal)
        except OSError:
            return False
        return (here.st_dev, here.st_ino) == (journal.st_dev, journal.st_ino)

    def _write(self, fd: int, data: bytes | memoryview) -> int:
        armed = self._take("write", fd)
        if armed is None:
            return REAL_WRITE(fd, data)
        if armed.partial:
            REAL_WRITE(fd, bytes(memoryview(data)[: armed.partial]))
        raise armed.exception()

    def _fsync(self, fd: int) -> None:
        armed = self._take("fsync", fd)
        if armed is not None:
            raise armed.exception()
        REAL_FSYNC(fd)
