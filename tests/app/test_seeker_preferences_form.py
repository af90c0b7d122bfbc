"""The job seeker form's preferences and strengths (issue 15, for matching): skills, experience,
hours range, lowest pay and farthest travel, round trip through the form and the store, and their
errors on their own fields."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.domain.records import JobSeeker
from app.records import RecordService
from app.state.job_seekers import JobSeekerFormState


@pytest.fixture
def seeker(add_seeker: Callable[..., JobSeeker]) -> JobSeeker:
    return add_seeker(
        "AB-1", skills=["tills"], min_hours_per_week=16.0, max_hours_per_week=24.0, max_travel_km=5.0
    )


def test_the_form_round_trips_skills_experience_hours_pay_and_travel(
    service: RecordService, seeker: JobSeeker
) -> None:
    form = JobSeekerFormState(service, base=seeker)
    assert (form.text("skills"), form.text("min_hours_per_week"), form.text("max_travel_km")) == (
        "tills",
        "16",
        "5",
    )
    form.set_field("skills", "tills, forklift licence\nfood hygiene")
    form.set_field("experience", "Two years at a bakery")
    form.set_field("min_hours_per_week", "10")
    form.set_field("max_hours_per_week", "37.5")
    form.set_field("min_pay_per_hour", "£12.21")
    form.set_field("max_travel_km", "8")

    saved = service.load("job_seeker", form.on_save().saved.data["id"])  # type: ignore[union-attr]

    assert isinstance(saved, JobSeeker)
    assert saved.skills == ["tills", "forklift licence", "food hygiene"]
    assert saved.experience == "Two years at a bakery"
    assert (saved.min_hours_per_week, saved.max_hours_per_week) == (10.0, 37.5)
    assert (saved.min_pay_per_hour, saved.max_travel_km) == (12.21, 8.0)
    again = JobSeekerFormState(service, base=saved)
    assert (
        again.text("skills") == "tills, forklift licence, food hygiene"
        and again.text("max_hours_per_week") == "37.5"
    )


def test_the_form_marks_unreadable_and_impossible_preferences_on_their_fields(
    service: RecordService, seeker: JobSeeker
) -> None:
    form = JobSeekerFormState(service, base=seeker)
    form.set_field("min_hours_per_week", "30")
    form.set_field("max_hours_per_week", "20")
    form.set_field("min_pay_per_hour", "twelve")
    form.set_field("max_travel_km", "-1")

    result = form.on_save()

    assert result.errors == {
        "max_hours_per_week": "the most hours cannot be fewer than the fewest",
        "min_pay_per_hour": "Enter a number, like 11.50",
        "max_travel_km": "the farthest to travel must be between 0 and 500 km",
    }
    assert form.text("min_pay_per_hour") == "twelve"  # kept as typed
