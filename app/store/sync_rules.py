"""The sync rules: what a push outcome or a pulled change does to a record.

Each function only stages changes on a ``Transaction``; the caller commits them in one
durable write together with everything else the operation touches.
"""

from __future__ import annotations

from typing import Any

from app.domain.outbox import conflict_reason
from app.store.layout import OUTBOX, SYNC, row_key
from app.store.records import ATTENTION_STATES, RemoteChange, SyncInfo, SyncOutcome, sync_doc
from app.store.txn import Doc, Transaction

# Sync-state key: values the server did not keep for an op that a newer save replaced in flight.
CARRIED = "carried_conflict"


def settle_outcome(txn: Transaction, outcome: SyncOutcome, sync: Doc, *, was_delete: bool) -> None:
    """Apply the outcome of the op that is still the newest for its record."""
    kind, record_id, key = outcome.kind, outcome.record_id, row_key(outcome.kind, outcome.record_id)
    if was_delete and outcome.state == "synced":
        txn.delete(kind, record_id)  # the server deleted it too: the tombstone is done
        txn.delete(SYNC, key)
        return
    carried: dict[str, Any] = sync.get(CARRIED) or {}
    if _kept_as_sent(outcome) and not carried:
        # Kept as sent, nothing carried: most of a batch. The row the general case below writes
        # for it, built directly (a sync pass writes hundreds per batch).
        plain: Doc = {"state": "synced", "server_version": outcome.server_version or sync["server_version"]}
        if sync.get("review"):
            plain["review"] = sync["review"]
        txn.put(SYNC, key, plain)
        return
    local = (txn.get(kind, record_id) or {}) if outcome.state == "conflict" else {}
    if outcome.server_data is not None:
        txn.put(kind, record_id, {"id": record_id, **outcome.server_data})
    lost = _losing_values(outcome, local) if outcome.state == "conflict" else None
    state, reason = outcome.state, outcome.reason
    if carried and state != "rejected":
        # An earlier op of this record ended in a conflict while a newer save replaced it.
        lost = {**carried, **(lost or {})}
        state = "conflict"
        reason = reason if outcome.state == "conflict" else conflict_reason(list(lost))
    info = SyncInfo(
        state=state,
        reason=reason,
        server_version=outcome.server_version or sync["server_version"],
        field_errors=dict(outcome.field_errors),
        conflict=lost,
    )
    # A refused delete leaves the record on the server, so it comes back locally.
    doc = sync_doc(info, review=sync.get("review"), deleted=False)
    if carried and state == "rejected":
        doc[CARRIED] = carried  # still to show once an edit is accepted
    txn.put(SYNC, key, doc)


def _kept_as_sent(outcome: SyncOutcome) -> bool:
    """Synced with nothing else to write down: no merged copy, reason or field errors."""
    return (
        outcome.state == "synced"
        and outcome.server_data is None
        and not outcome.reason
        and not outcome.field_errors
    )


def carry_conflict(sync: Doc, outcome: SyncOutcome, local: Doc | None) -> Doc:
    """Sync state after a conflict reported for an op that a newer save replaced while in flight:
    the values the server did not keep wait in the sync state until the newer op's answer."""
    lost = _losing_values(outcome, local or {}) or {}
    return {**sync, CARRIED: {**(sync.get(CARRIED) or {}), **lost}}


def _losing_values(outcome: SyncOutcome, local: Doc) -> dict[str, Any] | None:
    """Field -> the value that lost, so the specialist can see and re-enter it."""
    if outcome.conflicts:
        return {str(c["field"]): c.get("other") for c in outcome.conflicts if "field" in c}
    if outcome.server_data is None:
        return None  # local data was not replaced, so no local value was lost
    server = outcome.server_data
    return {k: v for k, v in local.items() if k not in ("id", "version") and server.get(k) != v}


def apply_remote_change(txn: Transaction, change: RemoteChange) -> None:
    """Upsert a pulled record as synced (or remove it), unless the local copy must win."""
    kind, record_id = change.kind, change.record_id
    key = row_key(kind, record_id)
    sync = txn.get(SYNC, key)
    if sync is not None and _local_wins(txn, key, sync, change):
        txn.put(SYNC, key, {**sync, "review": change.review})
        return
    if change.data is None:
        txn.delete(kind, record_id)
        txn.delete(SYNC, key)
        return
    txn.put(kind, record_id, {"id": record_id, **change.data})
    synced = SyncInfo(state="synced", server_version=change.server_version)
    txn.put(SYNC, key, sync_doc(synced, review=change.review))


def _local_wins(txn: Transaction, key: str, sync: Doc, change: RemoteChange) -> bool:
    """Whether a pulled change must leave the local data alone (its review still lands)."""
    if txn.get(OUTBOX, key) is not None:
        return True  # a pending local edit: the push decides, not the pull
    known = int(sync["server_version"])
    if change.server_version < known:
        return True  # older than what the server already confirmed to us
    # The same version that produced a rejection or conflict must not silently clear it.
    return sync["state"] in ATTENTION_STATES and change.server_version <= known


def pending_sync(sync: Doc | None, *, deleted: bool) -> Doc:
    """Sync state after a local edit: pending, keeping the base version, review and any conflict
    carried from an op this edit replaced."""
    base = 0 if sync is None else int(sync["server_version"])
    review = None if sync is None else sync.get("review")
    doc = sync_doc(SyncInfo(server_version=base), review=review, deleted=deleted)
    if sync is not None and sync.get(CARRIED):
        doc[CARRIED] = sync[CARRIED]
    return doc
