"""Contract: saving, reading, searching and deleting records (memory and journal storages)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from tinydb import Query

from app.store import LocalStore, StoreError, SyncInfo

from .conftest import StoreHarness, visit

KIND = "employer_visit"


def save(store: LocalStore, record_id: str, n: int = 1, **fields: object) -> None:
    store.save(KIND, visit(record_id, **fields), op_id=f"op-{record_id}-{n}", queued_at=f"t{n}")


def test_save_returns_the_stored_record_as_pending(store: LocalStore) -> None:
    stored = store.save(KIND, visit("v1"), op_id="op-1", queued_at="t1")
    assert stored.kind == KIND
    assert stored.data == visit("v1")
    assert stored.sync == SyncInfo(state="pending", server_version=0)
    assert stored.review is None and not stored.deleted


def test_get_returns_what_was_saved_after_reopen(harness: StoreHarness) -> None:
    save(harness.store, "v1")
    store = harness.reopen()
    stored = store.get(KIND, "v1")
    assert stored is not None and stored.data == visit("v1")
    assert store.get(KIND, "missing") is None
    assert store.get("employer", "v1") is None  # kinds are separate


def test_versioning_is_the_callers_business(harness: StoreHarness) -> None:
    save(harness.store, "v1", version=7)
    save(harness.store, "v1", n=2, version=3)  # the store keeps what it is given
    stored = harness.reopen().get(KIND, "v1")
    assert stored is not None and stored.data["version"] == 3


def test_all_lists_every_record_of_a_kind(harness: StoreHarness) -> None:
    for record_id in ("v1", "v2", "v3"):
        save(harness.store, record_id)
    harness.store.save("employer", {"id": "e1", "version": 1}, op_id="op-e1", queued_at="t")
    store = harness.reopen()
    assert sorted(r.data["id"] for r in store.all(KIND)) == ["v1", "v2", "v3"]
    assert [r.data["id"] for r in store.all("employer")] == ["e1"]
    assert store.all("job_opening") == []


def test_search_runs_a_tinydb_query_over_record_data(harness: StoreHarness) -> None:
    save(harness.store, "v1", employer_id="emp-1")
    save(harness.store, "v2", employer_id="emp-2")
    assert [r.data["id"] for r in harness.store.search(KIND, Query().employer_id == "emp-2")] == ["v2"]
    save(harness.store, "v1", n=2, employer_id="emp-2")  # the query cache must not go stale
    store = harness.reopen()
    found = sorted(r.data["id"] for r in store.search(KIND, Query().employer_id == "emp-2"))
    assert found == ["v1", "v2"]
    assert store.search(KIND, Query().geotag.accuracy_m < 20) != []


def test_returned_data_is_a_copy_the_caller_may_edit(store: LocalStore) -> None:
    stored = store.save(KIND, visit("v1"), op_id="op-1", queued_at="t1")
    stored.data["geotag"]["lat"] = 0.0
    fetched = store.get(KIND, "v1")
    assert fetched is not None
    fetched.data["job_seeker_ids"].append("js-9")
    again = store.get(KIND, "v1")
    assert again is not None and again.data == visit("v1")


def test_save_stores_the_json_form_of_the_data(harness: StoreHarness) -> None:
    stored = harness.store.save(KIND, visit("v1", pair=(1, 2)), op_id="op-1", queued_at="t")
    assert stored.data["pair"] == [1, 2]  # what a reopen gives back, not the tuple
    reopened = harness.reopen().get(KIND, "v1")
    assert reopened is not None and reopened.data == stored.data


@pytest.mark.parametrize(
    "data",
    [
        {"version": 1},  # no id
        {"id": 5, "version": 1},  # id not a string
        {"id": "", "version": 1},
        visit("v1", photo=b"\x89PNG"),  # bytes are not JSON
        visit("v1", tags={"a", "b"}),
        visit("v1", accuracy=math.nan),  # NaN is not JSON
    ],
)
def test_bad_input_raises_store_error_and_writes_nothing(harness: StoreHarness, data: dict[str, Any]) -> None:
    save(harness.store, "v0")
    before = harness.store.all(KIND), harness.store.outbox()
    with pytest.raises(StoreError):
        harness.store.save(KIND, data, op_id="op-bad", queued_at="t9")
    store = harness.reopen()
    assert (store.all(KIND), store.outbox()) == before
    assert store.get(KIND, "v1") is None


@pytest.mark.parametrize("kind", ["", "_outbox", "_meta", "a/b"])
def test_reserved_or_malformed_kinds_are_refused(store: LocalStore, kind: str) -> None:
    with pytest.raises(StoreError):
        store.save(kind, visit("v1"), op_id="op-1", queued_at="t")
    with pytest.raises(StoreError):
        store.get(kind, "v1")


def test_delete_hides_the_record_but_keeps_it_until_synced(harness: StoreHarness) -> None:
    save(harness.store, "v1")
    save(harness.store, "v2")
    harness.store.delete(KIND, "v1", op_id="op-del", queued_at="t5")
    store = harness.reopen()
    assert [r.data["id"] for r in store.all(KIND)] == ["v2"]
    assert store.search(KIND, Query().employer_id == "emp-1") == store.all(KIND)
    tombstone = store.get(KIND, "v1")
    assert tombstone is not None and tombstone.deleted and tombstone.sync.state == "pending"
    entry = next(e for e in store.outbox() if e.record_id == "v1")
    assert (entry.op_id, entry.deleted) == ("op-del", True)


def test_deleting_an_unknown_record_is_an_error(store: LocalStore) -> None:
    with pytest.raises(StoreError):
        store.delete(KIND, "nope", op_id="op-1", queued_at="t")
    assert store.outbox() == []


def test_saving_a_locally_deleted_record_brings_it_back(store: LocalStore) -> None:
    save(store, "v1")
    store.delete(KIND, "v1", op_id="op-del", queued_at="t2")
    save(store, "v1", n=3)
    assert [r.data["id"] for r in store.all(KIND)] == ["v1"]
    assert [(e.op_id, e.deleted) for e in store.outbox()] == [("op-v1-3", False)]


def test_meta_settings_survive_reopen(harness: StoreHarness) -> None:
    assert harness.store.get_meta("device_id") is None
    harness.store.set_meta("device_id", "dev-1")
    harness.store.set_meta("enrollment", {"team": "kendal", "roles": ["specialist"]})
    store = harness.reopen()
    assert store.get_meta("device_id") == "dev-1"
    assert store.get_meta("enrollment") == {"team": "kendal", "roles": ["specialist"]}
    with pytest.raises(StoreError):
        store.set_meta("bad", object())


def test_wipe_kind_forgets_records_sync_state_and_queued_ops(harness: StoreHarness) -> None:
    save(harness.store, "v1")
    harness.store.save("employer", {"id": "e1", "version": 1}, op_id="op-e1", queued_at="t")
    harness.store.wipe_kind(KIND)
    store = harness.reopen()
    assert store.all(KIND) == [] and store.get(KIND, "v1") is None
    assert [e.record_id for e in store.outbox()] == ["e1"]
    save(store, "v1", n=2)  # the kind is usable again afterwards
    assert [r.data["id"] for r in store.all(KIND)] == ["v1"]
