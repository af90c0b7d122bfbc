"""Employers and job seekers lists, record detail (sync state, review comment) and the demo caseload."""

from __future__ import annotations

from datetime import timedelta

from app.demo import load_demo
from app.domain.enums import Disclosure, SeekerStatus
from app.domain.records import EmployerVisit
from app.state.detail import RecordDetailState
from app.state.employers import EmployersState
from app.state.job_seekers import JobSeekersState
from app.state.sync_status import OfflineSyncStatus
from app.state.today import TodayState
from app.state.visit_form import VisitFormState
from tests.app.conftest import NOW


def test_employers_list_shows_visits_and_filters_by_search(service, add_employer):
    cafe, _ = add_employer("Riverside Café", sector="Hospitality"), add_employer("Print Co")
    service.save(EmployerVisit(employer_id=cafe.id, occurred_at=NOW - timedelta(days=2)))
    employers = EmployersState(service)
    assert [(r.name, r.visits) for r in employers.rows] == [("Riverside Café", 1), ("Print Co", 0)]
    assert "last visit 2 May" in employers.rows[0].detail
    employers.set_query("hospit")
    assert [r.name for r in employers.rows] == ["Riverside Café"]


def test_job_seekers_list_shows_disclosure_and_what_is_due(service, add_seeker):
    add_seeker("KD-101")
    add_seeker("KD-102", Disclosure.NOT_CONSENTED, status=SeekerStatus.WORKING, job_started_on=NOW.date())
    rows = {row.code: row for row in JobSeekersState(service).rows}
    assert rows["KD-101"].discloses and rows["KD-101"].due == ""
    assert not rows["KD-102"].discloses and rows["KD-102"].due == "due 7 May"
    assert "Does not disclose" in rows["KD-102"].detail


def test_detail_shows_fields_names_not_ids_and_the_sync_state(service, add_employer, add_seeker):
    cafe, seeker = add_employer("Riverside Café"), add_seeker("KD-101")
    stored = service.save(EmployerVisit(employer_id=cafe.id, occurred_at=NOW, job_seeker_ids=[seeker.id]))
    detail = RecordDetailState(service, "employer_visit", stored.data["id"])
    rows = dict(detail.rows)
    assert rows["Employer"] == "Riverside Café" and rows["Job seekers"] == "KD-101"
    assert rows["Location"] == "No location"
    assert detail.sync_label == "Saved on this phone, waiting to sync"
    assert isinstance(detail.edit_form(), VisitFormState)


def test_detail_of_an_employer_lists_its_visits(service, add_employer):
    cafe = add_employer("Riverside Café")
    service.save(EmployerVisit(employer_id=cafe.id, occurred_at=NOW, outcome="Keen"))
    detail = RecordDetailState(service, "employer", cafe.id)
    assert [kind for kind, *_ in detail.related] == ["employer_visit"]


def test_detail_of_a_missing_record_says_so(service):
    detail = RecordDetailState(service, "employer", "nope")
    assert not detail.found and detail.title == "Record not found" and detail.edit_form() is None


def test_the_demo_loads_once_with_something_due_today(service, store):
    assert load_demo(service)
    assert not load_demo(service)
    today = TodayState(service, sync_status=OfflineSyncStatus(store))
    assert any(item.due_on == NOW.date() for item in today.due)
    assert len(service.employers()) == 5 and len(service.job_seekers()) == 5
    assert {s.disclosure for s in service.job_seekers()} >= {Disclosure.CONSENTED, Disclosure.NOT_CONSENTED}
    assert all(e.latitude is not None for e in service.employers())
