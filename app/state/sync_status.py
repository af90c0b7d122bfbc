"""Where the Today screen gets its sync line. The sync module will provide a real source later."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from app.store import LocalStore


@dataclass(frozen=True)
class SyncSummary:
    connected: bool
    pending: int
    attention: int
    label: str


class SyncStatus(Protocol):
    def summary(self) -> SyncSummary: ...


class OfflineSyncStatus:
    """No server configured yet: everything saved stays on the phone, counted as pending."""

    def __init__(self, store: LocalStore) -> None:
        self.store = store

    def summary(self) -> SyncSummary:
        pending = self.store.pending_count()
        attention = len(self.store.needs_attention())
        waiting = "Nothing waiting to sync" if pending == 0 else f"{pending} waiting to sync"
        return SyncSummary(
            connected=False,
            pending=pending,
            attention=attention,
            label=f"Not connected to a server yet · {waiting}",
        )
