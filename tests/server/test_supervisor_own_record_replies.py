"""A supervisor who owns a record (their own phone's visit) and comments on it on the review pages
writes a supervisor's comment, not the specialist's reply: no "Reply waiting" on it, in the records
API, the activity list's filter or the record page, no "Reply from the phone" beside it, and their
phone does not count it among its replies; it answers a reply as any supervisor comment does. A
reply from that supervisor's phone to another's comment is a reply and waits like a specialist's.
On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from app.domain.clock import FakeClock
from tests.server.world import World, new_id, op, pull_all, push

BADGE = 'id="reply-waiting"'
FROM_PHONE = "Reply from the phone"


def _comment(client: TestClient, world: World, who: str, record_id: str, body: str) -> None:
    answer = client.post(f"/api/v1/records/{record_id}/comments", json={"body": body}, headers=world[who].web)
    assert answer.status_code == 201, answer.text


def _reply(client: TestClient, world: World, who: str, record_id: str) -> str:
    reply_id = new_id()
    body = {"id": reply_id, "body": "Done: the manager's name is in."}
    answer = client.post(f"/api/v1/records/{record_id}/replies", json=body, headers=world[who].bearer)
    assert answer.status_code == 201, answer.text
    return reply_id


def _waiting(client: TestClient, world: World, who: str, record_id: str) -> dict[str, Any]:
    """Where "reply waiting" shows for this record, as `who` sees it."""
    listed = client.get("/api/v1/records", params={"reply_waiting": "true"}, headers=world[who].web).json()
    activity = client.get("/review?reply=waiting", headers=world[who].web)
    page = client.get(f"/review/records/{record_id}", headers=world[who].web)
    assert activity.status_code == page.status_code == 200
    return {
        "api": [row["record_id"] for row in listed],
        "activity": record_id in activity.text,
        "badge": BADGE in page.text,
        "from_phone": page.text.count(FROM_PHONE),
    }


def _phone_reply_ids(client: TestClient, world: World, record_id: str) -> list[str]:
    changes, _ = pull_all(client, world["sue"])  # her phone pulls the thread (a comment is a change)
    (change,) = [c for c in changes if c["record_id"] == record_id]
    return list(change["review"]["reply_ids"])


def test_a_supervisors_comment_on_their_own_record_is_not_a_reply(
    client: TestClient, world: World, clock: FakeClock
) -> None:
    visit = new_id()
    push(client, world["sue"], op("employer_visit", visit))  # from the supervisor's own phone
    _comment(client, world, "sue", visit, "Note to self: ask about the spring rota.")
    nothing = {"api": [], "activity": False, "badge": False, "from_phone": 0}
    assert _waiting(client, world, "sue", visit) == nothing
    assert _waiting(client, world, "ada", visit) == nothing  # nor for anyone else who reviews
    assert _phone_reply_ids(client, world, visit) == []


def test_a_reply_from_a_supervisors_phone_waits_and_their_page_comment_answers_it(
    client: TestClient, world: World, clock: FakeClock
) -> None:
    visit = new_id()
    push(client, world["sue"], op("employer_visit", visit))
    _comment(client, world, "ada", visit, "Who was the manager?")
    clock.advance(minutes=1)
    reply = _reply(client, world, "sue", visit)
    assert _waiting(client, world, "ada", visit) == {
        "api": [visit], "activity": True, "badge": True, "from_phone": 1
    }  # fmt: skip
    assert _phone_reply_ids(client, world, visit) == [reply]
    clock.advance(minutes=1)
    _comment(client, world, "sue", visit, "Added to the employer's contacts too.")
    assert _waiting(client, world, "ada", visit) == {
        "api": [], "activity": False, "badge": False, "from_phone": 1
    }  # fmt: skip
    assert _phone_reply_ids(client, world, visit) == [reply]
