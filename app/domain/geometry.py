"""Distances on the Earth between (latitude, longitude) points, in metres: pure, for the phone and
the server alike.

`distance_m` is the spherical (haversine) distance, microseconds a pair, within 0.6 % of the
ellipsoid anywhere; `geodesic_m` is geopy's geodesic on the WGS-84 ellipsoid, exact and far slower
(README, Benchmarks: figures behind the code), for when a threshold is close.
"""

from __future__ import annotations

import math

from geopy.distance import geodesic

EARTH_RADIUS_M = 6_371_000.0

Point = tuple[float, float]


def distance_m(a: Point, b: Point) -> float:
    """Great-circle distance in metres between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def geodesic_m(a: Point, b: Point) -> float:
    return float(geodesic(a, b).meters)


def format_distance(metres: float) -> str:
    if metres < 1000:
        return f"{metres:.0f} m"
    return f"{metres / 1000:.1f} km"
