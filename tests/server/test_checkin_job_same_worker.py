"""A check-in's job must be a live job of the team held by the check-in's own worker: another
seeker's job, another team's job or an id of no job is refused on push with the same field error on
`job_id` (nothing said about which). A job pushed earlier in the same batch counts. An edit that
leaves an old check-in's job and worker as they were is not checked again, so a check-in whose job
was deleted since can still be edited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from app.domain.validation import NOT_THIS_WORKERS_JOB
from tests.server.world import new_id, op, push, sample


def _job(seeker: str, employer: str) -> dict[str, str]:
    return {"job_seeker_id": seeker, "employer_id": employer, "title": "Barista", "started_on": "2026-03-02"}


def _check_in(seeker: str, job: str | None, **fields: str) -> dict[str, object]:
    return sample("support_check_in", job_seeker_id=seeker, job_id=job, **fields)


def _worker_with_job(client, member) -> tuple[str, str]:
    seeker, employer, job = new_id(), new_id(), new_id()
    results = push(
        client,
        member,
        op("employer", employer),
        op("job_seeker", seeker, data=sample("job_seeker", code=f"JS-{seeker[-4:]}")),
        op("job", job, data=_job(seeker, employer)),
    )
    assert [r["status"] for r in results] == ["applied"] * 3, results
    return seeker, job


def test_a_check_in_about_its_own_workers_job_is_accepted(client, world):
    alice = world["alice"]
    seeker, job = _worker_with_job(client, alice)
    [result] = push(client, alice, op("support_check_in", new_id(), data=_check_in(seeker, job)))
    assert result["status"] == "applied", result


def test_another_seekers_job_another_teams_job_and_no_job_are_refused_alike(client, world):
    alice, carl = world["alice"], world["carl"]
    seeker, _ = _worker_with_job(client, alice)
    _, others_job = _worker_with_job(client, alice)  # another of alice's seekers
    _, bobs_job = _worker_with_job(client, world["bob"])  # another specialist's seeker, same team
    # Another team's job naming this very seeker's id: still not a job of alice's team.
    other_teams_job, employer = new_id(), new_id()
    pushed = push(
        client, carl, op("employer", employer), op("job", other_teams_job, data=_job(seeker, employer))
    )
    assert [r["status"] for r in pushed] == ["applied"] * 2, pushed
    wrong = [others_job, bobs_job, other_teams_job, new_id()]
    results = push(
        client, alice, *(op("support_check_in", new_id(), data=_check_in(seeker, j)) for j in wrong)
    )
    assert [r["status"] for r in results] == ["rejected"] * 4, results
    assert [r["errors"] for r in results] == [{"job_id": NOT_THIS_WORKERS_JOB}] * 4


def test_an_edit_moving_a_check_in_to_another_worker_keeps_the_rule(client, world):
    alice = world["alice"]
    seeker, job = _worker_with_job(client, alice)
    other, _ = _worker_with_job(client, alice)
    check_in = new_id()
    [first] = push(client, alice, op("support_check_in", check_in, data=_check_in(seeker, job)))
    assert first["status"] == "applied", first
    [moved] = push(client, alice, op("support_check_in", check_in, base=1, data=_check_in(other, job)))
    assert (moved["status"], moved["errors"]) == ("rejected", {"job_id": NOT_THIS_WORKERS_JOB})


def test_a_job_and_its_check_in_in_one_push_are_accepted_and_a_deleted_job_is_refused(client, world):
    alice = world["alice"]
    seeker, employer, job, gone = new_id(), new_id(), new_id(), new_id()
    results = push(
        client,
        alice,
        op("employer", employer),
        op("job_seeker", seeker, data=sample("job_seeker", code="JS-1234")),
        op("job", job, data=_job(seeker, employer)),
        op("support_check_in", new_id(), data=_check_in(seeker, job)),
        op("job", gone, data=_job(seeker, employer)),
        op("job", gone, base=1, delete=True),
        op("support_check_in", new_id(), data=_check_in(seeker, gone)),
    )
    assert [r["status"] for r in results] == ["applied"] * 6 + ["rejected"], results
    assert results[-1]["errors"] == {"job_id": NOT_THIS_WORKERS_JOB}


def test_an_old_check_in_whose_job_was_deleted_can_still_be_edited(client, world):
    alice = world["alice"]
    seeker, job = _worker_with_job(client, alice)
    check_in = new_id()
    [first] = push(client, alice, op("support_check_in", check_in, data=_check_in(seeker, job)))
    assert first["status"] == "applied", first
    assert push(client, alice, op("job", job, base=1, delete=True))[0]["status"] == "applied"
    # Only another field changes: accepted (the record is not made unsaveable).
    [edited] = push(
        client,
        alice,
        op("support_check_in", check_in, base=1, data=_check_in(seeker, job, concerns="Late twice")),
    )
    assert edited["status"] == "applied", edited
    # Naming it anew (a new check-in) is refused.
    [fresh] = push(client, alice, op("support_check_in", new_id(), data=_check_in(seeker, job)))
    assert (fresh["status"], fresh["errors"]) == ("rejected", {"job_id": NOT_THIS_WORKERS_JOB})


def test_the_jobs_are_read_once_per_push_not_once_per_check_in(client, world, database):
    alice = world["alice"]
    workers = [_worker_with_job(client, alice) for _ in range(12)]
    selects: list[int] = []

    def _seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            selects[-1] += 1

    engines = {database.engine, database.write_engine}  # SQLite writes on an engine of its own
    for engine in engines:
        event.listen(engine, "before_cursor_execute", _seen)
    try:
        for batch in (workers[:2], workers[2:]):
            selects.append(0)
            results = push(
                client, alice, *(op("support_check_in", new_id(), data=_check_in(s, j)) for s, j in batch)
            )
            assert {r["status"] for r in results} == {"applied"}, results
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", _seen)
    assert selects[0] == selects[1], selects  # 2 check-ins or 10: the same statements


def test_a_merge_that_would_pair_a_worker_with_anothers_job_keeps_the_servers_copy(client, world):
    alice, tablet = world["alice"], world["alice_tablet"]
    seeker, employer, first, second = new_id(), new_id(), new_id(), new_id()
    other, others_job = _worker_with_job(client, alice)
    check_in = new_id()
    results = push(
        client,
        alice,
        op("employer", employer),
        op("job_seeker", seeker, data=sample("job_seeker", code="JS-4321")),
        op("job", first, data=_job(seeker, employer)),
        op("job", second, data=_job(seeker, employer)),
        op("support_check_in", check_in, data=_check_in(seeker, first)),
    )
    assert [r["status"] for r in results] == ["applied"] * 5, results
    # The tablet moves the check-in to the worker's other job; the phone, from the same version,
    # moves it to another worker and their job. Each is valid alone; the field merge would keep the
    # tablet's job with the phone's worker.
    [moved] = push(client, tablet, op("support_check_in", check_in, base=1, data=_check_in(seeker, second)))
    assert moved["status"] == "applied", moved
    [merged] = push(
        client, alice, op("support_check_in", check_in, base=1, data=_check_in(other, others_job))
    )
    assert merged["status"] == "conflict", merged
    assert NOT_THIS_WORKERS_JOB in merged["message"]
    assert (merged["data"]["job_seeker_id"], merged["data"]["job_id"]) == (seeker, second)
