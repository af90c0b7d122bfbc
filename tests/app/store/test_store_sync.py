"""Contract: outbox, push outcomes and pulled changes (memory and journal storages)."""

from __future__ import annotations

from typing import Any

import pytest

from app.store import LocalStore, RemoteChange, StoreError, SyncOutcome

from .conftest import StoreHarness, visit

KIND = "employer_visit"


def save(store: LocalStore, record_id: str, op_id: str, **fields: object) -> None:
    store.save(KIND, visit(record_id, **fields), op_id=op_id, queued_at=f"at-{op_id}")


def synced(op_id: str, record_id: str, version: int, **extra: object) -> SyncOutcome:
    return SyncOutcome(op_id, KIND, record_id, "synced", server_version=version, **extra)  # type: ignore[arg-type]


def state_of(store: LocalStore, record_id: str) -> tuple[str, int]:
    stored = store.get(KIND, record_id)
    assert stored is not None
    return stored.sync.state, stored.sync.server_version


# -- outbox -------------------------------------------------------------------------------


def test_each_save_enters_the_outbox_in_queue_order(harness: StoreHarness) -> None:
    for n in range(3):
        save(harness.store, f"v{n}", f"op-{n}")
    store = harness.reopen()
    assert [e.op_id for e in store.outbox()] == ["op-0", "op-1", "op-2"]
    assert [e.op_id for e in store.outbox(limit=2)] == ["op-0", "op-1"]
    assert store.outbox()[0].queued_at == "at-op-0"
    assert store.pending_count() == 3


def test_newer_edit_replaces_queued_op_but_keeps_queue_position(harness: StoreHarness) -> None:
    save(harness.store, "v1", "op-1")
    save(harness.store, "v2", "op-2")
    save(harness.store, "v1", "op-3", notes="second thoughts")
    store = harness.reopen()
    assert [(e.record_id, e.op_id) for e in store.outbox()] == [("v1", "op-3"), ("v2", "op-2")]
    assert store.pending_count() == 2
    save(store, "v3", "op-4")  # new records still queue behind, also after a reopen
    assert [e.op_id for e in store.outbox()] == ["op-3", "op-2", "op-4"]


def test_bump_attempts_counts_failed_pushes(harness: StoreHarness) -> None:
    save(harness.store, "v1", "op-1")
    save(harness.store, "v2", "op-2")
    harness.store.bump_attempts(["op-1", "op-unknown"])
    harness.store.bump_attempts(["op-1"])
    store = harness.reopen()
    assert [(e.op_id, e.attempts) for e in store.outbox()] == [("op-1", 2), ("op-2", 0)]
    save(store, "v1", "op-3")  # a new op starts counting again
    assert store.outbox()[0].attempts == 0


# -- record_outcomes ------------------------------------------------------------------------


def test_synced_outcome_removes_the_op_and_marks_the_record_synced(harness: StoreHarness) -> None:
    save(harness.store, "v1", "op-1")
    save(harness.store, "v2", "op-2")
    harness.store.record_outcomes([synced("op-1", "v1", 4)])
    store = harness.reopen()
    assert [e.op_id for e in store.outbox()] == ["op-2"]
    assert state_of(store, "v1") == ("synced", 4)


def test_synced_outcome_keeps_the_review_and_writes_the_same_row_as_a_merged_answer(
    harness: StoreHarness,
) -> None:
    # v1 is kept as sent (most of a batch, written down on a quicker path), v2 comes back merged
    # with the very data it had: both end with the same sync state, the review kept on each.
    review = {"state": "needs_changes", "comment": "Add the contact name"}
    for record_id in ("v1", "v2"):
        harness.store.apply_remote([pulled(record_id, 1, visit(record_id))], cursor="c1")
        save(harness.store, record_id, f"op-{record_id}")
        harness.store.apply_remote([pulled(record_id, 1, visit(record_id), review)], cursor="c2")
    merged = dict(visit("v2"))
    merged.pop("id")
    harness.store.record_outcomes([synced("op-v1", "v1", 2), synced("op-v2", "v2", 2, server_data=merged)])
    store = harness.reopen()
    first, second = store.get(KIND, "v1"), store.get(KIND, "v2")
    assert first is not None and second is not None
    assert first.sync == second.sync and (first.sync.state, first.sync.server_version) == ("synced", 2)
    assert first.review == second.review == review
    assert store.outbox() == []


