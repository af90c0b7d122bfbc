"""The real sync engine against the real API in its own process, on loopback."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from app.device_sync import remember_code_format
from app.domain.clock import SystemClock, new_id
from app.domain.codec import from_dict, to_dict
from app.domain.enums import Disclosure
from app.domain.errors import ValidationError
from app.domain.records import JobSeeker
from app.records import RecordService
from server.db.database import Database
from server.services import accounts, code_formats, reviews
from server.services.accounts import Role
from sync.client import Unauthorized
from tests.sync.harness import ServerProcess, Team, enroll_device
from tests.sync.records import employer, job_seeker, save, visit


def supervisor(team: Team) -> accounts.Principal:
    user_id = team.add("sue", Role.SUPERVISOR)
    return accounts.Principal(
        user_id=user_id, team_id=team.team_id, role=Role.SUPERVISOR, display_name="Sue", username="sue"
    )


def test_a_pass_pushes_every_pending_record_and_marks_it_synced(server: ServerProcess, team: Team):
    device = enroll_device(server, team, "alice")
    bakery = employer()
    save(device.store, bakery)
    save(device.store, visit(bakery.id))

    report = device.engine.sync_once()

    assert report.pushed == 2 and report.rejected == 0
    assert device.store.pending_count() == 0
    stored = device.store.get("employer", bakery.id)
    assert stored is not None and stored.sync.state == "synced" and stored.sync.server_version >= 1


def test_a_rejected_record_stays_on_the_device_with_the_reason_and_does_not_block_others(
    server: ServerProcess, team: Team
):
    device = enroll_device(server, team, "alice")
    good = employer("Good Cafe")
    bad = employer("Bad Cafe", latitude=120.0, longitude=10.0)  # slipped past the form somehow
    save(device.store, bad)
    save(device.store, good)

    device.engine.sync_once()

    rejected = device.store.get("employer", bad.id)
    assert rejected is not None
    assert rejected.sync.state == "rejected"
    assert "latitude" in rejected.sync.field_errors
    assert rejected.data["name"] == "Bad Cafe"  # nothing the specialist typed is lost
    synced = device.store.get("employer", good.id)
    assert synced is not None and synced.sync.state == "synced"
    assert device.store.pending_count() == 0

    fixed = replace(from_dict("employer", rejected.data), latitude=12.0)
    save(device.store, fixed)
    device.engine.sync_once()
    again = device.store.get("employer", bad.id)
    assert again is not None and again.sync.state == "synced"


def test_team_employers_reach_the_other_specialists_device(server: ServerProcess, team: Team):
    alice = enroll_device(server, team, "alice")
    bob = enroll_device(server, team, "bob")
    bakery = employer()
    save(alice.store, bakery)
    save(alice.store, visit(bakery.id))
    alice.engine.sync_once()

    report = bob.engine.sync_once()

    assert report.pulled >= 1
    shared = bob.store.get("employer", bakery.id)
    assert shared is not None and shared.data["name"] == "Harbour Bakery"
    assert bob.store.all("employer_visit") == []  # Alice's visits are hers


def test_a_job_seeker_stays_with_their_specialist(server: ServerProcess, team: Team):
    alice = enroll_device(server, team, "alice")
    bob = enroll_device(server, team, "bob")
    save(alice.store, job_seeker("AB-1"))
    alice.engine.sync_once()
    bob.engine.sync_once()
    assert bob.store.all("job_seeker") == []


def test_the_same_field_edited_on_two_devices_is_shown_as_a_conflict(server: ServerProcess, team: Team):
    alice = enroll_device(server, team, "alice")
    bob = enroll_device(server, team, "bob")
    bakery = employer(notes="")
    save(alice.store, bakery)
    alice.engine.sync_once()
    bob.engine.sync_once()

    base_alice = alice.store.get("employer", bakery.id)
    base_bob = bob.store.get("employer", bakery.id)
    assert base_alice and base_bob
    save(alice.store, replace(from_dict("employer", base_alice.data), notes="Hiring bakers in spring"))
    save(bob.store, replace(from_dict("employer", base_bob.data), notes="Owner prefers email"))
    alice.engine.sync_once()
    report = bob.engine.sync_once()

    assert report.conflicts == 1
    on_bob = bob.store.get("employer", bakery.id)
    assert on_bob is not None
    assert on_bob.sync.state == "conflict"
    assert on_bob.data["notes"] == "Hiring bakers in spring"  # the first to reach the server is kept
    assert on_bob.sync.conflict == {"notes": "Owner prefers email"}  # and Bob's value is not lost


def test_a_supervisors_review_and_comment_reach_the_specialists_record(server: ServerProcess, team: Team):
    alice = enroll_device(server, team, "alice")
    bakery = employer()
    contact = visit(bakery.id)
    save(alice.store, bakery)
    save(alice.store, contact)
    alice.engine.sync_once()

    sue = supervisor(team)
    with team.database.write() as session:
        reviews.set_review(
            session, principal=sue, record_id=contact.id, state="needs_changes", clock=SystemClock()
        )
        reviews.add_comment(
            session, principal=sue, record_id=contact.id, body="Who did you meet?", clock=SystemClock()
        )
    alice.engine.sync_once()

    reviewed = alice.store.get("employer_visit", contact.id)
    assert reviewed is not None and reviewed.review is not None
    assert reviewed.review["state"] == "needs_changes"
    assert [comment["body"] for comment in reviewed.review["comments"]] == ["Who did you meet?"]


def test_a_revoked_device_gets_unauthorized_at_once(server: ServerProcess, team: Team):
    alice = enroll_device(server, team, "alice")
    save(alice.store, employer())
    alice.engine.sync_once()
    with team.database.write() as session:
        devices = accounts.list_devices(session, team_id=team.team_id)
        accounts.revoke_device(session, device_id=devices[0][0].id, clock=SystemClock())
    save(alice.store, employer("Another"))
    with pytest.raises(Unauthorized):
        alice.engine.sync_once()
    assert alice.store.pending_count() == 1  # nothing is dropped by the refusal itself


def test_a_disclosure_refusal_from_the_server_is_kept_on_the_record(server: ServerProcess, team: Team):
    alice = enroll_device(server, team, "alice")
    seeker = job_seeker("CD-2", Disclosure.NOT_CONSENTED)
    bakery = employer()
    save(alice.store, seeker)
    save(alice.store, bakery)
    alice.engine.sync_once()
    about_them = visit(bakery.id, job_seeker_ids=[seeker.id])
    alice.store.save(
        "employer_visit", to_dict(about_them), op_id="8d3c6c0e-4d7e-4a53-9a53-8b1f1f7c2c11", queued_at="x"
    )
    alice.engine.sync_once()
    stored = alice.store.get("employer_visit", about_them.id)
    assert stored is not None and stored.sync.state == "rejected"
    assert stored.sync.reason


# Issue 17, item 10 end to end: a pull tells the phone its team's job-seeker code format, the
# phone's saves follow it from then on, and a push of a code outside it (from a phone that did not
# know it yet) is rejected with the team's pattern.


def _admin_sets(database: Database, team: Team, setting: str) -> None:
    admin = accounts.Principal(
        user_id=team.add("ada", Role.ADMIN),
        team_id=team.team_id,
        role=Role.ADMIN,
        display_name="Ada",
        username="ada",
    )
    with database.write() as session:
        code_formats.set_team_code_format(session, actor=admin, setting=setting, clock=SystemClock())


def test_the_phone_learns_its_teams_code_format_at_pull_and_the_server_holds_pushes_to_it(
    server: ServerProcess, team: Team, database: Database
):
    device = enroll_device(server, team, "alice")
    assert device.engine.sync_once().code_format == "letters_digits_hyphens"
    _admin_sets(database, team, "mask:AA-999")
    unknowing = job_seeker("KD104")  # saved before this phone heard of the pattern
    save(device.store, unknowing)

    report = device.engine.sync_once()

    assert report.code_format == "mask:AA-999" and report.rejected == 1
    stored = device.store.get("job_seeker", unknowing.id)
    assert stored is not None and stored.sync.state == "rejected"
    assert "AA-999" in stored.sync.field_errors["code"]
    remember_code_format(device.store, report.code_format)
    service = RecordService(device.store, clock=SystemClock(), new_id=new_id)
    with pytest.raises(ValidationError):
        service.save(JobSeeker(code="KD104", referral_date=date.today()))
    service.save(JobSeeker(code="KD-105", referral_date=date.today()))
    assert device.engine.sync_once().rejected == 0


def test_two_phones_creating_one_code_the_second_is_refused_and_keeps_its_record(
    server: ServerProcess, team: Team
):
    alice, bob = enroll_device(server, team, "alice"), enroll_device(server, team, "bob")
    # Each phone holds only its own caseload, so each save passes the phone's own check (issue 15).
    theirs = RecordService(alice.store, clock=SystemClock(), new_id=new_id)
    theirs.save(JobSeeker(code="KD-104", referral_date=date.today()))
    mine = RecordService(bob.store, clock=SystemClock(), new_id=new_id)
    stored = mine.save(JobSeeker(code="kd-104", referral_date=date.today(), avoid="nights"))
    assert alice.engine.sync_once().rejected == 0

    assert bob.engine.sync_once().rejected == 1

    kept = bob.store.get("job_seeker", stored.data["id"])
    assert kept is not None and kept.sync.state == "rejected"
    assert kept.sync.field_errors == {"code": "this code is already used in your team"}
    assert kept.data["avoid"] == "nights"  # nothing the specialist typed is lost
