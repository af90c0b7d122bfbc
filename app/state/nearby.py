"""Nearby employers: the team's employers sorted by distance from here (or a chosen place), each
with its last visit and next step, to plan a round of job-development visits.

Everything comes from the local store, so it works offline; only "a typed address" needs the
geocoder (and says so when offline). Distances are spherical: ranking a few hundred employers
needs no ellipsoid, and the visit-location check (app.visit_check) is where geodesic precision
matters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from app.domain.records import Employer, EmployerVisit
from app.geo import DEFAULT_FIX_TIMEOUT_S, Geocoder, LocationProvider, distance_m, geocode_address, gps_point
from app.records import RecordService
from app.visit_check import Point, format_distance


@dataclass(frozen=True)
class NearbyRow:
    id: str
    name: str
    distance_m: float | None  # None: the employer has no map location yet
    last_visit: datetime | None
    next_step: str  # "" when none is planned
    next_step_on: date | None
    overdue: bool

    @property
    def distance_text(self) -> str:
        return format_distance(self.distance_m) if self.distance_m is not None else "no map location yet"

    def detail(self, today: date) -> str:
        """ "last visit 2 May · next: call Ana, due Wed 6 May" for the list."""
        parts = [f"last visit {self.last_visit:%-d %b}" if self.last_visit else "not visited yet"]
        if self.next_step or self.next_step_on:
            step = f"next: {self.next_step}" if self.next_step else "next step"
            if self.next_step_on is not None:
                when = "today" if self.next_step_on == today else f"{self.next_step_on:%a %-d %b}"
                step += f", {'overdue since' if self.overdue else 'due'} {when}"
            parts.append(step)
        return " · ".join(parts)


class NearbyState:
    def __init__(self, service: RecordService, *, geocoder: Geocoder | None = None) -> None:
        self.service = service
        self.geocoder = geocoder
        self.origin: Point | None = None
        self.origin_label = "No position yet: use your location, or choose an employer or a place"
        self.message: str | None = None
        self.locating = False
        self.address = ""
        self.rows: list[NearbyRow] = []
        self.employers: list[Employer] = []
        self.refresh()

    @property
    def today(self) -> date:
        return self.service.clock.now().date()

    # -- choosing the place ----------------------------------------------------------------------

    async def use_my_location(
        self, provider: LocationProvider, timeout_s: float = DEFAULT_FIX_TIMEOUT_S
    ) -> None:
        self.locating, self.message = True, None
        try:
            point = await gps_point(provider, timeout_s)
        finally:
            self.locating = False
        if point is None:
            self.message = "No GPS fix here. Choose an employer or type a place instead."
            return
        self._set_origin(point, "Distances from your location")

    def near_employer(self, employer_id: str) -> None:
        employer = next((e for e in self.employers if e.id == employer_id), None)
        if employer is None:
            return
        if employer.latitude is None or employer.longitude is None:
            self.message = f"{employer.name} has no map location yet."
            return
        self._set_origin((employer.latitude, employer.longitude), f"Distances from {employer.name}")

    def near_address(self, text: str | None = None) -> bool:
        """A typed place; needs the geocoder, so offline it explains and changes nothing."""
        address = (text if text is not None else self.address).strip()
        if not address:
            self.message = "Type a street, postcode or place first."
            return False
        point = geocode_address(address, self.geocoder) if self.geocoder is not None else None
        if point is None:
            self.message = "Could not find that place (offline?). Choose an employer instead."
            return False
        self._set_origin(point, f"Distances from {address}")
        return True

    def _set_origin(self, point: Point, label: str) -> None:
        self.origin, self.origin_label, self.message = point, label, None
        self.refresh()

    # -- the list ------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.employers = self.service.employers()
        latest: dict[str, EmployerVisit] = {}
        for visit in self.service.visits():
            seen = latest.get(visit.employer_id)
            if visit.occurred_at is not None and (
                seen is None or visit.occurred_at > (seen.occurred_at or visit.occurred_at)
            ):
                latest[visit.employer_id] = visit
        today = self.today
        rows = [self._row(employer, latest.get(employer.id), today) for employer in self.employers]
        # Nearest first; employers with no location after, by name (already in name order).
        self.rows = sorted(rows, key=lambda r: (r.distance_m is None, r.distance_m or 0.0))

    def _row(self, employer: Employer, last: EmployerVisit | None, today: date) -> NearbyRow:
        distance = None
        if self.origin is not None and employer.latitude is not None and employer.longitude is not None:
            distance = distance_m(self.origin, (employer.latitude, employer.longitude))
        # The employer's own next step is the team's plan; a visit's next step is the fallback.
        step, due = employer.next_step, employer.next_step_on
        if not step and due is None and last is not None:
            step, due = last.next_step, last.next_step_on
        return NearbyRow(
            id=employer.id,
            name=employer.name,
            distance_m=distance,
            last_visit=last.occurred_at if last is not None else None,
            next_step=step,
            next_step_on=due,
            overdue=due is not None and due < today,
        )