def test_next_edit_keeps_the_confirmed_server_version_as_base(store: LocalStore) -> None:
    save(store, "v1", "op-1")
    store.record_outcomes([synced("op-1", "v1", 4)])
    save(store, "v1", "op-2")
    assert state_of(store, "v1") == ("pending", 4)


def test_rejected_outcome_keeps_reason_and_field_errors(harness: StoreHarness) -> None:
    save(harness.store, "v1", "op-1")
    rejected = SyncOutcome(
        "op-1", KIND, "v1", "rejected", reason="bad date", field_errors={"visited_at": "in the future"}
    )
    harness.store.record_outcomes([rejected])
    store = harness.reopen()
    stored = store.get(KIND, "v1")
    assert stored is not None
    assert (stored.sync.state, stored.sync.reason) == ("rejected", "bad date")
    assert stored.sync.field_errors == {"visited_at": "in the future"}
    assert store.outbox() == []
    assert [r.data["id"] for r in store.needs_attention()] == ["v1"]


def test_conflict_outcome_takes_server_data_and_keeps_losing_values(harness: StoreHarness) -> None:
    save(harness.store, "v1", "op-1", notes="mine")
    server_copy = visit("v1", notes="theirs", version=2)
    conflict = SyncOutcome(
        "op-1", KIND, "v1", "conflict", server_version=6, reason="changed elsewhere", server_data=server_copy
    )
    harness.store.record_outcomes([conflict])
    store = harness.reopen()
    stored = store.get(KIND, "v1")
    assert stored is not None
    assert stored.data == server_copy
    assert (stored.sync.state, stored.sync.server_version) == ("conflict", 6)
    assert stored.sync.conflict == {"notes": "mine"}
    assert [r.data["id"] for r in store.needs_attention()] == ["v1"]


def test_conflict_outcome_uses_the_servers_field_report_when_given(store: LocalStore) -> None:
    save(store, "v1", "op-1", notes="mine")
    report = [{"field": "notes", "kept": "theirs", "other": "mine"}]
    outcome = SyncOutcome(
        "op-1",
        KIND,
        "v1",
        "conflict",
        server_version=6,
        server_data=visit("v1", notes="theirs"),
        conflicts=report,
    )
    store.record_outcomes([outcome])
    stored = store.get(KIND, "v1")
    assert stored is not None and stored.sync.conflict == {"notes": "mine"}


def test_synced_outcome_with_server_data_replaces_local_data(store: LocalStore) -> None:
    save(store, "v1", "op-1")
    merged = visit("v1", version=3, notes="merged on server")
    store.record_outcomes([synced("op-1", "v1", 3, server_data=merged)])
    stored = store.get(KIND, "v1")
    assert stored is not None and stored.data == merged and stored.sync.state == "synced"


def test_answer_to_a_replaced_op_keeps_the_newer_edit_pending_on_its_old_base(harness: StoreHarness) -> None:
    """Moving the base to the answer's version without its merged data made the newer op carry stale
    copies of others' values as if they were this device's changes: a silent lost update."""
    save(harness.store, "v1", "op-1", notes="first")
    save(harness.store, "v1", "op-2", notes="second")  # edited while op-1 was in flight
    harness.store.record_outcomes([synced("op-1", "v1", 5, server_data=visit("v1", notes="first"))])
    store = harness.reopen()
    stored = store.get(KIND, "v1")
    assert stored is not None
    assert stored.data["notes"] == "second"  # the newer local edit is not overwritten
    assert (stored.sync.state, stored.sync.server_version) == ("pending", 0)
    assert [e.op_id for e in store.outbox()] == ["op-2"]


