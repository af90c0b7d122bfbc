"""The sync line everyone reads on Today: a plain-Python summary of the runner's status."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sync.runner import SyncStatus

SIGNED_OUT = (
    "Your team signed this phone out, so Fieldwork deleted everything it kept on it: "
    "records, comments and changes not yet sent."
)

LAST_SYNC_META = "last_sync_at"  # kept in the store: "Synced 2 h ago" survives a restart


@dataclass(frozen=True)
class SyncSummary:
    connected: bool  # enrolled with a team
    pending: int
    attention: int
    label: str
    kind: str = "info"  # banner colour: info, ok, warn, error
    action: str | None = None  # what tapping the line offers: "connect", "sync_now" or nothing
    syncing: bool = False


class StatusSource(Protocol):
    def summary(self) -> SyncSummary: ...


def waiting(pending: int) -> str:
    return "Nothing waiting to sync" if pending == 0 else f"{pending:,} waiting to sync"


def synced_ago(at: datetime | None, now: datetime) -> str:
    if at is None:
        return "Never synced"
    seconds = (now - at).total_seconds()
    if seconds < 60:
        return "Synced just now"
    if seconds < 3600:
        return f"Synced {int(seconds // 60)} min ago"
    local = at.astimezone(now.tzinfo)
    if local.date() == now.date():
        return f"Synced at {local:%H:%M}"
    return f"Synced {local:%-d %b, %H:%M}"


def describe(
    status: SyncStatus | None,
    *,
    pending: int,
    attention: int,
    now: datetime,
    notice: str | None = None,
) -> SyncSummary:
    """What the sync line says; `status` is None when this phone is not enrolled."""
    parts: list[str]
    kind, action, syncing = "info", "sync_now", False
    if status is None or not status.enrolled:
        parts = [notice or "Not connected to your team yet", waiting(pending)]
        kind, action = ("error" if notice else "info"), "connect"
    elif status.syncing:
        syncing = True
        progress = status.progress
        if progress is not None and progress.phase == "push" and progress.total > 0:
            parts = [f"Sending {progress.done:,} of {progress.total:,}", waiting(pending)]
        elif progress is not None and progress.phase == "pull":
            parts = [f"Receiving updates ({progress.done:,})", waiting(pending)]
        else:
            parts = ["Syncing…", waiting(pending)]
    elif status.problem and status.online is not False:
        # A problem on the phone (storage full, a damaged file): not a network state.
        parts = [status.problem, waiting(pending)]
        kind = "error"
    elif status.online is False:
        parts = ["Offline", waiting(pending), synced_ago(status.last_success_at, now)]
        if status.problem and not status.problem.startswith("No connection"):
            parts.append(status.problem)
    elif status.online is None:
        parts = ["Connecting…", waiting(pending)]
    else:
        parts = ["Online", synced_ago(status.last_success_at, now), waiting(pending)]
        kind = "ok" if pending == 0 else "info"
    if attention:
        parts.append(f"{attention} need{'s' if attention == 1 else ''} attention")
        kind = "error" if kind == "error" else "warn"
    return SyncSummary(
        connected=status is not None and status.enrolled,
        pending=pending,
        attention=attention,
        label=" · ".join(parts),
        kind=kind,
        action=action,
        syncing=syncing,
    )


def remembered_last_sync(store: _Meta) -> datetime | None:
    """The last successful sync a previous run of the app saw, if any (unreadable: none)."""
    value = store.get_meta(LAST_SYNC_META)
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def remember_last_sync(store: _Meta, at: datetime | None) -> None:
    if at is not None:
        store.set_meta(LAST_SYNC_META, at.isoformat())


class OfflineSyncStatus:
    """A phone with no sync link at all (previews, tests): everything saved stays pending."""

    def __init__(self, store: _Counts) -> None:
        self.store = store

    def summary(self) -> SyncSummary:
        pending, attention = self.store.pending_count(), len(self.store.needs_attention())
        return describe(None, pending=pending, attention=attention, now=datetime.now().astimezone())


class _Meta(Protocol):
    def get_meta(self, key: str) -> Any: ...
    def set_meta(self, key: str, value: Any) -> None: ...


class _Counts(Protocol):
    def pending_count(self) -> int: ...
    def needs_attention(self) -> Sequence[object]: ...
