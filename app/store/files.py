"""Small file-system primitives the journal needs to be crash-safe, translated to ``OSError``."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from types import ModuleType

from app.store.errors import StoreError

fcntl: ModuleType | None
try:
    import fcntl
except ImportError:  # Windows has neither advisory locks nor F_FULLFSYNC
    fcntl = None


# Windows opens descriptors in text mode unless told otherwise, which would turn every "\n" we
# write into "\r\n" and break the checksums. Elsewhere this flag is 0.
BINARY = getattr(os, "O_BINARY", 0)


def open_append(path: Path) -> int:
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | BINARY, 0o600)


def fsync_fd(fd: int) -> None:
    """Flush ``fd`` to stable storage, not just to the drive's volatile cache."""
    full_fsync = getattr(fcntl, "F_FULLFSYNC", None)
    if fcntl is not None and full_fsync is not None:
        # On Apple platforms (iOS builds) plain fsync() stops at the drive cache, which a
        # power cut loses; F_FULLFSYNC is the documented way to reach the flash.
        try:
            fcntl.fcntl(fd, full_fsync)
            return
        except OSError:
            pass  # filesystem without F_FULLFSYNC support: plain fsync is the best there is
    os.fsync(fd)


def fsync_dir(path: Path) -> None:
    """Make creations, renames and deletions inside ``path`` durable."""
    if os.name == "nt":
        return  # directories cannot be opened on Windows; NTFS journals its metadata itself
    fd = os.open(path, os.O_RDONLY)
    try:
        fsync_fd(fd)
    finally:
        os.close(fd)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def replace_durably(target: Path, data: bytes) -> None:
    """Atomically make ``target`` hold ``data``: old or new content survives a crash, never a mix."""
    tmp = target.with_name(target.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | BINARY, 0o600)
    try:
        write_all(fd, data)
        fsync_fd(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            tmp.unlink()  # on a full disk, a half-written copy would only hold on to the space
        raise
    os.close(fd)
    os.replace(tmp, target)
    fsync_dir(target.parent)


def fresh_append_file(target: Path) -> int:
    """Atomically replace ``target`` with an empty file; returns an append descriptor on it.

    The descriptor is opened on the temporary file before the rename, so it refers to the
    new file whatever happens: there is no window where we could append to the old one.
    """
    tmp = target.with_name(target.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND | BINARY, 0o600)
    try:
        fsync_fd(fd)
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except BaseException:
        os.close(fd)
        raise
    return fd


class DirectoryLock:
    """An advisory lock so two processes never append to the same journal."""

    def __init__(self, path: Path) -> None:
        self._fd: int | None = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        if fcntl is None:
            return
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            self.release()
            raise StoreError(f"store {path.parent} is already open elsewhere") from exc

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None
