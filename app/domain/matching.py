"""Which openings and employers fit a job seeker, and which job seekers fit an opening (issue 15:
preferences drive job development). Pure: the phone ranks offline from the records it holds.

A job seeker's preferences and strengths (jobs they want, skills, experience, places, things to
avoid, hours range, lowest pay, farthest travel) are scored against an opening (its title, hours
and pay per hour, and its employer) or an employer (sector, name, hiring needs, address). Words are
compared folded (no case, no accents: app.domain.search.fold), whole words with a plural "s"
dropped, so "Cafés" fits "cafe" and "bar" does not fit "barber". A phrase fits when all of its
words are there. Points: a wanted job in an opening's title (or an employer's sector or name) 3,
elsewhere in the employer's words 2; a skill, an experience word or a place 1; hours and pay that
fit 1 each; within the farthest travel 1. Against: a thing to avoid -5, hours or pay outside the
range -2, farther than they would travel -3. Only records with more points than 0 are listed.

Order: most points first, then nearest (records without a map location after, by points only),
then title and id, so equal records always come out in the same order; or nearest first
(`RankBy.DISTANCE`). Every result carries its reasons in words ("wants retail; 16-24 h fits;
1.2 km") for the screen.

Folded words are the costly part; a `MatchIndex` keeps them per record, keyed by the record's id,
version and last save, so a phone ranks 5,000 employers without folding one text again
(README, Benchmarks: bench/matching.py).
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

from app.domain.enums import OpeningStatus, SeekerStatus
from app.domain.geometry import EARTH_RADIUS_M, Point, format_distance
from app.domain.records import Employer, JobOpening, JobSeeker, Record
from app.domain.rules import DEFAULT_CURRENCY, hourly_wage
from app.domain.search import fold

TOP = 10
WANTED_IN_TITLE = 3
WANTED_ELSEWHERE = 2
ONE = 1  # a skill, an experience word, a place, hours or pay that fit, within travel
AVOIDED = -5
OUTSIDE_RANGE = -2
TOO_FAR = -3
PAY_SLACK = 0.005  # a typed 12.21 against a wage per hour computed as 12.2099...
# Openings no longer worked on are not offered.
FINISHED = frozenset({OpeningStatus.HIRED, OpeningStatus.CLOSED})
_WORD = re.compile(r"\w+")
_SPLIT = re.compile(r"[,;/\n]+")
# Words that say nothing about a job or place: dropped from phrases before matching.
_FILLER_WORDS = """a an and any at be for from in into is it job jobs near no not of on or the to with work
working year years"""
_FILLER = frozenset(_FILLER_WORDS.split())


class RankBy(Enum):
    MATCH = "match"
    DISTANCE = "distance"


Words = frozenset[str]


@dataclass(frozen=True)
class Phrase:
    shown: str  # as typed, for the reason
    words: Words  # folded stems; the phrase fits a text holding all of them


@dataclass(frozen=True)
class SeekerProfile:
    """A job seeker's preferences, folded once."""

    wants: tuple[Phrase, ...]
    skills: tuple[Phrase, ...]
    experience: tuple[Phrase, ...]
    places: tuple[Phrase, ...]
    avoid: tuple[Phrase, ...]
    min_hours: float | None
    max_hours: float | None
    min_pay: float | None
    max_travel_m: float | None
    vocabulary: Words  # every word of wants, skills, experience and avoid: most records share none
    place_words: Words
    experience_words: Words

    def sets(self, group: tuple[Phrase, ...]) -> tuple[Words, ...]:
        return tuple(p.words for p in group)


@dataclass(frozen=True)
class PlaceProfile:
    """An opening (with its employer) or an employer, folded once."""

    title: str  # as listed
    sort_title: str  # folded, for a stable order between equal matches
    head: Words  # an opening's title; an employer's sector and name
    every: Words  # head and the employer's other words
    where: Words  # the employer's address and name, for places
    point: Point | None
    radians: tuple[float, float, float] | None  # latitude, longitude, cos(latitude): distances
    hours: float | None
    hourly_pay: float | None


