"""Field validation: every problem with a record, each with a message a specialist can act on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from app.domain.code_format import CODE_MAX, CodeFormat
from app.domain.enums import CheckInWith, GeotagSource
from app.domain.errors import ValidationError
from app.domain.records import (
    Employer,
    EmployerDisclosure,
    EmployerVisit,
    Geotag,
    Job,
    JobOpening,
    JobSeeker,
    Record,
    SupportCheckIn,
)

MAX_HOURS_PER_WEEK = 80.0
EARLIEST = date(2000, 1, 1)
# Phones have wrong clocks and time zones: allow a day of skew before calling a time "future".
CLOCK_SKEW = timedelta(days=1)
# A planned next step or check-in may be far ahead, but not absurdly so.
PLANNING_HORIZON = timedelta(days=2 * 366)

Errors = dict[str, str]

# What one record may hold, per field (README "Limits on a record"). Without caps, one phone could
# store a record that breaks every page showing it: 70,000 job seekers on an opening, megabytes of
# text. A record over a cap is refused with the cap in the message, on the phone's form and on push.
MAX_TEXT = 2000  # free text (notes, outcome, concerns, ...): any text field not named below
ID_MAX = 64  # record ids are UUIDs (36)
NAME_MAX = 200


CODE_FORMAT = CodeFormat()  # the default; a team may choose another (app.domain.code_format)
TEXT_CAPS: dict[str, int] = {
    "id": ID_MAX,
    "employer_id": ID_MAX,
    "job_seeker_id": ID_MAX,
    "current_employer_id": ID_MAX,
    "opening_id": ID_MAX,
    "job_id": ID_MAX,
    "code": CODE_MAX,
    "name": NAME_MAX,
    "title": NAME_MAX,
    "sector": NAME_MAX,
    "met_person": NAME_MAX,
    "referral_source": NAME_MAX,
    "clinical_team": NAME_MAX,
    "address": 500,
    "geocoded_address": 500,
}


@dataclass(frozen=True)
class ListCap:
    items: int  # at most this many entries
    each: int  # of at most this many characters each
    label: str  # what the entries are, for the message


LIST_CAPS: dict[str, ListCap] = {
    "job_seeker_ids": ListCap(50, ID_MAX, "job seekers"),
    "contacts": ListCap(20, NAME_MAX, "contact people"),
    "preferred_job_types": ListCap(20, 100, "job types"),
    "topics": ListCap(20, 100, "topics"),
    "undisclosed_job_seeker_ids": ListCap(50, ID_MAX, "job seekers"),
    "practical_help": ListCap(20, 40, "kinds of practical help"),
    "skills": ListCap(30, 100, "skills"),
}
# PostgreSQL text cannot hold it, and no keyboard types it: refused before it reaches a database.
NUL = "\x00"
NUL_MESSAGE = "remove the NUL character (\\u0000): it cannot be stored"


def validate(record: Record, *, now: datetime, code_format: CodeFormat = CODE_FORMAT) -> Errors:
    """All field errors of `record` (empty when valid); a job seeker's code against the team's
    `code_format`."""
    errors: Errors = {}
    _check_sizes(record, errors)
    checker = _CHECKERS.get(type(record))
    if checker is not None:
        checker(record, now, errors)
    if isinstance(record, JobSeeker):
        _check_code(record.code, code_format, errors)
    _stamp_time(errors, "created_at", record.created_at, now, "Creation time")
    _stamp_time(errors, "updated_at", record.updated_at, now, "Last saved time")
    return errors


def ensure_valid(record: Record, *, now: datetime, code_format: CodeFormat = CODE_FORMAT) -> None:
    errors = validate(record, now=now, code_format=code_format)
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
    elif tag.fixed_at is not None and tag.fixed_at.date() < EARLIEST:
        errors[f"{prefix}.fixed_at"] = "the location fix is too far in the past"


_UNLISTED = ListCap(0, 0, "entries")  # a list field without a cap of its own may not have entries


def _check_sizes(record: Record, errors: Errors) -> None:
    # Runs for every record a push carries: exact types first (most values), isinstance only for
    # the rest (StrEnum members are strings too).
    for name, value in vars(record).items():
        kind = type(value)
        if kind is str or (kind is not list and isinstance(value, str)):
            cap = TEXT_CAPS.get(name, MAX_TEXT)
            if NUL in value:
                errors[name] = NUL_MESSAGE
            elif len(value) > cap:
                errors[name] = f"keep this under {cap} characters"
        elif value and isinstance(value, list):  # an empty list is within every cap
            _check_list(errors, name, value)


def _check_list(errors: Errors, name: str, values: list[Any]) -> None:
    cap = LIST_CAPS.get(name, _UNLISTED)
    if len(values) > cap.items:
        errors[name] = f"at most {cap.items} {cap.label}"
    elif any(NUL in value for value in values):
        errors[name] = NUL_MESSAGE
    elif any(len(value) > cap.each for value in values):
        errors[name] = f"keep each of the {cap.label} under {cap.each} characters"


def _stamp_time(errors: Errors, name: str, value: datetime | None, now: datetime, label: str) -> None:
    """When the phone created or last saved the record, by its clock: optional (the server stamps
    a record that has none), but a year-1 or year-9999 stamp would break or pin every page that
    sorts or shows it, so it gets the window every other date gets."""
    if value is None:
        return
    if value > now + CLOCK_SKEW:
        errors[name] = f"{label} cannot be in the future: check the phone's date and time"
    elif value.date() < EARLIEST:
        errors[name] = f"{label} is before {EARLIEST.year}: check the phone's date and time"


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
    _plan_date(errors, "next_step_on", record.next_step_on, now, "Next step date")


def _check_job_seeker(record: JobSeeker, now: datetime, errors: Errors) -> None:
    _required(errors, "code", record.code, "Code or first name")
    if record.referral_date is None:
        errors["referral_date"] = "Referral date is required"
    _past_date(errors, "referral_date", record.referral_date, now, "Referral date")
    _past_date(errors, "benefits_counselling_on", record.benefits_counselling_on, now, "Date")
    _plan_date(errors, "job_started_on", record.job_started_on, now, "Job start date")
    _check_journey(record, now, errors)
    _check_preferences(record, errors)


# Issue 15: the meetings before work and the better-off calculation happened (past dates); the job
# search may be chosen to start later (a planning date). None of them comes before the referral:
# the specialist meets the job seeker once referred, and the search's 30-day clock starting before
# the referral would make the first-contact figure look late for nothing.
JOURNEY_MEETINGS = {
    "engagement_on": "Engagement meeting date",
    "career_profile_on": "Career profile meeting date",
    "job_search_plan_on": "Job search plan meeting date",
    "better_off_calculation_on": "Better-off calculation date",
}


def _check_journey(record: JobSeeker, now: datetime, errors: Errors) -> None:
    for name, label in JOURNEY_MEETINGS.items():
        _past_date(errors, name, getattr(record, name), now, label)
    _plan_date(errors, "job_search_started_on", record.job_search_started_on, now, "Job search start")
    referral = record.referral_date
    for name, label in (*JOURNEY_MEETINGS.items(), ("job_search_started_on", "Job search start")):
        value = getattr(record, name)
        if referral is not None and value is not None and value < referral and name not in errors:
            errors[name] = f"{label} cannot be before the referral date"


# Issue 15: what a job seeker would take, for matching openings (app.domain.matching).
MAX_PAY_PER_HOUR = 1000.0
MAX_TRAVEL_KM = 500.0


def _check_preferences(record: JobSeeker, errors: Errors) -> None:
    low, high = record.min_hours_per_week, record.max_hours_per_week
    for name, hours in (("min_hours_per_week", low), ("max_hours_per_week", high)):
        if hours is not None and not 0 <= hours <= MAX_HOURS_PER_WEEK:  # NaN is refused too
            errors[name] = f"hours a week must be between 0 and {MAX_HOURS_PER_WEEK:g}"
    if (
        low is not None
        and high is not None
        and low > high
        and not errors.keys() & {"min_hours_per_week", "max_hours_per_week"}
    ):
        errors["max_hours_per_week"] = "the most hours cannot be fewer than the fewest"
    pay = record.min_pay_per_hour
    if pay is not None and not 0 <= pay <= MAX_PAY_PER_HOUR:
        errors["min_pay_per_hour"] = f"pay an hour must be between 0 and {MAX_PAY_PER_HOUR:,.0f}"
    km = record.max_travel_km
    if km is not None and not 0 <= km <= MAX_TRAVEL_KM:
        errors["max_travel_km"] = f"the farthest to travel must be between 0 and {MAX_TRAVEL_KM:g} km"


def _check_code(code: str, code_format: CodeFormat, errors: Errors) -> None:
    # Checked on every write (phone save and server push), never on read: records saved before
    # the format existed (or before the team changed it) still load and show, and are asked to
    # change only when edited.
    problem = code_format.problem(code) if code.strip() and NUL not in code else None
    if problem is not None:
        errors["code"] = problem  # says more than the length cap's message would


def _check_visit(record: EmployerVisit, now: datetime, errors: Errors) -> None:
    _required(errors, "employer_id", record.employer_id, "Employer")
    _past_time(errors, "occurred_at", record.occurred_at, now, "Visit time")
    _plan_date(errors, "next_step_on", record.next_step_on, now, "Next step date")
    _past_date(errors, "next_step_done_on", record.next_step_done_on, now, "Date the next step was done")
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


# A check-in's job that is not a live job of its worker (checked where the jobs are known: the
# check-in form on the phone, server.services.apply on push). The same words whoever's it is.
NOT_THIS_WORKERS_JOB = "choose one of this worker's jobs"


def _check_check_in(record: SupportCheckIn, now: datetime, errors: Errors) -> None:
    _required(errors, "job_seeker_id", record.job_seeker_id, "Worker")
    _past_time(errors, "occurred_at", record.occurred_at, now, "Check-in time")
    if record.with_whom is not CheckInWith.WORKER and not record.employer_id:
        errors["employer_id"] = "choose the employer you met"
    _plan_date(errors, "next_check_in_on", record.next_check_in_on, now, "Next check-in date")


def _check_job(record: Job, now: datetime, errors: Errors) -> None:
    _required(errors, "job_seeker_id", record.job_seeker_id, "Worker")
    _required(errors, "employer_id", record.employer_id, "Employer")
    if record.started_on is None:
        errors["started_on"] = "Start date is required"
    _plan_date(errors, "started_on", record.started_on, now, "Start date")
    _past_date(errors, "ended_on", record.ended_on, now, "End date")
    if record.ended_on is not None and record.started_on is not None and record.ended_on < record.started_on:
        errors["ended_on"] = "the job cannot end before it started"
    if record.ended_on is not None and record.end_reason is None:
        errors["end_reason"] = "choose why the job ended"
    elif record.ended_on is None and record.end_reason is not None:
        errors["ended_on"] = "give the date the job ended, or clear the reason"
    if record.wage is not None and record.wage < 0:
        errors["wage"] = "pay cannot be negative"
    hours = record.hours_per_week
    if hours is not None and not 0 <= hours <= MAX_HOURS_PER_WEEK:
        errors["hours_per_week"] = f"hours per week must be between 0 and {MAX_HOURS_PER_WEEK:g}"


def _check_employer_disclosure(record: EmployerDisclosure, now: datetime, errors: Errors) -> None:
    _required(errors, "job_seeker_id", record.job_seeker_id, "Job seeker")
    _required(errors, "employer_id", record.employer_id, "Employer")
    if record.decided_on is None:
        errors["decided_on"] = "Date of the decision is required"
    _past_date(errors, "decided_on", record.decided_on, now, "Date of the decision")
    _past_date(errors, "revoked_on", record.revoked_on, now, "Date revoked")
    if (
        record.revoked_on is not None
        and record.decided_on is not None
        and record.revoked_on < record.decided_on
    ):
        errors["revoked_on"] = "a decision cannot be revoked before it was made"


_CHECKERS: dict[type, Callable[[Any, datetime, Errors], None]] = {
    Employer: _check_employer,
    JobSeeker: _check_job_seeker,
    EmployerVisit: _check_visit,
    JobOpening: _check_opening,
    SupportCheckIn: _check_check_in,
    Job: _check_job,
    EmployerDisclosure: _check_employer_disclosure,
}
