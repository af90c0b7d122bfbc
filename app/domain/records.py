"""The five IPS field records, as plain dataclasses.

Ids are client-generated UUIDs so a record exists from the moment it is saved offline; `version`
counts local saves; created/updated times come from an injected clock (see `stamp`). Nothing here
screens anyone out (no diagnosis, no readiness score): zero exclusion is an IPS principle.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TypeVar

from app.domain.clock import Clock, IdMaker
from app.domain.enums import (
    BenefitsCounselling,
    CheckInPlace,
    CheckInWith,
    ContactMode,
    Disclosure,
    DisclosureDecision,
    FoundVia,
    GeotagSource,
    JobEndReason,
    Market,
    OpeningStatus,
    Permanence,
    PracticalHelp,
    SeekerStatus,
    VisitPurpose,
    WageUnit,
)


@dataclass(frozen=True, kw_only=True)
class Record:
    id: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 0


@dataclass(frozen=True, kw_only=True)
class Geotag:
    latitude: float | None = None
    longitude: float | None = None
    accuracy_m: float | None = None
    fixed_at: datetime | None = None
    source: GeotagSource = GeotagSource.NONE


@dataclass(frozen=True, kw_only=True)
class Employer(Record):
    name: str = ""
    sector: str = ""
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    # The address `latitude`/`longitude` were geocoded from; blank when the point was set by hand.
    # When it differs from `address` (edited since, or merged with another device's edit) the
    # point is stale and the device geocodes the address again (app.geocoding).
    geocoded_address: str = ""
    contacts: list[str] = field(default_factory=list)
    hiring_needs: str = ""
    notes: str = ""
    next_step: str = ""  # what the team plans to do next with this employer, and by when
    next_step_on: date | None = None
    # The last visit is not stored: it is derived from the team's visits (it would go stale here).


@dataclass(frozen=True, kw_only=True)
class JobSeeker(Record):
    code: str = ""  # pseudonymous code or first name; never a full name or diagnosis
    referral_date: date | None = None
    referral_source: str = ""
    clinical_team: str = ""
    preferred_job_types: list[str] = field(default_factory=list)
    preferred_hours: str = ""
    preferred_places: str = ""
    avoid: str = ""
    disclosure: Disclosure = Disclosure.UNDECIDED
    status: SeekerStatus = SeekerStatus.ENGAGED
    benefits_counselling: BenefitsCounselling = BenefitsCounselling.NOT_OFFERED
    benefits_counselling_on: date | None = None
    job_started_on: date | None = None  # before issue 15; a Job record holds a job now
    current_employer_id: str | None = None  # before issue 15; a Job record holds a job now
    # Issue 15: the journey before work. The job search starts when the job seeker chooses
    # (None: the referral date); it starts the 30-day first-contact clock.
    job_search_started_on: date | None = None
    engagement_on: date | None = None
    career_profile_on: date | None = None
    job_search_plan_on: date | None = None
    better_off_calculation_on: date | None = None  # benefits counselling's better-off calculation
    practical_help: list[PracticalHelp] = field(default_factory=list)
    # Preferences and strengths, for matching openings and employers (app.domain.matching).
    skills: list[str] = field(default_factory=list)
    experience: str = ""
    min_hours_per_week: float | None = None
    max_hours_per_week: float | None = None
    min_pay_per_hour: float | None = None
    max_travel_km: float | None = None


@dataclass(frozen=True, kw_only=True)
class EmployerVisit(Record):
    employer_id: str = ""
    occurred_at: datetime | None = None
    contact_mode: ContactMode = ContactMode.FACE_TO_FACE
    purpose: VisitPurpose = VisitPurpose.LEARN_BUSINESS
    met_hiring_manager: bool = False
    met_person: str = ""
    job_seeker_ids: list[str] = field(default_factory=list)
    outcome: str = ""
    next_step: str = ""
    next_step_on: date | None = None
    # A next step is a task that stays open until closed here, by a later action on this visit
    # (an edit of this visit, so it syncs and merges field by field like any other edit).
    next_step_done_on: date | None = None
    next_step_dismissed: bool = False
    geotag: Geotag = field(default_factory=Geotag)
    disclosure_reason: str = ""  # why a non-consenting job seeker is linked anyway
    # Issue 15: job seekers this visit was made for who have not agreed that this employer may
    # know about them: "on behalf of, not disclosed". They count toward the first-contact clock and
    # are never named in anything employer-facing.
    undisclosed_job_seeker_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class JobOpening(Record):
    employer_id: str = ""
    title: str = ""
    wage: float | None = None
    wage_unit: WageUnit = WageUnit.HOUR
    hours_per_week: float | None = None
    permanence: Permanence = Permanence.PERMANENT
    market: Market = Market.OPEN_MARKET
    found_via: FoundVia = FoundVia.JOB_DEVELOPMENT
    status: OpeningStatus = OpeningStatus.IDENTIFIED
    job_seeker_ids: list[str] = field(default_factory=list)
    noted_on: date | None = None
    started_on: date | None = None  # set when a matched job seeker starts the job
    disclosure_reason: str = ""  # why a non-consenting job seeker is matched anyway


@dataclass(frozen=True, kw_only=True)
class SupportCheckIn(Record):
    job_seeker_id: str = ""
    employer_id: str | None = None
    occurred_at: datetime | None = None
    with_whom: CheckInWith = CheckInWith.WORKER
    mode: ContactMode = ContactMode.FACE_TO_FACE
    place: CheckInPlace = CheckInPlace.ELSEWHERE
    topics: list[str] = field(default_factory=list)
    concerns: str = ""
    next_check_in_on: date | None = None
    disclosure_reason: str = ""
    job_id: str | None = None  # issue 15: the job this in-work support is about


@dataclass(frozen=True, kw_only=True)
class Job(Record):
    """A job a job seeker holds or held (issue 15). A person may hold several over time, or two
    at once. Whether it is competitive is derived (app.domain.rules), never stored."""

    job_seeker_id: str = ""
    employer_id: str = ""
    opening_id: str | None = None
    title: str = ""
    started_on: date | None = None
    hours_per_week: float | None = None
    wage: float | None = None
    wage_unit: WageUnit = WageUnit.HOUR
    permanence: Permanence = Permanence.PERMANENT
    market: Market = Market.OPEN_MARKET
    ended_on: date | None = None
    end_reason: JobEndReason | None = None
    notes: str = ""


@dataclass(frozen=True, kw_only=True)
class EmployerDisclosure(Record):
    """A job seeker's dated decision for one employer (issue 15): whether that employer may know
    about them and their condition. Revoking sets `revoked_on`; a new decision is a new record."""

    job_seeker_id: str = ""
    employer_id: str = ""
    decision: DisclosureDecision = DisclosureDecision.DECLINED
    decided_on: date | None = None
    revoked_on: date | None = None


RECORD_KINDS: dict[str, type[Record]] = {
    "employer": Employer,
    "job_seeker": JobSeeker,
    "employer_visit": EmployerVisit,
    "job_opening": JobOpening,
    "support_check_in": SupportCheckIn,
    "job": Job,
    "employer_disclosure": EmployerDisclosure,
}
KIND_OF: dict[type[Record], str] = {cls: kind for kind, cls in RECORD_KINDS.items()}

R = TypeVar("R", bound=Record)


def kind_of(record: Record) -> str:
    return KIND_OF[type(record)]


def stamp(record: R, *, clock: Clock, new_id: IdMaker) -> R:
    """The record as it is saved now: an id if it had none, times, and the next version."""
    now = clock.now()
    return replace(
        record,
        id=record.id or new_id(),
        created_at=record.created_at or now,
        updated_at=now,
        version=record.version + 1,
    )
