from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.domain.enums import CheckInWith, GeotagSource
from app.domain.errors import ValidationError
from app.domain.records import Employer, EmployerVisit, Geotag, JobOpening, JobSeeker, SupportCheckIn
from app.domain.validation import ensure_valid, validate

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def visit(**changes):
    base = {"employer_id": "e1", "occurred_at": NOW - timedelta(hours=1)}
    return EmployerVisit(**(base | changes))


def test_a_complete_visit_is_valid():
    assert validate(visit(), now=NOW) == {}


def test_required_fields_are_named():
    assert validate(Employer(), now=NOW) == {"name": "Business name is required"}
    assert validate(EmployerVisit(), now=NOW) == {
        "employer_id": "Employer is required",
        "occurred_at": "Visit time is required",
    }
    errors = validate(JobOpening(), now=NOW)
    assert errors == {"employer_id": "Employer is required", "title": "Job title is required"}


def test_blank_text_counts_as_missing():
    assert validate(Employer(name="   "), now=NOW) == {"name": "Business name is required"}


def test_wage_cannot_be_negative_but_zero_is_allowed():
    opening = JobOpening(employer_id="e1", title="Porter", wage=-1.0)
    assert validate(opening, now=NOW) == {"wage": "wage cannot be negative"}
    assert validate(JobOpening(employer_id="e1", title="Porter", wage=0.0), now=NOW) == {}


@pytest.mark.parametrize("hours", [0.0, -5.0, 80.5, 168.0])
def test_hours_per_week_must_be_in_range(hours):
    opening = JobOpening(employer_id="e1", title="Porter", hours_per_week=hours)
    assert "hours_per_week" in validate(opening, now=NOW)


@pytest.mark.parametrize("hours", [0.5, 15.0, 80.0])
def test_hours_per_week_in_range_are_accepted(hours):
    assert validate(JobOpening(employer_id="e1", title="Porter", hours_per_week=hours), now=NOW) == {}


@pytest.mark.parametrize(
    ("latitude", "longitude", "field"),
    [(91.0, 0.0, "geotag.latitude"), (-90.5, 0.0, "geotag.latitude"), (0.0, 180.5, "geotag.longitude")],
)
def test_geotag_coordinates_must_be_on_earth(latitude, longitude, field):
    tag = Geotag(latitude=latitude, longitude=longitude, accuracy_m=5.0, source=GeotagSource.GPS)
    assert field in validate(visit(geotag=tag), now=NOW)


def test_geotag_accuracy_cannot_be_negative():
    tag = Geotag(latitude=1.0, longitude=1.0, accuracy_m=-1.0, source=GeotagSource.GPS)
    assert validate(visit(geotag=tag), now=NOW) == {"geotag.accuracy_m": "accuracy cannot be negative"}


def test_a_gps_geotag_needs_both_coordinates():
    tag = Geotag(latitude=1.0, source=GeotagSource.GPS)
    assert "geotag.latitude" in validate(visit(geotag=tag), now=NOW)


def test_a_geotag_with_source_none_has_no_point():
    tag = Geotag(latitude=1.0, longitude=2.0, source=GeotagSource.NONE)
    assert "geotag.source" in validate(visit(geotag=tag), now=NOW)
    assert validate(visit(geotag=Geotag()), now=NOW) == {}


def test_a_visit_in_the_future_is_refused_beyond_a_day_of_clock_skew():
    assert validate(visit(occurred_at=NOW + timedelta(hours=20)), now=NOW) == {}
    errors = validate(visit(occurred_at=NOW + timedelta(days=3)), now=NOW)
    assert errors == {"occurred_at": "Visit time cannot be in the future"}


def test_absurd_dates_are_refused():
    errors = validate(visit(occurred_at=datetime(1999, 1, 1, tzinfo=UTC)), now=NOW)
    assert errors == {"occurred_at": "Visit time is too far in the past"}
    errors = validate(visit(next_step_on=date(2031, 1, 1)), now=NOW)
    assert errors == {"next_step_on": "Next step date is more than two years ahead"}


def test_job_seeker_needs_a_short_code_and_a_referral_date_not_in_the_future():
    assert validate(JobSeeker(code="KT-07", referral_date=date(2026, 11, 1)), now=NOW) == {}
    errors = validate(JobSeeker(code="x" * 40, referral_date=date(2027, 1, 1)), now=NOW)
    assert set(errors) == {"code", "referral_date"}
    assert validate(JobSeeker(code="KT"), now=NOW) == {"referral_date": "Referral date is required"}


def test_a_check_in_with_the_employer_names_the_employer():
    check_in = SupportCheckIn(job_seeker_id="j1", occurred_at=NOW, with_whom=CheckInWith.BOTH)
    assert validate(check_in, now=NOW) == {"employer_id": "choose the employer you met"}


def test_employer_coordinates_go_together():
    assert "latitude" in validate(Employer(name="Cafe", latitude=1.0), now=NOW)


def test_long_text_is_refused_with_its_limit():
    assert validate(Employer(name="Cafe", notes="x" * 2001), now=NOW) == {
        "notes": "keep this under 2000 characters"
    }


def test_ensure_valid_raises_with_every_error():
    with pytest.raises(ValidationError) as caught:
        ensure_valid(JobOpening(wage=-2.0), now=NOW)
    assert set(caught.value.errors) == {"employer_id", "title", "wage"}
