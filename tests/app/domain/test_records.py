from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.domain.clock import FakeClock
from app.domain.codec import from_dict, to_dict
from app.domain.enums import ContactMode, Disclosure, GeotagSource, WageUnit
from app.domain.errors import ValidationError
from app.domain.records import (
    RECORD_KINDS,
    Employer,
    EmployerVisit,
    Geotag,
    JobOpening,
    JobSeeker,
    SupportCheckIn,
    kind_of,
    stamp,
)

T0 = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def ids():
    counter = iter(range(1, 1000))
    return lambda: f"00000000-0000-4000-8000-{next(counter):012d}"


def test_stamp_gives_a_new_record_an_id_times_and_version_one():
    clock = FakeClock(T0)
    saved = stamp(Employer(name="Bakery"), clock=clock, new_id=ids())
    assert saved.id.endswith("000000000001")
    assert saved.created_at == T0 and saved.updated_at == T0
    assert saved.version == 1


def test_stamp_keeps_id_and_created_time_and_bumps_version_on_edit():
    clock = FakeClock(T0)
    first = stamp(Employer(name="Bakery"), clock=clock, new_id=ids())
    clock.advance(hours=2)
    second = stamp(first, clock=clock, new_id=ids())
    assert second.id == first.id
    assert second.created_at == T0
    assert second.updated_at == clock.at
    assert second.version == 2


@pytest.mark.parametrize(
    "record",
    [
        Employer(id="e1", name="Bakery", contacts=["Ana (owner)"], latitude=-36.8, longitude=174.7),
        JobSeeker(id="j1", code="KT-07", referral_date=date(2026, 10, 1), disclosure=Disclosure.CONSENTED),
        EmployerVisit(
            id="v1",
            employer_id="e1",
            occurred_at=T0,
            job_seeker_ids=["j1"],
            geotag=Geotag(latitude=1.5, longitude=2.5, accuracy_m=12.0, fixed_at=T0, source=GeotagSource.GPS),
        ),
        JobOpening(id="o1", employer_id="e1", title="Baker", wage=23.5, wage_unit=WageUnit.HOUR),
        SupportCheckIn(id="c1", job_seeker_id="j1", occurred_at=T0, topics=["hours", "travel"]),
    ],
)
def test_every_record_round_trips_through_its_wire_dict(record):
    data = to_dict(record)
    assert from_dict(kind_of(record), data) == record


def test_wire_dict_uses_plain_json_values():
    visit = EmployerVisit(id="v1", employer_id="e1", occurred_at=T0, contact_mode=ContactMode.PHONE)
    data = to_dict(visit)
    assert data["occurred_at"] == "2026-11-23T09:30:00+00:00"
    assert data["contact_mode"] == "phone"
    assert data["geotag"]["source"] == "none"


def test_from_dict_reports_every_unreadable_field_by_name():
    with pytest.raises(ValidationError) as caught:
        from_dict(
            "job_opening",
            {"wage": "lots", "status": "maybe", "noted_on": "23/11/2026", "job_seeker_ids": "j1"},
        )
    errors = caught.value.errors
    assert errors["wage"] == "expected a number"
    assert errors["status"].startswith("must be one of: identified, interested")
    assert errors["noted_on"] == "expected a date like 2026-05-04"
    assert errors["job_seeker_ids"] == "expected a list"


def test_from_dict_refuses_a_time_without_a_time_zone():
    with pytest.raises(ValidationError) as caught:
        from_dict("employer_visit", {"occurred_at": "2026-11-23T09:30:00"})
    assert caught.value.errors == {"occurred_at": "the time must include its time zone"}


def test_from_dict_reports_nested_geotag_fields_with_a_dotted_name():
    with pytest.raises(ValidationError) as caught:
        from_dict("employer_visit", {"geotag": {"source": "satellite"}})
    assert "geotag.source" in caught.value.errors


def test_from_dict_refuses_an_unknown_kind():
    with pytest.raises(ValidationError) as caught:
        from_dict("diagnosis", {})
    assert caught.value.errors == {"kind": "unknown record type 'diagnosis'"}


def test_from_dict_ignores_fields_it_does_not_know():
    # Newer app versions may send more fields; older readers keep what they understand.
    assert from_dict("employer", {"id": "e1", "name": "Cafe", "colour": "red"}) == Employer(
        id="e1", name="Cafe"
    )


def test_job_seeker_has_no_field_that_could_screen_people_out():
    names = {field for field in JobSeeker.__dataclass_fields__}
    assert not names & {"diagnosis", "readiness", "work_ready", "medication"}


def test_every_kind_is_registered():
    assert set(RECORD_KINDS) == {
        "employer",
        "job_seeker",
        "employer_visit",
        "job_opening",
        "support_check_in",
        "job",
        "employer_disclosure",
    }
