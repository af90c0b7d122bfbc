"""Employment outcomes (server.services.outcomes, /review/outcomes and its CSV).

The reference test works every figure out again row by row, day by day, from the records it
pushed (plain Python, none of the service's code), and compares with the CSV the supervisor
downloads, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import statistics
from datetime import date, timedelta

from server.services.outcomes import Quarter, quarter_of, recent_quarters
from server.settings import Settings
from server.web.pages_fidelity import csv_response
from tests.server.web_helpers import sign_in
from tests.server.world import new_id, op, push, sample

TODAY = date(2026, 5, 4)  # the test clock's day (London)


def test_quarters_are_calendar_quarters_oldest_first_this_one_included():
    assert quarter_of(date(2026, 5, 4)) == Quarter(2026, 2)
    assert (Quarter(2026, 2).first, Quarter(2026, 2).last) == (date(2026, 4, 1), date(2026, 6, 30))
    assert Quarter(2025, 4).last == date(2025, 12, 31) and Quarter(2026, 1).previous() == Quarter(2025, 4)
    assert [q.label for q in recent_quarters(TODAY, 4)] == ["2025 Q3", "2025 Q4", "2026 Q1", "2026 Q2"]


# (specialist, referral, status) per job seeker; (job seeker, start, end, wage, unit, hours, market)
SEEKERS = {
    "ann": ("alice", "2025-06-01", "job_searching"),
    "ben": ("alice", "2025-10-01", "working"),
    "cat": ("alice", "2026-01-10", "ended"),  # off the caseload, but her job start still counts
    "dev": ("bob", "2026-04-20", "job_searching"),
    "eve": ("bob", "2025-05-01", "working"),
    "fay": ("bob", "2026-03-01", "working"),
}
JOBS = [
    ("ann", "2025-06-02", "2025-08-31", 12.25, "hour", 8.0, "open_market"),  # held exactly 90 days
    ("ann", "2025-08-01", "2025-12-10", 12.5, "hour", 20.0, "open_market"),
    ("ann", "2026-02-01", None, 11.0, "hour", 16.0, "open_market"),  # under the minimum wage
    ("ben", "2025-11-15", None, 400.0, "week", 30.0, "open_market"),  # 13.33 an hour
    ("cat", "2026-02-01", "2026-03-01", 14.0, "hour", 25.0, "open_market"),
    ("eve", "2025-09-01", None, 15.0, "hour", 20.0, "set_aside"),  # not competitive
    ("eve", "2026-04-01", None, 13.0, "hour", 10.0, "open_market"),  # a second job at once
    ("fay", "2026-03-20", "2026-04-02", 2400.0, "month", 37.5, "open_market"),  # 14.77 an hour
    ("fay", "2026-04-10", None, 21000.0, "year", None, "open_market"),  # no hours: pay unknown
]
REASONS = {
    "2025-08-31": "better_job",
    "2025-12-10": "quit",
    "2026-03-01": "temporary_ended",
    "2026-04-02": "better_job",
}


Held = tuple[str, date, date | None, float | None, float | None, bool]


def _hourly(wage: float, unit: str, hours: float | None) -> float | None:
    if unit == "hour":
        return wage
    if not hours:
        return None
    return {"week": wage, "month": wage * 12 / 52, "year": wage / 52}[unit] / hours


def _reference(specialist: str | None, quarters: list[Quarter], minimum_wage: float) -> list[list[object]]:
    """Each quarter's figures worked out day by day from the rows above."""
    rows: list[list[object]] = []
    for quarter in quarters:
        upto = min(quarter.last, TODAY)
        days = [quarter.first + timedelta(days=n) for n in range((upto - quarter.first).days + 1)]
        mine = {name for name, (owner, _, _) in SEEKERS.items() if specialist in (None, owner)}
        caseload = {n for n in mine if SEEKERS[n][2] != "ended" and date.fromisoformat(SEEKERS[n][1]) <= upto}
        held: list[Held] = []
        starts: list[Held] = []
        ended: list[Held] = []
        current: list[Held] = []
        for seeker, start, end, wage, unit, hours, market in JOBS:
            if seeker not in mine:
                continue
            begin, finish = date.fromisoformat(start), date.fromisoformat(end) if end else None
            pay = _hourly(wage, unit, hours)
            job = (
                seeker,
                begin,
                finish,
                hours,
                pay,
                market == "open_market" and pay is not None and pay >= minimum_wage,
            )
            if any(begin <= d and (finish is None or d <= finish) for d in days):
                held.append(job)
            if begin in days:
                starts.append(job)
            if finish in days:
                ended.append(job)
            elif begin <= upto and (finish is None or finish > upto):
                current.append(job)

        def tenure(job: Held, upto: date = upto) -> int:
            finish = job[2] if job[2] is not None and job[2] <= upto else upto
            return (finish - job[1]).days

        def median(values: list[float]) -> object:
            return round(statistics.median(values), 2) if values else None

        employed = {job[0] for job in held if job[5]} & caseload
        competitive = [job for job in held if job[5]]
        rows.append([
            len(caseload), len(employed), round(len(employed) / len(caseload), 4) if caseload else None,
            len(starts), sum(1 for j in starts if j[5]), len(ended), median([tenure(j) for j in ended]),
            len(current), median([tenure(j) for j in current]), sum(1 for j in held if tenure(j) >= 90),
            median([j[3] for j in competitive if j[3] is not None]),
            median([j[4] for j in competitive if j[4] is not None]),
        ])  # fmt: skip
    return rows


