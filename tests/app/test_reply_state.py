"""Replying to the supervisor from a record's page: the reply is kept on the phone at once, in the
encrypted store, survives a restart, shows in the thread "Waiting to send", and shows once when the
pulled thread brings the server's copy back (tests/sync/test_replies_live.py sends it for real)."""

from __future__ import annotations

import itertools
from pathlib import Path

from app.domain.clock import FakeClock
from app.domain.outbox import RemoteChange
from app.domain.records import Employer
from app.domain.replies import MAX_REPLY_CHARS, ReplyOutcome
from app.records import RecordService
from app.state.detail import RecordDetailState
from app.state.feedback import feedback_rows
from app.store import LocalStore
from app.store.sealing import new_key
from tests.app.conftest import NOW

SUPERVISOR_SAYS = {
    "id": "c-1",
    "author": "Sue",
    "body": "Who did you meet?",
    "created_at": "2026-05-04T10:00:00+00:00",
}
REPLY = "The owner, Mr Osei: he hires in June."


def _service(store: LocalStore) -> RecordService:
    counter = itertools.count(1)
    return RecordService(
        store, clock=FakeClock(NOW), new_id=lambda: f"00000000-0000-4000-8000-{next(counter):012d}"
    )


def _commented(service: RecordService) -> str:
    """An employer on the server (version 1) with a supervisor's comment pulled onto the phone."""
    employer = service.save(Employer(name="Harbour Bakery")).data
    record_id = str(employer["id"])
    service.store.apply_remote(
        [RemoteChange("employer", record_id, 1, dict(employer), review={"comments": [SUPERVISOR_SAYS]})],
        cursor="c1",
    )
    return record_id


def test_a_reply_is_kept_encrypted_at_once_survives_a_restart_and_shows_waiting_to_send(
    tmp_path: Path,
) -> None:
    key = new_key()
    store = LocalStore.open(tmp_path / "device", key=key)
    saves: list[str] = []
    service = _service(store)
    record_id = _commented(service)
    service.on_saved = lambda: saves.append("saved")
    detail = RecordDetailState(service, "employer", record_id)
    assert detail.can_reply
    detail.reply_draft = REPLY
    assert detail.send_reply()
    assert saves == ["saved"]  # the runner is told only once the reply is on disk
    assert detail.reply_draft == ""
    store.close()

    files = b"".join(path.read_bytes() for path in (tmp_path / "device").rglob("*") if path.is_file())
    assert b"Mr Osei" not in files  # encrypted like every record

    reopened = LocalStore.open(tmp_path / "device", key=key)
    shown = RecordDetailState(_service(reopened), "employer", record_id)
    assert [(c.author, c.body, c.mine, c.note) for c in shown.comments] == [
        ("Sue", "Who did you meet?", False, ""),
        ("You", REPLY, True, "Waiting to send"),
    ]
    (waiting,) = reopened.waiting_replies()
    assert (waiting.record_id, waiting.body, waiting.created_at) == (record_id, REPLY, NOW.isoformat())
    reopened.close()


def test_a_reply_that_breaks_a_rule_is_not_kept_and_the_draft_stays(service: RecordService) -> None:
    record_id = _commented(service)
    detail = RecordDetailState(service, "employer", record_id)
    for draft, error in [
        ("   ", "Write a reply first."),
        (
            "x" * (MAX_REPLY_CHARS + 1),
            f"A reply can be at most 4,000 characters; this one has {MAX_REPLY_CHARS + 1:,}.",
        ),
        ("nul \x00 here", "The reply holds a character that cannot be sent (NUL). Remove it and try again."),
    ]:
        detail.reply_draft = draft
        assert not detail.send_reply()
        assert (detail.reply_error, detail.reply_draft) == (error, draft)
    assert service.store.waiting_replies() == []
    assert [c.body for c in detail.comments] == ["Who did you meet?"]


def test_a_record_without_a_review_or_comment_offers_no_reply(service: RecordService) -> None:
    record_id = str(service.save(Employer(name="Harbour Bakery")).data["id"])
    assert not RecordDetailState(service, "employer", record_id).can_reply


def test_the_pulled_thread_replaces_the_phones_copy_so_a_reply_shows_once(service: RecordService) -> None:
    record_id = _commented(service)
    detail = RecordDetailState(service, "employer", record_id)
    detail.reply_draft = REPLY
    detail.send_reply()
    (reply,) = service.store.waiting_replies()
    service.store.record_reply_outcomes([ReplyOutcome(reply.reply_id, sent=True)])
    detail.refresh()
    assert detail.comments[-1].note == "Sent"
    assert service.store.waiting_replies() == []  # sent: not sent again

    server_copy = {
        "id": reply.reply_id,
        "author": "Alice",
        "body": REPLY,
        "created_at": "2026-05-04T10:05:00+00:00",
    }
    review = {"comments": [SUPERVISOR_SAYS, server_copy], "reply_ids": [reply.reply_id]}
    employer = service.store.get("employer", record_id)
    assert employer is not None
    service.store.apply_remote(
        [RemoteChange("employer", record_id, 1, employer.data, review=review)], cursor="c2"
    )
    detail.refresh()
    assert [(c.author, c.body, c.mine, c.note) for c in detail.comments] == [
        ("Sue", "Who did you meet?", False, ""),
        ("You", REPLY, True, ""),
    ]
    assert service.store.replies("employer", record_id) == []


def test_a_refused_reply_stays_with_the_servers_reason(service: RecordService) -> None:
    record_id = _commented(service)
    detail = RecordDetailState(service, "employer", record_id)
    detail.reply_draft = REPLY
    detail.send_reply()
    (reply,) = service.store.waiting_replies()
    service.store.record_reply_outcomes([ReplyOutcome(reply.reply_id, sent=False, reason="Too long.")])
    detail.refresh()
    assert (detail.comments[-1].body, detail.comments[-1].note) == (REPLY, "Not sent: Too long.")
    assert service.store.waiting_replies() == []  # a 4xx is not sent again


def test_todays_feedback_shows_the_supervisors_latest_word_not_the_specialists_own_reply(
    service: RecordService,
) -> None:
    record_id = _commented(service)
    reply = {"id": "r-1", "author": "Alice", "body": REPLY, "created_at": "2026-05-04T10:05:00+00:00"}
    review = {"comments": [SUPERVISOR_SAYS, reply], "reply_ids": ["r-1"]}
    employer = service.store.get("employer", record_id)
    assert employer is not None
    service.store.apply_remote(
        [RemoteChange("employer", record_id, 1, employer.data, review=review)], cursor="c2"
    )
    (row,) = feedback_rows(service)
    assert (row.detail, row.latest_at) == ("Sue: Who did you meet?", SUPERVISOR_SAYS["created_at"])
