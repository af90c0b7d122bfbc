"""The store's value types, and how each maps to the documents kept in its TinyDB tables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

# The values the store and the sync engine exchange live in the domain, so sync never imports the store.
from app.domain.outbox import OutboxEntry as OutboxEntry
from app.domain.outbox import RemoteChange as RemoteChange
from app.domain.outbox import SyncOutcome as SyncOutcome
from app.domain.outbox import SyncState as SyncState

ATTENTION_STATES: tuple[SyncState, ...] = ("rejected", "conflict")


@dataclass(frozen=True)
class SyncInfo:
    """Where a record stands with the server."""

    state: SyncState = "pending"
    reason: str | None = None  # the server's reason for rejected, or a conflict note
    server_version: int = 0  # last version the server confirmed; base_version of the next push
    field_errors: dict[str, str] = field(default_factory=dict)
    conflict: dict[str, Any] | None = None  # field -> the value that lost, when state == conflict


@dataclass(frozen=True)
class StoredRecord:
    """One record as the app sees it: its data, sync state and supervisor review."""

    kind: str
    data: dict[str, Any]  # always has "id" (uuid str) and whatever "version" the caller gave
    sync: SyncInfo
    review: dict[str, Any] | None = None  # opaque supervisor review pulled from the server
    deleted: bool = False  # deleted on this device; kept (only ``get`` shows it) until synced


def clone(value: Any) -> Any:
    """A deep copy of a JSON value, so callers can never edit the store's live documents."""
    kind = type(value)
    if kind is dict:
        # Copy in C, then descend only into containers: records are mostly scalars, and
        # this runs once per record on every list a screen shows.
        copied = value.copy()
        for key, item in value.items():
            if type(item) is dict or type(item) is list:
                copied[key] = clone(item)
        return copied
    if kind is list:
        return [clone(item) if type(item) is dict or type(item) is list else item for item in value]
    return value


def sync_doc(info: SyncInfo, *, review: dict[str, Any] | None, deleted: bool = False) -> dict[str, Any]:
    doc: dict[str, Any] = {"state": info.state, "server_version": info.server_version}
    # Empty fields are left out: one row per record, so this is a good part of the snapshot
    # size, and snapshot size is what reopening costs.
    optional = {
        "reason": info.reason,
        "field_errors": dict(info.field_errors),
        "conflict": info.conflict,
        "review": review,
        "deleted": deleted,
    }
    doc.update((name, value) for name, value in optional.items() if value)
    return doc


def sync_info(doc: Mapping[str, Any] | None) -> SyncInfo:
    if doc is None:
        return SyncInfo()
    return SyncInfo(
        state=cast(SyncState, doc["state"]),
        reason=doc.get("reason"),
        server_version=doc["server_version"],
        field_errors=dict(doc.get("field_errors") or {}),
        conflict=clone(doc.get("conflict")),
    )


def outbox_entry(doc: Mapping[str, Any]) -> OutboxEntry:
    return OutboxEntry(
        op_id=doc["op_id"],
        kind=doc["kind"],
        record_id=doc["record_id"],
        queued_at=doc["queued_at"],
        attempts=doc["attempts"],
        deleted=doc["deleted"],
    )
