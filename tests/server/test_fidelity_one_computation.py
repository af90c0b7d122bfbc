"""The fidelity page and fidelity.csv read one computation (server.web.fidelity_weeks): each asks
it once, and what they show agrees: each week's face-to-face contacts per specialist, and each
specialist's jobs started (the page's total is the sum of the CSV's weeks). On SQLite and
PostgreSQL."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.web import fidelity_weeks as shared
from server.web import pages_fidelity
from tests.server.web_helpers import seed_activity, sign_in
from tests.server.world import World, new_id, op, push, sample

# (specialist, start): jobs of each specialist's job seeker, in the 4 weeks shown (today: 4 May)
JOBS = [("alice", "2026-04-14"), ("alice", "2026-04-28"), ("bob", "2026-05-04"), ("alice", "2026-03-02")]


def _seed(client: TestClient, world: World) -> None:
    seed_activity(client, world)  # Alice face to face on Friday 1 May; Bob by phone on 3 May
    for who in ("alice", "bob"):
        push(client, world[who], op("employer_visit", new_id(), data=sample(
            "employer_visit", employer_id=new_id(), occurred_at="2026-04-21T10:00:00+00:00")))  # fmt: skip
    seekers = {who: new_id() for who in ("alice", "bob")}
    for who, seeker in seekers.items():
        push(client, world[who], op("job_seeker", seeker, data=sample("job_seeker")))
    for who, start in JOBS:
        data = {"job_seeker_id": seekers[who], "employer_id": new_id(), "started_on": start, "wage": 14.0,
                "wage_unit": "hour", "hours_per_week": 20.0, "market": "open_market"}  # fmt: skip
        (result,) = push(client, world[who], op("job", new_id(), data=data))
        assert result["status"] == "applied", result


def test_the_page_and_its_csv_read_one_computation_and_agree(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(client, world)
    sign_in(client, "sue")
    asked: list[str] = []
    real = shared.fidelity_weeks

    def noted(*args: Any, **kwargs: Any) -> shared.FidelityWeeks:
        asked.append("called")
        return real(*args, **kwargs)

    monkeypatch.setattr(pages_fidelity, "fidelity_weeks", noted)
    html = client.get("/review/fidelity?weeks=4").text
    export = client.get("/review/fidelity.csv?weeks=4").text
    assert len(asked) == 2  # once for the page, once for the CSV

    rows = list(csv.DictReader(io.StringIO(export.lstrip("\ufeff"))))
    csv_weeks = {
        name: [int(row["face_to_face_job_development"]) for row in rows if row["specialist"] == name]
        for name in ("Alice", "Bob")
    }
    table = html[html.index("<tbody>") :].split("</tbody>", 1)[0]
    page_weeks = {
        name: [int(n) for n in re.findall(r'<td class="num[^"]*"[^>]*>(\d+)', cells)]
        for name, cells in re.findall(r'<th scope="row">(\w+)</th>(.*?)</tr>', table, flags=re.S)
    }
    assert page_weeks == csv_weeks == {"Alice": [0, 1, 1, 0], "Bob": [0, 1, 0, 0]}

    page_jobs = dict(
        re.findall(r'<tr><td>(\w+)</td><td class="num">(\d+)</td><td class="num">\d+</td></tr>', html)
    )
    csv_jobs = {
        name: sum(int(row["job_starts"]) for row in rows if row["specialist"] == name) for name in page_jobs
    }
    assert {name: int(n) for name, n in page_jobs.items()} == csv_jobs == {"Alice": 2, "Bob": 1}
