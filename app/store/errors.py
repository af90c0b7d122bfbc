"""The store's one error vocabulary.

Everything the store raises is a ``StoreError``; low-level failures (``OSError``,
``TypeError`` from JSON encoding, ...) are translated where they happen with
``raise StoreError(...) from exc`` so callers never need to know about files or codecs.

- ``StoreError``: the operation did not happen (bad input, disk full, store busy).
  Nothing was written; the store is still usable.
- ``StoreFull``: the device ran out of space; nothing was written, everything saved before
  is kept. Its message is the sentence the app shows.
- ``StoreCorrupted``: the files on disk cannot be read back into a consistent state
  (for example a damaged snapshot with no good backup). The store refuses to open rather
  than guess.
- ``StoreKeyError``: the store is encrypted with another key, or no key was given. Never
  treated as damage: nothing is set aside or rewritten.
"""

from __future__ import annotations

import errno

from app.domain.outbox import StorageFull

STORAGE_FULL = "Phone storage is full: free space and save again"
_FULL_ERRNOS = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


class StoreError(Exception):
    """A store operation failed and wrote nothing."""


class StoreFull(StoreError, StorageFull):
    """The device's storage is full; the operation wrote nothing."""

    def __init__(self, message: str = STORAGE_FULL) -> None:
        super().__init__(message)


class StoreCorrupted(StoreError):
    """The store's files are damaged beyond what crash recovery may repair."""


class StoreKeyError(StoreError):
    """The store's encryption key is missing or is not the one its files were sealed with."""


def is_disk_full(exc: OSError) -> bool:
    return exc.errno in _FULL_ERRNOS


def save_failed(exc: OSError, what: str) -> StoreError:
    """The error for a write that failed with ``exc``: a plain sentence when the disk is full."""
    return StoreFull() if is_disk_full(exc) else StoreError(f"{what}: {exc}")
