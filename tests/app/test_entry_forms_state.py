"""Openings, check-ins, employers and job seekers: defaults, parse errors per field, disclosure, edits."""

from __future__ import annotations

from datetime import date, timedelta

from app.domain.enums import Disclosure, SeekerStatus
from app.domain.records import Employer, JobOpening, JobSeeker, SupportCheckIn
from app.state.checkin_form import CheckInFormState
from app.state.employers import EmployerFormState
from app.state.job_seekers import JobSeekerFormState
from app.state.opening_form import OpeningFormState
from tests.app.conftest import NOW


def test_an_opening_preselects_no_employer_and_defaults_to_today(service, add_employer):
    add_employer("Café")
    form = OpeningFormState(service)
    assert form.text("employer_id") == ""  # issue 17 item 11: chosen on purpose
    assert form.text("noted_on") == NOW.date().isoformat()
    assert form.text("market") == "open_market" and form.text("found_via") == "job_development"


def test_an_opening_with_a_bad_wage_keeps_every_typed_value(service, add_employer):
    form = OpeningFormState(service, employer_id=add_employer("Café").id)
    form.set_field("title", "Barista")
    form.set_field("wage", "eleven pounds")
    form.set_field("hours_per_week", "16")
    result = form.on_save()
    assert set(result.errors) == {"wage"}
    assert (form.text("title"), form.text("wage"), form.text("hours_per_week")) == (
        "Barista",
        "eleven pounds",
        "16",
    )
    form.set_field("wage", "£12.21")
    saved = service.load("job_opening", form.on_save().saved.data["id"])
    assert isinstance(saved, JobOpening) and (saved.wage, saved.hours_per_week) == (12.21, 16.0)


def test_an_opening_without_a_title_is_refused_on_the_title_field(service, add_employer):
    result = OpeningFormState(service, employer_id=add_employer("Café").id).on_save()
    assert result.errors == {"title": "Job title is required"}


def test_a_check_in_fills_in_the_workers_employer_and_lists_workers_first(service, add_employer, add_seeker):
    garden = add_employer("Garden Centre")
    add_seeker("KD-101")
    worker = add_seeker("KD-102", status=SeekerStatus.WORKING, current_employer_id=garden.id)
    form = CheckInFormState(service)
    assert form.job_seekers[0].code == "KD-102"
    assert form.text("next_check_in_on") == (NOW.date() + timedelta(days=7)).isoformat()
    form.select_job_seeker(worker.id)
    assert form.text("employer_id") == garden.id


def test_a_check_in_with_the_employer_of_a_non_disclosing_worker_needs_a_reason(
    service, store, add_employer, add_seeker
):
    garden = add_employer("Garden Centre")
    worker = add_seeker(
        "KD-102", Disclosure.NOT_CONSENTED, status=SeekerStatus.WORKING, current_employer_id=garden.id
    )
    form = CheckInFormState(service, job_seeker_id=worker.id)
    assert not form.needs_disclosure_reason()  # with the worker alone: nothing disclosed
    form.set_with_whom("both")
    assert form.needs_disclosure_reason()
    result = form.on_save()
    assert not result.ok and "KD-102 has not agreed" in (result.disclosure_message or "")
    assert store.all("support_check_in") == []
    form.set_field("disclosure_reason", "Worker asked me to join the review")
    saved = service.load("support_check_in", form.on_save().saved.data["id"])
    assert (
        isinstance(saved, SupportCheckIn) and saved.disclosure_reason == "Worker asked me to join the review"
    )


def test_a_check_in_with_the_employer_needs_the_employer(service, add_seeker):
    worker = add_seeker("KD-104", status=SeekerStatus.WORKING)
    form = CheckInFormState(service, job_seeker_id=worker.id)
    form.set_with_whom("employer")
    assert "employer_id" in form.on_save().errors


def test_check_in_topics_are_split_into_a_list(service, add_seeker):
    worker = add_seeker("KD-104", status=SeekerStatus.WORKING)
    form = CheckInFormState(service, job_seeker_id=worker.id)
    form.set_field("topics", "hours, travel,\n new manager")
    saved = service.load("support_check_in", form.on_save().saved.data["id"])
    assert saved.topics == ["hours", "travel", "new manager"]


def test_an_employer_needs_a_name(service):
    assert EmployerFormState(service).on_save().errors == {"name": "Business name is required"}


class FakeGeocoder:
    def __init__(self, answer: object) -> None:
        self.answer = answer

    def geocode(self, query: str, *args: object, **kwargs: object) -> object:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_finding_an_employer_address_fills_its_location(service):
    class Place:
        latitude, longitude = 54.3292, -2.7447

    form = EmployerFormState(service, geocoder=FakeGeocoder(Place()))
    form.set_field("name", "Riverside Café")
    form.set_field("address", "12 Stramongate, Kendal")
    assert form.locate_address()
    saved = service.load("employer", form.on_save().saved.data["id"])
    assert isinstance(saved, Employer) and (saved.latitude, saved.longitude) == (54.3292, -2.7447)


def test_finding_an_address_offline_explains_and_still_saves(service):
    form = EmployerFormState(service, geocoder=FakeGeocoder(OSError("offline")))
    form.set_field("name", "Riverside Café")
    form.set_field("address", "12 Stramongate")
    assert not form.locate_address() and "offline" in form.errors["address"]
    assert form.on_save().ok
    assert not EmployerFormState(service).locate_address()  # no geocoder at all: a message, no crash


def test_a_job_seeker_defaults_to_referred_today_and_undecided_disclosure(service):
    form = JobSeekerFormState(service)
    assert form.text("referral_date") == NOW.date().isoformat()
    assert form.text("disclosure") == "undecided"
    form.set_field("code", "KD-110")
    saved = service.load("job_seeker", form.on_save().saved.data["id"])
    assert isinstance(saved, JobSeeker) and saved.referral_date == NOW.date()


def test_a_job_seeker_with_a_future_referral_is_refused_on_that_field(service):
    form = JobSeekerFormState(service)
    form.set_field("code", "KD-110")
    form.set_field("referral_date", "2027-01-01")
    assert set(form.on_save().errors) == {"referral_date"}


def test_editing_a_job_seeker_keeps_the_id(service, add_seeker):
    seeker = add_seeker("KD-101")
    form = JobSeekerFormState(service, base=seeker)
    form.set_field("status", "working")
    form.set_field("job_started_on", date(2026, 5, 1).isoformat())
    result = form.on_save()
    assert result.saved.data["id"] == seeker.id
    assert service.load("job_seeker", seeker.id).status is SeekerStatus.WORKING
