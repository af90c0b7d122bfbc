"""Field validation: every problem with a record, each with a message a specialist can act on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from app.domain.enums import CheckInWith, GeotagSource
from app.domain.errors import ValidationError
from app.domain.records import (
    Employer,
    EmployerVisit,
    Geotag,
    JobOpening,
    JobSeeker,
    Record,
    SupportCheckIn,
)

MAX_HOURS_PER_WEEK = 80.0
MAX_TEXT = 2000
CODE_MAX = 32
NAME_MAX = 200
CONTACTS_MAX = 20
EARLIEST = date(2000, 1, 1)
# Phones have wrong clocks and time zones: allow a day of skew before calling a time "future".
CLOCK_SKEW = timedelta(days=1)
# A planned next step or check-in may be far ahead, but not absurdly so.
PLANNING_HORIZON = timedelta(days=2 * 366)

Errors = dict[str, str]


def validate(record: Record, *, now: datetime) -> Errors:
    """All field errors of `record` (empty when valid)."""
    errors: Errors = {}
    for name, value in vars(record).items():
        if isinstance(value, str) and len(value) > MAX_TEXT:
            errors[name] = f"keep this under {MAX_TEXT} characters"
    checker = _CHECKERS.get(type(record))
    if checker is not None:
        checker(record, now, errors)
    return errors


def ensure_valid(record: Record, *, now: datetime) -> None:
    errors = validate(record, now=now)
    if errors:
        raise ValidationError(errors)


def validate_geotag(tag: Geotag, *, now: datetime, errors: Errors, prefix: str = "geotag") -> None:
    has_point = tag.latitude is not None or tag.longitude is not None
    if tag.source is GeotagSource.NONE:
        if has_point:
            errors[f"{prefix}.source"] = "a location was given, so its source cannot be 'none'"
        return
    if tag.latitude is None or tag.longitude is None:
        errors[f"{prefix}.latitude"] = "latitude and longitude are both needed for a location"
        return
    if not -90.0 <= tag.latitude <= 90.0:
        errors[f"{prefix}.latitude"] = "latitude must be between -90 and 90"
    if not -180.0 <= tag.longitude <= 180.0:
        errors[f"{prefix}.longitude"] = "longitude must be between -180 and 180"
    if tag.accuracy_m is not None and tag.accuracy_m < 0:
        errors[f"{prefix}.accuracy_m"] = "accuracy cannot be negative"
    if tag.fixed_at is not None and tag.fixed_at > now + CLOCK_SKEW:
        errors[f"{prefix}.fixed_at"] = "the location fix cannot be in the future"


def _required(errors: Errors, name: str, value: str | None, label: str) -> None:
    if value is None or not value.strip():
        errors[name] = f"{label} is required"


def _past_time(errors: Errors, name: str, value: datetime | None, now: datetime, label: str) -> None:
    if value is None:
        errors[name] = f"{label} is required"
    elif value > now + CLOCK_SKEW:
        errors[name] = f"{label} cannot be in the future"
    elif value.date() < EARLIEST:
        errors[name] = f"{label} is too far in the past"


def _past_date(errors: Errors, name: str, value: date | None, now: datetime, label: str) -> None:
    if value is None:
        return
    if value > (now + CLOCK_SKEW).date():
        errors[name] = f"{label} cannot be in the future"
    elif value < EARLIEST:
        errors[name] = f"{label} is too far in the past"


def _plan_date(errors: Errors, name: str, value: date | None, now: datetime, label: str) -> None:
    if value is None:
        return
    if value > (now + PLANNING_HORIZON).date():
        errors[name] = f"{label} is more than two years ahead"
    elif value < EARLIEST:
        errors[name] = f"{label} is too far in the past"


def _coordinates(errors: Errors, latitude: float | None, longitude: float | None) -> None:
    if (latitude is None) != (longitude is None):
        errors["latitude"] = "latitude and longitude go together"
    if latitude is not None and not -90.0 <= latitude <= 90.0:
        errors["latitude"] = "latitude must be between -90 and 90"
    if longitude is not None and not -180.0 <= longitude <= 180.0:
        errors["longitude"] = "longitude must be between -180 and 180"


def _check_employer(record: Employer, now: datetime, errors: Errors) -> None:
    _required(errors, "name", record.name, "Business name")
    if len(record.name.strip()) > NAME_MAX:
        errors["name"] = f"keep the business name under {NAME_MAX} characters"
    _coordinates(errors, record.latitude, record.longitude)
    if len(record.contacts) > CONTACTS_MAX:
        errors["contacts"] = f"at most {CONTACTS_MAX} contact people"
    elif any(len(contact) > NAME_MAX for contact in record.contacts):
        errors["contacts"] = f"keep each contact under {NAME_MAX} characters"
    _plan_date(errors, "next_step_on", record.next_step_on, now, "Next step date")


def _check_job_seeker(record: JobSeeker, now: datetime, errors: Errors) -> None:
    _required(errors, "code", record.code, "Code or first name")
    if len(record.code.strip()) > CODE_MAX:
        errors["code"] = f"use a short code or first name (at most {CODE_MAX} characters)"
    if record.referral_date is None:
        errors["referral_date"] = "Referral date is required"
    _past_date(errors, "referral_date", record.referral_date, now, "Referral date")
    _past_date(errors, "benefits_counselling_on", record.benefits_counselling_on, now, "Date")
    _plan_date(errors, "job_started_on", record.job_started_on, now, "Job start date")


def _check_visit(record: EmployerVisit, now: datetime, errors: Errors) -> None:
    _required(errors, "employer_id", record.employer_id, "Employer")
    _past_time(errors, "occurred_at", record.occurred_at, now, "Visit time")
    _plan_date(errors, "next_step_on", record.next_step_on, now, "Next step date")
    validate_geotag(record.geotag, now=now, errors=errors)


def _check_opening(record: JobOpening, now: datetime, errors: Errors) -> None:
    _required(errors, "employer_id", record.employer_id, "Employer")
    _required(errors, "title", record.title, "Job title")
    if record.wage is not None and record.wage < 0:
        errors["wage"] = "wage cannot be negative"
    hours = record.hours_per_week
    if hours is not None and not 0 < hours <= MAX_HOURS_PER_WEEK:
        errors["hours_per_week"] = f"hours per week must be more than 0 and at most {MAX_HOURS_PER_WEEK:g}"
    _past_date(errors, "noted_on", record.noted_on, now, "Date noted")
    _plan_date(errors, "started_on", record.started_on, now, "Start date")


def _check_check_in(record: SupportCheckIn, now: datetime, errors: Errors) -> None:
    _required(errors, "job_seeker_id", record.job_seeker_id, "Worker")
    _past_time(errors, "occurred_at", record.occurred_at, now, "Check-in time")
    if record.with_whom is not CheckInWith.WORKER and not record.employer_id:
        errors["employer_id"] = "choose the employer you met"
    _plan_date(errors, "next_check_in_on", record.next_check_in_on, now, "Next check-in date")


_CHECKERS: dict[type, Callable[[Any, datetime, Errors], None]] = {
    Employer: _check_employer,
    JobSeeker: _check_job_seeker,
    EmployerVisit: _check_visit,
    JobOpening: _check_opening,
    SupportCheckIn: _check_check_in,
}
