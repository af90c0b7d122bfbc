"""The fidelity page's "jobs started" (and the weekly CSV's job starts) count Job records, by the
outcomes' rule, not openings: worked out again by hand from the records pushed through the API, on
SQLite and PostgreSQL, and checked against the outcomes' job starts for the same span."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

from fastapi.testclient import TestClient

from server.services.outcomes import HeldJob, count_starts, started_between
from server.settings import Settings
from tests.server.web_helpers import sign_in
from tests.server.world import World, new_id, op, push, sample

TODAY = date(2026, 5, 4)  # the test clock's day (London), a Monday
FIRST = date(2026, 4, 13)  # the first of the 4 weeks shown
MINIMUM_WAGE = Settings.model_fields["minimum_wage"].default

# job seeker: (specialist, archived)
SEEKERS = {"ann": ("alice", False), "ben": ("alice", False), "cat": ("bob", False), "dan": ("bob", True)}
# (job seeker, start, wage, unit, hours, market); no job starts from 1 to 12 April, so the 4 weeks
# shown and the quarter to today hold the same job starts.
JOBS = [
    ("ann", "2026-04-14", 12.5, "hour", 20.0, "open_market"),
    ("ann", "2026-04-28", 15.0, "hour", 20.0, "set_aside"),  # not competitive
    ("ben", "2026-04-29", 400.0, "week", 30.0, "open_market"),  # 13.33 an hour
    ("ben", "2026-03-20", 14.0, "hour", 20.0, "open_market"),  # before the weeks shown
    ("cat", "2026-05-04", 11.0, "hour", 20.0, "open_market"),  # today; under the minimum wage
    ("cat", "2026-05-06", 14.0, "hour", 20.0, "open_market"),  # starts after today
    ("dan", "2026-04-20", 14.0, "hour", 20.0, "open_market"),  # an archived job seeker's
]


def _hourly(wage: float, unit: str, hours: float) -> float:
    return wage if unit == "hour" else wage / hours  # "week" is the only other unit above


def _expected() -> dict[tuple[str, date], tuple[int, int]]:
    """(started, competitive) per (specialist, Monday), worked out from the rows above."""
    found: dict[tuple[str, date], tuple[int, int]] = {}
    for seeker, start, wage, unit, hours, market in JOBS:
        owner, archived = SEEKERS[seeker]
        day = date.fromisoformat(start)
        if archived or not FIRST <= day <= TODAY:
            continue
        monday = day - timedelta(days=day.weekday())
        competitive = market == "open_market" and _hourly(wage, unit, hours) >= MINIMUM_WAGE
        started, counted = found.get((owner, monday), (0, 0))
        found[(owner, monday)] = (started + 1, counted + competitive)
    return found


def _push_world(client: TestClient, world: World) -> None:
    members = {"alice": world["alice"], "bob": world["bob"]}
    ids = {name: new_id() for name in SEEKERS}
    for name, (owner, _) in SEEKERS.items():
        push(
            client, members[owner], op("job_seeker", ids[name], data=sample("job_seeker", code=name.upper()))
        )
    for seeker, start, wage, unit, hours, market in JOBS:
        data = {"job_seeker_id": ids[seeker], "employer_id": new_id(), "title": "Porter", "started_on": start,
                "wage": wage, "wage_unit": unit, "hours_per_week": hours, "market": market}  # fmt: skip
        (result,) = push(client, members[SEEKERS[seeker][0]], op("job", new_id(), data=data))
        assert result["status"] == "applied", result
    push(client, world["bob"], op("job_seeker", ids["dan"], base=1, delete=True))  # archived
    gone = new_id()  # a deleted job counts nowhere
    gone_data = {"job_seeker_id": ids["ann"], "employer_id": new_id(), "started_on": "2026-04-21"}
    push(client, world["alice"], op("job", gone, data=gone_data))
    push(client, world["alice"], op("job", gone, base=1, delete=True))
    other = new_id()  # another team's job seeker and job count nowhere either
    push(client, world["carl"], op("job_seeker", other, data=sample("job_seeker")))
    push(client, world["carl"], op("job", new_id(), data={**gone_data, "job_seeker_id": other}))
    # Openings hired and started in these weeks: the pipeline's, never a job start.
    for _ in range(3):
        opening = sample(
            "job_opening", status="hired", started_on="2026-04-20", wage=20.0, market="open_market"
        )
        push(client, world["alice"], op("job_opening", new_id(), data=opening))


def test_fidelity_jobs_started_count_job_records_as_the_outcomes_do(client: TestClient, world: World) -> None:
    _push_world(client, world)
    expected = _expected()
    started = sum(n for n, _ in expected.values())
    competitive = sum(c for _, c in expected.values())
    assert (started, competitive) == (4, 2)  # the hand count: Ann's two, Ben's April one, Cat's today
    sign_in(client, "sue")

    html = client.get("/review/fidelity?weeks=4").text
    card = html[html.index('id="h-jobs"') :].split("</section>", 1)[0]
    line = re.sub(r"\s+", " ", card[card.index('id="jobs-started"') :].split("</p>", 1)[0])
    assert f"From {FIRST} to today: <b>{started}</b> started;" in line
    assert f"<b>{competitive}</b> — <b>50%</b>" in line
    per_specialist = re.findall(
        r'<tr><td>(\w+)</td><td class="num">(\d+)</td><td class="num">(\d+)</td></tr>', card
    )
    assert per_specialist == [("Alice", "3", "2"), ("Bob", "1", "0")]
    pipeline = html[html.index('id="h-pipe"') :].split("</section>", 1)[0]
    assert '<td>Hired</td><td class="num">3</td>' in pipeline  # the openings stay in the pipeline

    export = client.get("/review/fidelity.csv?weeks=4")
    rows = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff"))))
    names = {"Alice": "alice", "Bob": "bob"}
    got = {
        (names[row["specialist"]], date.fromisoformat(row["week_starting"])): (
            int(row["job_starts"]),
            int(row["competitive_job_starts"]),
        )
        for row in rows
        if row["job_starts"] != "0"
    }
    assert got == expected

    outcomes = client.get("/review/outcomes.csv?quarters=2")
    quarter = next(
        row
        for row in csv.DictReader(io.StringIO(outcomes.text.lstrip("\ufeff")))
        if row["scope"] == "Team" and row["quarter"] == "2026 Q2"
    )
    assert (int(quarter["job_starts"]), int(quarter["competitive_starts"])) == (started, competitive)


def _job(seeker: str, start: str | None, *, competitive: bool = True) -> HeldJob:
    started_on = date.fromisoformat(start) if start else None
    return HeldJob(new_id(), seeker, started_on, None, 20.0, 14.0, competitive)


def test_job_starts_are_the_starts_of_these_job_seekers_between_two_days_both_included() -> None:
    jobs = [
        _job("a", "2026-04-13"),
        _job("a", "2026-05-04", competitive=False),
        _job("a", "2026-04-12"),
        _job("a", "2026-05-05"),
        _job("a", None),
        _job("z", "2026-04-20"),
    ]
    starts = started_between(jobs, seeker_ids={"a"}, first=FIRST, upto=TODAY)
    assert [j.started_on for j in starts] == [date(2026, 4, 13), date(2026, 5, 4)]
    counted = count_starts(starts)
    assert (counted.started, counted.competitive, counted.share) == (2, 1, 0.5)
    assert count_starts([]).share is None
