"""A job of an archived job seeker (archived before the phone refused it, or by another phone) stays
on the supervisor's pages, naming its seeker as archived, never as if the seeker were active; a new
check-in may not name an archived job, an old one about it stays editable."""

from __future__ import annotations

from app.domain.validation import NOT_THIS_WORKERS_JOB
from tests.server.test_checkin_job_same_worker import _check_in, _worker_with_job
from tests.server.world import new_id, op, push


def test_the_activity_page_names_an_archived_seeker_as_archived(client, world):
    alice, sue = world["alice"], world["sue"]
    seeker, job = _worker_with_job(client, alice)
    code = f"JS-{seeker[-4:]}"
    before = client.get("/review?kind=job", headers=sue.web).text
    assert f"{code} · Barista" in before and "(archived)" not in before
    [archived] = push(client, alice, op("job_seeker", seeker, base=1, delete=True))
    assert archived["status"] == "applied", archived

    after = client.get("/review?kind=job", headers=sue.web).text
    assert f"{code} (archived) · Barista" in after
    record = client.get(f"/review/records/{job}", headers=sue.web).text
    assert f"{code} (archived)" in record


def test_a_new_check_in_may_not_name_an_archived_job_an_old_one_stays_editable(client, world):
    alice = world["alice"]
    seeker, job = _worker_with_job(client, alice)
    old = new_id()
    [first] = push(client, alice, op("support_check_in", old, data=_check_in(seeker, job)))
    assert first["status"] == "applied", first
    [gone] = push(client, alice, op("job", job, base=1, delete=True))
    assert gone["status"] == "applied", gone

    [new] = push(client, alice, op("support_check_in", new_id(), data=_check_in(seeker, job)))
    assert (new["status"], new["errors"]) == ("rejected", {"job_id": NOT_THIS_WORKERS_JOB}), new
    [edit] = push(
        client, alice, op("support_check_in", old, base=1, data=_check_in(seeker, job, concerns="Tired"))
    )
    assert edit["status"] == "applied", edit
