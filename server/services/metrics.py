"""IPS fidelity metrics: pure functions over plain rows, and thin queries that fetch those rows.

Definitions (pinned by tests/server/test_metrics.py):
- A week is an ISO week: Monday 00:00 to the next Monday 00:00 in the team's time zone (so a
  visit at Sunday 23:30 local belongs to the week that started six days before, whatever UTC says).
- Only face-to-face employer visits made for job development count toward the standard of
  FIDELITY_CONTACTS_PER_WEEK: every purpose but in-work support (NOT_JOB_DEVELOPMENT; the IPS
  scale counts contacts made to develop jobs, and in-work support visits serve someone already in
  work). Face-to-face in-work support visits, and phone, email and video contacts, are counted apart.
- A face-to-face job-development contact is *new* when it is the team's first such contact with
  that employer (employers are shared by the team); every later one is a *repeat* visit.
- Days to first employer contact: the clock starts on the day the job seeker chose to start the
  job search (job_search_started_on), else on the referral date; it stops on the local date of
  the first face-to-face employer visit made on their behalf, on or after that day, whether it
  named them to the employer (job_seeker_ids) or not (undisclosed_job_seeker_ids: the derived
  `seeker_ids` column holds both). With none yet, the job seeker is overdue once more than
  DAYS_TO_FIRST_EMPLOYER_CONTACT days have passed, unless they are working (status "working" or a
  current job) and have had an in-work support check-in: they are past job search.
- In-work support: for a job seeker who is working, the last support check-in and the next one due
  by app.domain.rules.next_support_due; overdue when that date is before today.
- Jobs started: Job records (what a job seeker holds), not openings: those of the team's job seekers
  that started in the period shown, counted by server.services.outcomes.started_between, the rule
  the outcomes' "job starts" use; competitive by app.domain.jobs.is_competitive_job (open market, at
  least the minimum wage an hour). Openings feed the pipeline only
  (tests/server/test_fidelity_job_starts.py).
- Caseload: job seekers not "ended", per specialist, against CASELOAD_LIMIT.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.domain.enums import OpeningStatus, VisitPurpose
from app.domain.rules import (
    DAYS_TO_FIRST_EMPLOYER_CONTACT,
    FIDELITY_CONTACTS_PER_WEEK,
    next_support_due,
)

__all__ = ["FIDELITY_CONTACTS_PER_WEEK"]

# Every purpose of a visit develops jobs but this one; a visit with no purpose stored is counted.
NOT_JOB_DEVELOPMENT = VisitPurpose.IN_WORK_SUPPORT.value


def week_of(instant: datetime, zone: ZoneInfo) -> date:
    """The Monday that starts the ISO week holding `instant`, in `zone`."""
    local = instant.astimezone(zone).date()
    return local - timedelta(days=local.weekday())


def week_bounds(monday: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Monday 00:00 and the next Monday 00:00 in `zone` (a DST week is 167 or 169 hours long)."""
    start = datetime(monday.year, monday.month, monday.day, tzinfo=zone)
    after = monday + timedelta(days=7)
    return start, datetime(after.year, after.month, after.day, tzinfo=zone)


def recent_weeks(today: date, count: int) -> list[date]:
    """The Mondays of the last `count` ISO weeks, this one included, oldest first."""
    this_week = today - timedelta(days=today.weekday())
    return [this_week - timedelta(weeks=back) for back in range(count - 1, -1, -1)]


@dataclass(frozen=True)
class Contact:
    record_id: str
    owner_id: str
    employer_id: str
    occurred_at: datetime
    face_to_face: bool
    job_development: bool = True


@dataclass
class WeekCount:
    face_to_face: int = 0  # face-to-face job-development contacts: the standard's count
    new_employers: int = 0
    repeat_visits: int = 0
    other_contacts: int = 0  # phone, email, video
    in_work_support: int = 0  # face-to-face in-work support visits (not job development)

    @property
    def meets_standard(self) -> bool:
        return self.face_to_face >= FIDELITY_CONTACTS_PER_WEEK


def weekly_contacts(
    contacts: Iterable[Contact], *, zone: ZoneInfo, earlier_first: dict[str, datetime]
) -> dict[tuple[str, date], WeekCount]:
    """Counts per (specialist, week). `earlier_first` holds, per employer, the team's first
    face-to-face contact before these contacts (employers absent were never met before)."""
    ordered = sorted(contacts, key=lambda c: (c.occurred_at, c.record_id))
    met: set[str] = set(earlier_first)
    counts: dict[tuple[str, date], WeekCount] = {}
    for contact in ordered:
        count = counts.setdefault((contact.owner_id, week_of(contact.occurred_at, zone)), WeekCount())
        if not contact.face_to_face:
            count.other_contacts += 1
            continue
        if not contact.job_development:
            count.in_work_support += 1
            continue
        count.face_to_face += 1
        if contact.employer_id in met:
            count.repeat_visits += 1
        else:
            met.add(contact.employer_id)
            count.new_employers += 1
    return counts