@dataclass(frozen=True)
class Match:
    kind: str  # "job_opening", "employer" or "job_seeker": the record a tap opens
    id: str
    title: str
    score: int
    distance_m: float | None
    reasons: tuple[str, ...]

    @property
    def why(self) -> str:
        return "; ".join(self.reasons)


def stem(word: str) -> str:
    """A folded word without a plural "s" ("shops" -> "shop", "glass" stays)."""
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def words(*texts: str) -> Words:
    """The folded, stemmed words of `texts`."""
    return frozenset(stem(word) for text in texts for word in _WORD.findall(fold(text)))


def phrase(text: str) -> Phrase | None:
    meaningful = words(text) - _FILLER
    return Phrase(text.strip(), meaningful) if meaningful else None


def phrases(items: Iterable[str]) -> tuple[Phrase, ...]:
    found = (phrase(item) for item in items)
    return tuple(p for p in found if p is not None)


def split_phrases(text: str) -> tuple[Phrase, ...]:
    """Free text as comma, semicolon, slash or line separated phrases."""
    return phrases(_SPLIT.split(text))


def seeker_profile(seeker: JobSeeker) -> SeekerProfile:
    wants, skills = phrases(seeker.preferred_job_types), phrases(seeker.skills)
    # Experience is prose ("5 years in kitchens"): each meaningful word on its own.
    meaningful = sorted(w for w in words(seeker.experience) - _FILLER if not w.isdigit())
    experience = tuple(Phrase(w, frozenset({w})) for w in meaningful)
    places, avoid = split_phrases(seeker.preferred_places), split_phrases(seeker.avoid)
    return SeekerProfile(
        wants=wants,
        skills=skills,
        experience=experience,
        places=places,
        avoid=avoid,
        min_hours=seeker.min_hours_per_week,
        max_hours=seeker.max_hours_per_week,
        min_pay=seeker.min_pay_per_hour,
        max_travel_m=seeker.max_travel_km * 1000 if seeker.max_travel_km is not None else None,
        vocabulary=frozenset().union(*(p.words for p in (*wants, *skills, *experience, *avoid))),
        place_words=frozenset().union(*(p.words for p in places)),
        experience_words=frozenset(meaningful),
    )


def employer_point(employer: Employer | None) -> Point | None:
    if employer is None or employer.latitude is None or employer.longitude is None:
        return None
    return (employer.latitude, employer.longitude)


def _place(
    title: str,
    head: Words,
    other: Words,
    employer: Employer | None,
    *,
    hours: float | None,
    pay: float | None,
) -> PlaceProfile:
    point = employer_point(employer)
    radians = None
    if point is not None:
        lat, lon = math.radians(point[0]), math.radians(point[1])
        radians = (lat, lon, math.cos(lat))
    at = employer or Employer()
    return PlaceProfile(
        title=title,
        sort_title=fold(title),
        head=head,
        every=head | other,
        where=words(at.address, at.name),
        point=point,
        radians=radians,
        hours=hours,
        hourly_pay=pay,
    )


def employer_profile(employer: Employer) -> PlaceProfile:
    head, other = words(employer.sector, employer.name), words(employer.hiring_needs)
    return _place(employer.name or "Employer", head, other, employer, hours=None, pay=None)


def opening_profile(opening: JobOpening, employer: Employer | None) -> PlaceProfile:
    name = employer.name if employer is not None else "Unknown employer"
    title = f"{opening.title or 'Job opening'} · {name}"
    # Not the employer's hiring needs: they may be for other jobs than this one.
    other = words(employer.sector, employer.name) if employer is not None else frozenset()
    return _place(
        title, words(opening.title), other, employer, hours=opening.hours_per_week, pay=hourly_wage(opening)
    )


P = TypeVar("P")
R = TypeVar("R", bound=Record)


