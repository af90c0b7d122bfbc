"""Restoring an archived check-in brings it back as it was: its job and worker are compared with the
last stored version that had data (the one before its tombstone), so a check-in whose job was
deleted since its archive can still be restored, by the archiving phone's Undo (an edit on its old
base) or by saving it again on the tombstone's version. A restore that changes the job or the worker
is checked like any edit."""

from __future__ import annotations

from app.domain.validation import NOT_THIS_WORKERS_JOB
from tests.server.test_checkin_job_same_worker import _check_in, _worker_with_job
from tests.server.world import new_id, op, push


def _archived_check_in_whose_job_is_gone(client, member) -> tuple[str, str, str]:
    """(worker, their deleted job, a check-in about it archived at version 2)."""
    seeker, job = _worker_with_job(client, member)
    check_in = new_id()
    [first] = push(client, member, op("support_check_in", check_in, data=_check_in(seeker, job)))
    assert first["status"] == "applied", first
    [archived] = push(client, member, op("support_check_in", check_in, base=1, delete=True))
    assert (archived["status"], archived["version"]) == ("applied", 2), archived
    [gone] = push(client, member, op("job", job, base=1, delete=True))
    assert gone["status"] == "applied", gone
    return seeker, job, check_in


def test_the_undo_of_an_archive_restores_a_check_in_whose_job_was_deleted_since(client, world):
    alice = world["alice"]
    seeker, job, check_in = _archived_check_in_whose_job_is_gone(client, alice)
    # The phone's Undo: an edit on the base it had before the archive.
    [undo] = push(client, alice, op("support_check_in", check_in, base=1, data=_check_in(seeker, job)))
    assert (undo["status"], undo["version"]) == ("applied", 3), undo
    record = client.get(f"/api/v1/records/{check_in}", headers=world["sue"].web).json()
    assert not record["deleted"] and record["data"]["job_id"] == job


def test_saving_again_on_the_tombstone_restores_a_check_in_whose_job_was_deleted_since(client, world):
    alice, tablet = world["alice"], world["alice_tablet"]
    seeker, job, check_in = _archived_check_in_whose_job_is_gone(client, alice)
    # Another device of hers saves it on the tombstone's version (it learned of the archive).
    [again] = push(
        client,
        tablet,
        op("support_check_in", check_in, base=2, data=_check_in(seeker, job, concerns="Late twice")),
    )
    assert (again["status"], again["version"]) == ("applied", 3), again


def test_an_edit_lost_to_the_archive_then_saved_again_restores_it(client, world):
    """The tablet's edit made before it learned of the archive is kept as a second tombstone; its
    next save compares with the last version that had data, two versions back."""
    alice, tablet = world["alice"], world["alice_tablet"]
    seeker, job, check_in = _archived_check_in_whose_job_is_gone(client, alice)
    [lost] = push(client, tablet, op("support_check_in", check_in, base=1, data=_check_in(seeker, job)))
    assert (lost["status"], lost["version"]) == ("conflict", 3), lost
    [again] = push(client, tablet, op("support_check_in", check_in, base=3, data=_check_in(seeker, job)))
    assert (again["status"], again["version"]) == ("applied", 4), again


def test_archive_and_restore_in_one_push_keep_a_check_in_whose_job_is_gone(client, world):
    alice = world["alice"]
    seeker, job = _worker_with_job(client, alice)
    check_in = new_id()
    [first] = push(client, alice, op("support_check_in", check_in, data=_check_in(seeker, job)))
    assert first["status"] == "applied", first
    results = push(
        client,
        alice,
        op("job", job, base=1, delete=True),
        op("support_check_in", check_in, base=1, delete=True),
        op("support_check_in", check_in, base=2, data=_check_in(seeker, job)),
    )
    assert [r["status"] for r in results] == ["applied"] * 3, results


def test_a_restore_that_moves_the_check_in_to_another_job_or_worker_is_checked(client, world):
    alice = world["alice"]
    seeker, job, check_in = _archived_check_in_whose_job_is_gone(client, alice)
    other, others_job = _worker_with_job(client, alice)
    [other_job] = push(
        client, alice, op("support_check_in", check_in, base=2, data=_check_in(seeker, others_job))
    )
    [other_worker] = push(client, alice, op("support_check_in", check_in, base=1, data=_check_in(other, job)))
    for refused in (other_job, other_worker):
        assert (refused["status"], refused["errors"]) == ("rejected", {"job_id": NOT_THIS_WORKERS_JOB})