def test_conflict_on_a_replaced_op_shows_once_the_newer_op_lands(harness: StoreHarness) -> None:
    save(harness.store, "v1", "op-1", notes="mine")
    save(harness.store, "v1", "op-2", notes="mine", outcome="met")  # replaced op-1 in flight
    report = [{"field": "notes", "kept": "theirs", "other": "mine"}]
    conflict = SyncOutcome("op-1", KIND, "v1", "conflict", server_version=3, conflicts=report)
    harness.store.record_outcomes([conflict])
    save(harness.store, "v1", "op-3", notes="mine", outcome="hired")  # a later save keeps it waiting
    store = harness.reopen()
    store.record_outcomes([synced("op-3", "v1", 4)])
    stored = store.get(KIND, "v1")
    assert stored is not None
    assert stored.sync.state == "conflict"
    assert stored.sync.conflict == {"notes": "mine"}
    assert stored.sync.reason is not None and "notes" in stored.sync.reason


def test_rejection_of_a_superseded_op_does_not_move_the_base_version(store: LocalStore) -> None:
    save(store, "v1", "op-1")
    store.record_outcomes([synced("op-1", "v1", 2)])
    save(store, "v1", "op-2")
    save(store, "v1", "op-3")
    store.record_outcomes([SyncOutcome("op-2", KIND, "v1", "conflict", server_version=9)])
    assert state_of(store, "v1") == ("pending", 2)
    assert [e.op_id for e in store.outbox()] == ["op-3"]


def test_unknown_and_repeated_outcomes_are_ignored(harness: StoreHarness) -> None:
    save(harness.store, "v1", "op-1")
    harness.store.record_outcomes([synced("op-1", "v1", 2)])
    harness.store.record_outcomes([synced("op-1", "v1", 2), synced("op-x", "v9", 1)])
    store = harness.reopen()
    assert state_of(store, "v1") == ("synced", 2)
    assert store.get(KIND, "v9") is None and store.outbox() == []


def test_outcomes_must_be_final_states(store: LocalStore) -> None:
    save(store, "v1", "op-1")
    with pytest.raises(StoreError):
        store.record_outcomes([SyncOutcome("op-1", KIND, "v1", "pending")])
    assert [e.op_id for e in store.outbox()] == ["op-1"]


def test_synced_delete_purges_the_tombstone(harness: StoreHarness) -> None:
    save(harness.store, "v1", "op-1")
    harness.store.delete(KIND, "v1", op_id="op-2", queued_at="t2")
    harness.store.record_outcomes([synced("op-2", "v1", 3)])
    store = harness.reopen()
    assert store.get(KIND, "v1") is None and store.outbox() == []


def test_refused_delete_brings_the_record_back_for_attention(store: LocalStore) -> None:
    save(store, "v1", "op-1")
    store.delete(KIND, "v1", op_id="op-2", queued_at="t2")
    store.record_outcomes([SyncOutcome("op-2", KIND, "v1", "rejected", reason="has visits")])
    assert [r.data["id"] for r in store.all(KIND)] == ["v1"]
    assert [r.sync.reason for r in store.needs_attention()] == ["has visits"]


def test_saving_again_clears_the_attention_state(store: LocalStore) -> None:
    save(store, "v1", "op-1")
    store.record_outcomes(
        [SyncOutcome("op-1", KIND, "v1", "rejected", reason="bad", field_errors={"a": "b"})]
    )
    save(store, "v1", "op-2")
    stored = store.get(KIND, "v1")
    assert stored is not None and stored.sync.state == "pending"
    assert stored.sync.reason is None and stored.sync.field_errors == {}
    assert store.needs_attention() == []


# -- apply_remote -----------------------------------------------------------------------------


def pulled(
    record_id: str, version: int, data: dict[str, Any] | None = None, review: dict[str, Any] | None = None
) -> RemoteChange:
    return RemoteChange(KIND, record_id, version, data, review)


