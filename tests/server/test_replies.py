"""Replies on both databases: "reply waiting" follows the record's latest word (a supervisor's
comment or review after the reply clears it, a comment at the reply's very instant counts as an
answer), the pull names the replies to the owner's other phone, and only the owner may reply.
The phone's side, against the API process on loopback: tests/sync/test_replies_live.py."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from app.domain.clock import FakeClock
from tests.server.world import World, new_id, op, pull_all, push


def _reply(client: TestClient, world: World, who: str, record_id: str, reply_id: str | None = None) -> Any:
    body = {"id": reply_id or new_id(), "body": "The owner, Mr Osei."}
    return client.post(f"/api/v1/records/{record_id}/replies", json=body, headers=world[who].bearer)


def test_reply_waiting_follows_the_records_latest_word(
    client: TestClient, world: World, clock: FakeClock
) -> None:
    sue = world["sue"].web
    visit, other = new_id(), new_id()
    push(client, world["alice"], op("employer_visit", visit), op("employer_visit", other))

    def comment() -> None:
        answer = client.post(f"/api/v1/records/{visit}/comments", json={"body": "Who?"}, headers=sue)
        assert answer.status_code == 201, answer.text

    def waiting() -> list[str]:
        listed = client.get("/api/v1/records", params={"reply_waiting": "true"}, headers=sue).json()
        return [row["record_id"] for row in listed]

    comment()
    assert _reply(client, world, "alice", visit).status_code == 201  # at the comment's instant
    assert waiting() == []
    clock.advance(minutes=1)
    assert _reply(client, world, "alice", visit).status_code == 201
    assert waiting() == [visit]
    assert [row["record_id"] for row in client.get("/api/v1/records", params={"reply_waiting": "false"},
                                                   headers=sue).json()] == [other]  # fmt: skip
    clock.advance(minutes=1)
    comment()
    assert waiting() == []
    clock.advance(minutes=1)
    _reply(client, world, "alice", visit)
    assert waiting() == [visit]
    clock.advance(minutes=1)
    reviewed = client.put(f"/api/v1/records/{visit}/review", json={"state": "approved"}, headers=sue)
    assert reviewed.status_code == 204
    assert waiting() == []


def test_the_pull_names_the_replies_and_only_the_owner_may_reply(
    client: TestClient, world: World, clock: FakeClock
) -> None:
    visit = new_id()
    push(client, world["alice"], op("employer_visit", visit))
    comment = client.post(
        f"/api/v1/records/{visit}/comments", json={"body": "Who?"}, headers=world["sue"].web
    )
    reply_id = new_id()
    clock.advance(minutes=1)  # the thread is in the server's time order
    assert _reply(client, world, "alice", visit, reply_id).status_code == 201
    for intruder in ("bob", "carl"):  # another specialist of the team; another team's
        refused = _reply(client, world, intruder, visit)
        assert (refused.status_code, refused.json()["error"]["code"]) == (404, "not_found")

    changes, _ = pull_all(client, world["alice_tablet"])
    (change,) = [c for c in changes if c["record_id"] == visit]
    review = change["review"]
    assert [c["id"] for c in review["comments"]] == [comment.json()["comment_id"], reply_id]
    assert review["reply_ids"] == [reply_id]
    assert [c["author"] for c in review["comments"]] == ["Sue", "Alice"]
