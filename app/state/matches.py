"""Matches on the phone (issue 15): on a job seeker's page the openings and employers that fit
them best, with why; on an opening's page the job seekers it fits (the phone holds only its
owner's caseload). Offline: everything is ranked from the records on the phone
(app.domain.matching), the folded words kept in one MatchIndex for the app's life.

Distances are from a place the specialist chooses on the page: their location (a GPS fix) or an
employer. Until then the lists are ranked by match only.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.geometry import Point
from app.domain.labels import options
from app.domain.matching import (
    TOP,
    Match,
    MatchIndex,
    RankBy,
    employer_point,
    rank_employers,
    rank_openings,
    seekers_for_opening,
)
from app.domain.records import Employer, JobSeeker
from app.domain.rules import WageRules
from app.geo import DEFAULT_FIX_TIMEOUT_S, LocationProvider, gps_point
from app.records import RecordService

ORDERS = options(RankBy)
NO_PLACE_YET = "Choose your location or an employer first: until then, best match first."
NO_PREFERENCES = "Add the jobs they want, their skills, hours, pay and travel (Edit) to see what fits them."


@dataclass(frozen=True)
class MatchRow:
    kind: str  # the record a tap opens
    id: str
    title: str
    why: str


def _rows(matches: list[Match]) -> list[MatchRow]:
    return [MatchRow(m.kind, m.id, m.title, m.why) for m in matches]


def has_preferences(seeker: JobSeeker) -> bool:
    return any(
        (
            seeker.preferred_job_types,
            seeker.skills,
            seeker.experience.strip(),
            seeker.preferred_places.strip(),
            seeker.min_hours_per_week is not None,
            seeker.max_hours_per_week is not None,
            seeker.min_pay_per_hour is not None,
        )
    )


class SeekerMatchesState:
    """The Matches section of a job seeker's page."""

    def __init__(
        self,
        service: RecordService,
        seeker_id: str,
        *,
        index: MatchIndex,
        wages: WageRules | None = None,
        limit: int = TOP,
    ) -> None:
        self.service = service
        self.seeker_id = seeker_id
        self.index = index.bind(service.store)  # another store (after a wipe): nothing folded stays
        self.wages = wages or WageRules()
        self.limit = limit
        self.by = RankBy.MATCH
        self.near: Point | None = None
        self.near_label = "Distances: choose your location or an employer"
        self.message: str | None = None
        self.locating = False
        self.openings: list[MatchRow] = []
        self.employers: list[MatchRow] = []
        self.placed: list[Employer] = []  # employers with a map location, for "near an employer"
        self.empty_text = ""
        self._version: int | None = None
        self.refresh()

    def refresh(self) -> None:
        self._version = self.service.data_version()
        seeker = self.service.job_seekers_by_id().get(self.seeker_id)
        employers = self.service.employers()
        self.placed = [e for e in employers if employer_point(e) is not None]
        if seeker is None:
            self.openings, self.employers, self.empty_text = [], [], ""
            return
        by_id = self.service.employers_by_id()
        openings = rank_openings(
            seeker,
            self.service.openings(),
            by_id,
            near=self.near,
            by=self.by,
            limit=self.limit,
            index=self.index,
            currency=self.wages.currency,
        )
        ranked = rank_employers(
            seeker,
            employers,
            near=self.near,
            by=self.by,
            limit=self.limit,
            index=self.index,
            currency=self.wages.currency,
        )
        self.openings, self.employers = _rows(openings), _rows(ranked)
        self.empty_text = "" if has_preferences(seeker) else NO_PREFERENCES

    def refresh_if_changed(self) -> bool:
        """Rank again when a record changed since (a save, a pull); True when it did."""
        if self.service.data_version() == self._version:
            return False
        self.refresh()
        return True

    def set_order(self, value: str) -> None:
        self.by = RankBy(value)
        self.message = None
        if self.by is RankBy.DISTANCE and self.near is None:
            self.message = NO_PLACE_YET
        self.refresh()

    def near_employer(self, employer_id: str) -> None:
        employer = next((e for e in self.placed if e.id == employer_id), None)
        point = employer_point(employer)
        if employer is None or point is None:
            return
        self._set_near(point, f"Distances from {employer.name}")

    async def use_my_location(
        self, provider: LocationProvider, timeout_s: float = DEFAULT_FIX_TIMEOUT_S
    ) -> None:
        self.locating, self.message = True, None
        try:
            point = await gps_point(provider, timeout_s)
        finally:
            self.locating = False
        if point is None:
            self.message = "No GPS fix here. Choose an employer instead."
            return
        self._set_near(point, "Distances from your location")

    def _set_near(self, point: Point, label: str) -> None:
        self.near, self.near_label, self.message = point, label, None
        self.refresh()


class OpeningFitsState:
    """The Fits section of an opening's page: the job seekers of this phone it fits best."""

    def __init__(
        self,
        service: RecordService,
        opening_id: str,
        *,
        index: MatchIndex,
        wages: WageRules | None = None,
        limit: int = TOP,
    ) -> None:
        self.service = service
        self.opening_id = opening_id
        self.index = index.bind(service.store)
        self.wages = wages or WageRules()
        self.limit = limit
        self.rows: list[MatchRow] = []
        self._version: int | None = None
        self.refresh()

    @property
    def empty_text(self) -> str:
        return "No job seeker's preferences fit this opening yet."

    def refresh(self) -> None:
        self._version = self.service.data_version()
        opening = next((o for o in self.service.openings() if o.id == self.opening_id), None)
        if opening is None:
            self.rows = []
            return
        employer = self.service.employers_by_id().get(opening.employer_id)
        seekers = self.service.job_seekers()
        fits = seekers_for_opening(
            opening, employer, seekers, limit=self.limit, index=self.index, currency=self.wages.currency
        )
        self.rows = _rows(fits)

    def refresh_if_changed(self) -> bool:
        if self.service.data_version() == self._version:
            return False
        self.refresh()
        return True
