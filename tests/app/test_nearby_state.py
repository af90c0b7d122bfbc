"""Nearby employers: sorted by distance from a fix or a chosen place, with last visit and next step,
from the local store only (no network needed except for a typed place)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from app.domain.enums import GeotagSource
from app.domain.records import EmployerVisit, Geotag
from app.geo import FixedLocation, NoLocation
from app.state.nearby import NearbyState
from tests.app.geo_fakes import FakeGeocoder

KENDAL = (54.3280, -2.7460)


def _world(service, add_employer):
    # Along a line east of Kendal: 0.01 degrees of longitude is about 650 m here.
    far = add_employer("Far Farm Shop", latitude=54.3280, longitude=-2.7060, next_step="ask about Saturdays")
    near = add_employer("Near Café", latitude=54.3280, longitude=-2.7450)
    middle = add_employer("Middle Garage", latitude=54.3280, longitude=-2.7260, next_step_on=date(2026, 5, 1))
    unplaced = add_employer("Market Stall", address="Market Place")
    return far, near, middle, unplaced


def test_employers_are_sorted_by_distance_from_my_position_then_unplaced_ones(service, add_employer):
    _world(service, add_employer)
    state = NearbyState(service)
    fix = Geotag(latitude=KENDAL[0], longitude=KENDAL[1], accuracy_m=10, source=GeotagSource.GPS)
    asyncio.run(state.use_my_location(FixedLocation(fix), 1.0))

    assert state.origin_label == "Distances from your location"
    assert [row.name for row in state.rows] == ["Near Café", "Middle Garage", "Far Farm Shop", "Market Stall"]
    assert [row.distance_text for row in state.rows] == ["65 m", "1.3 km", "2.6 km", "no map location yet"]


def test_without_a_fix_the_list_still_shows_and_says_what_to_do(service, add_employer):
    _world(service, add_employer)
    state = NearbyState(service)
    asyncio.run(state.use_my_location(NoLocation(), 1.0))
    assert state.origin is None and "Choose an employer" in (state.message or "")
    assert len(state.rows) == 4 and all(row.distance_m is None for row in state.rows)


def test_a_chosen_employer_is_the_centre(service, add_employer):
    far, *_ = _world(service, add_employer)
    state = NearbyState(service)
    state.near_employer(far.id)
    assert state.origin_label == "Distances from Far Farm Shop"
    assert [row.name for row in state.rows][:3] == ["Far Farm Shop", "Middle Garage", "Near Café"]
    assert state.rows[0].distance_text == "0 m"


def test_an_employer_with_no_location_cannot_be_the_centre(service, add_employer):
    *_, unplaced = _world(service, add_employer)
    state = NearbyState(service)
    state.near_employer(unplaced.id)
    assert state.origin is None and state.message == "Market Stall has no map location yet."


def test_a_typed_place_uses_the_geocoder_and_explains_when_offline(service, add_employer):
    _world(service, add_employer)
    geocoder = FakeGeocoder({"Kendal station": (54.3320, -2.7390)})
    state = NearbyState(service, geocoder=geocoder)
    assert state.near_address("Kendal station")
    assert state.origin_label == "Distances from Kendal station" and state.rows[0].name == "Near Café"

    geocoder.online = False
    assert not state.near_address("Oxenholme")
    assert "offline" in (state.message or "") and state.origin_label == "Distances from Kendal station"
    assert not NearbyState(service).near_address("Oxenholme")  # no geocoder at all: no crash


def test_rows_show_the_last_visit_and_the_next_step_with_its_due_date(service, add_employer, clock):
    _, near, _, _ = _world(service, add_employer)
    today = clock.now().date()
    service.save(EmployerVisit(employer_id=near.id, occurred_at=clock.now() - timedelta(days=3)))
    service.save(
        EmployerVisit(
            employer_id=near.id,
            occurred_at=clock.now() - timedelta(days=1),
            next_step="bring CVs",
            next_step_on=today + timedelta(days=2),
        )
    )
    state = NearbyState(service)
    rows = {row.name: row for row in state.rows}

    assert rows["Near Café"].detail(today) == "last visit 3 May · next: bring CVs, due Wed 6 May"
    assert rows["Middle Garage"].overdue
    assert rows["Middle Garage"].detail(today) == "not visited yet · next step, overdue since Fri 1 May"
    assert rows["Far Farm Shop"].detail(today) == "not visited yet · next: ask about Saturdays"
