"""Every error of a form in one round (issue 17, item 2): a date that cannot be read no longer hides
"Employer is required", an empty title or a negative wage until it is fixed."""

from __future__ import annotations

from app.domain.enums import Disclosure
from app.state.checkin_form import CheckInFormState
from app.state.job_seekers import JobSeekerFormState
from app.state.opening_form import OpeningFormState
from app.state.visit_form import VisitFormState


def test_a_visit_with_an_unreadable_date_also_says_the_employer_is_required(service, store):
    form = VisitFormState(service)
    form.set_field("occurred_at", "yesterday-ish")
    result = form.on_save()
    assert result.errors["employer_id"] == "Employer is required"
    assert result.errors["occurred_at"].startswith("Use a date and time")  # its own words, not "required"
    assert form.message == "Check the fields marked in red."
    assert store.all("employer_visit") == []


def test_an_opening_shows_date_title_wage_and_employer_errors_together(service, store):
    form = OpeningFormState(service)
    form.set_field("employer_id", "")
    form.set_field("noted_on", "31/02/2026")
    form.set_field("wage", "-3")
    form.set_field("hours_per_week", "lots")
    result = form.on_save()
    assert set(result.errors) == {"noted_on", "employer_id", "title", "wage", "hours_per_week"}
    assert result.errors["wage"] == "wage cannot be negative"
    assert result.errors["hours_per_week"] == "Enter a number, like 11.50"
    assert store.all("job_opening") == []


def test_a_check_in_with_a_bad_next_date_also_asks_for_the_worker_and_the_employer(service):
    form = CheckInFormState(service)
    form.set_with_whom("both")
    form.set_field("next_check_in_on", "next tuesday")
    result = form.on_save()
    assert set(result.errors) == {"next_check_in_on", "job_seeker_id", "employer_id"}


def test_a_job_seeker_with_a_bad_date_also_hears_about_the_code_format(service):
    form = JobSeekerFormState(service)
    form.set_field("code", "John Smith, schizophrenia")
    form.set_field("referral_date", "last week")
    result = form.on_save()
    assert set(result.errors) == {"code", "referral_date"}
    assert "letters, digits and hyphens" in result.errors["code"]


def test_the_disclosure_reason_is_asked_for_in_the_same_round_as_other_errors(
    service, add_employer, add_seeker
):
    private = add_seeker("KD-9", disclosure=Disclosure.NOT_CONSENTED)
    form = VisitFormState(service)
    form.toggle_job_seeker(private.id)
    form.set_field("next_step_on", "soon")
    result = form.on_save()
    assert set(result.errors) == {"next_step_on", "employer_id", "disclosure_reason"}
    assert form.reason_needed


def test_fixing_every_marked_field_saves_in_one_more_tap(service, add_employer, store):
    cafe = add_employer("Café")
    form = VisitFormState(service)
    form.set_field("occurred_at", "yesterday-ish")
    assert not form.on_save().ok
    form.set_field("occurred_at", "2026-05-04 08:00")
    form.select_employer(cafe.id)
    assert form.on_save().ok and len(store.all("employer_visit")) == 1