class MatchIndex:
    """Folded profiles kept per record id: a record is folded again only when it changed (another
    version or last save, or its employer's, for an opening). The same decoded object (the phone's
    RecordCache hands out the same one until the record changes) is a hit without comparing.
    `folds` counts the profiles built, for tests and the benchmark."""

    def __init__(self) -> None:
        self._kinds: dict[str, dict[str, tuple[Record, Record | None, tuple[Any, ...], Any]]] = {}
        self._source: object = None
        self.folds = 0

    def bind(self, source: object) -> MatchIndex:
        """This index, for records read from `source` (the phone's store): another source empties
        it first, so nothing folded from an erased store stays in memory."""
        if source is not self._source:
            self._kinds.clear()
            self._source = source
        return self

    def profiles(
        self,
        kind: str,
        records: Iterable[R],
        build: Callable[[R], P],
        related: Callable[[R], Record | None] | None = None,
    ) -> list[tuple[R, P]]:
        table = self._kinds.setdefault(kind, {})
        found: list[tuple[R, P]] = []
        for record in records:
            other = related(record) if related is not None else None
            cached = table.get(record.id)
            if cached is not None and cached[0] is record and cached[1] is other:
                found.append((record, cached[3]))
                continue
            stamp = (record.version, record.updated_at, _stamp(other))
            if cached is not None and cached[2] == stamp:
                profile = cached[3]
            else:
                profile = build(record)
                self.folds += 1
            if record.id:  # an unsaved record has no stable key
                table[record.id] = (record, other, stamp, profile)
            found.append((record, profile))
        return found


def _stamp(record: Record | None) -> tuple[Any, ...] | None:
    return (record.id, record.version, record.updated_at) if record is not None else None


def _profiles(
    index: MatchIndex | None,
    kind: str,
    records: Iterable[R],
    build: Callable[[R], P],
    related: Callable[[R], Record | None] | None = None,
) -> list[tuple[R, P]]:
    if index is None:
        return [(record, build(record)) for record in records]
    return index.profiles(kind, records, build, related)


# -- scoring -------------------------------------------------------------------------------------


def _points(
    seeker: SeekerProfile, place: PlaceProfile, distance: float | None, sets: tuple[tuple[Words, ...], ...]
) -> int:
    """`_score` without the words, for every candidate: the same points, fewer steps (a test
    holds the two to the same figures)."""
    wants, skills, places, avoid = sets
    score = 0
    hits = place.every & seeker.vocabulary
    if hits:
        head = place.head
        for want in wants:
            if want <= hits:
                score += WANTED_IN_TITLE if want <= head else WANTED_ELSEWHERE
        for skill in skills:
            if skill <= hits:
                score += ONE
        score += len(hits & seeker.experience_words) * ONE
        for avoided in avoid:
            if avoided <= hits:
                score += AVOIDED
    if places and not place.where.isdisjoint(seeker.place_words):
        where = place.where
        for wanted in places:
            if wanted <= where:
                score += ONE
    hours = place.hours
    if hours is not None and (seeker.min_hours is not None or seeker.max_hours is not None):
        fits = (seeker.min_hours is None or hours >= seeker.min_hours) and (
            seeker.max_hours is None or hours <= seeker.max_hours
        )
        score += ONE if fits else OUTSIDE_RANGE
    if place.hourly_pay is not None and seeker.min_pay is not None:
        score += ONE if place.hourly_pay >= seeker.min_pay - PAY_SLACK else OUTSIDE_RANGE
    limit = seeker.max_travel_m
    if distance is not None and limit is not None:
        score += TOO_FAR if distance > limit else ONE
    return score


