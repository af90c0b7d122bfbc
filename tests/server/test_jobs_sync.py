"""Jobs and employer disclosure decisions (issue 15) through the sync protocol: pushed, merged and
pulled like check-ins, owner-only (a specialist sees and edits only their own; supervisors see the
team), validated on push, with the review columns derived from them."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from sqlalchemy import select

from server.db.models import RecordRow
from server.services.apply import NOT_ON_CASELOAD
from tests.server.web_helpers import sign_in
from tests.server.world import new_id, op, pull_all, push, sample


def _job(seeker: str, employer: str, **fields):
    return {
        "job_seeker_id": seeker,
        "employer_id": employer,
        "title": "Barista",
        "started_on": "2026-03-02",
        "hours_per_week": 16.0,
        "wage": 12.5,
        **fields,
    }


def test_a_job_and_a_decision_are_pushed_merged_and_pulled_by_their_owner_and_supervisor(
    client, world, database
):
    alice, bob, sue = world["alice"], world["bob"], world["sue"]
    seeker, employer, job, decision = new_id(), new_id(), new_id(), new_id()
    results = push(
        client,
        alice,
        op("employer", employer),
        op("job_seeker", seeker, data=sample("job_seeker", code="JS-77")),
        op("job", job, data=_job(seeker, employer)),
        op(
            "employer_disclosure",
            decision,
            data={
                "job_seeker_id": seeker,
                "employer_id": employer,
                "decision": "agreed",
                "decided_on": "2026-03-01",
            },
        ),
    )
    assert [r["status"] for r in results] == ["applied"] * 4

    # The job ends on the phone while the tablet, from the same first version, adds a note:
    # a field-by-field merge, nothing lost.
    ended = push(
        client,
        alice,
        op("job", job, base=1, data=_job(seeker, employer, ended_on="2026-04-30", end_reason="better_job")),
    )
    noted = push(
        client,
        world["alice_tablet"],
        op("job", job, base=1, data=_job(seeker, employer, notes="Early shifts")),
    )
    assert ended[0]["status"] == "applied" and noted[0]["status"] == "applied"

    pulled = {c["record_id"]: c for c in pull_all(client, alice)[0]}  # the tablet changed it last
    assert pulled[job]["kind"] == "job" and pulled[job]["version"] == 3
    assert (
        pulled[job]["data"]["ended_on"],
        pulled[job]["data"]["end_reason"],
        pulled[job]["data"]["notes"],
    ) == (
        "2026-04-30",
        "better_job",
        "Early shifts",
    )
    team = {c["record_id"]: c for c in pull_all(client, sue)[0]}  # the supervisor sees the team
    assert team[decision]["kind"] == "employer_disclosure" and team[decision]["data"]["decision"] == "agreed"
    assert team[job]["version"] == 3
    assert not {job, decision} & {
        c["record_id"] for c in pull_all(client, bob)[0]
    }  # another specialist does not

    with database.read() as session:
        rows = {
            row.record_id: row
            for row in session.scalars(select(RecordRow).where(RecordRow.record_id.in_([job, decision])))
        }
    assert rows[job].subject_id == seeker and rows[decision].subject_id == seeker
    assert rows[job].occurred_at.replace(tzinfo=UTC) == datetime(2026, 3, 2, tzinfo=UTC)  # started_on
    assert rows[decision].occurred_at.replace(tzinfo=UTC) == datetime(2026, 3, 1, tzinfo=UTC)  # decided_on

    # The supervisor's pages describe them: the activity feed (jobs are activity), the record page
    # and the CSV export, with the job's pay and whether it is competitive work.
    sign_in(client, "sue")
    feed = client.get("/review", params={"kind": "job"})
    assert feed.status_code == 200 and "Barista at Café Rio" in feed.text and "JS-77" in feed.text
    page = client.get(f"/review/records/{job}")
    assert page.status_code == 200 and "better job" in page.text
    assert client.get(f"/review/records/{decision}").status_code == 200
    (row,) = [
        r
        for r in csv.DictReader(io.StringIO(client.get("/review/export.csv").content.decode("utf-8-sig")))
        if r["record_id"].endswith(job)
    ]
    assert (row["kind"], row["wage"], row["competitive"], row["job_seeker_codes"]) == (
        "Job",
        "12.5",
        "yes",
        "JS-77",
    )
    assert row["outcome"] == "Barista; ended 2026-04-30, better job"


def test_a_job_is_refused_to_another_specialist_and_when_invalid(client, world):
    alice, bob = world["alice"], world["bob"]
    seeker, employer, job = new_id(), new_id(), new_id()
    push(
        client,
        alice,
        op("employer", employer),
        op("job_seeker", seeker),
        op("job", job, data=_job(seeker, employer)),
    )

    (named,) = push(client, bob, op("job", new_id(), data=_job(seeker, employer)))
    assert named["status"] == "rejected" and named["errors"] == {"job_seeker_id": NOT_ON_CASELOAD}
    decision = {
        "job_seeker_id": seeker,
        "employer_id": employer,
        "decision": "declined",
        "decided_on": "2026-03-01",
    }
    (decided,) = push(client, bob, op("employer_disclosure", new_id(), data=decision))
    assert decided["status"] == "rejected" and decided["errors"] == {"job_seeker_id": NOT_ON_CASELOAD}
    (edited,) = push(client, bob, op("job", job, base=1, data=_job(seeker, employer, title="Chef")))
    assert edited["status"] == "rejected" and "record_id" in edited["errors"]
    # Validated on push, as on the phone.
    bad = _job(seeker, employer, ended_on="2026-03-01", wage=-1, started_on="2026-03-02")
    (result,) = push(client, alice, op("job", new_id(), data=bad))
    assert result["status"] == "rejected"
    assert set(result["errors"]) == {"ended_on", "end_reason", "wage"}
    (unknown,) = push(client, alice, op("job", new_id(), data=_job(seeker, employer, end_reason="retired")))
    assert unknown["status"] == "rejected" and "end_reason" in unknown["errors"]
