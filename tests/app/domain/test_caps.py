"""Caps on what one record may hold, NUL characters, and the window for creation and save times.

The same `validate` runs on the phone's form and on the server's push, so these pin both."""

from __future__ import annotations

import dataclasses
import typing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.domain.enums import GeotagSource
from app.domain.records import (
    RECORD_KINDS,
    Employer,
    EmployerVisit,
    Geotag,
    JobOpening,
    JobSeeker,
    SupportCheckIn,
)
from app.domain.validation import (
    CODE_MAX,
    ID_MAX,
    LIST_CAPS,
    MAX_TEXT,
    NAME_MAX,
    NUL_MESSAGE,
    TEXT_CAPS,
    validate,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SEEKER_CAP = LIST_CAPS["job_seeker_ids"].items
PAST = "is before 2000: check the phone's date and time"
FUTURE = "cannot be in the future: check the phone's date and time"


def ids(count: int) -> list[str]:
    return [f"{n:08d}-0000-4000-8000-000000000000" for n in range(count)]


def opening(**changes: typing.Any) -> JobOpening:
    return JobOpening(**({"employer_id": "e1", "title": "Porter"} | changes))


def visit(**changes: typing.Any) -> EmployerVisit:
    return EmployerVisit(**({"employer_id": "e1", "occurred_at": NOW} | changes))


def test_a_list_at_its_cap_is_valid_and_one_more_is_refused_with_the_cap():
    assert validate(opening(job_seeker_ids=ids(SEEKER_CAP)), now=NOW) == {}
    errors = validate(opening(job_seeker_ids=ids(SEEKER_CAP + 1)), now=NOW)
    assert errors == {"job_seeker_ids": f"at most {SEEKER_CAP} job seekers"}
    assert validate(visit(job_seeker_ids=ids(SEEKER_CAP + 1)), now=NOW) == errors


@pytest.mark.parametrize(
    ("record", "field"),
    [
        (Employer(name="Cafe"), "contacts"),
        (JobSeeker(code="KT", referral_date=NOW.date()), "preferred_job_types"),
        (SupportCheckIn(job_seeker_id="j1", occurred_at=NOW), "topics"),
    ],
)
def test_every_list_has_a_cap_on_entries_and_on_each_entry(record, field):
    cap = LIST_CAPS[field]
    full = dataclasses.replace(record, **{field: ["x" * cap.each] * cap.items})
    assert validate(full, now=NOW) == {}
    too_many = dataclasses.replace(record, **{field: ["x"] * (cap.items + 1)})
    assert validate(too_many, now=NOW) == {field: f"at most {cap.items} {cap.label}"}
    too_long = dataclasses.replace(record, **{field: ["x" * (cap.each + 1)]})
    assert validate(too_long, now=NOW) == {field: f"keep each of the {cap.label} under {cap.each} characters"}


@pytest.mark.parametrize(
    ("field", "cap"),
    [("employer_id", ID_MAX), ("title", NAME_MAX), ("outcome", MAX_TEXT), ("met_person", NAME_MAX)],
)
def test_text_at_its_cap_is_valid_and_one_more_character_is_refused_with_the_cap(field, cap):
    record = visit(**{field: "x" * cap}) if field != "title" else opening(title="x" * cap)
    assert validate(record, now=NOW) == {}
    over = dataclasses.replace(record, **{field: "x" * (cap + 1)})
    assert validate(over, now=NOW) == {field: f"keep this under {cap} characters"}


def test_every_text_and_list_field_of_every_record_has_a_stated_cap():
    """A new list field must be given a cap (unlisted lists refuse any entry); text fields fall
    back to MAX_TEXT, and the named ones exist."""
    text_fields: set[str] = set()
    for cls in RECORD_KINDS.values():
        for name, hint in typing.get_type_hints(cls).items():
            if typing.get_origin(hint) is list:
                assert name in LIST_CAPS, f"{cls.__name__}.{name} has no cap"
            if hint in (str, str | None):
                text_fields.add(name)
    assert set(TEXT_CAPS) <= text_fields
    assert TEXT_CAPS["code"] == CODE_MAX


@pytest.mark.parametrize(
    "record",
    [
        Employer(name="Ca\x00fe"),
        Employer(name="Cafe", notes="night\x00shifts"),
        Employer(name="Cafe", contacts=["Zubair\x00"]),
        opening(job_seeker_ids=["\x00"]),
        SupportCheckIn(job_seeker_id="j1", occurred_at=NOW, concerns="\x00"),
    ],
)
def test_a_nul_character_anywhere_is_refused_on_its_field(record):
    errors = validate(record, now=NOW)
    assert list(errors.values()) == [NUL_MESSAGE], errors


@pytest.mark.parametrize("field", ["created_at", "updated_at"])
@pytest.mark.parametrize(
    ("when", "message"),
    [
        (datetime(1, 1, 1, tzinfo=UTC), PAST),
        (datetime(1999, 12, 31, tzinfo=UTC), PAST),
        (datetime(9999, 12, 31, 23, 59, tzinfo=UTC), FUTURE),
        (NOW + timedelta(days=2), FUTURE),
    ],
)
def test_creation_and_save_times_must_be_plausible(field, when, message):
    errors = validate(dataclasses.replace(visit(), **{field: when}), now=NOW)
    assert set(errors) == {field} and errors[field].endswith(message)


def test_creation_and_save_times_within_the_window_or_missing_are_valid():
    assert validate(visit(created_at=None, updated_at=None), now=NOW) == {}
    stamped = visit(created_at=datetime(2000, 1, 1, tzinfo=UTC), updated_at=NOW + timedelta(hours=20))
    assert validate(stamped, now=NOW) == {}


def test_a_location_fix_from_year_one_is_refused():
    year_one = datetime(1, 1, 1, tzinfo=UTC)
    tag = Geotag(latitude=1.0, longitude=1.0, accuracy_m=5.0, fixed_at=year_one, source=GeotagSource.GPS)
    errors = validate(visit(geotag=tag), now=NOW)
    assert errors == {"geotag.fixed_at": "the location fix is too far in the past"}


def test_the_readme_states_every_cap():
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("**Limits on a record.**") :].split("\n- **", 1)[0]
    for field in [*LIST_CAPS, *TEXT_CAPS]:
        assert f"`{field}`" in section, field
    for limit in LIST_CAPS.values():
        assert f"{limit.items} " in section and f"{limit.each} characters" in section
    for size in {*TEXT_CAPS.values(), MAX_TEXT}:
        assert f"{size:,} characters" in section, size