def _score(
    seeker: SeekerProfile,
    place: PlaceProfile,
    distance: float | None,
    reasons: list[str] | None,
    currency: str,
) -> int:
    """Points for `place`; with `reasons`, the words for each (only the few shown need them)."""
    score = 0
    hits = place.every & seeker.vocabulary  # the words both share: usually none
    if hits:
        for want in seeker.wants:
            if want.words <= hits:
                score += WANTED_IN_TITLE if want.words <= place.head else WANTED_ELSEWHERE
                if reasons is not None:
                    reasons.append(f"wants {want.shown}")
        for group, prefix in ((seeker.skills, "skill: "), (seeker.experience, "experience: ")):
            for item in group:
                if item.words <= hits:
                    score += ONE
                    if reasons is not None:
                        reasons.append(prefix + item.shown)
    if seeker.places and not place.where.isdisjoint(seeker.place_words):
        for wanted in seeker.places:
            if wanted.words <= place.where:
                score += ONE
                if reasons is not None:
                    reasons.append(f"in {wanted.shown}")
    if hits:
        for avoided in seeker.avoid:
            if avoided.words <= hits:
                score += AVOIDED
                if reasons is not None:
                    reasons.append(f"avoid: {avoided.shown}")
    if place.hours is not None:
        score += _hours(seeker, place.hours, reasons)
    if place.hourly_pay is not None:
        score += _pay(seeker, place.hourly_pay, reasons, currency)
    if distance is not None:
        limit = seeker.max_travel_m
        far = limit is not None and distance > limit
        if limit is not None:
            score += TOO_FAR if far else ONE
        if reasons is not None:
            over = f", over {format_distance(limit)}" if far and limit is not None else ""
            reasons.append(format_distance(distance) + over)
    return score


def _hours_range(profile: SeekerProfile) -> str:
    low, high = profile.min_hours, profile.max_hours
    if low is not None and high is not None:
        return f"{low:g}-{high:g} h"
    return f"{low:g}+ h" if low is not None else f"up to {high:g} h"


def _hours(seeker: SeekerProfile, hours: float, reasons: list[str] | None) -> int:
    if seeker.min_hours is None and seeker.max_hours is None:
        return 0
    fits = (seeker.min_hours is None or hours >= seeker.min_hours) and (
        seeker.max_hours is None or hours <= seeker.max_hours
    )
    if reasons is not None:
        wanted = _hours_range(seeker)
        reasons.append(f"{hours:g} h fits {wanted}" if fits else f"{hours:g} h, wants {wanted}")
    return ONE if fits else OUTSIDE_RANGE


def _pay(seeker: SeekerProfile, pay: float, reasons: list[str] | None, currency: str) -> int:
    if seeker.min_pay is None:
        return 0
    fits = pay >= seeker.min_pay - PAY_SLACK
    if reasons is not None:
        shown, lowest = f"{currency}{pay:.2f}/h", f"{currency}{seeker.min_pay:.2f}"
        reasons.append(f"{shown}, at least {lowest}" if fits else f"{shown}, under {lowest}")
    return ONE if fits else OUTSIDE_RANGE


def _distances(near: Point | None) -> Callable[[PlaceProfile], float | None]:
    """Metres from `near` to a place, as app.domain.geometry.distance_m (haversine) computes them,
    with `near`'s trigonometry done once."""
    if near is None:
        return lambda _place: None
    lat1, lon1 = math.radians(near[0]), math.radians(near[1])
    cos1 = math.cos(lat1)
    sin, asin, sqrt = math.sin, math.asin, math.sqrt

    def metres(place: PlaceProfile) -> float | None:
        if place.radians is None:
            return None
        lat2, lon2, cos2 = place.radians
        h = sin((lat2 - lat1) / 2) ** 2 + cos1 * cos2 * sin((lon2 - lon1) / 2) ** 2
        return 2 * EARTH_RADIUS_M * asin(sqrt(min(1.0, h)))

    return metres


_Scored = tuple[int, float | None, str, str, PlaceProfile]


def _order(by: RankBy) -> Callable[[_Scored], tuple[Any, ...]]:
    if by is RankBy.DISTANCE:
        return lambda c: (c[1] is None, c[1] or 0.0, -c[0], c[2], c[3])
    return lambda c: (-c[0], c[1] is None, c[1] or 0.0, c[2], c[3])


