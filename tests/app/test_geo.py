"""Geotags: fixes are bounded by a timeout, fall back to the employer's address, and warn when rough."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from app.domain.clock import FakeClock
from app.domain.enums import GeotagSource
from app.domain.records import Employer, Geotag
from app.geo import (
    GeolocatorLocation,
    NoLocation,
    accuracy_warning,
    distance_m,
    fallback_geotag,
    geocode_address,
    geotag_from_position,
)

CLOCK = FakeClock(datetime(2026, 5, 4, 9, 30, tzinfo=UTC))


@dataclass
class Position:
    latitude: float | None = 54.3292
    longitude: float | None = -2.7447
    accuracy: float | None = 8.0
    timestamp: datetime | None = None


class FakeGeolocator:
    """Stands in for flet_geolocator.Geolocator: async methods, optionally never answering."""

    def __init__(self, status: str = "whileInUse", *, hang: bool = False, fail: bool = False) -> None:
        from flet_geolocator import GeolocatorPermissionStatus

        self.status = GeolocatorPermissionStatus(status)
        self.hang = hang
        self.fail = fail
        self.requested = 0

    async def get_permission_status(self):
        return self.status

    async def request_permission(self):
        from flet_geolocator import GeolocatorPermissionStatus

        self.requested += 1
        self.status = GeolocatorPermissionStatus.WHILE_IN_USE
        return self.status

    async def get_current_position(self):
        if self.fail:
            raise RuntimeError("location service disabled")
        if self.hang:
            await asyncio.Event().wait()  # never set: the client never answers
        return Position()


def fix(geolocator: FakeGeolocator, timeout_s: float = 5.0) -> Geotag | None:
    return asyncio.run(GeolocatorLocation(geolocator, clock=CLOCK).current_fix(timeout_s))


def test_a_granted_fix_becomes_a_gps_geotag_with_accuracy():
    tag = fix(FakeGeolocator())
    assert tag is not None
    assert (tag.latitude, tag.longitude, tag.accuracy_m) == (54.3292, -2.7447, 8.0)
    assert tag.source is GeotagSource.GPS
    assert tag.fixed_at == CLOCK.now()


def test_permission_is_requested_only_when_denied():
    granted = FakeGeolocator("whileInUse")
    fix(granted)
    assert granted.requested == 0
    denied = FakeGeolocator("denied")
    assert fix(denied) is not None
    assert denied.requested == 1


def test_denied_forever_gives_no_fix_without_asking():
    geolocator = FakeGeolocator("deniedForever")
    assert fix(geolocator) is None
    assert geolocator.requested == 0


def test_a_location_service_that_never_answers_times_out_to_no_fix():
    assert fix(FakeGeolocator(hang=True), timeout_s=0.05) is None


def test_a_failing_location_service_gives_no_fix():
    assert fix(FakeGeolocator(fail=True)) is None


def test_web_and_desktop_have_no_location():
    assert asyncio.run(NoLocation().current_fix(1.0)) is None


def test_position_without_coordinates_is_no_fix():
    assert geotag_from_position(Position(latitude=None), clock=CLOCK) is None


def test_fallback_uses_the_employers_stored_location():
    tag = fallback_geotag(Employer(name="Café", latitude=54.33, longitude=-2.74))
    assert (tag.latitude, tag.longitude, tag.source) == (54.33, -2.74, GeotagSource.EMPLOYER_ADDRESS)


def test_fallback_without_an_employer_location_is_none():
    assert fallback_geotag(Employer(name="Café")).source is GeotagSource.NONE
    assert fallback_geotag(None).source is GeotagSource.NONE


def test_accuracy_worse_than_100_m_warns():
    assert (
        accuracy_warning(Geotag(latitude=1, longitude=1, accuracy_m=100.0, source=GeotagSource.GPS)) is None
    )
    warning = accuracy_warning(Geotag(latitude=1, longitude=1, accuracy_m=250.0, source=GeotagSource.GPS))
    assert warning is not None and "250 m" in warning


class FakeGeocoder:
    def __init__(self, answer: object = None, error: Exception | None = None) -> None:
        self.answer, self.error = answer, error

    def geocode(self, query: str, *args: object, **kwargs: object) -> object:
        if self.error is not None:
            raise self.error
        return self.answer


def test_geocoding_returns_latitude_and_longitude():
    @dataclass
    class Location:
        latitude: float
        longitude: float

    assert geocode_address("12 Stramongate, Kendal", FakeGeocoder(Location(54.33, -2.74))) == (54.33, -2.74)


def test_geocoding_offline_or_unknown_gives_none():
    from geopy.exc import GeocoderUnavailable

    assert geocode_address("12 Stramongate", FakeGeocoder(error=GeocoderUnavailable("offline"))) is None
    assert geocode_address("nowhere at all", FakeGeocoder(None)) is None
    assert geocode_address("   ", FakeGeocoder(error=AssertionError("must not be called"))) is None


def test_distance_between_two_kendal_employers_is_just_under_a_kilometre():
    assert 850 < distance_m((54.3292, -2.7447), (54.3370, -2.7480)) < 950
