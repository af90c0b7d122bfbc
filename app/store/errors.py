"""The store's one error vocabulary.

Everything the store raises is a ``StoreError``; low-level failures (``OSError``,
``TypeError`` from JSON encoding, ...) are translated where they happen with
``raise StoreError(...) from exc`` so callers never need to know about files or codecs.

- ``StoreError``: the operation did not happen (bad input, disk full, store busy).
  Nothing was written; the store is still usable.
- ``StoreCorrupted``: the files on disk cannot be read back into a consistent state
  (for example a damaged snapshot). The store refuses to open rather than guess.
"""

from __future__ import annotations


class StoreError(Exception):
    """A store operation failed and wrote nothing."""


class StoreCorrupted(StoreError):
    """The store's files are damaged beyond what crash recovery may repair."""
