"""Supervisor reviews and server refusals, as Today and record detail show them."""

from __future__ import annotations

from app.domain.records import Employer, EmployerVisit
from app.records import RecordService
from app.state.detail import RecordDetailState
from app.state.sync_status import OfflineSyncStatus
from app.state.today import TodayState
from app.store import LocalStore, RemoteChange, SyncOutcome
from tests.app.conftest import NOW


def comment(body: str, at: str, author: str = "Sue") -> dict[str, str]:
    return {"id": at, "author": author, "body": body, "created_at": at}


def synced(store: LocalStore, kind: str, record_id: str, *, review: dict | None = None) -> None:
    """Settle the queued op as the server would, then pull a review for the record."""
    entry = next(e for e in store.outbox() if e.record_id == record_id)
    store.record_outcomes([SyncOutcome(entry.op_id, kind, record_id, "synced", server_version=1)])
    data = store.get(kind, record_id)
    assert data is not None
    store.apply_remote([RemoteChange(kind, record_id, 2, data.data, review=review)], cursor="c")


def refuse(store: LocalStore, kind: str, record_id: str, **outcome: object) -> None:
    entry = next(e for e in store.outbox() if e.record_id == record_id)
    store.record_outcomes([SyncOutcome(entry.op_id, kind, record_id, **outcome)])  # type: ignore[arg-type]


def test_changes_asked_by_a_supervisor_come_first_on_today_then_the_newest_comments(
    service: RecordService, store: LocalStore, add_employer
):
    cafe, mill = add_employer("Café"), add_employer("Mill")
    asked = service.save(EmployerVisit(employer_id=cafe.id, occurred_at=NOW)).data["id"]
    praised = service.save(EmployerVisit(employer_id=mill.id, occurred_at=NOW)).data["id"]
    synced(
        store,
        "employer_visit",
        praised,
        review={"state": "approved", "comments": [comment("Great", "2026-05-04T10:00")]},
    )
    synced(
        store,
        "employer_visit",
        asked,
        review={"state": "needs_changes", "comments": [comment("Who did you meet?", "2026-05-03T10:00")]},
    )
    today = TodayState(service, sync_status=OfflineSyncStatus(store))
    assert [(row.title, row.state) for row in today.feedback] == [
        ("Café", "needs_changes"),
        ("Mill", "approved"),
    ]
    assert today.feedback[0].detail == "Changes asked · Sue: Who did you meet?"
    assert today.feedback[1].detail == "Sue: Great"


def test_record_detail_shows_the_review_state_and_the_whole_comment_thread(
    service: RecordService, store: LocalStore, add_employer
):
    cafe = add_employer("Café")
    visit = service.save(EmployerVisit(employer_id=cafe.id, occurred_at=NOW)).data["id"]
    thread = [comment("Add the outcome", "2026-05-04T10:00"), comment("Thanks!", "2026-05-04T11:30", "Raj")]
    synced(
        store, "employer_visit", visit, review={"state": "needs_changes", "comments": list(reversed(thread))}
    )
    detail = RecordDetailState(service, "employer_visit", visit)
    assert detail.review_state == "needs_changes"
    assert detail.review_label == "Your supervisor asks for changes"
    assert [(c.author, c.body, c.when) for c in detail.comments] == [
        ("Sue", "Add the outcome", "4 May, 10:00"),
        ("Raj", "Thanks!", "4 May, 11:30"),
    ]
    assert detail.sync_label == "Synced"


def test_a_refused_record_is_listed_with_the_servers_reason_and_editing_it_queues_it_again(
    service: RecordService, store: LocalStore, add_employer
):
    cafe = add_employer("Café")
    synced(store, "employer", cafe.id)
    visit = service.save(EmployerVisit(employer_id=cafe.id, occurred_at=NOW, outcome="x")).data["id"]
    refuse(
        store,
        "employer_visit",
        visit,
        state="rejected",
        reason="The server did not accept this record.",
        field_errors={"occurred_at": "is in the future"},
    )
    today = TodayState(service, sync_status=OfflineSyncStatus(store))
    assert [(row.title, row.reason) for row in today.attention] == [
        ("Café", "The server did not accept this record.")
    ]
    assert today.sync.attention == 1 and today.sync.label.endswith("1 needs attention")
    detail = RecordDetailState(service, "employer_visit", visit)
    assert detail.sync_state == "rejected"
    assert detail.sync_problems == ["The server did not accept this record.", "When: is in the future"]

    form = detail.edit_form()
    assert form is not None
    form.set_field("outcome", "Met the owner")
    assert form.on_save().ok
    again = store.get("employer_visit", visit)
    assert again is not None and again.sync.state == "pending" and again.data["outcome"] == "Met the owner"
    today.refresh()
    assert today.attention == [] and today.sync.attention == 0


def test_a_conflict_shows_the_value_that_was_not_kept(
    service: RecordService, store: LocalStore, add_employer
):
    cafe = add_employer("Café")
    visit = service.save(EmployerVisit(employer_id=cafe.id, occurred_at=NOW, outcome="Mine")).data["id"]
    server_copy = dict(store.get("employer_visit", visit).data, outcome="Theirs")  # type: ignore[union-attr]
    refuse(
        store,
        "employer_visit",
        visit,
        state="conflict",
        reason="Also changed on the server; the server's outcome was kept.",
        server_version=3,
        server_data=server_copy,
        conflicts=[{"field": "outcome", "kept": "Theirs", "other": "Mine"}],
    )
    detail = RecordDetailState(service, "employer_visit", visit)
    assert detail.sync_state == "conflict"
    assert detail.conflict_rows == [("Outcome", "Mine")]
    assert ("Outcome", "Theirs") in detail.rows


def test_a_refusal_that_repeats_its_field_errors_is_said_once(service: RecordService, store: LocalStore):
    stored = service.save(Employer(name="Moonbase Diner"))
    message = "latitude must be between -90 and 90"
    refuse(
        store,
        "employer",
        stored.data["id"],
        state="rejected",
        reason=f"latitude: {message}",
        field_errors={"latitude": message},
    )
    detail = RecordDetailState(service, "employer", stored.data["id"])
    assert detail.sync_problems == [f"Latitude: {message}"]
