from __future__ import annotations

from tests.server.world import new_id, op, pull_all, push


def test_push_then_pull_round_trip(client, world):
    alice = world["alice"]
    employer = new_id()
    results = push(client, alice, op("employer", employer))
    assert results[0]["status"] == "applied"
    assert results[0]["version"] == 1
    changes, cursor = pull_all(client, alice)
    assert [c["record_id"] for c in changes] == [employer]
    again, _ = pull_all(client, alice, cursor)
    assert again == []
