"""Derived review columns: filled from the record's data on every push, and by migration 0002."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from server.db.models import RecordRow
from server.services.derived import occurred_at_of, review_columns, subject_id_of
from server.timeutil import as_utc
from tests.server.world import new_id, op, push, sample


def test_occurred_at_is_the_visit_time_in_utc():
    data = {"occurred_at": "2026-05-04T09:00:00+12:00", "created_at": "2026-05-05T00:00:00+00:00"}
    assert occurred_at_of("employer_visit", data) == datetime(2026, 5, 3, 21, 0, tzinfo=UTC)


def test_an_opening_happens_on_the_day_it_was_noted_else_when_created():
    assert occurred_at_of("job_opening", {"noted_on": "2026-05-01"}) == datetime(2026, 5, 1, tzinfo=UTC)
    created = {"created_at": "2026-05-02T08:00:00+00:00"}
    assert occurred_at_of("job_opening", created) == datetime(2026, 5, 2, 8, tzinfo=UTC)


def test_tombstones_and_garbage_have_no_derived_values():
    assert review_columns("employer_visit", None) == {"occurred_at": None, "subject_id": None}
    assert occurred_at_of("employer_visit", {"occurred_at": "yesterday"}) is None


def test_subject_is_the_employer_of_a_visit_and_the_worker_of_a_check_in():
    assert subject_id_of("employer_visit", {"employer_id": "e1"}) == "e1"
    assert subject_id_of("support_check_in", {"job_seeker_id": "s1"}) == "s1"
    assert subject_id_of("employer", {"name": "x"}) is None


def test_push_fills_the_columns_on_create_and_on_edit(client, world, database):
    alice = world["alice"]
    record_id, employer = new_id(), new_id()
    data = sample("employer_visit", employer_id=employer, occurred_at="2026-05-04T09:00:00+00:00")
    push(client, alice, op("employer_visit", record_id, data=data))
    moved = {**data, "occurred_at": "2026-05-03T10:30:00+02:00"}
    push(client, alice, op("employer_visit", record_id, base=1, data=moved))
    with database.read() as session:
        row = session.scalar(select(RecordRow).where(RecordRow.record_id == record_id))
        assert row is not None
        assert row.subject_id == employer
        assert row.occurred_at is not None
        assert as_utc(row.occurred_at) == datetime(2026, 5, 3, 8, 30, tzinfo=UTC)
