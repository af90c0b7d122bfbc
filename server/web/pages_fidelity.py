"""Fidelity: job development per specialist per week, job seekers' first contact and in-work
support, the openings pipeline, jobs started and how many are competitive, and caseloads
(definitions in services.metrics); the weekly table, with each week's job starts, as CSV. The
page and the CSV take their weekly figures from one computation (server.web.fidelity_weeks)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from app.domain.rules import CASELOAD_LIMIT, DAYS_TO_FIRST_EMPLOYER_CONTACT, FIDELITY_CONTACTS_PER_WEEK
from server.api.deps import ClockDep, DbDep, SettingsDep
from server.services import metrics_queries as q
from server.services.activity import team_members
from server.services.metrics import (
    Seeker,
    SeekerMetrics,
    WeekCount,
    caseloads,
    pipeline,
    seeker_metrics,
    week_bounds,
)
from server.services.outcomes import HeldJob
from server.web.charts import Series, weekly_chart
from server.web.common import Supervisor, audit_export, render, review_read, team_zone
from server.web.export_rows import spreadsheet_safe
from server.web.fidelity_weeks import fidelity_weeks

router = APIRouter(prefix="/review", include_in_schema=False)
FIRST_CONTACT_LOOKBACK_DAYS = 400


@router.get("/fidelity", response_class=HTMLResponse)
def fidelity_page(
    request: Request,
    db: DbDep,
    clock: ClockDep,
    settings: SettingsDep,
    supervisor: Supervisor,
    weeks: Annotated[int, Query(ge=4, le=52)] = 12,
) -> HTMLResponse:
    zone = team_zone(request)
    today = clock.now().astimezone(zone).date()
    team = supervisor.team_id
    with review_read(db) as session:
        shown = fidelity_weeks(
            session, team_id=team, today=today, weeks=weeks, zone=zone, minimum_wage=settings.minimum_wage
        )
        per_seeker = seeker_table(
            session, team_id=team, seekers=shown.seekers, jobs=shown.jobs, today=today, zone=zone
        )
        openings = q.team_openings(session, team_id=team)
    members, mondays = shown.specialists, shown.mondays
    names = dict(members)
    per_seeker.sort(key=lambda m: (names.get(m.seeker.owner_id, ""), m.seeker.code))
    rows = [(name, [shown.week(uid, w) for w in mondays]) for uid, name in members]
    chart = weekly_chart(
        mondays,
        [Series(name, [c.face_to_face if c else 0 for c in cells]) for name, cells in rows],
        standard=FIDELITY_CONTACTS_PER_WEEK,
    )
    table = [(name, Markup("".join(map(_week_cell, cells)))) for name, cells in rows]
    loads = caseloads(shown.seekers)
    context: dict[str, Any] = {
        "user": supervisor,
        "nav": "fidelity",
        "zone": zone.key,
        "weeks": mondays,
        "weeks_count": weeks,
        "rows": table,
        "chart": Markup(chart),  # built from escaped parts in server.web.charts
        "standard": FIDELITY_CONTACTS_PER_WEEK,
        "seekers": per_seeker,
        "names": names,
        "first_overdue": [m for m in per_seeker if m.first_contact_overdue],
        "support_overdue": [m for m in per_seeker if m.support_overdue],
        "pipeline": pipeline(o.status.value for o in openings),
        "jobs": shown.all_starts,
        "jobs_per_specialist": [(name, shown.specialist_starts(uid)) for uid, name in members],
        "minimum_wage": settings.minimum_wage,
        "caseloads": [(name, loads.get(uid, 0)) for uid, name in members],
        "caseload_limit": CASELOAD_LIMIT,
        "days_standard": DAYS_TO_FIRST_EMPLOYER_CONTACT,
        "today": today,
    }
    return render(request, "fidelity.html", context)


def seeker_table(
    session: Session,
    *,
    team_id: str,
    seekers: list[Seeker],
    jobs: list[HeldJob],
    today: date,
    zone: ZoneInfo,
) -> list[SeekerMetrics]:
    """First contact and in-work support of each job seeker on the caseload (not ended)."""
    open_clocks = [s.clock_start for s in seekers if s.clock_start and s.status != "ended"]
    lookback = today - timedelta(days=FIRST_CONTACT_LOOKBACK_DAYS)
    since_day = max([lookback, min(open_clocks, default=today)])
    clocks = {s.record_id: s.clock_start for s in seekers if s.clock_start}
    since = week_bounds(since_day, zone)[0]
    firsts = q.first_contact_days(session, team_id=team_id, referrals=clocks, since=since, zone=zone)
    support = q.last_support(session, team_id=team_id)
    current = current_job_starts(jobs, today)
    return [
        seeker_metrics(
            s,
            first_contact_on=firsts.get(s.record_id),
            last_support_on=support[s.record_id].astimezone(zone).date() if s.record_id in support else None,
            today=today,
            current_job_started_on=current.get(s.record_id),
        )
        for s in seekers
        if s.status != "ended"
    ]


SEEKER_CSV_COLUMNS = (
    "job_seeker", "specialist", "status", "clock_from", "first_employer_contact", "days_to_first_contact",
    "first_contact_overdue", "last_in_work_support", "next_support_due", "support_overdue",
)  # fmt: skip


@router.get("/fidelity/job-seekers.csv")
def fidelity_seekers_csv(
    request: Request, db: DbDep, clock: ClockDep, settings: SettingsDep, supervisor: Supervisor
) -> Response:
    """The page's job seeker table: first employer contact and in-work support, one row each
    (codes and names are typed by people: every text cell goes through spreadsheet_safe)."""
    zone = team_zone(request)
    today = clock.now().astimezone(zone).date()
    team = supervisor.team_id
    with review_read(db) as session:
        names = {uid: name for uid, name, _ in team_members(session, team_id=team)}
        seekers = q.team_seekers(session, team_id=team)
        jobs = q.team_jobs(session, team_id=team, minimum_wage=settings.minimum_wage)
        per_seeker = seeker_table(session, team_id=team, seekers=seekers, jobs=jobs, today=today, zone=zone)
    audit_export(db, clock, supervisor, "fidelity-job-seekers-csv")
    per_seeker.sort(key=lambda m: (names.get(m.seeker.owner_id, ""), m.seeker.code))

    def day(value: date | None) -> str:
        return value.isoformat() if value else ""

    rows = [
        [m.seeker.code, names.get(m.seeker.owner_id, ""), m.seeker.status, day(m.seeker.clock_start),
         day(m.first_contact_on), "" if m.days_to_first_contact is None else m.days_to_first_contact,
         "yes" if m.first_contact_overdue else "no", day(m.last_support_on), day(m.next_support_due),
         "yes" if m.support_overdue else "no"]
        for m in per_seeker
    ]  # fmt: skip
    return csv_response("fieldwork-fidelity-job-seekers.csv", SEEKER_CSV_COLUMNS, rows)


def current_job_starts(jobs: list[HeldJob], today: date) -> dict[str, date]:
    """Per job seeker holding a job today (started, not ended before today), its latest start."""
    starts: dict[str, date] = {}
    for job in jobs:
        if job.started_on is None or job.started_on > today or (job.ended_on and job.ended_on < today):
            continue
        starts[job.seeker_id] = max(job.started_on, starts.get(job.seeker_id, job.started_on))
    return starts


FIDELITY_CSV_COLUMNS = (
    "specialist", "week_starting", "face_to_face_job_development", "new_employers", "repeat_visits",
    "in_work_support_visits", "phone_email_video", "meets_standard", "job_starts", "competitive_job_starts",
)  # fmt: skip


@router.get("/fidelity.csv")
def fidelity_csv(
    request: Request,
    db: DbDep,
    clock: ClockDep,
    settings: SettingsDep,
    supervisor: Supervisor,
    weeks: Annotated[int, Query(ge=4, le=52)] = 12,
) -> Response:
    """The weekly job-development table, a row per specialist and week, with the jobs their job
    seekers started that week (to today): a BOM first, so Excel reads UTF-8; every text cell
    neutralised against formulas (a name is typed by people)."""
    zone = team_zone(request)
    today = clock.now().astimezone(zone).date()
    with review_read(db) as session:
        shown = fidelity_weeks(
            session,
            team_id=supervisor.team_id,
            today=today,
            weeks=weeks,
            zone=zone,
            minimum_wage=settings.minimum_wage,
        )
    audit_export(db, clock, supervisor, "fidelity-csv")
    rows = [
        [name, monday.isoformat(), c.face_to_face, c.new_employers, c.repeat_visits, c.in_work_support,
         c.other_contacts, "yes" if c.meets_standard else "no", j.started, j.competitive]
        for uid, name in shown.specialists
        for monday in shown.mondays
        for c, j in [(shown.week(uid, monday) or WeekCount(), shown.week_starts(uid, monday))]
    ]  # fmt: skip
    return csv_response("fieldwork-fidelity.csv", FIDELITY_CSV_COLUMNS, rows)


def csv_response(filename: str, columns: tuple[str, ...], rows: list[list[Any]]) -> Response:
    """A small CSV table: UTF-8 with a BOM, every cell through spreadsheet_safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response("\ufeff" + buffer.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


def _week_cell(count: WeekCount | None) -> str:
    """One cell of the weekly table, written here rather than in the template: a year of weeks is
    hundreds of cells, and Jinja escaping each number cost more than the queries behind them.
    Only numbers go in, so there is nothing to escape."""
    if count is None:
        return '<td class="num bad" title="no contacts">0</td>'
    new, repeat = count.new_employers, count.repeat_visits
    small = f"<br><small>{new}n·{repeat}r</small>" if count.face_to_face else ""
    return (
        f'<td class="num {"" if count.meets_standard else "bad"}" title="{new} new, {repeat} repeat, '
        f"{count.in_work_support} in-work support, {count.other_contacts} by phone/email/video"
        f'">{count.face_to_face}{small}</td>'
    )