def _figures(row: dict[str, str]) -> list[object]:
    names = ["caseload", "in_competitive_work", "employment_rate", "job_starts", "competitive_starts",
             "jobs_ended", "median_tenure_ended_days", "jobs_current", "median_tenure_current_days",
             "held_90_days_or_more", "median_hours_per_week", "median_pay_per_hour"]  # fmt: skip
    return [None if row[n] == "" else float(row[n]) for n in names]


def test_outcome_figures_agree_with_the_records_worked_out_row_by_row(client, world):
    alice, bob = world["alice"], world["bob"]
    ids = {name: new_id() for name in SEEKERS}
    members = {"alice": alice, "bob": bob}
    for name, (owner, referred, status) in SEEKERS.items():
        data = sample("job_seeker", code=name.upper(), referral_date=referred, status=status)
        push(client, members[owner], op("job_seeker", ids[name], data=data))
    for seeker, start, end, wage, unit, hours, market in JOBS:
        data = {"job_seeker_id": ids[seeker], "employer_id": new_id(), "title": "Porter", "started_on": start,
                "wage": wage, "wage_unit": unit, "hours_per_week": hours, "market": market}  # fmt: skip
        if end:
            data |= {"ended_on": end, "end_reason": REASONS[end]}
        results = push(client, members[SEEKERS[seeker][0]], op("job", new_id(), data=data))
        assert results[0]["status"] == "applied", results
    gone = new_id()  # a deleted job counts nowhere
    gone_data = {"job_seeker_id": ids["dev"], "employer_id": new_id(), "started_on": "2026-04-21"}
    push(client, bob, op("job", gone, data=gone_data))
    push(client, bob, op("job", gone, base=1, delete=True))
    other = new_id()  # another team's job seeker and job count nowhere either
    push(
        client, world["carl"], op("job_seeker", other, data=sample("job_seeker", referral_date="2026-01-01"))
    )
    push(client, world["carl"], op("job", new_id(), data={**gone_data, "job_seeker_id": other}))

    sign_in(client, "sue")
    page = client.get("/review/outcomes?quarters=4")
    assert page.status_code == 200 and "Employment rate per quarter</title>" in page.text
    export = client.get("/review/outcomes.csv?quarters=4")
    assert export.status_code == 200 and export.text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff"))))
    quarters = recent_quarters(TODAY, 4)
    minimum_wage = Settings.model_fields["minimum_wage"].default
    for scope, specialist in (("Team", None), ("Alice", "alice"), ("Bob", "bob")):
        got = [_figures(row) for row in rows if row["scope"] == scope]
        assert [row["quarter"] for row in rows if row["scope"] == scope] == [q.label for q in quarters]
        assert got == _reference(specialist, quarters, minimum_wage), scope
    team_now = _figures(next(r for r in rows if r["scope"] == "Team" and r["quarter"] == "2026 Q2"))
    # 5 on the caseload (Cat ended); Ben, Eve and Fay in competitive work; Ann's job pays too little.
    assert team_now[:3] == [5.0, 3.0, 0.6]
    assert rows[-1]["to"] == "2026-05-04"  # this quarter runs to today


def test_outcome_and_fidelity_csvs_neutralise_formulas_in_text_cells():
    body = csv_response("x.csv", ("scope", "n"), [['=HYPERLINK("http://x")', 3], ["@SUM(A1)", 0.5]]).body
    text = bytes(body).decode("utf-8")
    assert text.startswith("\ufeff") and list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[1:] == [
        ["'=HYPERLINK(\"http://x\")", "3"], ["'@SUM(A1)", "0.5"],
    ]  # fmt: skip
