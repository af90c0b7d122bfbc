"""Contract: listing a kind (``all``, ``search``) gives the same records as ``get`` does one by one.

``all`` and ``search`` build their records in one pass over the live tables and share one
``SyncInfo`` between records in the same plain sync state; these tests pin down that nothing a
caller gets from them can change the store, and that every record comes out as ``get`` gives it.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest
from tinydb import Query

from app.store import LocalStore, RemoteChange, SyncInfo, SyncOutcome

from .conftest import StoreHarness, visit

KIND = "employer_visit"
REVIEW = {"state": "needs_changes", "comments": [{"text": "Which shift?", "by": "sup-1"}]}


def save(store: LocalStore, record_id: str, op_id: str, **fields: object) -> None:
    store.save(KIND, visit(record_id, **fields), op_id=op_id, queued_at=f"at-{op_id}")


def mixed_store(store: LocalStore) -> None:
    """Records in every state a listing has to tell apart."""
    pulled = [RemoteChange(KIND, f"s{n}", 3, visit(f"s{n}")) for n in range(4)]
    pulled.append(RemoteChange(KIND, "reviewed", 2, visit("reviewed"), review=REVIEW))
    store.apply_remote(pulled, cursor="c1")
    save(store, "pending", "op-p")
    save(store, "rejected", "op-r")
    save(store, "conflicted", "op-c", notes="mine")
    save(store, "archived", "op-a")
    store.delete(KIND, "archived", op_id="op-a2", queued_at="t")
    store.record_outcomes(
        [
            SyncOutcome(
                "op-r", KIND, "rejected", "rejected", reason="bad", field_errors={"notes": "too long"}
            ),
            SyncOutcome(
                "op-c", KIND, "conflicted", "conflict", server_version=5, server_data=visit("conflicted")
            ),
        ]
    )


def by_id(records: list[Any]) -> dict[str, Any]:
    return {record.data["id"]: record for record in records}


def test_all_gives_each_record_as_get_does_and_leaves_out_deleted_ones(harness: StoreHarness) -> None:
    mixed_store(harness.store)
    store = harness.reopen()

    listed = by_id(store.all(KIND))

    expected = {"s0", "s1", "s2", "s3", "reviewed", "pending", "rejected", "conflicted"}
    assert set(listed) == expected  # "archived" is deleted locally
    for record_id, record in listed.items():
        assert record == store.get(KIND, record_id), record_id
    archived = store.get(KIND, "archived")
    assert archived is not None and archived.deleted
    assert listed["reviewed"].review == REVIEW
    assert listed["rejected"].sync.field_errors == {"notes": "too long"}
    assert listed["rejected"].sync.reason == "bad"
    assert listed["conflicted"].sync.conflict == {"notes": "mine"}
    assert (listed["conflicted"].sync.state, listed["conflicted"].sync.server_version) == ("conflict", 5)
    assert listed["pending"].sync == SyncInfo(state="pending", server_version=0)
    assert not any(record.deleted for record in listed.values())


def test_search_gives_matching_records_as_get_does(harness: StoreHarness) -> None:
    mixed_store(harness.store)
    save(harness.store, "s1", "op-s1", employer_id="emp-2")
    save(harness.store, "archived", "op-a3", employer_id="emp-2")  # saving brings it back
    store = harness.reopen()

    found = by_id(store.search(KIND, Query().employer_id == "emp-2"))

    assert set(found) == {"s1", "archived"}
    for record_id, record in found.items():
        assert record == store.get(KIND, record_id)
    store.delete(KIND, "s1", op_id="op-s1-del", queued_at="t")
    assert [r.data["id"] for r in store.search(KIND, Query().employer_id == "emp-2")] == ["archived"]


def edit_everything(record: Any) -> None:
    """What a careless caller might do to records it was given."""
    record.data["geotag"]["lat"] = 0.0
    record.data["job_seeker_ids"].append("js-9")
    record.data["notes"] = "changed"
    if record.review is not None:
        record.review["comments"][0]["text"] = "changed"
        record.review["state"] = "approved"
    if record.sync.conflict is not None:
        record.sync.conflict["notes"] = "changed"


@pytest.mark.parametrize("listing", ["all", "search"])
def test_records_listed_are_copies_a_caller_cannot_change_the_store_with(
    store: LocalStore, listing: str
) -> None:
    mixed_store(store)
    # Deep copies: if the store handed out its live documents, these would change with them.
    before = copy.deepcopy({record_id: store.get(KIND, record_id) for record_id in by_id(store.all(KIND))})

    records = store.all(KIND) if listing == "all" else store.search(KIND, Query().employer_id == "emp-1")
    assert len(records) == len(before)
    for record in records:
        edit_everything(record)

    assert by_id(store.all(KIND)) == before
    assert {record_id: store.get(KIND, record_id) for record_id in before} == before


def test_records_in_the_same_plain_state_share_a_sync_info_nobody_can_change(store: LocalStore) -> None:
    mixed_store(store)
    listed = by_id(store.all(KIND))
    shared = listed["s0"].sync
    assert all(listed[f"s{n}"].sync is shared for n in range(1, 4))
    assert listed["reviewed"].sync is not shared  # another server version

    with pytest.raises(dataclasses.FrozenInstanceError):
        shared.server_version = 9
    with pytest.raises(TypeError):
        shared.field_errors["notes"] = "changed"
    rejected = listed["rejected"].sync.field_errors
    with pytest.raises(TypeError):
        rejected["notes"] = "changed"
    assert by_id(store.all(KIND))["rejected"].sync.field_errors == {"notes": "too long"}


def test_a_conflict_is_never_shared_between_records_or_listings(store: LocalStore) -> None:
    save(store, "c1", "op-1", notes="mine")
    save(store, "c2", "op-2", notes="mine")
    store.record_outcomes(
        [
            SyncOutcome("op-1", KIND, "c1", "conflict", server_version=5, server_data=visit("c1")),
            SyncOutcome("op-2", KIND, "c2", "conflict", server_version=5, server_data=visit("c2")),
        ]
    )
    first = by_id(store.all(KIND))
    assert first["c1"].sync.conflict == first["c2"].sync.conflict == {"notes": "mine"}
    assert first["c1"].sync.conflict is not first["c2"].sync.conflict

    first["c1"].sync.conflict["notes"] = "changed"

    assert by_id(store.all(KIND))["c1"].sync.conflict == {"notes": "mine"}
    assert first["c2"].sync.conflict == {"notes": "mine"}


def test_field_errors_given_to_a_sync_info_are_copied_and_read_only() -> None:
    errors = {"notes": "too long"}
    info = SyncInfo(state="rejected", field_errors=errors)
    errors["notes"] = "changed"

    assert info.field_errors == {"notes": "too long"}
    with pytest.raises(TypeError):
        info.field_errors["notes"] = "changed"  # type: ignore[index]
    assert SyncInfo() == SyncInfo(field_errors={})
    assert copy.deepcopy(info) == info
    assert dataclasses.asdict(info)["field_errors"] == {"notes": "too long"}
