"""Matches on the phone (app.state.matches): the lists a job seeker's page and an opening's page
show, read from the records on the phone."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from app.domain.enums import GeotagSource, OpeningStatus, SeekerStatus
from app.domain.matching import MatchIndex
from app.domain.records import Employer, Geotag, JobOpening, JobSeeker
from app.records import RecordService
from app.state.matches import NO_PLACE_YET, NO_PREFERENCES, OpeningFitsState, SeekerMatchesState
from app.store import LocalStore

HERE = (53.800, -1.549)


class OneFix:
    def __init__(self, fix: Geotag | None) -> None:
        self.fix = fix

    async def current_fix(self, timeout_s: float) -> Geotag | None:
        return self.fix


def _opening(service: RecordService, employer: Employer, title: str, **fields: object) -> JobOpening:
    stored = service.save(JobOpening(employer_id=employer.id, title=title, **fields))  # type: ignore[arg-type]
    record = service.load("job_opening", stored.data["id"])
    assert isinstance(record, JobOpening)
    return record


@pytest.fixture
def seeker(add_seeker: Callable[..., JobSeeker]) -> JobSeeker:
    return add_seeker(
        "AB-1",
        preferred_job_types=["retail"],
        skills=["tills"],
        avoid="night shifts",
        min_hours_per_week=16.0,
        max_hours_per_week=24.0,
        max_travel_km=5.0,
    )


def test_a_job_seekers_page_lists_openings_and_employers_that_fit_with_why(
    service: RecordService, add_employer: Callable[..., Employer], seeker: JobSeeker
) -> None:
    shop = add_employer("Corner Shop", sector="Retail", latitude=53.805, longitude=-1.549)
    far = add_employer("Retail Park", sector="Retail", latitude=53.900, longitude=-1.549)
    add_employer("Night Depot", sector="Logistics", hiring_needs="night shifts")
    _opening(service, shop, "Retail assistant", hours_per_week=20.0)
    _opening(service, far, "Retail assistant", hours_per_week=20.0, status=OpeningStatus.CLOSED)

    state = SeekerMatchesState(service, seeker.id, index=MatchIndex())

    assert [(r.title, r.why) for r in state.openings] == [
        ("Retail assistant · Corner Shop", "wants retail; 20 h fits 16-24 h")
    ]
    assert [r.title for r in state.employers] == ["Corner Shop", "Retail Park"]  # by name: no place yet
    assert state.openings[0].kind == "job_opening" and state.employers[0].kind == "employer"

    state.near_employer(far.id)
    assert state.near_label == "Distances from Retail Park"
    # Farther than the 5 km they would travel: 3 for retail, -3 for the distance, not listed.
    assert [(r.title, r.why) for r in state.employers] == [("Retail Park", "wants retail; 0 m")]


def test_my_location_ranks_nearest_and_no_fix_says_so(
    service: RecordService, add_employer: Callable[..., Employer], add_seeker: Callable[..., JobSeeker]
) -> None:
    add_employer("Corner Shop", sector="Retail", hiring_needs="tills", latitude=53.805, longitude=-1.549)
    add_employer("Retail Park", sector="Retail", latitude=53.900, longitude=-1.549)
    seeker = add_seeker("AB-1", preferred_job_types=["retail"], skills=["tills"])
    state = SeekerMatchesState(service, seeker.id, index=MatchIndex())
    assert [r.title for r in state.employers] == ["Corner Shop", "Retail Park"]  # tills: one more

    state.set_order("distance")
    assert state.message == NO_PLACE_YET and [r.title for r in state.employers] == [
        "Corner Shop",
        "Retail Park",
    ]
    state.set_order("match")
    assert state.message is None
    asyncio.run(state.use_my_location(OneFix(None)))
    assert state.message == "No GPS fix here. Choose an employer instead." and state.near is None

    fix = Geotag(latitude=53.899, longitude=-1.549, source=GeotagSource.GPS)
    asyncio.run(state.use_my_location(OneFix(fix)))
    state.set_order("distance")
    assert state.near_label == "Distances from your location"
    assert [r.title for r in state.employers] == ["Retail Park", "Corner Shop"]


def test_the_lists_follow_a_save_and_say_what_to_add_without_preferences(
    service: RecordService, add_employer: Callable[..., Employer], add_seeker: Callable[..., JobSeeker]
) -> None:
    bare = add_seeker("CD-2")
    state = SeekerMatchesState(service, bare.id, index=MatchIndex())
    assert state.openings == [] and state.employers == [] and state.empty_text == NO_PREFERENCES

    add_employer("Corner Shop", sector="Retail")
    assert state.refresh_if_changed() is True and state.employers == []  # they want nothing yet
    service.save(JobSeeker(**{**bare.__dict__, "preferred_job_types": ["retail"]}))
    assert state.refresh_if_changed() is True
    assert [r.title for r in state.employers] == ["Corner Shop"] and state.empty_text == ""
    assert state.refresh_if_changed() is False


def test_an_openings_page_lists_the_job_seekers_it_fits_not_those_ended(
    service: RecordService,
    add_employer: Callable[..., Employer],
    add_seeker: Callable[..., JobSeeker],
    seeker: JobSeeker,
) -> None:
    add_seeker("EF-3", preferred_job_types=["retail"], status=SeekerStatus.ENDED)
    add_seeker("GH-4", preferred_job_types=["office"])
    opening = _opening(service, add_employer("Corner Shop"), "Retail assistant", hours_per_week=30.0)

    state = OpeningFitsState(service, opening.id, index=MatchIndex())

    assert [(r.kind, r.id, r.title, r.why) for r in state.rows] == [
        ("job_seeker", seeker.id, "AB-1", "wants retail; 30 h, wants 16-24 h")
    ]


def test_the_index_forgets_an_erased_store(service: RecordService, seeker: JobSeeker) -> None:
    index = MatchIndex()
    SeekerMatchesState(service, seeker.id, index=index)
    folds = index.folds
    SeekerMatchesState(service, seeker.id, index=index)
    assert index.folds == folds  # the same store: nothing folded again

    old = service.store
    service.store = LocalStore.in_memory()  # a sign-out erased the old one
    SeekerMatchesState(service, seeker.id, index=index)
    service.store = old  # (as if its records came back: they are folded again, nothing was kept)
    SeekerMatchesState(service, seeker.id, index=index)
    assert index.folds == folds + 1
