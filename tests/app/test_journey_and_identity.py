"""Issue 15 on the phone: the journey before work on the job seeker form and page, job-seeker
codes unique ignoring case and spaces, and employer names that nearly match flagged before a save
with "use the existing one"."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.enums import PracticalHelp
from app.domain.errors import ValidationError
from app.domain.identity import code_key, employer_name_key
from app.domain.journey import job_search_start
from app.domain.records import JobSeeker
from app.state.detail import RecordDetailState
from app.state.employers import EmployerFormState
from app.state.job_seekers import JobSeekerFormState

REFERRED = "2026-04-01"  # the fixtures' clock is 2026-05-04


def _new_seeker_form(service, code: str = "KD-104") -> JobSeekerFormState:
    form = JobSeekerFormState(service)
    form.set_field("code", code)
    form.set_field("referral_date", REFERRED)
    return form


def test_the_journey_round_trips_through_the_form_the_store_and_the_edit_form(service):
    form = _new_seeker_form(service)
    form.set_field("engagement_on", "2026-04-03")
    form.set_date("career_profile_on", date(2026, 4, 10))  # the calendar's way in
    form.set_field("job_search_plan_on", "2026-04-17")
    form.set_field("better_off_calculation_on", "2026-04-20")
    form.set_field("job_search_started_on", "2026-05-11")  # chosen a week ahead: allowed
    form.toggle_practical_help("transport")
    form.toggle_practical_help("childcare")
    form.toggle_practical_help("cv")
    form.toggle_practical_help("transport")  # a second tap unticks

    result = form.on_save()

    assert result.ok, result.errors
    saved = service.load("job_seeker", result.saved.data["id"])
    assert isinstance(saved, JobSeeker)
    assert (saved.engagement_on, saved.career_profile_on) == (date(2026, 4, 3), date(2026, 4, 10))
    assert (saved.job_search_plan_on, saved.better_off_calculation_on) == (
        date(2026, 4, 17),
        date(2026, 4, 20),
    )
    assert saved.practical_help == [PracticalHelp.CHILDCARE, PracticalHelp.CV]  # the checklist's order
    assert job_search_start(saved) == date(2026, 5, 11)
    again = JobSeekerFormState(service, base=saved)
    assert {name: again.text(name) for name in form.values if name != "practical_help"} == {
        name: form.text(name) for name in form.values if name != "practical_help"
    }
    assert again.value("practical_help") == ["childcare", "cv"]
    assert "starts on this day" in again.search_start_note

    page = RecordDetailState(service, "job_seeker", saved.id)
    assert ("Practical help", "Childcare, A CV") in page.rows
    assert ("Job search started on", "Mon 11 May 2026") in page.rows


def test_an_empty_job_search_start_is_the_referral_date_on_the_form_and_the_page(service):
    form = _new_seeker_form(service)
    assert form.search_start_note.startswith("Empty: the search starts on the referral date (Wed 1 Apr 2026)")
    result = form.on_save()
    saved = service.load("job_seeker", result.saved.data["id"])
    assert isinstance(saved, JobSeeker) and saved.job_search_started_on is None
    assert job_search_start(saved) == date(2026, 4, 1)
    page = RecordDetailState(service, "job_seeker", saved.id)
    assert ("Job search started on", "Wed 1 Apr 2026 (the referral date)") in page.rows


def test_meetings_are_past_dates_and_nothing_of_the_journey_comes_before_the_referral(service):
    form = _new_seeker_form(service)
    form.set_field("engagement_on", "2026-03-31")  # the day before the referral
    form.set_field("career_profile_on", "2026-05-20")  # a meeting not yet held
    form.set_field("job_search_started_on", "2026-03-01")
    form.set_field("job_search_plan_on", "4 April")

    result = form.on_save()

    assert not result.ok
    assert result.errors["engagement_on"] == "Engagement meeting date cannot be before the referral date"
    assert result.errors["career_profile_on"] == "Career profile meeting date cannot be in the future"
    assert result.errors["job_search_started_on"] == "Job search start cannot be before the referral date"
    assert result.errors["job_search_plan_on"].startswith("Use a date like")


def test_codes_are_compared_without_case_or_spaces():
    assert code_key(" kd 104\t") == code_key("KD104") == "kd104"
    assert code_key("KD-104") != code_key("KD104")  # a hyphen is part of the code


def test_a_code_another_job_seeker_on_the_phone_has_is_refused_beside_the_field(service, add_seeker):
    first = add_seeker("KD-104")
    form = _new_seeker_form(service, "kd-104")
    result = form.on_save()
    assert not result.ok and result.errors == {"code": "this code is already used in your team"}
    assert len(service.job_seekers()) == 1
    with pytest.raises(ValidationError) as refused:
        service.save(JobSeeker(code="Kd-104", referral_date=date(2026, 4, 1)))
    assert refused.value.errors == {"code": "this code is already used in your team"}

    # Its own code is no clash when it is edited; a new code is free until someone has it.
    edit = JobSeekerFormState(service, base=first)
    edit.set_field("code", "kd-104")
    assert edit.on_save().ok
    form.set_field("code", "KD-105")
    assert form.on_save().ok
    other = service.load("job_seeker", form.saved.data["id"])
    recode = JobSeekerFormState(service, base=other)
    recode.set_field("code", "KD-104")
    assert recode.on_save().errors == {"code": "this code is already used in your team"}


@pytest.mark.parametrize(
    ("typed", "existing"),
    [
        ("riverside cafe", "Riverside Café"),
        ("Riverside Café Ltd.", "Riverside Cafe"),
        ("RIVERSIDE  CAFÉ LIMITED", "riverside café"),
        ("Smith & Sons", "Smith and Sons Ltd"),
        ("The Harbour Bakery", "Harbour Bakery plc"),
        ("O'Neill's", "ONeills"),
    ],
)
def test_names_that_nearly_match(typed, existing):
    assert employer_name_key(typed) == employer_name_key(existing)


@pytest.mark.parametrize(
    ("typed", "existing"),
    [
        ("Riverside Café 2", "Riverside Café"),
        ("Riverside", "Riverside Café"),
        ("Harbour Bakers", "Harbour Bakery"),
    ],
)
def test_names_that_do_not(typed, existing):
    assert employer_name_key(typed) != employer_name_key(existing)


def test_use_the_existing_one_opens_the_employer_instead_of_adding_a_duplicate(service, add_employer):
    cafe = add_employer("Riverside Café")
    add_employer("Harbour Bakery")
    form = EmployerFormState(service)
    form.set_field("name", "Riverside")
    assert form.near_match is None and form.near_match_message == ""
    form.set_field("name", "riverside cafe ltd")
    assert form.near_match_message == "Riverside Café already exists — use the existing one"
    assert form.use_existing() == cafe.id
    # Editing the employer itself is no near match of itself.
    assert EmployerFormState(service, base=cafe).near_match is None

    # Still the specialist's call: a second business of that name may be saved.
    assert form.on_save().ok
    assert len(service.employers()) == 3
    assert EmployerFormState(service, base=cafe).use_existing() == form.saved.data["id"]
