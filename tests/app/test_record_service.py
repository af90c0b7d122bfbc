"""RecordService: one save path (stamp, validate, disclosure guard, outbox) and the quick-entry reads."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from app.domain.enums import CheckInWith, Disclosure, SeekerStatus
from app.domain.errors import DisclosureRefused, ValidationError
from app.domain.records import EmployerVisit, JobOpening, SupportCheckIn
from tests.app.conftest import NOW


def visit(employer_id: str, *, days_ago: int = 0, **fields) -> EmployerVisit:
    return EmployerVisit(employer_id=employer_id, occurred_at=NOW - timedelta(days=days_ago), **fields)


def test_save_stamps_the_record_and_queues_it_for_sync(service, store, add_employer):
    employer = add_employer()
    stored = service.save(visit(employer.id))
    assert stored.data["id"] and stored.data["version"] == 1
    assert stored.data["created_at"] == NOW.isoformat()
    assert stored.sync.state == "pending"
    assert [entry.record_id for entry in store.outbox()][-1] == stored.data["id"]


def test_saving_again_keeps_the_id_and_bumps_the_version(service, add_employer):
    employer = add_employer()
    first = service.load("employer", employer.id)
    assert first is not None
    stored = service.save(first)
    assert stored.data["id"] == employer.id and stored.data["version"] == 2


def test_invalid_record_is_refused_with_field_errors_and_nothing_is_written(service, store):
    before = store.pending_count()
    with pytest.raises(ValidationError) as refused:
        service.save(EmployerVisit(employer_id="", occurred_at=None))
    assert set(refused.value.errors) >= {"employer_id", "occurred_at"}
    assert store.pending_count() == before


def test_linking_a_non_consenting_seeker_to_a_visit_is_refused_without_a_reason(
    service, store, add_employer, add_seeker
):
    employer = add_employer()
    seeker = add_seeker("KD-102", Disclosure.NOT_CONSENTED)
    before = len(store.all("employer_visit"))
    with pytest.raises(DisclosureRefused) as refused:
        service.save(visit(employer.id, job_seeker_ids=[seeker.id]))
    assert "KD-102" in str(refused.value)
    assert len(store.all("employer_visit")) == before


def test_linking_a_non_consenting_seeker_with_a_reason_is_saved(service, add_employer, add_seeker):
    employer = add_employer()
    seeker = add_seeker("KD-102", Disclosure.NOT_CONSENTED)
    stored = service.save(
        visit(employer.id, job_seeker_ids=[seeker.id], disclosure_reason="They asked me to")
    )
    assert stored.data["job_seeker_ids"] == [seeker.id]


def test_recent_employers_are_ordered_by_last_visit_then_name(service, add_employer, clock):
    zebra, apple, mango = (
        add_employer("Zebra Bikes"),
        add_employer("Apple Bakery"),
        add_employer("Mango Hair"),
    )
    service.save(visit(zebra.id, days_ago=3))
    service.save(visit(mango.id, days_ago=1))
    assert [e.name for e in service.recent_employers()] == ["Mango Hair", "Zebra Bikes", "Apple Bakery"]
    assert [e.name for e in service.recent_employers(limit=1)] == ["Mango Hair"]
    del apple, clock


def test_recent_job_seekers_are_ordered_by_last_visit_or_check_in(service, add_employer, add_seeker):
    employer = add_employer()
    a, b, c = add_seeker("AA"), add_seeker("BB"), add_seeker("CC")
    service.save(visit(employer.id, days_ago=5, job_seeker_ids=[a.id]))
    service.save(SupportCheckIn(job_seeker_id=c.id, occurred_at=NOW - timedelta(days=1)))
    assert [s.code for s in service.recent_job_seekers()] == ["CC", "AA", "BB"]
    del b


def test_a_next_step_due_today_or_overdue_is_listed(service, add_employer):
    cafe, shop = add_employer("Café"), add_employer("Shop")
    service.save(visit(cafe.id, days_ago=7, next_step="Bring a CV", next_step_on=NOW.date()))
    service.save(
        visit(shop.id, days_ago=7, next_step="Call back", next_step_on=NOW.date() - timedelta(days=2))
    )
    items = service.due_items(NOW.date())
    assert [(i.title, i.overdue) for i in items] == [("Shop", True), ("Café", False)]


def test_a_later_visit_adds_a_next_step_and_the_earlier_one_stays_open(service, add_employer):
    cafe = add_employer("Café")
    service.save(
        visit(cafe.id, days_ago=7, next_step="Bring a CV", next_step_on=NOW.date() - timedelta(days=1))
    )
    service.save(
        visit(cafe.id, days_ago=0, next_step="Meet the chef", next_step_on=NOW.date() + timedelta(days=7))
    )
    # Issue 17, item 4: a next step is a task, closed only by Done or Dismiss.
    assert [item.detail for item in service.due_items(NOW.date())] == ["Bring a CV"]


def test_in_work_support_is_due_three_days_after_the_start(service, add_seeker):
    add_seeker("KD-104", status=SeekerStatus.WORKING, job_started_on=NOW.date() - timedelta(days=3))
    (item,) = service.due_items(NOW.date())
    assert (item.title, item.kind, item.due_on, item.overdue) == ("KD-104", "support", NOW.date(), False)


def test_a_planned_check_in_is_due_on_its_date(service, add_seeker):
    seeker = add_seeker("KD-101")
    service.save(
        SupportCheckIn(
            job_seeker_id=seeker.id,
            occurred_at=NOW - timedelta(days=6),
            with_whom=CheckInWith.WORKER,
            next_check_in_on=NOW.date() + timedelta(days=1),
        )
    )
    assert service.due_items(NOW.date()) == []
    (item,) = service.due_items(NOW.date(), horizon_days=1)
    assert item.kind == "check_in" and item.due_on == NOW.date() + timedelta(days=1)


def test_ended_job_seekers_are_never_due(service, add_seeker):
    add_seeker("KD-109", status=SeekerStatus.ENDED, job_started_on=date(2026, 1, 1))
    assert service.due_items(NOW.date()) == []


def test_recent_activity_lists_field_work_newest_first_with_sync_state(service, add_employer):
    cafe = add_employer("Café")
    service.save(visit(cafe.id, days_ago=2))
    service.save(JobOpening(employer_id=cafe.id, title="Barista"))
    rows = service.recent_activity()
    assert [r.title for r in rows] == ["Barista", "Café"]
    assert rows[1].detail.startswith("Visit · Learn the business")
    assert {r.sync_state for r in rows} == {"pending"}
    assert isinstance(rows[0].at, datetime)
