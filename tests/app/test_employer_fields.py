"""Employer directory fields: next step and due date, contacts, and a geocoded point that follows
its address (an edited address drops the stale point so it is looked up again)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.domain.codec import from_dict, to_dict
from app.domain.records import Employer
from app.domain.validation import validate
from app.state.employers import EmployerFormState
from tests.app.geo_fakes import FakeGeocoder

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


def test_employer_fields_round_trip_through_the_codec():
    employer = Employer(
        id="e1",
        name="Harbour Bakery",
        sector="food",
        address="1 Quay St",
        latitude=54.1,
        longitude=-2.9,
        geocoded_address="1 Quay St",
        contacts=["Ana (owner)", "Raj (shift lead)"],
        notes="busy before 10",
        next_step="bring Sam's CV",
        next_step_on=date(2026, 5, 11),
    )
    data = to_dict(employer)
    assert data["next_step_on"] == "2026-05-11" and data["geocoded_address"] == "1 Quay St"
    assert from_dict("employer", data) == employer


def test_a_next_step_more_than_two_years_ahead_is_refused():
    far = Employer(name="Cafe", next_step_on=date(2029, 1, 1))
    assert validate(far, now=NOW) == {"next_step_on": "Next step date is more than two years ahead"}


def test_contacts_are_bounded_in_number_and_length():
    assert "contacts" in validate(Employer(name="Cafe", contacts=["x"] * 21), now=NOW)
    assert "contacts" in validate(Employer(name="Cafe", contacts=["x" * 201]), now=NOW)
    assert validate(Employer(name="Cafe", contacts=["Ana"] * 20), now=NOW) == {}


def test_the_form_saves_a_next_step_with_a_shortcut_date(service):
    form = EmployerFormState(service)
    form.set_field("name", "Harbour Bakery")
    form.set_field("next_step", "call the manager")
    form.set_next_step_in(7)
    saved = service.load("employer", form.on_save().saved.data["id"])
    assert isinstance(saved, Employer)
    assert (saved.next_step, saved.next_step_on) == ("call the manager", date(2026, 5, 11))


def test_a_found_address_remembers_which_address_it_was_found_for(service):
    form = EmployerFormState(service, geocoder=FakeGeocoder({"1 Quay St": (54.1, -2.9)}))
    form.set_field("name", "Harbour Bakery")
    form.set_field("address", "1 Quay St")
    assert form.locate_address()
    saved = service.load("employer", form.on_save().saved.data["id"])
    assert isinstance(saved, Employer)
    assert (saved.latitude, saved.longitude, saved.geocoded_address) == (54.1, -2.9, "1 Quay St")


def test_editing_the_address_drops_the_point_found_for_the_old_one(service):
    stored = service.save(
        Employer(
            name="Bakery", address="1 Quay St", latitude=54.1, longitude=-2.9, geocoded_address="1 Quay St"
        )
    )
    base = service.load("employer", stored.data["id"])
    assert isinstance(base, Employer)
    form = EmployerFormState(service, base=base)
    form.set_field("address", "9 Market Sq")
    edited = service.load("employer", form.on_save().saved.data["id"])
    assert isinstance(edited, Employer)
    assert (edited.latitude, edited.longitude, edited.geocoded_address) == (None, None, "")


def test_a_point_set_by_hand_survives_an_address_edit(service):
    stored = service.save(Employer(name="Stall", address="market", latitude=54.1, longitude=-2.9))
    base = service.load("employer", stored.data["id"])
    assert isinstance(base, Employer)
    form = EmployerFormState(service, base=base)
    form.set_field("address", "market, north end")
    edited = service.load("employer", form.on_save().saved.data["id"])
    assert isinstance(edited, Employer) and (edited.latitude, edited.longitude) == (54.1, -2.9)
