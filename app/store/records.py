"""The store's value types, and how each maps to the documents kept in its TinyDB tables."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

# The values the store and the sync engine exchange live in the domain, so sync never imports the store.
from app.domain.outbox import OutboxEntry as OutboxEntry
from app.domain.outbox import RemoteChange as RemoteChange
from app.domain.outbox import SyncOutcome as SyncOutcome
from app.domain.outbox import SyncState as SyncState

ATTENTION_STATES: tuple[SyncState, ...] = ("rejected", "conflict")


class FieldErrors(Mapping[str, str]):
    """The server's field -> message for a refused record: read-only, over a private copy.

    A class of its own rather than a ``types.MappingProxyType`` so a ``SyncInfo`` still deep-copies
    and goes through ``dataclasses.asdict``."""

    __slots__ = ("_errors",)

    def __init__(self, errors: Mapping[str, str] | None = None) -> None:
        self._errors = dict(errors or {})

    def __getitem__(self, name: str) -> str:
        return self._errors[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._errors)

    def __len__(self) -> int:
        return len(self._errors)

    def __repr__(self) -> str:
        return f"FieldErrors({self._errors!r})"


_NO_ERRORS = FieldErrors()


def _no_errors() -> FieldErrors:
    return _NO_ERRORS


@dataclass(frozen=True)
class SyncInfo:
    """Where a record stands with the server.

    Immutable all through but for ``conflict`` (a private copy whenever it is set), so records
    in the same plain state share one: ``field_errors`` becomes a read-only ``FieldErrors``
    over a copy of what it was given."""

    state: SyncState = "pending"
    reason: str | None = None  # the server's reason for rejected, or a conflict note
    server_version: int = 0  # last version the server confirmed; base_version of the next push
    field_errors: Mapping[str, str] = field(default_factory=_no_errors)  # a FieldErrors
    conflict: dict[str, Any] | None = None  # field -> the value that lost, when state == conflict

    def __post_init__(self) -> None:
        if type(self.field_errors) is not FieldErrors:
            object.__setattr__(self, "field_errors", FieldErrors(self.field_errors))


NEW_SYNC = SyncInfo()  # a record with no sync row yet


@dataclass(frozen=True)
class StoredRecord:
    """One record as the app sees it: its data, sync state and supervisor review."""

    kind: str
    data: dict[str, Any]  # always has "id" (uuid str) and whatever "version" the caller gave
    sync: SyncInfo
    review: dict[str, Any] | None = None  # opaque supervisor review pulled from the server
    deleted: bool = False  # deleted on this device; kept (only ``get`` shows it) until synced


_CONTAINERS = frozenset((dict, list))


def clone(value: Any) -> Any:
    """A deep copy of a JSON value, so callers can never edit the store's live documents."""
    kind = type(value)
    if kind is dict:
        # Copy in C, then descend only into containers: records are mostly scalars, and
        # this runs once per record on every list a screen shows.
        copied = value.copy()
        for key, item in value.items():
            if type(item) in _CONTAINERS:
                copied[key] = clone(item)
        return copied
    if kind is list:
        copied_list = value.copy()
        for index, item in enumerate(value):
            if type(item) in _CONTAINERS:
                copied_list[index] = clone(item)
        return copied_list
    return value


SharedSyncInfo = dict[tuple[Any, ...], SyncInfo]


def stored_record(kind: str, doc: Mapping[str, Any], sync: Mapping[str, Any] | None) -> StoredRecord:
    """The record for a live document and its live sync row, as copies the caller may edit."""
    review = None if sync is None else sync.get("review")
    deleted = bool(sync is not None and sync.get("deleted", False))
    return _new_record(kind, clone(doc), sync_info(sync), None if review is None else clone(review), deleted)


def listed_records(
    kind: str, batches: Iterable[tuple[Mapping[str, Any], bool]], syncs: Mapping[str, Mapping[str, Any]]
) -> list[StoredRecord]:
    """``stored_record`` for each document of ``kind`` not deleted locally, given batches of
    (id -> document, fresh) and the live sync table: the same records, built in one loop since a
    screen lists a whole kind. A fresh batch was decoded for this call alone (``lazy``), so its
    documents are handed over as they are; the others are live, and copied.

    Records in the same plain sync state share one (immutable) SyncInfo."""
    shared: SharedSyncInfo = {}
    found: list[StoredRecord] = []
    prefix = f"{kind}/"  # layout.row_key
    containers, new = _CONTAINERS, object.__new__
    last_row, last_info = None, NEW_SYNC  # a snapshot shares equal plain sync rows (lazy)
    for docs, fresh in batches:
        for record_id, doc in docs.items():
            sync = syncs.get(prefix + record_id)
            review: Any = None
            if sync is last_row:
                info = last_info
            elif sync is None:
                info = NEW_SYNC
            elif len(sync) == 2 and "server_version" in sync:  # and "state": most records are so
                plain = (sync["state"], sync["server_version"])
                info = shared.get(plain) or shared.setdefault(plain, sync_info(sync))
                last_row, last_info = sync, info
            elif sync.get("deleted", False):
                continue
            else:
                info = sync_info(sync, shared)
                review = sync.get("review")
                review = None if review is None else clone(review)
            if fresh:
                data = doc
            else:  # clone(doc), unrolled one level: this loop runs once per record of the kind.
                data = doc.copy()
                for key, item in doc.items():
                    if type(item) in containers:
                        data[key] = clone(item)
            record: StoredRecord = new(StoredRecord)  # as _new_record does, inlined
            fields = record.__dict__
            fields["kind"] = kind
            fields["data"] = data
            fields["sync"] = info
            fields["review"] = review
            fields["deleted"] = False
            found.append(record)
    return found


def _new_record(
    kind: str, data: dict[str, Any], sync: SyncInfo, review: dict[str, Any] | None, deleted: bool
) -> StoredRecord:
    record: StoredRecord = object.__new__(StoredRecord)
    # Set in the instance's dict: the frozen dataclass's __init__ goes through
    # object.__setattr__ per field, a good part of listing a large kind.
    fields = record.__dict__
    fields["kind"] = kind
    fields["data"] = data
    fields["sync"] = sync
    fields["review"] = review
    fields["deleted"] = deleted
    return record


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


def sync_info(doc: Mapping[str, Any] | None, shared: SharedSyncInfo | None = None) -> SyncInfo:
    """The SyncInfo of a sync row; with ``shared``, the same object for rows in the same plain
    state (no field errors, no conflict: nothing in it a caller could change)."""
    if doc is None:
        return NEW_SYNC
    errors, conflict = doc.get("field_errors"), doc.get("conflict")
    if shared is not None and not errors and conflict is None:
        key = (doc["state"], doc["server_version"], doc.get("reason"))
        info = shared.get(key)
        if info is None:
            info = shared[key] = SyncInfo(state=key[0], reason=key[2], server_version=key[1])
        return info
    return SyncInfo(
        state=cast(SyncState, doc["state"]),
        reason=doc.get("reason"),
        server_version=doc["server_version"],
        field_errors=errors or _NO_ERRORS,
        conflict=clone(conflict),
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
