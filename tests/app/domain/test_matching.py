"""Matching (app.domain.matching): which openings and employers fit a job seeker, and whom an
opening fits; the ranking rules, each named, on hand-made records."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from app.domain.enums import OpeningStatus, SeekerStatus, WageUnit
from app.domain.geometry import distance_m
from app.domain.matching import (
    Match,
    MatchIndex,
    RankBy,
    _distances,
    _points,
    _score,
    employer_profile,
    opening_profile,
    rank_employers,
    rank_openings,
    seeker_profile,
    seekers_for_opening,
)
from app.domain.records import Employer, JobOpening, JobSeeker

HERE = (53.800, -1.549)
NEAR = (53.805, -1.549)  # about 0.6 km north
FAR = (53.900, -1.549)  # about 11 km north

SEEKER = JobSeeker(
    id="s1",
    version=1,
    code="AB-1",
    preferred_job_types=["Retail", "café work"],
    skills=["tills"],
    experience="Two years in kitchens",
    preferred_places="Headingley",
    avoid="night shifts; bars",
    min_hours_per_week=16,
    max_hours_per_week=24,
    min_pay_per_hour=12,
    max_travel_km=5,
)


def employer(
    record_id: str, name: str, *, point: tuple[float, float] | None = None, **fields: str
) -> Employer:
    lat, lon = point if point is not None else (None, None)
    return Employer(id=record_id, version=1, name=name, latitude=lat, longitude=lon, **fields)


def ids(matches: list[Match]) -> list[str]:
    return [m.id for m in matches]


def test_accents_and_case_do_not_matter_and_plurals_fit() -> None:
    cafe = employer("e1", "CAFÉS DU NORD", sector="Hospitality")
    seeker = replace(SEEKER, preferred_job_types=["cafe"], skills=[], experience="", preferred_places="")

    [match] = rank_employers(seeker, [cafe])

    assert match.reasons == ("wants cafe",)


def test_a_word_fits_only_whole_words() -> None:
    barber = employer("e1", "Barber shop", sector="Hair")
    seeker = replace(
        SEEKER, preferred_job_types=["bar"], avoid="", skills=[], experience="", preferred_places=""
    )

    assert rank_employers(seeker, [barber]) == []


def test_a_wanted_job_in_the_title_outranks_one_in_the_hiring_needs() -> None:
    titled = employer("e1", "Corner shop", sector="Retail")
    needs = employer("e2", "Stores", sector="Logistics", hiring_needs="retail staff")

    ranked = rank_employers(SEEKER, [needs, titled])

    assert ids(ranked) == ["e1", "e2"]
    assert ranked[0].score == 3 and ranked[1].score == 2


def test_a_thing_to_avoid_counts_against() -> None:
    pub = employer("e1", "The Crown", sector="Retail", hiring_needs="bar staff, night shifts")
    shop = employer("e2", "Corner shop", sector="Retail")

    ranked = rank_employers(replace(SEEKER, max_travel_km=None), [pub, shop], near=HERE)

    assert ids(ranked) == ["e2"]  # 3 - 5 - 5 for the pub: not listed
    reasons: list[str] = []
    pub_score = _score(seeker_profile(SEEKER), employer_profile(pub), None, reasons, "£")
    assert pub_score == 3 - 5 - 5 and "avoid: night shifts" in reasons and "avoid: bars" in reasons


def test_hours_pay_and_distance_say_why_in_words() -> None:
    shop = employer("e1", "Corner shop", point=NEAR, sector="Retail", address="Otley Rd, Headingley")
    opening = JobOpening(
        id="o1", version=1, employer_id="e1", title="Retail assistant", hours_per_week=20, wage=12.5
    )

    [match] = rank_openings(SEEKER, [opening], {"e1": shop}, near=HERE)

    assert match.title == "Retail assistant · Corner shop"
    assert match.why == "wants Retail; in Headingley; 20 h fits 16-24 h; £12.50/h, at least £12.00; 556 m"
    assert match.score == 3 + 1 + 1 + 1 + 1


def test_outside_the_hours_under_the_pay_and_too_far_count_against() -> None:
    shop = employer("e1", "Corner shop", point=FAR, sector="Retail")
    weekly = JobOpening(
        id="o1",
        version=1,
        employer_id="e1",
        title="Retail",
        hours_per_week=40,
        wage=400,
        wage_unit=WageUnit.WEEK,
    )

    reasons: list[str] = []
    score = _score(seeker_profile(SEEKER), opening_profile(weekly, shop), 11_000.0, reasons, "£")

    assert score == 3 - 2 - 2 - 3
    assert reasons == [
        "wants Retail",
        "40 h, wants 16-24 h",
        "£10.00/h, under £12.00",
        "11.0 km, over 5.0 km",
    ]


def test_without_a_point_a_record_ranks_after_equal_matches_with_one() -> None:
    nowhere = employer("e1", "A shop", sector="Retail")
    near = employer("e2", "Z shop", point=NEAR, sector="Retail")
    nearer = employer("e3", "Y shop", point=HERE, sector="Retail")
    seeker = replace(SEEKER, max_travel_km=None)

    assert ids(rank_employers(seeker, [nowhere, near, nearer], near=HERE)) == ["e3", "e2", "e1"]
    assert ids(rank_employers(seeker, [nowhere, near, nearer])) == ["e1", "e3", "e2"]  # no place: by name


def test_ties_come_out_in_the_same_order_whatever_the_input_order() -> None:
    same = [employer(f"e{n}", "Shop", sector="Retail") for n in (3, 1, 2)]

    assert ids(rank_employers(SEEKER, same)) == ["e1", "e2", "e3"]
    assert ids(rank_employers(SEEKER, list(reversed(same)))) == ["e1", "e2", "e3"]


def test_nearest_first_puts_distance_before_points() -> None:
    best_far = employer("e1", "Retail café", point=(53.830, -1.549), sector="Retail")
    fair_near = employer("e2", "Shop", point=NEAR, hiring_needs="retail")

    assert ids(rank_employers(SEEKER, [best_far, fair_near], near=HERE)) == ["e1", "e2"]
    assert ids(rank_employers(SEEKER, [best_far, fair_near], near=HERE, by=RankBy.DISTANCE)) == ["e2", "e1"]


def test_finished_openings_are_not_offered() -> None:
    shop = employer("e1", "Shop")
    live = JobOpening(id="o1", version=1, employer_id="e1", title="Retail")
    hired = replace(live, id="o2", status=OpeningStatus.HIRED)
    closed = replace(live, id="o3", status=OpeningStatus.CLOSED)

    assert ids(rank_openings(SEEKER, [live, hired, closed], {"e1": shop})) == ["o1"]


def test_an_opening_fits_the_job_seekers_who_want_it_not_those_whose_support_ended() -> None:
    opening = JobOpening(id="o1", version=1, employer_id="e1", title="Kitchen porter", hours_per_week=20)
    cook = replace(SEEKER, id="s2", code="CD-2", preferred_job_types=["kitchen porter"])
    ended = replace(cook, id="s3", code="EF-3", status=SeekerStatus.ENDED)
    clerk = replace(
        SEEKER, id="s4", code="GH-4", preferred_job_types=["office"], experience="", max_hours_per_week=16
    )

    fits = seekers_for_opening(opening, employer("e1", "Diner"), [clerk, ended, cook, SEEKER])

    assert [m.title for m in fits] == ["CD-2", "AB-1"]  # 3+1+1 (kitchens) then 1+1; GH-4 -2
    assert fits[0].why == "wants kitchen porter; experience: kitchen; 20 h fits 16-24 h"


def test_the_fast_points_agree_with_the_explained_score() -> None:
    seeker = seeker_profile(SEEKER)
    sets = tuple(seeker.sets(g) for g in (seeker.wants, seeker.skills, seeker.places, seeker.avoid))
    shop = employer(
        "e1", "Café bar", point=NEAR, sector="Retail", hiring_needs="tills, kitchens", address="Headingley"
    )
    places = [employer_profile(shop)] + [
        opening_profile(JobOpening(title=t, hours_per_week=h, wage=w), shop)
        for t, h, w in (("Retail", 20, 12.5), ("Night shifts", 40, 9.0), ("Cafe", None, None))
    ]
    metres = _distances(HERE)
    for place in places:
        distance = metres(place)
        assert _points(seeker, place, distance, sets) == _score(seeker, place, distance, [], "£")
        assert distance is not None and abs(distance - distance_m(HERE, NEAR)) < 0.01


def test_the_index_folds_a_record_again_only_when_it_changed() -> None:
    shops = [employer(f"e{n}", "Shop", sector="Retail") for n in range(3)]
    index = MatchIndex()
    rank_employers(SEEKER, shops, index=index)
    assert index.folds == 4  # three employers and the job seeker

    rank_employers(SEEKER, [replace(s) for s in shops], index=index)  # same versions, new objects
    assert index.folds == 4
    edited = replace(shops[1], sector="Office", version=2, updated_at=datetime(2026, 5, 1, tzinfo=UTC))
    assert ids(rank_employers(SEEKER, [shops[0], edited, shops[2]], index=index)) == ["e0", "e2"]
    assert index.folds == 5


def test_an_employer_edit_folds_its_openings_again() -> None:
    shop = employer("e1", "Shop", sector="Office")
    opening = JobOpening(id="o1", version=1, employer_id="e1", title="Assistant")
    index = MatchIndex()
    assert rank_openings(SEEKER, [opening], {"e1": shop}, index=index) == []

    renamed = replace(shop, sector="Retail", version=2)
    assert ids(rank_openings(SEEKER, [opening], {"e1": renamed}, index=index)) == ["o1"]
