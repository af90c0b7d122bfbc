"""Merge rules: field by field, nothing silently lost, the server's value wins a same-field clash."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from server.services.merge import fields_changed_by_others, merge_fields
from tests.server.world import new_id, op, pull_all, push, sample

FIELDS = ["a", "b", "c", "d"]
values = st.sampled_from([None, "x", "y", "z", 1, 2])
records = st.fixed_dictionaries({name: values for name in FIELDS})


@settings(max_examples=200, deadline=None)
@given(base=records, current=records, device=records)
def test_merge_never_loses_a_value_and_only_conflicts_on_double_edits(base, current, device):
    changed = {name for name in FIELDS if current[name] != base[name]}
    merged = merge_fields(base=base, current=current, device=device, changed_by_others=changed)
    conflicted = {conflict.field for conflict in merged.conflicts}
    for name in FIELDS:
        device_changed = device[name] != base[name]
        server_changed = name in changed
        if device_changed and server_changed and device[name] != current[name]:
            assert name in conflicted
            assert merged.data[name] == current[name]  # it reached the server first
            (conflict,) = [c for c in merged.conflicts if c.field == name]
            assert (conflict.kept, conflict.other) == (current[name], device[name])
        elif server_changed:
            assert merged.data[name] == current[name] and name not in conflicted
        else:
            assert merged.data[name] == device[name] and name not in conflicted


@settings(max_examples=100, deadline=None)
@given(current=records, device=records)
def test_merge_on_the_current_version_takes_the_device_copy(current, device):
    merged = merge_fields(base=current, current=current, device=device, changed_by_others=set())
    assert merged.data == device and merged.conflicts == []


@settings(max_examples=100, deadline=None)
@given(base=records, mine=records, device=records)
def test_a_devices_own_earlier_versions_never_count_as_someone_elses_change(base, mine, device):
    changed = fields_changed_by_others([(mine, "phone-1")], base=base, device_id="phone-1")
    assert changed == set()
    merged = merge_fields(base=base, current=mine, device=device, changed_by_others=changed)
    assert merged.data == device and merged.conflicts == []


def test_fields_changed_by_others_follow_the_history_after_the_base():
    base = {"a": 1, "b": 1, "c": 1}
    history = [({"a": 2, "b": 1, "c": 1}, "other"), ({"a": 2, "b": 5, "c": 1}, "me"), (None, "other")]
    assert fields_changed_by_others(history[:2], base=base, device_id="me") == {"a"}
    assert fields_changed_by_others(history, base=base, device_id="me") == {"a", "b", "c"}


def test_edits_to_different_fields_merge_without_conflict(client, world):
    alice, bob = world["alice"], world["bob"]
    employer = new_id()
    push(client, alice, op("employer", employer))
    push(
        client, alice, op("employer", employer, base=1, data=sample("employer", notes="ask about Saturdays"))
    )
    (result,) = push(client, bob, op("employer", employer, base=1, data=sample("employer", sector="retail")))
    assert result["status"] == "applied"
    assert (result["data"]["notes"], result["data"]["sector"]) == ("ask about Saturdays", "retail")
    assert result["version"] == 3


def test_same_field_conflict_keeps_the_first_value_stores_the_other_and_flags(client, world):
    alice, bob, sue = world["alice"], world["bob"], world["sue"]
    employer = new_id()
    push(client, alice, op("employer", employer))
    push(client, alice, op("employer", employer, base=1, data=sample("employer", name="Rio Café Ltd")))
    (result,) = push(client, bob, op("employer", employer, base=1, data=sample("employer", name="Cafe Rio")))
    assert result["status"] == "conflict"
    assert result["data"]["name"] == "Rio Café Ltd"
    assert result["conflicts"] == [{"field": "name", "kept": "Rio Café Ltd", "other": "Cafe Rio"}]
    detail = client.get(f"/api/v1/records/{employer}", headers=sue.web).json()
    assert detail["flagged"] is True
    assert detail["history"][-1]["conflicts"] == [
        {"field": "name", "kept": "Rio Café Ltd", "other": "Cafe Rio"}
    ]
    (change,) = pull_all(client, alice)[0]
    assert change["flagged"] is True
    assert client.post(f"/api/v1/records/{employer}/resolve", headers=sue.web).status_code == 204
    assert client.get(f"/api/v1/records/{employer}", headers=sue.web).json()["flagged"] is False


def test_an_offline_outbox_of_edits_on_one_base_never_conflicts_with_itself(client, world):
    alice = world["alice"]
    seeker = new_id()
    results = push(
        client,
        alice,
        op("job_seeker", seeker, data=sample("job_seeker", avoid="night shifts")),
        op("job_seeker", seeker, data=sample("job_seeker", avoid="early starts")),
        op("job_seeker", seeker, data=sample("job_seeker", avoid="weekends")),
    )
    assert [r["status"] for r in results] == ["applied"] * 3
    assert results[-1]["data"]["avoid"] == "weekends" and results[-1]["version"] == 3


def test_an_edit_made_before_a_delete_was_seen_keeps_the_delete_and_the_edit(client, world):
    alice, bob, sue = world["alice"], world["bob"], world["sue"]
    employer = new_id()
    push(client, alice, op("employer", employer))
    push(client, alice, op("employer", employer, base=1, delete=True))
    (result,) = push(
        client, bob, op("employer", employer, base=1, data=sample("employer", notes="new manager"))
    )
    assert result["status"] == "conflict" and result.get("data") is None
    detail = client.get(f"/api/v1/records/{employer}", headers=sue.web).json()
    assert detail["deleted"] and detail["flagged"]
    assert detail["history"][-1]["conflicts"][0]["other"]["notes"] == "new manager"


def test_an_edit_on_the_tombstones_version_brings_the_record_back(client, world):
    alice = world["alice"]
    employer = new_id()
    push(client, alice, op("employer", employer))
    push(client, alice, op("employer", employer, base=1, delete=True))
    (result,) = push(client, alice, op("employer", employer, base=2))
    assert result["status"] == "applied" and result["version"] == 3 and result["data"]["name"] == "Café Rio"


def test_an_unchanged_edit_is_applied_without_a_new_version(client, world):
    alice = world["alice"]
    employer = new_id()
    push(client, alice, op("employer", employer))
    _, cursor = pull_all(client, alice)
    (result,) = push(client, alice, op("employer", employer, base=1))
    assert result["status"] == "applied" and result["version"] == 1
    assert pull_all(client, alice, cursor)[0] == []
