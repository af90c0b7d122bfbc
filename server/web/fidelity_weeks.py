"""The fidelity page's weekly figures and fidelity.csv, computed once for both: the team's
specialists, the weeks shown, each specialist's contacts per week (services.metrics) and the job
starts of their job seekers per week and in all (services.outcomes' rule), so the page and its
export never disagree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from server.services import metrics_queries as q
from server.services.activity import team_members
from server.services.metrics import Seeker, WeekCount, recent_weeks, week_bounds, weekly_counts
from server.services.outcomes import HeldJob, JobStarts, count_starts, started_between


@dataclass(frozen=True)
class FidelityWeeks:
    mondays: list[date]  # the weeks shown, oldest first
    specialists: list[tuple[str, str]]  # (user id, name), in team_members' order
    counts: dict[tuple[str, date], WeekCount]  # per (specialist, Monday); a week with none is absent
    seekers: list[Seeker]  # the team's job seekers (the page's caseloads and job seeker table too)
    jobs: list[HeldJob]  # the team's jobs
    starts: list[HeldJob]  # those that started from the first Monday to today
    starts_by_week: dict[tuple[str, date], list[HeldJob]]  # by (the job seeker's specialist, Monday)

    def week(self, user_id: str, monday: date) -> WeekCount | None:
        return self.counts.get((user_id, monday))

    def week_starts(self, user_id: str, monday: date) -> JobStarts:
        return count_starts(self.starts_by_week.get((user_id, monday), []))

    def specialist_starts(self, user_id: str) -> JobStarts:
        """Every week's job starts of this specialist's job seekers, added up."""
        return count_starts(
            j for (owner, _), jobs in self.starts_by_week.items() if owner == user_id for j in jobs
        )

    @property
    def all_starts(self) -> JobStarts:
        """The team's job starts in the weeks shown, whoever's job seekers they are."""
        return count_starts(self.starts)


def fidelity_weeks(
    session: Session, *, team_id: str, today: date, weeks: int, zone: ZoneInfo, minimum_wage: float
) -> FidelityWeeks:
    mondays = recent_weeks(today, weeks)
    specialists = [
        (uid, name) for uid, name, role in team_members(session, team_id=team_id) if role == "specialist"
    ]
    seekers = q.team_seekers(session, team_id=team_id)
    jobs = q.team_jobs(session, team_id=team_id, minimum_wage=minimum_wage)
    starts = job_starts_in(seekers, jobs, first=mondays[0], today=today)
    return FidelityWeeks(
        mondays=mondays,
        specialists=specialists,
        counts=weekly_table(session, team_id=team_id, mondays=mondays, zone=zone),
        seekers=seekers,
        jobs=jobs,
        starts=starts,
        starts_by_week=_by_week(seekers, starts),
    )


def job_starts_in(seekers: list[Seeker], jobs: list[HeldJob], *, first: date, today: date) -> list[HeldJob]:
    """The team's job starts from `first` (the first week shown) to today: by the rule of the
    outcomes' job starts (services.outcomes.started_between), for the same job seekers."""
    return started_between(jobs, seeker_ids={s.record_id for s in seekers}, first=first, upto=today)


def _by_week(seekers: list[Seeker], starts: list[HeldJob]) -> dict[tuple[str, date], list[HeldJob]]:
    """Job starts per (specialist, week): the job seeker's specialist, the Monday of the start day."""
    owner_of = {s.record_id: s.owner_id for s in seekers}
    grouped: dict[tuple[str, date], list[HeldJob]] = {}
    for job in starts:
        if job.started_on is not None:
            monday = job.started_on - timedelta(days=job.started_on.weekday())
            grouped.setdefault((owner_of[job.seeker_id], monday), []).append(job)
    return grouped


def weekly_table(
    session: Session, *, team_id: str, mondays: list[date], zone: ZoneInfo
) -> dict[tuple[str, date], WeekCount]:
    """Counts per (specialist, week) over these consecutive weeks."""
    start, _ = week_bounds(mondays[0], zone)
    _, end = week_bounds(mondays[-1], zone)
    totals = q.week_totals(session, team_id=team_id, mondays=mondays, zone=zone)
    firsts_met = q.first_meetings(session, team_id=team_id, start=start, end=end)
    return weekly_counts(totals, firsts_met, zone=zone, start=start)