DEVELOPMENT, IN_WORK_SUPPORT, OTHER = "development", "in_work_support", "other"


def weekly_counts(
    totals: Iterable[tuple[str, date, str, int]],
    firsts: Iterable[tuple[str, datetime]],
    *,
    zone: ZoneInfo,
    start: datetime,
) -> dict[tuple[str, date], WeekCount]:
    """The counts of `weekly_contacts`, from what the database can aggregate: `totals` of contacts
    per (specialist, week, category: DEVELOPMENT, IN_WORK_SUPPORT or OTHER), and for each employer
    met face to face for job development in the weeks the team's first such contact ever (its
    specialist, when). That first contact is the new one when it falls in the weeks (at or after
    `start`); every other face-to-face job-development one repeats."""
    counts: dict[tuple[str, date], WeekCount] = {}
    for owner, monday, category, n in totals:
        count = counts.setdefault((owner, monday), WeekCount())
        if category == DEVELOPMENT:
            count.face_to_face += n
            count.repeat_visits += n
        elif category == IN_WORK_SUPPORT:
            count.in_work_support += n
        else:
            count.other_contacts += n
    for owner, occurred_at in firsts:
        if occurred_at < start:
            continue
        count = counts.setdefault((owner, week_of(occurred_at, zone)), WeekCount())
        count.new_employers += 1
        count.repeat_visits -= 1
    return counts


@dataclass(frozen=True)
class Seeker:
    record_id: str
    code: str
    owner_id: str
    referral_date: date | None
    status: str
    job_started_on: date | None
    job_search_started_on: date | None = None

    @property
    def clock_start(self) -> date | None:
        """The day the 30-day first-contact clock starts: the job search's start, else the referral."""
        return self.job_search_started_on or self.referral_date


@dataclass(frozen=True)
class SeekerMetrics:
    seeker: Seeker
    first_contact_on: date | None
    days_to_first_contact: int | None
    first_contact_overdue: bool
    last_support_on: date | None
    next_support_due: date | None
    support_overdue: bool


def first_contacts(
    visits: Iterable[tuple[datetime, list[str]]], *, referrals: dict[str, date], zone: ZoneInfo
) -> dict[str, date]:
    """Per job seeker, the local date of the first face-to-face visit made for them, on or after
    the day their clock starts (`referrals`: Seeker.clock_start). `visits` are (when, job seeker
    ids, named or not) of face-to-face visits only."""
    first: dict[str, date] = {}
    for occurred_at, seeker_ids in visits:
        day = occurred_at.astimezone(zone).date()
        for seeker_id in seeker_ids:
            referred = referrals.get(seeker_id)
            if referred is None or day < referred:
                continue
            if seeker_id not in first or day < first[seeker_id]:
                first[seeker_id] = day
    return first


def seeker_metrics(
    seeker: Seeker,
    *,
    first_contact_on: date | None,
    last_support_on: date | None,
    today: date,
    current_job_started_on: date | None = None,
) -> SeekerMetrics:
    """`current_job_started_on`: the start of the latest of the job seeker's current jobs (Job
    records not ended), None without one; the older single start date is read otherwise."""
    clock = seeker.clock_start
    days = (first_contact_on - clock).days if first_contact_on and clock else None
    working = seeker.status == "working" or current_job_started_on is not None
    overdue = (
        first_contact_on is None
        and clock is not None
        and seeker.status != "ended"
        and (today - clock).days > DAYS_TO_FIRST_EMPLOYER_CONTACT
        and not (working and last_support_on is not None)
    )
    due = None
    started = current_job_started_on or (seeker.job_started_on if seeker.status == "working" else None)
    if started is not None:
        due = next_support_due(job_started_on=started, last_contact_on=last_support_on)
    return SeekerMetrics(
        seeker=seeker,
        first_contact_on=first_contact_on,
        days_to_first_contact=days,
        first_contact_overdue=overdue,
        last_support_on=last_support_on,
        next_support_due=due,
        support_overdue=due is not None and due < today,
    )


def caseloads(seekers: Iterable[Seeker]) -> Counter[str]:
    return Counter(s.owner_id for s in seekers if s.status != "ended")


PIPELINE_STAGES: tuple[str, ...] = tuple(status.value for status in OpeningStatus)


def pipeline(statuses: Iterable[str]) -> dict[str, int]:
    """Openings per stage, every stage listed in order (zero when empty)."""
    counted = Counter(statuses)
    return {stage: counted.get(stage, 0) for stage in PIPELINE_STAGES}
