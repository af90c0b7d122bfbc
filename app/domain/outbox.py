"""What the phone's store and the sync engine hand each other: a queued change, the server's answer
to it, a change pulled from the server. Plain values in the domain, so that neither app.store nor
sync imports the other (sync.store.SyncStore is the seam; app.store.LocalStore fits it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

SyncState = Literal["pending", "synced", "rejected", "conflict"]
# The conflict's field when an edit reached a record archived (deleted) elsewhere: the whole record.
ARCHIVED_FIELD = "record"


def conflict_reason(fields: list[str]) -> str:
    """What the specialist reads on a record whose values the server did not keep."""
    if fields == [ARCHIVED_FIELD]:
        return (
            "Archived on another phone, so the server kept it archived; your copy is still here."
            " Save it again to bring it back."
        )
    named = ", ".join(fields) or "some fields"
    return f"Also changed on the server; the server's {named} was kept. Check and edit if needed."


class StorageFull(Exception):
    """The device's storage is full and the write was refused (app.store.StoreFull is one)."""


@dataclass(frozen=True)
class OutboxEntry:
    """One record's change waiting to be pushed (at most one per record)."""

    op_id: str
    kind: str
    record_id: str
    queued_at: str
    attempts: int = 0
    deleted: bool = False


@dataclass(frozen=True)
class SyncOutcome:
    """The server's answer to one pushed op."""

    op_id: str
    kind: str
    record_id: str
    state: SyncState  # synced, rejected or conflict
    server_version: int = 0  # 0 = the server did not say
    reason: str | None = None
    field_errors: dict[str, str] = field(default_factory=dict)
    server_data: dict[str, Any] | None = None  # replaces local data unless edited since
    # Per-field conflicts as the server reports them: {"field", "kept", "other"} each.
    conflicts: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class RemoteChange:
    """One change pulled from the server."""

    kind: str
    record_id: str
    server_version: int
    data: dict[str, Any] | None  # None = deleted on the server
    review: dict[str, Any] | None = None
