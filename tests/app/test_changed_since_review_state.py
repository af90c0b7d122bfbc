"""The phone shows "changed since review" as the supervisor pages do: a review decision made on an
older version than the record's (sync.protocol.changed_since_review), counting an edit still on
this phone, until a newer review is pulled."""

from __future__ import annotations

import dataclasses
from typing import Any

from app.domain.records import EmployerVisit
from app.records import RecordService
from app.state.detail import RecordDetailState
from app.state.sync_status import OfflineSyncStatus
from app.state.today import TodayState
from app.store import LocalStore, RemoteChange, SyncOutcome
from tests.app.conftest import NOW

CHANGED = "changed_since_review"


def review(state: str, reviewed_version: int | None, *comments: str) -> dict[str, Any]:
    """A review as the engine stores it (dataclasses.asdict of the wire Review)."""
    thread = [
        {"id": f"c{n}", "author": "Sue", "body": body, "created_at": f"2026-05-04T1{n}:00"}
        for n, body in enumerate(comments)
    ]
    return {"state": state, "comments": thread, "reviewed_by": "Sue", "reviewed_at": None,
            "reviewed_version": reviewed_version}  # fmt: skip


def settle(store: LocalStore, kind: str, record_id: str, *, version: int) -> None:
    """The server took the queued edit as `version` (a push answer: no review comes with it)."""
    entry = next(e for e in store.outbox() if e.record_id == record_id)
    store.record_outcomes([SyncOutcome(entry.op_id, kind, record_id, "synced", server_version=version)])


def pull(store: LocalStore, record_id: str, *, version: int, review_doc: dict[str, Any] | None) -> None:
    stored = store.get("employer_visit", record_id)
    assert stored is not None
    store.apply_remote(
        [RemoteChange("employer_visit", record_id, version, stored.data, review=review_doc)],
        cursor=f"c{version}",
    )


def approved_visit(service: RecordService, store: LocalStore, add_employer, state: str = "approved") -> str:
    """A visit synced as version 1 and reviewed on version 1."""
    visit = service.save(EmployerVisit(employer_id=add_employer("Café").id, occurred_at=NOW)).data["id"]
    settle(store, "employer_visit", visit, version=1)
    pull(store, visit, version=1, review_doc=review(state, 1, "Who did you meet?"))
    return visit


def edit(service: RecordService, visit: str, outcome: str) -> None:
    record = service.load("employer_visit", visit)
    assert isinstance(record, EmployerVisit)
    service.save(dataclasses.replace(record, outcome=outcome))


def shown(service: RecordService, visit: str) -> tuple[str, str]:
    detail = RecordDetailState(service, "employer_visit", visit)
    return detail.review_state, detail.review_label


def test_an_edit_after_approval_is_changed_since_review_while_queued_and_once_the_server_has_it(
    service: RecordService, store: LocalStore, add_employer
):
    visit = approved_visit(service, store, add_employer)
    assert shown(service, visit) == ("approved", "Approved by your supervisor")
    edit(service, visit, "Met the manager")
    assert shown(service, visit) == (CHANGED, "Edited since your supervisor's review")
    settle(store, "employer_visit", visit, version=2)  # pushed: the phone still holds the v1 review
    assert shown(service, visit) == (CHANGED, "Edited since your supervisor's review")


def test_a_new_review_pulled_clears_it_and_a_comment_alone_does_not(
    service: RecordService, store: LocalStore, add_employer
):
    visit = approved_visit(service, store, add_employer)
    edit(service, visit, "Met the manager")
    settle(store, "employer_visit", visit, version=2)
    pull(store, visit, version=2, review_doc=review("approved", 1, "Who did you meet?", "Thanks"))
    assert shown(service, visit)[0] == CHANGED
    pull(store, visit, version=2, review_doc=review("approved", 2, "Who did you meet?", "Thanks"))
    assert shown(service, visit)[0] == "approved"


def test_an_edit_from_the_specialists_other_device_arrives_changed(
    service: RecordService, store: LocalStore, add_employer
):
    visit = approved_visit(service, store, add_employer)
    pull(store, visit, version=2, review_doc=review("approved", 1))
    assert shown(service, visit)[0] == CHANGED


def test_a_refused_edit_is_still_changed_on_this_phone(
    service: RecordService, store: LocalStore, add_employer
):
    visit = approved_visit(service, store, add_employer)
    edit(service, visit, "x" * 5)
    entry = next(e for e in store.outbox() if e.record_id == visit)
    store.record_outcomes([SyncOutcome(entry.op_id, "employer_visit", visit, "rejected", reason="no")])
    assert shown(service, visit)[0] == CHANGED


def test_a_review_from_a_server_that_sends_no_version_stays_as_it_was(
    service: RecordService, store: LocalStore, add_employer
):
    visit = approved_visit(service, store, add_employer)
    pull(store, visit, version=3, review_doc=review("approved", None))
    assert shown(service, visit)[0] == "approved"


def test_today_moves_asked_changes_that_were_made_below_the_ones_still_to_do(
    service: RecordService, store: LocalStore, add_employer
):
    done = approved_visit(service, store, add_employer, state="needs_changes")
    todo = approved_visit(service, store, add_employer, state="needs_changes")
    edit(service, done, "Met the manager")
    feedback = TodayState(service, sync_status=OfflineSyncStatus(store)).feedback
    assert [(row.record_id, row.state) for row in feedback] == [(todo, "needs_changes"), (done, CHANGED)]
    assert feedback[1].detail == "Edited since review · Sue: Who did you meet?"
    assert feedback[0].detail == "Changes asked · Sue: Who did you meet?"
