"""A specialist's reply travels from the phone to the supervisor, against the real API process on
loopback: stored once although its answer was lost and it was then delivered twice, back in the
phone's thread once, marked on the record page, "reply waiting" on the activity list until a
supervisor comments or reviews again; only the record's owner may reply, and the server refuses
a bad reply with a precise 4xx that the phone keeps and shows."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import func, select

from app.domain.clock import SystemClock
from app.domain.records import Employer, EmployerVisit
from app.domain.replies import LocalReply
from app.records import RecordService
from app.state.detail import RecordDetailState
from server.db.models import Comment, RecordRow
from server.db.security_models import AuditEvent
from server.services import accounts
from server.services.accounts import Role
from sync.client import SyncClient
from sync.errors import Offline, ProtocolFault
from sync.protocol import Reply
from tests.sync.harness import Device, Fault, ServerProcess, Team, enroll_device, make_team

API = "/api/v1"
REPLY = 'Met the owner, Mr Osei <b>&</b> "Jo": they hire in June.'


def new_id() -> str:
    return str(uuid.uuid4())


class Supervisor:
    """Sue, signed in to the real server (a web session cookie, as her browser holds)."""

    def __init__(self, server: ServerProcess, team: Team) -> None:
        user_id = team.add("sue", Role.SUPERVISOR)
        with team.database.write() as session:
            token, _ = accounts.open_web_session(session, user_id=user_id, clock=SystemClock(), hours=1)
        self.http = httpx.Client(base_url=server.url, cookies={"fieldwork_session": token}, timeout=10)

    def comment(self, record_id: str, body: str) -> None:
        answer = self.http.post(f"{API}/records/{record_id}/comments", json={"body": body})
        assert answer.status_code == 201, answer.text

    def review(self, record_id: str, state: str) -> None:
        answer = self.http.put(f"{API}/records/{record_id}/review", json={"state": state})
        assert answer.status_code == 204, answer.text

    def page(self, path: str) -> str:
        answer = self.http.get(path)
        assert answer.status_code == 200, answer.text
        return answer.text

    def waiting(self) -> str:
        """The activity list filtered on "reply waiting"."""
        return self.page("/review?reply=waiting")


@pytest.fixture
def sue(server: ServerProcess, team: Team) -> Iterator[Supervisor]:
    supervisor = Supervisor(server, team)
    yield supervisor
    supervisor.http.close()


def _visit_with_a_comment(device: Device, sue: Supervisor) -> tuple[RecordService, str]:
    service = RecordService(device.store, clock=SystemClock(), new_id=new_id)
    employer = service.save(Employer(name="Harbour Bakery")).data["id"]
    visit = service.save(EmployerVisit(employer_id=employer, occurred_at=datetime.now(UTC))).data["id"]
    device.engine.sync_once()
    sue.comment(visit, "Who did you meet?")
    device.engine.sync_once()
    return service, str(visit)


def _reply(service: RecordService, visit: str, text: str) -> RecordDetailState:
    detail = RecordDetailState(service, "employer_visit", visit)
    assert detail.can_reply
    detail.reply_draft = text
    assert detail.send_reply(), detail.reply_error
    return detail


def test_a_reply_whose_answer_was_lost_and_that_went_twice_is_stored_once_and_shown_once(
    server: ServerProcess, team: Team, sue: Supervisor
) -> None:
    faults = iter([Fault.DROP_RESPONSE, Fault.DUPLICATE])
    alice = enroll_device(
        server,
        team,
        "alice",
        plan=lambda request: next(faults, None) if request.url.path.endswith("/replies") else None,
    )
    service, visit = _visit_with_a_comment(alice, sue)
    detail = _reply(service, visit, REPLY)
    assert [(c.author, c.note) for c in detail.comments] == [("Sue", ""), ("You", "Waiting to send")]

    with pytest.raises(Offline):
        alice.engine.sync_once()  # the server stored it; the answer never came
    assert [reply.body for reply in alice.store.waiting_replies()] == [REPLY]
    alice.engine.sync_once()  # sent again, and delivered twice
    assert alice.transport.faults == [Fault.DROP_RESPONSE, Fault.DUPLICATE]

    with team.database.read() as session:
        pk = session.scalar(select(RecordRow.pk).where(RecordRow.record_id == visit))
        assert session.scalar(select(func.count()).select_from(Comment).where(Comment.record_pk == pk)) == 2
        details = session.scalars(select(AuditEvent.details).where(AuditEvent.action == "reply")).all()
    assert details == [{}]  # audited once, like a comment, and without its text
    detail.refresh()
    assert [(c.author, c.body, c.mine, c.note) for c in detail.comments] == [
        ("Sue", "Who did you meet?", False, ""),
        ("You", REPLY, True, ""),
    ]
    assert alice.store.replies("employer_visit", visit) == []  # the pulled copy replaced the phone's

    page = sue.page(f"/review/records/{visit}")
    assert "Mr Osei &lt;b&gt;&amp;&lt;/b&gt; &#34;Jo&#34;" in page and "<b>&</b>" not in page
    assert page.count('<li class="reply">') == 1 and "Reply from the phone" in page
    assert 'id="reply-waiting"' in page
    assert f'href="/review/records/{visit}"' in sue.waiting()
    assert "reply waiting</span>" in sue.page("/review")
    listed = sue.http.get(f"{API}/records", params={"reply_waiting": "true"}).json()
    assert [(r["record_id"], r["reply_waiting"]) for r in listed] == [(visit, True)]

    sue.comment(visit, "Thanks, well done.")
    assert f'href="/review/records/{visit}"' not in sue.waiting()
    assert 'id="reply-waiting"' not in sue.page(f"/review/records/{visit}")

    alice.engine.sync_once()
    _reply(service, visit, "Shall I call him on Monday?")
    alice.engine.sync_once()
    assert f'href="/review/records/{visit}"' in sue.waiting()
    sue.review(visit, "approved")
    assert f'href="/review/records/{visit}"' not in sue.waiting()
    alice.client.close()


def test_only_the_records_owner_may_reply_and_a_refusal_stays_on_the_phone_with_its_reason(
    server: ServerProcess, team: Team, sue: Supervisor
) -> None:
    alice = enroll_device(server, team, "alice")
    bob = enroll_device(server, team, "bob")
    _, visit = _visit_with_a_comment(alice, sue)
    other_team = make_team(team.database)
    other_team.add("carl")
    carl = enroll_device(server, other_team, "carl")
    for intruder in (bob, carl):
        with pytest.raises(ProtocolFault) as refused:
            intruder.client.send_reply(visit, Reply(id=new_id(), body="Not mine"))
        assert (refused.value.status, refused.value.code) == (404, "not_found")

    reply_id = new_id()
    bob.store.save_reply(
        LocalReply(reply_id, "employer_visit", visit, "Not mine", "2026-05-04T10:00:00+00:00")
    )
    bob.engine.sync_once()  # the refusal does not stop the pass
    (kept,) = bob.store.replies("employer_visit", visit)
    assert (kept.state, kept.reason) == (
        "refused",
        "The server has no record of yours with this id, so the reply was not sent.",
    )
    assert bob.store.waiting_replies() == []
    with team.database.read() as session:
        assert session.get(Comment, reply_id) is None
    for device in (alice, bob, carl):
        device.client.close()


def test_a_bad_reply_gets_a_precise_4xx_and_a_good_one_201_then_200(
    server: ServerProcess, team: Team, sue: Supervisor
) -> None:
    alice = enroll_device(server, team, "alice")
    _, visit = _visit_with_a_comment(alice, sue)
    _, other_visit = _visit_with_a_comment(alice, sue)
    token = SyncClient(server.url).enroll(team.enrollment_code("alice"), device_name="tablet").token
    http = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    taken = new_id()
    first = http.post(f"{API}/records/{visit}/replies", json={"id": taken, "body": " First "})
    again = http.post(f"{API}/records/{visit}/replies", json={"id": taken, "body": "First"})
    assert (first.status_code, first.json()) == (201, {"id": taken, "stored": True})
    assert (again.status_code, again.json()) == (200, {"id": taken, "stored": False})
    cases: list[tuple[str, dict[str, object], int, str]] = [
        (visit, {"id": new_id(), "body": "nul \x00 here"}, 422, "NUL"),
        (visit, {"id": new_id(), "body": "x" * 4001}, 422, "4000"),
        (visit, {"id": new_id(), "body": "   "}, 422, "Write a reply first."),
        (visit, {"id": "not-a-uuid-but-thirty-six-characters", "body": "Hi"}, 422, "UUID"),
        (visit, {"id": taken.upper(), "body": "Hi"}, 422, "canonical"),
        (visit, {"id": new_id(), "body": "Hi", "sender": "bob"}, 422, "sender"),
        (other_visit, {"id": taken, "body": "First"}, 409, "taken"),
        ("no-such-record", {"id": new_id(), "body": "Hi"}, 404, "no record of yours"),
        ("r" * 65, {"id": new_id(), "body": "Hi"}, 422, "64"),
    ]
    for record_id, body, status, reason in cases:
        answer = http.post(f"{API}/records/{record_id}/replies", json=body)
        assert (answer.status_code, reason in answer.text) == (status, True), (body, answer.text)
    with team.database.read() as session:
        assert (
            session.scalar(
                select(func.count()).select_from(Comment).where(Comment.author_user_id == team.users["alice"])
            )
            == 1
        )
    http.close()
    alice.client.close()
