"""The visit-location check, for the phone's screens: it lives in app.domain.visit_check (the server
uses it too, and may import only app.domain)."""

from __future__ import annotations

from app.domain.geometry import Point, format_distance, geodesic_m
from app.domain.visit_check import (
    DEFAULT_MAX_DISTANCE_M,
    CheckRules,
    LocationCheck,
    LocationFlag,
    check_visit_location,
)

__all__ = [
    "DEFAULT_MAX_DISTANCE_M",
    "CheckRules",
    "LocationCheck",
    "LocationFlag",
    "Point",
    "check_visit_location",
    "format_distance",
    "geodesic_m",
]
