"""Stale edits from a device that never learned of its own last version (answer lost, or its op
replaced by a newer save while in flight): the edit is read against what the device sent last."""

from __future__ import annotations

from tests.server.world import new_id, op, pull_all, push, sample


def _current(client, member, record_id):
    changes, _ = pull_all(client, member)
    found = [change for change in changes if change["record_id"] == record_id]
    return found[-1]


def test_a_resent_stale_copy_of_another_phones_field_does_not_overwrite_it(client, world):
    """The lost update: Bob's second edit still carries his stale sector, on the base his first edit had."""
    alice, bob = world["alice"], world["bob"]
    employer = new_id()
    original = sample("employer", sector="retail", notes="", hiring_needs="")
    push(client, alice, op("employer", employer, data=original))
    (v2,) = push(client, alice, op("employer", employer, base=1, data={**original, "sector": "logistics"}))
    assert v2["version"] == 2
    # Bob edits on v1; the server merges it with Alice's sector (v3), but Bob never hears the answer.
    first = {**original, "notes": "met the manager"}
    (merged,) = push(client, bob, op("employer", employer, base=1, data=first))
    assert merged["status"] == "applied" and merged["data"]["sector"] == "logistics"
    # Bob saved again meanwhile: his newer op carries his old copy of Alice's sector, on base 1.
    second = {**first, "hiring_needs": "two baristas"}
    (result,) = push(client, bob, op("employer", employer, base=1, data=second))
    assert result["status"] == "applied", result
    assert result.get("conflicts", []) == []  # an empty list is left out of the answer
    final = _current(client, alice, employer)
    assert final["data"]["sector"] == "logistics"  # Alice's accepted value survives
    assert final["data"]["notes"] == "met the manager"
    assert final["data"]["hiring_needs"] == "two baristas"


def test_an_edit_on_base_zero_after_its_own_create_raises_no_false_conflict(client, world):
    """Bob never got the answer to his create; Alice edited the sector; Bob's next edit is on base 0."""
    alice, bob = world["alice"], world["bob"]
    employer = new_id()
    created = sample("employer", sector="retail", notes="")
    push(client, bob, op("employer", employer, data=created))
    push(client, alice, op("employer", employer, base=1, data={**created, "sector": "logistics"}))
    (result,) = push(client, bob, op("employer", employer, base=0, data={**created, "notes": "call Tue"}))
    assert result["status"] == "applied", result
    assert result.get("conflicts", []) == []  # an empty list is left out of the answer
    assert result["data"]["sector"] == "logistics"
    assert result["data"]["notes"] == "call Tue"
    assert not _current(client, alice, employer)["flagged"]


def test_a_field_both_changed_since_the_devices_last_send_is_still_a_conflict(client, world):
    """Bob changes the sector again after his lost answer, and Alice changed it since his base."""
    alice, bob = world["alice"], world["bob"]
    employer = new_id()
    original = sample("employer", sector="retail", notes="")
    push(client, alice, op("employer", employer, data=original))
    push(client, alice, op("employer", employer, base=1, data={**original, "sector": "logistics"}))
    first = {**original, "notes": "met the manager"}
    push(client, bob, op("employer", employer, base=1, data=first))
    (result,) = push(client, bob, op("employer", employer, base=1, data={**first, "sector": "care"}))
    assert result["status"] == "conflict"
    assert [(c["field"], c["kept"], c["other"]) for c in result["conflicts"]] == [
        ("sector", "logistics", "care")
    ]


def test_a_value_another_phone_replaced_after_seeing_it_is_not_a_conflict(client, world):
    """Bob's first edit (sector care) was merged at v2; Alice saw it and changed the sector at v3.
    Bob, who never got his answer, re-sends sector care with a new note: Alice's value stands."""
    alice, bob = world["alice"], world["bob"]
    employer = new_id()
    original = sample("employer", sector="retail", notes="")
    push(client, alice, op("employer", employer, data=original))
    first = {**original, "sector": "care"}
    push(client, bob, op("employer", employer, base=1, data=first))
    push(client, alice, op("employer", employer, base=2, data={**first, "sector": "logistics"}))
    (result,) = push(client, bob, op("employer", employer, base=1, data={**first, "notes": "new note"}))
    assert result["status"] == "applied", result
    assert result.get("conflicts", []) == []  # an empty list is left out of the answer
    assert result["data"]["sector"] == "logistics"
    assert result["data"]["notes"] == "new note"


def test_a_stale_edit_reads_history_only_from_its_base_on(client, world, database):
    """A shared employer may have thousands of versions; an edit on v9 of 12 needs v9..v12 only."""
    from server.services.accounts import authenticate_device
    from server.services.apply import Batch
    from server.services.push import _load_history, _load_records
    from sync.protocol import Operation

    alice = world["alice"]
    employer = new_id()
    data = sample("employer", notes="n0")
    push(client, alice, op("employer", employer, data=data))
    for version in range(1, 12):
        push(client, alice, op("employer", employer, base=version, data={**data, "notes": f"n{version}"}))
    stale = Operation(op_id=new_id(), kind="employer", record_id=employer, base_version=9, data=data)
    with database.read() as session:
        assert alice.token is not None
        batch = Batch(principal=authenticate_device(session, token=alice.token), now=None)  # type: ignore[arg-type]
        batch.records = _load_records(session, team_id=alice.team_id, record_ids={employer})
        history = _load_history(session, batch=batch, ops=[stale])
    assert sorted(history[employer]) == [9, 10, 11, 12]