def _rank(
    kind: str,
    seeker: SeekerProfile,
    candidates: Iterable[tuple[Record, PlaceProfile]],
    *,
    near: Point | None,
    by: RankBy,
    limit: int,
    currency: str,
) -> list[Match]:
    metres = _distances(near)
    sets = tuple(seeker.sets(group) for group in (seeker.wants, seeker.skills, seeker.places, seeker.avoid))
    scored: list[_Scored] = []
    for record, place in candidates:
        distance = metres(place)
        score = _points(seeker, place, distance, sets)
        if score > 0:
            scored.append((score, distance, place.sort_title, record.id, place))
    results = []
    for score, distance, _title, record_id, place in heapq.nsmallest(limit, scored, key=_order(by)):
        reasons: list[str] = []
        _score(seeker, place, distance, reasons, currency)  # words only for the few shown
        results.append(Match(kind, record_id, place.title, score, distance, tuple(reasons)))
    return results


def _seeker(index: MatchIndex | None, seeker: JobSeeker) -> SeekerProfile:
    return _profiles(index, "job_seeker", [seeker], seeker_profile)[0][1]


def rank_employers(
    seeker: JobSeeker,
    employers: Iterable[Employer],
    *,
    near: Point | None = None,
    by: RankBy = RankBy.MATCH,
    limit: int = TOP,
    index: MatchIndex | None = None,
    currency: str = DEFAULT_CURRENCY,
) -> list[Match]:
    """The employers that fit `seeker` best (at most `limit`), distances from `near`."""
    candidates = _profiles(index, "employer", employers, employer_profile)
    wanted = _seeker(index, seeker)
    return _rank("employer", wanted, candidates, near=near, by=by, limit=limit, currency=currency)


def rank_openings(
    seeker: JobSeeker,
    openings: Iterable[JobOpening],
    employers: Mapping[str, Employer],
    *,
    near: Point | None = None,
    by: RankBy = RankBy.MATCH,
    limit: int = TOP,
    index: MatchIndex | None = None,
    currency: str = DEFAULT_CURRENCY,
) -> list[Match]:
    """The openings still worked on that fit `seeker` best, each titled "title · employer"."""
    live = [opening for opening in openings if opening.status not in FINISHED]
    candidates = _profiles(
        index,
        "job_opening",
        live,
        lambda opening: opening_profile(opening, employers.get(opening.employer_id)),
        # An edit of the employer (its name, sector, place) folds its openings again.
        related=lambda opening: employers.get(opening.employer_id),
    )
    wanted = _seeker(index, seeker)
    return _rank("job_opening", wanted, candidates, near=near, by=by, limit=limit, currency=currency)


def seekers_for_opening(
    opening: JobOpening,
    employer: Employer | None,
    seekers: Iterable[JobSeeker],
    *,
    limit: int = TOP,
    index: MatchIndex | None = None,
    currency: str = DEFAULT_CURRENCY,
) -> list[Match]:
    """The job seekers `opening` fits best (not those whose support has ended). No distance: a
    job seeker's home is not on the phone."""
    place = opening_profile(opening, employer)
    current = [seeker for seeker in seekers if seeker.status is not SeekerStatus.ENDED]
    scored = []
    for seeker, wanted in _profiles(index, "job_seeker", current, seeker_profile):
        score = _score(wanted, place, None, None, currency)
        if score > 0:
            scored.append((score, fold(seeker.code), seeker.id, seeker, wanted))
    results = []
    for score, _code, seeker_id, seeker, wanted in heapq.nsmallest(
        limit, scored, key=lambda c: (-c[0], c[1], c[2])
    ):
        reasons: list[str] = []
        _score(wanted, place, None, reasons, currency)
        results.append(Match("job_seeker", seeker_id, seeker.code, score, None, tuple(reasons)))
    return results
