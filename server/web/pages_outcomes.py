"""Employment outcomes per quarter, for the team and each specialist (definitions in
server.services.outcomes): a table, the employment rate as a chart, and the tables as CSV."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from app.domain.clock import Clock
from server.api.deps import ClockDep, DbDep, SettingsDep
from server.db.database import Database
from server.services import metrics_queries as q
from server.services.activity import team_members
from server.services.outcomes import HELD_DAYS, Outcomes, QuarterOutcome, outcomes, recent_quarters
from server.web.charts import RateSeries, rate_chart
from server.web.common import Supervisor, audit_export, render, review_read, team_zone
from server.web.pages_fidelity import csv_response

router = APIRouter(prefix="/review", include_in_schema=False)
Quarters = Annotated[int, Query(ge=2, le=12)]


def team_outcomes(
    db: Database, clock: Clock, *, team_id: str, zone: ZoneInfo, count: int, minimum_wage: float
) -> Outcomes:
    """The figures the page and its CSV show: the last `count` quarters, this one to today."""
    today = clock.now().astimezone(zone).date()
    with review_read(db) as session:
        members = [
            (uid, name) for uid, name, role in team_members(session, team_id=team_id) if role == "specialist"
        ]
        seekers = q.team_seekers(session, team_id=team_id)
        jobs = q.team_jobs(session, team_id=team_id, minimum_wage=minimum_wage)
    return outcomes(recent_quarters(today, count), seekers, jobs, specialists=members, today=today)


@router.get("/outcomes", response_class=HTMLResponse)
def outcomes_page(
    request: Request,
    db: DbDep,
    clock: ClockDep,
    settings: SettingsDep,
    supervisor: Supervisor,
    quarters: Quarters = 4,
) -> HTMLResponse:
    found = team_outcomes(
        db, clock, team_id=supervisor.team_id, zone=team_zone(request), count=quarters,
        minimum_wage=settings.minimum_wage,
    )  # fmt: skip
    labels = [quarter.label for quarter in found.quarters]
    series = [RateSeries("Team", [o.employment_rate for o in found.team], bold=True)] + [
        RateSeries(name, [o.employment_rate for o in cells]) for _, name, cells in found.specialists
    ]
    chart = rate_chart(
        labels,
        series,
        title="Employment rate per quarter",
        desc="The share of the caseload in competitive work during each quarter: the team as a thick "
        "dark line, one line per specialist.",
    )
    context: dict[str, Any] = {
        "user": supervisor,
        "nav": "outcomes",
        "zone": team_zone(request).key,
        "quarters_count": quarters,
        "outcomes": found,
        "chart": Markup(chart),  # built from escaped parts in server.web.charts
        "minimum_wage": settings.minimum_wage,
        "held_days": HELD_DAYS,
    }
    return render(request, "outcomes.html", context)


OUTCOME_CSV_COLUMNS = (
    "scope", "quarter", "from", "to", "caseload", "in_competitive_work", "employment_rate",
    "job_starts", "competitive_starts", "jobs_ended", "median_tenure_ended_days", "jobs_current",
    "median_tenure_current_days", f"held_{HELD_DAYS}_days_or_more", "median_hours_per_week",
    "median_pay_per_hour",
)  # fmt: skip


def outcome_cells(scope: str, o: QuarterOutcome) -> list[Any]:
    rate = o.employment_rate
    return [
        scope, o.quarter.label, o.quarter.first.isoformat(), o.upto.isoformat(), o.caseload, o.employed,
        "" if rate is None else round(rate, 4), o.job_starts, o.competitive_starts, o.jobs_ended,
        _blank(o.median_tenure_ended), o.jobs_current, _blank(o.median_tenure_current), o.held_90_days,
        _blank(o.median_hours), _blank(o.median_pay),
    ]  # fmt: skip


def _blank(value: float | None) -> float | str:
    return "" if value is None else round(value, 2)


@router.get("/outcomes.csv")
def outcomes_csv(
    request: Request,
    db: DbDep,
    clock: ClockDep,
    settings: SettingsDep,
    supervisor: Supervisor,
    quarters: Quarters = 4,
) -> Response:
    """The team's rows, then each specialist's (a specialist's name is typed by people: every text
    cell goes through spreadsheet_safe)."""
    found = team_outcomes(
        db, clock, team_id=supervisor.team_id, zone=team_zone(request), count=quarters,
        minimum_wage=settings.minimum_wage,
    )  # fmt: skip
    audit_export(db, clock, supervisor, "outcomes-csv")
    rows = [outcome_cells("Team", o) for o in found.team] + [
        outcome_cells(name, o) for _, name, cells in found.specialists for o in cells
    ]
    return csv_response("fieldwork-outcomes.csv", OUTCOME_CSV_COLUMNS, rows)