def test_pulled_changes_land_as_synced_with_the_cursor(harness: StoreHarness) -> None:
    assert harness.store.cursor() is None
    review = {"state": "approved", "comment": "Good notes"}
    harness.store.apply_remote([pulled("v1", 3, visit("v1", version=3), review)], cursor="c1")
    store = harness.reopen()
    stored = store.get(KIND, "v1")
    assert stored is not None
    assert (stored.sync.state, stored.sync.server_version) == ("synced", 3)
    assert stored.review == review and store.cursor() == "c1"
    assert store.outbox() == []


def test_cursor_advances_even_when_a_page_is_empty(store: LocalStore) -> None:
    store.apply_remote([], cursor="c7")
    assert store.cursor() == "c7"


def test_cursor_never_advances_without_the_data(harness: StoreHarness) -> None:
    harness.store.apply_remote([pulled("v1", 1, visit("v1"))], cursor="c1")
    bad_page = [pulled("v2", 2, visit("v2")), pulled("v3", 3, visit("v3", photo=b"raw"))]
    with pytest.raises(StoreError):
        harness.store.apply_remote(bad_page, cursor="c2")
    store = harness.reopen()
    assert store.cursor() == "c1"
    assert store.get(KIND, "v2") is None


def test_pull_does_not_overwrite_a_pending_local_edit(harness: StoreHarness) -> None:
    harness.store.apply_remote([pulled("v1", 1, visit("v1", notes="server v1"))], cursor="c1")
    save(harness.store, "v1", "op-1", notes="local edit")
    review = {"state": "needs_changes", "comment": "Add the contact name"}
    harness.store.apply_remote([pulled("v1", 2, visit("v1", notes="server v2"), review)], cursor="c2")
    store = harness.reopen()
    stored = store.get(KIND, "v1")
    assert stored is not None
    assert stored.data["notes"] == "local edit"
    assert (stored.sync.state, stored.sync.server_version) == ("pending", 1)
    assert stored.review == review  # the supervisor's review still lands
    assert [e.op_id for e in store.outbox()] == ["op-1"]


def test_pulled_tombstone_deletes_a_synced_record(harness: StoreHarness) -> None:
    harness.store.apply_remote([pulled("v1", 1, visit("v1")), pulled("v2", 1, visit("v2"))], cursor="c1")
    harness.store.apply_remote([pulled("v1", 2, None)], cursor="c2")
    store = harness.reopen()
    assert store.get(KIND, "v1") is None
    assert [r.data["id"] for r in store.all(KIND)] == ["v2"]


def test_pulled_tombstone_keeps_a_pending_local_edit(store: LocalStore) -> None:
    store.apply_remote([pulled("v1", 1, visit("v1"))], cursor="c1")
    save(store, "v1", "op-1")
    store.apply_remote([pulled("v1", 2, None)], cursor="c2")
    assert store.get(KIND, "v1") is not None
    assert [e.op_id for e in store.outbox()] == ["op-1"]


def test_pull_of_the_conflicting_version_keeps_the_conflict(store: LocalStore) -> None:
    save(store, "v1", "op-1", notes="mine")
    server_copy = visit("v1", notes="theirs")
    store.record_outcomes(
        [SyncOutcome("op-1", KIND, "v1", "conflict", server_version=4, server_data=server_copy)]
    )
    store.apply_remote([pulled("v1", 4, server_copy, {"state": "unreviewed"})], cursor="c1")
    stored = store.get(KIND, "v1")
    assert stored is not None and stored.sync.state == "conflict"
    assert stored.review == {"state": "unreviewed"}
    store.apply_remote([pulled("v1", 5, visit("v1", notes="fixed"))], cursor="c2")
    assert state_of(store, "v1") == ("synced", 5)  # a newer server version supersedes it


def test_pull_older_than_the_confirmed_version_is_ignored(store: LocalStore) -> None:
    save(store, "v1", "op-1", notes="pushed")
    store.record_outcomes([synced("op-1", "v1", 5)])
    store.apply_remote([pulled("v1", 4, visit("v1", notes="stale"))], cursor="c1")
    stored = store.get(KIND, "v1")
    assert stored is not None and stored.data["notes"] == "pushed"
    assert state_of(store, "v1") == ("synced", 5)
