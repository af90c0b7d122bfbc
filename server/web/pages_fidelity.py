"""Fidelity: job development per specialist per week, job seekers' first contact and in-work
support, the openings pipeline, competitive jobs and caseloads (definitions in services.metrics)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from app.domain.rules import CASELOAD_LIMIT, DAYS_TO_FIRST_EMPLOYER_CONTACT, FIDELITY_CONTACTS_PER_WEEK
from server.api.deps import ClockDep, DbDep, SettingsDep
from server.services import metrics_queries as q
from server.services.activity import team_members
from server.services.metrics import (
    WeekCount,
    caseloads,
    jobs_started,
    pipeline,
    recent_weeks,
    seeker_metrics,
    week_bounds,
    weekly_counts,
)
from server.web.charts import Series, weekly_chart
from server.web.common import Supervisor, render, review_read, team_zone

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
    mondays = recent_weeks(today, weeks)
    start, _ = week_bounds(mondays[0], zone)
    _, end = week_bounds(mondays[-1], zone)
    team = supervisor.team_id
    with review_read(db) as session:
        members = [
            (uid, name) for uid, name, role in team_members(session, team_id=team) if role == "specialist"
        ]
        totals = q.week_totals(session, team_id=team, mondays=mondays, zone=zone)
        firsts_met = q.first_meetings(session, team_id=team, start=start, end=end)
        seekers = q.team_seekers(session, team_id=team)
        open_referrals = [s.referral_date for s in seekers if s.referral_date and s.status != "ended"]
        lookback = today - timedelta(days=FIRST_CONTACT_LOOKBACK_DAYS)
        since_day = max([lookback, min(open_referrals, default=today)])
        referrals = {s.record_id: s.referral_date for s in seekers if s.referral_date}
        since = week_bounds(since_day, zone)[0]
        firsts = q.first_contact_days(session, team_id=team, referrals=referrals, since=since, zone=zone)
        support = q.last_support(session, team_id=team)
        openings = q.team_openings(session, team_id=team)
    counts = weekly_counts(totals, firsts_met, zone=zone, start=start)
    names = dict(members)
    per_seeker = [
        seeker_metrics(
            s,
            first_contact_on=firsts.get(s.record_id),
            last_support_on=support[s.record_id].astimezone(zone).date() if s.record_id in support else None,
            today=today,
        )
        for s in seekers
        if s.status != "ended"
    ]
    per_seeker.sort(key=lambda m: (names.get(m.seeker.owner_id, ""), m.seeker.code))
    rows = [(name, [counts.get((uid, w)) for w in mondays]) for uid, name in members]
    chart = weekly_chart(
        mondays,
        [Series(name, [c.face_to_face if c else 0 for c in cells]) for name, cells in rows],
        standard=FIDELITY_CONTACTS_PER_WEEK,
    )
    table = [(name, Markup("".join(map(_week_cell, cells)))) for name, cells in rows]
    loads = caseloads(seekers)
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
        "jobs": jobs_started(openings, minimum_wage=settings.minimum_wage),
        "minimum_wage": settings.minimum_wage,
        "caseloads": [(name, loads.get(uid, 0)) for uid, name in members],
        "caseload_limit": CASELOAD_LIMIT,
        "days_standard": DAYS_TO_FIRST_EMPLOYER_CONTACT,
        "today": today,
    }
    return render(request, "fidelity.html", context)


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
        f'{count.other_contacts} by phone/email/video">{count.face_to_face}{small}</td>'
    )
