"""The in-memory twin of ``JournalStorage``: same ``apply`` API and encoding, no files.

Used by tests and by ``LocalStore.in_memory()``. Every transaction is encoded exactly as the
journal would write it, so input the durable store refuses is refused here too. One
difference: when TinyDB's own full write (not used by ``LocalStore``) fails, TinyDB has already
edited the live dict, and without files there is no durable state to go back to.
"""

from __future__ import annotations

from app.store.base import ApplyingStorage


class MemoryJournalStorage(ApplyingStorage):
    """Keeps the state in memory only; it is lost when the process ends."""
