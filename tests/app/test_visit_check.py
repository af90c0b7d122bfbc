"""Visit-location check: geodesic distances from known coordinates, the 500 m threshold, rough fixes,
and a fast path that always gives the same flag as the geodesic."""

from __future__ import annotations

import asyncio
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.enums import GeotagSource
from app.domain.geometry import format_distance, geodesic_m
from app.domain.records import Geotag
from app.domain.visit_check import CheckRules, LocationFlag, check_visit_location
from app.geo import FixedLocation
from app.state.detail import RecordDetailState
from app.state.visit_form import VisitFormState


def gps(lat: float, lon: float, accuracy: float | None = 10.0) -> Geotag:
    return Geotag(latitude=lat, longitude=lon, accuracy_m=accuracy, source=GeotagSource.GPS)


def test_geodesic_distances_match_known_wgs84_values():
    # One degree of longitude on the equator, and the first degree of a meridian, on WGS-84.
    assert geodesic_m((0.0, 0.0), (0.0, 1.0)) == pytest.approx(111_319.49, abs=0.01)
    assert geodesic_m((0.0, 0.0), (1.0, 0.0)) == pytest.approx(110_574.39, abs=0.01)


def test_a_visit_within_the_threshold_is_not_flagged():
    check = check_visit_location(gps(0.0, 0.0044), (0.0, 0.0))  # 489.8 m along the equator
    assert check.checked and not check.flagged
    assert check.distance_m == pytest.approx(489.81, abs=0.01)
    assert check.summary == "490 m from the employer"


def test_a_visit_beyond_the_threshold_is_flagged_far():
    check = check_visit_location(gps(0.0, 0.0045), (0.0, 0.0))  # 500.9 m
    assert check.flags == (LocationFlag.FAR,)
    assert check.summary == "501 m from the employer (more than 500 m)"


def test_the_threshold_is_configurable():
    fix, employer = gps(54.3292, -2.7447), (54.3292, -2.7547)  # ~650 m apart at Kendal's latitude
    assert check_visit_location(fix, employer).flags == (LocationFlag.FAR,)
    assert not check_visit_location(fix, employer, rules=CheckRules(max_distance_m=1000)).flagged


def test_a_rough_fix_is_flagged_even_at_the_door():
    check = check_visit_location(gps(54.3292, -2.7447, accuracy=250.0), (54.3292, -2.7447))
    assert check.flags == (LocationFlag.POOR_ACCURACY,)
    assert "within 250 m" in check.summary


def test_far_and_rough_are_both_reported():
    check = check_visit_location(gps(0.0, 0.01, accuracy=150.0), (0.0, 0.0))
    assert check.flags == (LocationFlag.FAR, LocationFlag.POOR_ACCURACY)
    assert check.summary.startswith("1.1 km from the employer")


def test_the_employers_own_address_as_a_geotag_is_never_checked():
    copied = Geotag(latitude=0.0, longitude=1.0, source=GeotagSource.EMPLOYER_ADDRESS)
    check = check_visit_location(copied, (0.0, 0.0))
    assert not check.checked and not check.flagged
    assert check.summary == "The employer's address was used"


def test_no_location_or_an_employer_without_a_point_is_not_checked():
    assert not check_visit_location(None, (0.0, 0.0)).checked
    assert not check_visit_location(Geotag(), (0.0, 0.0)).checked
    pending = check_visit_location(gps(0.0, 0.0), None)
    assert not pending.checked and pending.summary == "The employer has no map location yet"


def test_a_manual_point_is_checked_for_distance_but_has_no_accuracy_to_judge():
    manual = Geotag(latitude=0.0, longitude=0.01, accuracy_m=900.0, source=GeotagSource.MANUAL)
    assert check_visit_location(manual, (0.0, 0.0)).flags == (LocationFlag.FAR,)


def test_distances_read_as_metres_then_kilometres():
    assert (format_distance(12.4), format_distance(999.4), format_distance(12_345)) == (
        "12 m",
        "999 m",
        "12.3 km",
    )


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(min_value=-80, max_value=80),
    lon=st.floats(min_value=-179, max_value=179),
    bearing=st.floats(min_value=0, max_value=2 * math.pi),
    metres=st.floats(min_value=440, max_value=560),
)
def test_the_fast_path_gives_the_geodesic_flag_everywhere(lat, lon, bearing, metres):
    # A fix about `metres` from the employer in any direction, anywhere but the poles.
    dlat = metres * math.cos(bearing) / 111_000
    dlon = metres * math.sin(bearing) / (111_000 * math.cos(math.radians(lat)))
    fix = gps(lat + dlat, lon + dlon)
    exact = check_visit_location(fix, (lat, lon))
    fast = check_visit_location(fix, (lat, lon), exact=False)
    assert fast.flags == exact.flags
    assert fast.distance_m == pytest.approx(exact.distance_m, rel=0.006)


# -- shown to the specialist: the visit form before saving, the record after -------------------------


def _fixed(tag: Geotag) -> FixedLocation:
    return FixedLocation(tag)


def test_the_visit_form_says_how_far_the_fix_is_from_the_chosen_employer(service, add_employer):
    bakery = add_employer("Harbour Bakery", latitude=0.0, longitude=0.0)
    form = VisitFormState(service, employer_id=bakery.id)
    asyncio.run(form.capture_location(_fixed(gps(0.0, 0.0045))))
    assert form.location_check.flags == (LocationFlag.FAR,)
    assert form.distance_text is not None and form.distance_text.startswith("501 m from Harbour Bakery.")
    assert "more than 500 m" in form.distance_text

    near = VisitFormState(service, employer_id=bakery.id, rules=CheckRules(max_distance_m=600))
    asyncio.run(near.capture_location(_fixed(gps(0.0, 0.0045))))
    assert not near.location_check.flagged and near.distance_text == "501 m from Harbour Bakery."


def test_a_saved_visit_shows_its_location_check_on_the_record(service, add_employer):
    bakery = add_employer("Harbour Bakery", latitude=0.0, longitude=0.0)
    form = VisitFormState(service, employer_id=bakery.id)
    asyncio.run(form.capture_location(_fixed(gps(0.0, 0.01, accuracy=300.0))))
    saved = form.on_save().saved
    assert saved is not None

    detail = RecordDetailState(service, "employer_visit", saved.data["id"])
    assert detail.location_check is not None
    assert detail.location_check.flags == (LocationFlag.FAR, LocationFlag.POOR_ACCURACY)
    assert detail.location_check.summary.startswith("1.1 km from the employer")
    assert RecordDetailState(service, "employer", bakery.id).location_check is None
