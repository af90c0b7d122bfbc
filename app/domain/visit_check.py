"""Was the visit where the employer is? The distance between a visit's geotag and its employer.

A visit is flagged when its GPS fix is farther from the employer's location than `max_distance_m`
(default 500 m), or when the fix is too rough to tell (`max_accuracy_m`, default 100 m). A flag
asks a person to look; it accuses nobody: the employer's pin may be wrong, or the meeting was at a
café down the road. A geotag copied from the employer's address proves nothing, so it is never
checked; a visit with no location, or an employer not yet geocoded, is "not checked".

Distances are geopy's geodesic (WGS-84 ellipsoid). It is too slow for a map of thousands of visits
(its cost: README, Benchmarks: figures behind the code), so `exact=False` first takes the
spherical distance (far cheaper), whose error is under 0.6 %, and only computes the geodesic when
that lands within 1 % of the threshold: the flag is then always the one the geodesic gives
(tests/app/test_visit_check.py).

Pure (no flet, no location service): the phone's forms and the server's pages share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.domain.enums import GeotagSource
from app.domain.geometry import Point, distance_m, format_distance, geodesic_m
from app.domain.records import Geotag

ACCURACY_WARNING_M = 100.0  # a GPS fix rougher than this cannot tell which employer was visited
DEFAULT_MAX_DISTANCE_M = 500.0
SPHERE_MARGIN = 0.01  # the spherical distance is within 0.6 % of the geodesic one anywhere on Earth


class LocationFlag(StrEnum):
    FAR = "far"  # the fix is farther from the employer than the threshold
    POOR_ACCURACY = "poor_accuracy"  # the fix is too rough to say where the visit was


@dataclass(frozen=True)
class CheckRules:
    max_distance_m: float = DEFAULT_MAX_DISTANCE_M
    max_accuracy_m: float = ACCURACY_WARNING_M


@dataclass(frozen=True)
class LocationCheck:
    checked: bool  # False: no GPS or manual point, or the employer has no location yet
    distance_m: float | None = None
    accuracy_m: float | None = None
    flags: tuple[LocationFlag, ...] = ()
    rules: CheckRules = CheckRules()
    reason: str = ""  # why it was not checked

    @property
    def flagged(self) -> bool:
        return bool(self.flags)

    @property
    def summary(self) -> str:
        """One line for a specialist or a supervisor."""
        parts: list[str] = []
        if self.distance_m is not None:
            where = f"{format_distance(self.distance_m)} from the employer"
            if LocationFlag.FAR in self.flags:
                where += f" (more than {format_distance(self.rules.max_distance_m)})"
            parts.append(where.capitalize())
        if LocationFlag.POOR_ACCURACY in self.flags and self.accuracy_m is not None:
            parts.append(
                f"GPS only within {self.accuracy_m:.0f} m (worse than {self.rules.max_accuracy_m:.0f} m)"
            )
        if not parts:
            return self.reason or "Location not checked"
        return "; ".join(parts)


def check_visit_location(
    geotag: Geotag | None,
    employer_point: Point | None,
    *,
    rules: CheckRules = CheckRules(),
    exact: bool = True,
) -> LocationCheck:
    """The location check of one visit (pure: no clock, no I/O)."""
    if geotag is None or geotag.source is GeotagSource.NONE:
        return LocationCheck(checked=False, rules=rules, reason="No location was recorded")
    if geotag.source is GeotagSource.EMPLOYER_ADDRESS:
        return LocationCheck(checked=False, rules=rules, reason="The employer's address was used")
    if geotag.latitude is None or geotag.longitude is None:
        return LocationCheck(checked=False, rules=rules, reason="No location was recorded")
    flags: list[LocationFlag] = []
    accuracy = geotag.accuracy_m
    if geotag.source is GeotagSource.GPS and accuracy is not None and accuracy > rules.max_accuracy_m:
        flags.append(LocationFlag.POOR_ACCURACY)
    if employer_point is None:
        return LocationCheck(
            checked=bool(flags),
            accuracy_m=accuracy,
            flags=tuple(flags),
            rules=rules,
            reason="The employer has no map location yet",
        )
    fix = (geotag.latitude, geotag.longitude)
    distance = _distance(fix, employer_point, rules.max_distance_m, exact=exact)
    if distance > rules.max_distance_m:
        flags.insert(0, LocationFlag.FAR)
    return LocationCheck(
        checked=True, distance_m=distance, accuracy_m=accuracy, flags=tuple(flags), rules=rules
    )


def _distance(a: Point, b: Point, threshold_m: float, *, exact: bool) -> float:
    if exact:
        return geodesic_m(a, b)
    rough = distance_m(a, b)
    if abs(rough - threshold_m) <= threshold_m * SPHERE_MARGIN:
        return geodesic_m(a, b)  # too close to call on a sphere
    return rough
