"""Issue 15, identity hygiene on the server: a job-seeker code is unique within a team, ignoring
case and spaces. A push that brings a code another live job seeker of the team has (whoever's
caseload, whichever phone) is rejected with one reason that names no one; another team, an
archived job seeker's code and an edit that keeps its own code pass. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from tests.server.world import new_id, op, push, sample

TAKEN = {"code": "this code is already used in your team"}


def _create(client, member, code: str, record_id: str | None = None) -> dict[str, Any]:
    (result,) = push(
        client, member, op("job_seeker", record_id or new_id(), data=sample("job_seeker", code=code))
    )
    return result


def test_the_second_phone_to_bring_a_code_is_refused_in_either_order_and_within_a_batch(client, world):
    for first, second, code in (("alice", "bob", "KD-104"), ("bob", "alice_tablet", "KT-07")):
        assert _create(client, world[first], code)["status"] == "applied"
        refused = _create(client, world[second], code.lower())
        assert refused["status"] == "rejected" and refused["errors"] == TAKEN
        assert code not in str(refused) and world[first].username not in str(refused)  # nothing of the holder
        assert _create(client, world["carl"], code.lower())["status"] == "applied"  # another team's own codes

    ops = [op("job_seeker", new_id(), data=sample("job_seeker", code=code)) for code in ("JS-9", "js-9")]
    results = push(client, world["alice"], *ops)
    assert [r["status"] for r in results] == ["applied", "rejected"]
    assert results[1]["errors"] == TAKEN


def test_an_edit_keeps_its_own_code_a_recode_is_checked_and_an_archived_code_is_free(client, world):
    alice, bob = world["alice"], world["bob"]
    first, second = new_id(), new_id()
    assert _create(client, alice, "KD-104", first)["status"] == "applied"
    assert _create(client, alice, "KD-105", second)["status"] == "applied"

    keep = sample("job_seeker", code="kd-104", avoid="nights")  # its own code, in another case
    assert push(client, alice, op("job_seeker", first, base=1, data=keep))[0]["status"] == "applied"
    recode = sample("job_seeker", code="KD-104")
    (refused,) = push(client, alice, op("job_seeker", second, base=1, data=recode))
    assert refused["status"] == "rejected" and refused["errors"] == TAKEN

    assert push(client, alice, op("job_seeker", first, base=2, delete=True))[0]["status"] == "applied"
    assert _create(client, bob, "KD-104")["status"] == "applied"
