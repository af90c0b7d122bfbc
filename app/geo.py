"""Geotags for visits: a fix from the phone when there is one, the employer's address when not.

A visit is never held up by location: every call to the location service is bounded by a timeout
of a few seconds, and "no fix" is a normal answer (web, desktop, permission denied, no signal).
Geocoding goes through a geopy geocoder that the caller passes in; offline it returns None.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from app.domain.clock import Clock
from app.domain.enums import GeotagSource
from app.domain.geometry import Point
from app.domain.geometry import distance_m as distance_m  # the phone's screens take it from here
from app.domain.records import Employer, Geotag
from app.domain.visit_check import ACCURACY_WARNING_M

DEFAULT_FIX_TIMEOUT_S = 8.0


class LocationProvider(Protocol):
    async def current_fix(self, timeout_s: float) -> Geotag | None:
        """A GPS geotag, or None when no fix arrived within `timeout_s` seconds."""
        ...


class NoLocation:
    """Web and desktop: there is no location service, so there is never a fix."""

    async def current_fix(self, timeout_s: float) -> Geotag | None:
        return None


class FixedLocation:
    """A provider that always answers with the same fix (demos and tests)."""

    def __init__(self, tag: Geotag | None) -> None:
        self.tag = tag

    async def current_fix(self, timeout_s: float) -> Geotag | None:
        return self.tag


class GeolocatorLocation:
    """The phone's location through flet-geolocator.

    The geolocator's methods have no timeout of their own and may never answer, so each call is
    bounded by what is left of `timeout_s`. Permission is requested only when the status is
    DENIED (requesting when already granted has hung the client).
    """

    def __init__(self, geolocator: Any, *, clock: Clock) -> None:
        self._geolocator = geolocator
        self._clock = clock

    async def current_fix(self, timeout_s: float) -> Geotag | None:
        try:
            return await asyncio.wait_for(self._fix(), timeout=timeout_s)
        except TimeoutError:
            return None
        except Exception:  # any failure of the platform service means "no fix"
            return None

    async def _fix(self) -> Geotag | None:
        from flet_geolocator import GeolocatorPermissionStatus as Status

        status = await self._geolocator.get_permission_status()
        if status is Status.DENIED:
            status = await self._geolocator.request_permission()
        if status not in (Status.WHILE_IN_USE, Status.ALWAYS):
            return None
        position = await self._geolocator.get_current_position()
        return geotag_from_position(position, clock=self._clock)


def geotag_from_position(position: Any, *, clock: Clock) -> Geotag | None:
    """A GPS geotag from a geolocator position (anything with latitude, longitude, accuracy)."""
    latitude = getattr(position, "latitude", None)
    longitude = getattr(position, "longitude", None)
    if latitude is None or longitude is None:
        return None
    accuracy = getattr(position, "accuracy", None)
    fixed_at = getattr(position, "timestamp", None)
    if not isinstance(fixed_at, datetime) or fixed_at.tzinfo is None:
        fixed_at = clock.now()
    return Geotag(
        latitude=float(latitude),
        longitude=float(longitude),
        accuracy_m=float(accuracy) if accuracy is not None else None,
        fixed_at=fixed_at,
        source=GeotagSource.GPS,
    )


async def gps_point(provider: LocationProvider, timeout_s: float = DEFAULT_FIX_TIMEOUT_S) -> Point | None:
    """Where the phone is, from a real GPS fix; None without one (no fix, or only a fallback), so
    a distance is never measured from a guess."""
    fix = await provider.current_fix(timeout_s)
    if fix is None or fix.source is not GeotagSource.GPS or fix.latitude is None or fix.longitude is None:
        return None
    return (fix.latitude, fix.longitude)


def fallback_geotag(employer: Employer | None) -> Geotag:
    """Where the visit happened when the phone gave no fix: the employer's stored location, or none."""
    if employer is not None and employer.latitude is not None and employer.longitude is not None:
        return Geotag(
            latitude=employer.latitude,
            longitude=employer.longitude,
            source=GeotagSource.EMPLOYER_ADDRESS,
        )
    return Geotag(source=GeotagSource.NONE)


def accuracy_warning(tag: Geotag | None) -> str | None:
    """A warning when a GPS fix is too rough to say which employer was visited."""
    if tag is None or tag.accuracy_m is None or tag.accuracy_m <= ACCURACY_WARNING_M:
        return None
    return f"Location is rough (within {tag.accuracy_m:.0f} m, worse than {ACCURACY_WARNING_M:.0f} m)."


def describe(tag: Geotag | None) -> str:
    """One line for a person: where the location came from and how good it is."""
    if tag is None or tag.source is GeotagSource.NONE:
        return "No location"
    if tag.source is GeotagSource.GPS:
        accuracy = f" ±{tag.accuracy_m:.0f} m" if tag.accuracy_m is not None else ""
        return f"GPS {tag.latitude:.5f}, {tag.longitude:.5f}{accuracy}"
    if tag.source is GeotagSource.EMPLOYER_ADDRESS:
        return "Employer's address"
    return "Entered by hand"


class Geocoder(Protocol):
    def geocode(self, query: str, *args: Any, **kwargs: Any) -> Any: ...


class GeocoderUnavailable(Exception):
    """The geocoder could not answer now (offline, quota, timeout): try again later."""


def look_up(address: str, geocoder: Geocoder) -> tuple[float, float] | None:
    """(latitude, longitude), or None when the geocoder does not know the address; raises
    GeocoderUnavailable when it cannot answer now."""
    try:
        location = geocoder.geocode(address)
    except Exception as exc:  # geopy raises many kinds; all of them mean "not now"
        raise GeocoderUnavailable(type(exc).__name__) from exc
    if location is None:
        return None
    try:
        return float(location.latitude), float(location.longitude)
    except (AttributeError, TypeError, ValueError):
        return None


def geocode_address(address: str, geocoder: Geocoder) -> tuple[float, float] | None:
    """(latitude, longitude) of an address, or None when it is blank, unknown or we are offline."""
    if not address.strip():
        return None
    try:
        return look_up(address, geocoder)
    except GeocoderUnavailable:
        return None


class CachedGeocoder:
    """Remembers answers (a point, or "unknown") per address, so a repeated address costs no request.

    Failures are not remembered: offline now may be online later. Bounded, oldest forgotten first;
    a lock because the geocoding queue asks from a worker thread while a form may ask too."""

    def __init__(self, lookup: Callable[[str], Any], *, size: int = 512) -> None:
        self._lookup = lookup
        self._size = size
        self._answers: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def geocode(self, query: str, *args: Any, **kwargs: Any) -> Any:
        key = " ".join(query.casefold().split())
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]
        answer = self._lookup(query)
        with self._lock:
            self._answers[key] = answer
            while len(self._answers) > self._size:
                self._answers.popitem(last=False)
        return answer


def default_geocoder(user_agent: str, *, timeout_s: float = 10.0) -> CachedGeocoder:
    """Nominatim (OpenStreetMap) as its usage policy asks: an identifying user agent and at most one
    request a second (geopy's RateLimiter), behind a cache. Errors are raised, not swallowed, so the
    geocoding queue can tell "offline" from "unknown address"."""
    from geopy.extra.rate_limiter import RateLimiter
    from geopy.geocoders import Nominatim

    nominatim = Nominatim(user_agent=user_agent, timeout=timeout_s)
    limited = RateLimiter(nominatim.geocode, min_delay_seconds=1.0, max_retries=0, swallow_exceptions=False)
    return CachedGeocoder(limited)
