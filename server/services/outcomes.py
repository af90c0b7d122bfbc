"""IPS employment outcomes per calendar quarter, for a team and for each specialist: pure functions
over plain rows (server.services.metrics_queries fetches them). Pinned by tests/server/test_outcomes.py,
which works each figure out again row by row.

Definitions (the outcomes page says them too):
- A quarter is a calendar quarter (January-March, ...) of local dates in the team's time zone. The
  current quarter runs to today: `upto` below is the quarter's last day or today, the earlier.
- A job (a Job record) is *held during the quarter* when it started on or before `upto` and had not
  ended before the quarter's first day (`ended_on` is the last day worked). A job with no start
  date is not counted anywhere.
- Competitive: open to anyone and paying at least the minimum wage per hour (the rule openings
  use: app.domain.jobs.is_competitive_job).
- Caseload: job seekers whose status is not "ended" and who were referred on or before `upto` (a job
  seeker keeps no date of ending, so every quarter reads today's status).
- Employment rate: of the caseload, the share holding a competitive job during the quarter.
- Job starts: jobs that started in the quarter (competitive ones counted apart): `started_between`,
  which the fidelity page's "jobs started" also counts by, over the weeks it shows.
- Median tenure, in days: of the jobs that ended in the quarter, from start to end; and of the jobs
  still held at `upto`, from start to `upto`.
- Held 90 days or more: jobs held during the quarter that had lasted at least 90 days by their
  end or by `upto`, whichever came first.
- Hours and pay: the median hours a week and median pay per hour of the competitive jobs held
  during the quarter (jobs without the figure left out).
- A specialist's figures are those of their job seekers (the job seeker's specialist, not the
  job's author); the team's are every job seeker's.
"""

from __future__ import annotations

import statistics
from collections.abc import Container, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from app.domain.jobs import HELD_LONG_DAYS
from server.services.metrics import Seeker

HELD_DAYS = HELD_LONG_DAYS  # IPS: a job held 90 days or more


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1..4

    @property
    def first(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last(self) -> date:
        following = Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        return following.first - timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{self.year} Q{self.number}"

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)


def quarter_of(day: date) -> Quarter:
    return Quarter(day.year, (day.month - 1) // 3 + 1)


def recent_quarters(today: date, count: int) -> list[Quarter]:
    """The last `count` quarters, this one included, oldest first."""
    quarters = [quarter_of(today)]
    while len(quarters) < count:
        quarters.append(quarters[-1].previous())
    return quarters[::-1]


@dataclass(frozen=True)
class HeldJob:
    """What the outcomes read of a Job record."""

    record_id: str
    seeker_id: str
    started_on: date | None
    ended_on: date | None
    hours_per_week: float | None
    pay_per_hour: float | None
    competitive: bool


def started_between(
    jobs: Iterable[HeldJob], *, seeker_ids: Container[str], first: date, upto: date
) -> list[HeldJob]:
    """The job starts of these job seekers from `first` to `upto`, both included: their jobs whose
    start date falls in that span (a job with none is no start)."""
    return [
        j
        for j in jobs
        if j.seeker_id in seeker_ids and j.started_on is not None and first <= j.started_on <= upto
    ]


@dataclass(frozen=True)
class JobStarts:
    started: int = 0
    competitive: int = 0

    @property
    def share(self) -> float | None:
        return self.competitive / self.started if self.started else None


def count_starts(starts: Iterable[HeldJob]) -> JobStarts:
    jobs = list(starts)
    return JobStarts(started=len(jobs), competitive=sum(1 for j in jobs if j.competitive))


@dataclass(frozen=True)
class QuarterOutcome:
    quarter: Quarter
    upto: date
    caseload: int
    employed: int
    job_starts: int
    competitive_starts: int
    jobs_ended: int
    median_tenure_ended: float | None
    jobs_current: int
    median_tenure_current: float | None
    held_90_days: int
    median_hours: float | None
    median_pay: float | None

    @property
    def employment_rate(self) -> float | None:
        return self.employed / self.caseload if self.caseload else None


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def quarter_outcome(
    quarter: Quarter, seekers: Iterable[Seeker], jobs: Iterable[HeldJob], *, today: date
) -> QuarterOutcome:
    """The figures of one quarter for these job seekers and their jobs (jobs of other job seekers
    are left out)."""
    upto = min(quarter.last, today)
    people = list(seekers)
    ids = {s.record_id for s in people}
    mine = [j for j in jobs if j.seeker_id in ids and j.started_on is not None and j.started_on <= upto]
    held = [j for j in mine if j.ended_on is None or j.ended_on >= quarter.first]
    caseload = {
        s.record_id
        for s in people
        if s.status != "ended" and (s.referral_date is None or s.referral_date <= upto)
    }
    employed = {j.seeker_id for j in held if j.competitive} & caseload
    starts = count_starts(started_between(mine, seeker_ids=ids, first=quarter.first, upto=upto))
    ended = [j for j in held if j.ended_on is not None and j.ended_on <= upto]
    current = [j for j in held if j.ended_on is None or j.ended_on > upto]

    def tenure(job: HeldJob) -> int:
        assert job.started_on is not None
        return ((job.ended_on if job.ended_on and job.ended_on < upto else upto) - job.started_on).days

    competitive = [j for j in held if j.competitive]
    return QuarterOutcome(
        quarter=quarter,
        upto=upto,
        caseload=len(caseload),
        employed=len(employed),
        job_starts=starts.started,
        competitive_starts=starts.competitive,
        jobs_ended=len(ended),
        median_tenure_ended=_median([tenure(j) for j in ended]),
        jobs_current=len(current),
        median_tenure_current=_median([tenure(j) for j in current]),
        held_90_days=sum(1 for j in held if tenure(j) >= HELD_DAYS),
        median_hours=_median([j.hours_per_week for j in competitive if j.hours_per_week is not None]),
        median_pay=_median([j.pay_per_hour for j in competitive if j.pay_per_hour is not None]),
    )


@dataclass(frozen=True)
class Outcomes:
    quarters: list[Quarter]
    team: list[QuarterOutcome]
    specialists: list[tuple[str, str, list[QuarterOutcome]]]  # (user id, name, per quarter)


def outcomes(
    quarters: list[Quarter],
    seekers: list[Seeker],
    jobs: list[HeldJob],
    *,
    specialists: list[tuple[str, str]],
    today: date,
) -> Outcomes:
    """The team's figures and each specialist's (by the job seeker's specialist), per quarter.
    Job seekers and jobs are grouped by specialist once, so each specialist's quarters read only
    their own."""
    owner_of = {s.record_id: s.owner_id for s in seekers}
    seekers_of: dict[str, list[Seeker]] = {}
    for seeker in seekers:
        seekers_of.setdefault(seeker.owner_id, []).append(seeker)
    jobs_of: dict[str, list[HeldJob]] = {}
    for job in jobs:
        if job.seeker_id in owner_of:
            jobs_of.setdefault(owner_of[job.seeker_id], []).append(job)
    return Outcomes(
        quarters=quarters,
        team=[quarter_outcome(q, seekers, jobs, today=today) for q in quarters],
        specialists=[
            (
                uid,
                name,
                [
                    quarter_outcome(q, seekers_of.get(uid, []), jobs_of.get(uid, []), today=today)
                    for q in quarters
                ],
            )
            for uid, name in specialists
        ],
    )
