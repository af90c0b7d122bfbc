"""Issue 16, item 8: the disclosure guard does not depend on the order records arrive in.

A record that names a job seeker the server learns of only later as not consenting (later in the
same push, in a later push, from this phone or another) is kept as the specialist saved it and
flagged for the supervisor with a history entry saying why; the same record arriving after the job
seeker is refused. Job openings' matched job seekers are checked like a visit's. On SQLite and
PostgreSQL (the `db_url` fixture)."""

from __future__ import annotations

from typing import Any

from server.services.disclosure_sweep import UNDISCLOSED_NOTE
from tests.server.world import Member, new_id, op, pull_all, push, sample

REASON = "they asked me to speak to the manager"


def _record(client, world, record_id: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/records/{record_id}", headers=world["sue"].web)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _seeker(disclosure: str) -> dict[str, Any]:
    return sample("job_seeker", disclosure=disclosure)  # a code of its own (unique in the team)


def _assert_flagged_and_kept(client, world, record_id: str, sent: dict[str, Any]) -> None:
    record = _record(client, world, record_id)
    assert record["flagged"] and record["version"] == 2 and not record["deleted"]
    assert {key: record["data"][key] for key in sent} == sent  # the specialist's record, untouched
    newest = record["history"][-1]
    assert newest["version"] == 2 and newest["op_id"] is None
    assert newest["conflicts"] == [
        {"field": "disclosure_reason", "kept": "", "other": None, "note": UNDISCLOSED_NOTE}
    ]
    assert "JS-77" not in str(newest)


def _assert_not_flagged(client, world, record_id: str) -> None:
    record = _record(client, world, record_id)
    assert not record["flagged"] and record["version"] == 1


EMPLOYER_FACING = {
    "visit": ("employer_visit", lambda seeker: sample("employer_visit", job_seeker_ids=[seeker])),
    "opening": ("job_opening", lambda seeker: sample("job_opening", job_seeker_ids=[seeker])),
    "check_in": (
        "support_check_in",
        lambda seeker: sample(
            "support_check_in", job_seeker_id=seeker, with_whom="both", employer_id=new_id()
        ),
    ),
}


def test_in_one_push_a_record_before_its_job_seeker_is_flagged_and_one_after_is_refused(client, world):
    for kind, (record_kind, make) in EMPLOYER_FACING.items():
        before, after, record_id = new_id(), new_id(), new_id()
        data = make(before)
        results = push(
            client,
            world["alice"],
            op(record_kind, record_id, data=data),
            op("job_seeker", before, data=_seeker("undecided")),
            op("job_seeker", after, data=_seeker("undecided")),
            op(record_kind, new_id(), data=make(after)),
        )
        assert [r["status"] for r in results] == ["applied", "applied", "applied", "rejected"], kind
        assert set(results[3]["errors"]) == {"disclosure_reason"}, kind
        _assert_flagged_and_kept(client, world, record_id, data)


def test_a_job_seeker_arriving_later_from_another_device_flags_the_visit(client, world):
    seeker, visit_id = new_id(), new_id()
    visit = sample("employer_visit", job_seeker_ids=[seeker, new_id()])
    assert push(client, world["alice"], op("employer_visit", visit_id, data=visit))[0]["status"] == "applied"
    _assert_not_flagged(client, world, visit_id)

    tablet: Member = world["alice_tablet"]
    assert (
        push(client, tablet, op("job_seeker", seeker, data=_seeker("not_consented")))[0]["status"]
        == "applied"
    )

    _assert_flagged_and_kept(client, world, visit_id, visit)
    # Every device hears of it, the phone that made the visit too, and the flag travels with it.
    (change,) = [c for c in pull_all(client, world["alice"])[0] if c["record_id"] == visit_id]
    assert (
        change["flagged"]
        and change["version"] == 2
        and change["data"]["job_seeker_ids"] == visit["job_seeker_ids"]
    )
    # Its next edit, on the version it saw, merges as usual.
    edited = {**visit, "outcome": "Met the manager"}
    (result,) = push(client, world["alice"], op("employer_visit", visit_id, base=1, data=edited))
    assert result["status"] == "rejected" and set(result["errors"]) == {"disclosure_reason"}
    (result,) = push(
        client,
        world["alice"],
        op("employer_visit", visit_id, base=2, data={**edited, "disclosure_reason": REASON}),
    )
    assert result["status"] == "applied" and result["version"] == 3


def test_the_same_visit_after_its_job_seeker_from_another_device_is_refused(client, world):
    seeker = new_id()
    push(client, world["alice_tablet"], op("job_seeker", seeker, data=_seeker("not_consented")))
    visit = sample("employer_visit", job_seeker_ids=[seeker])
    (result,) = push(client, world["alice"], op("employer_visit", new_id(), data=visit))
    assert result["status"] == "rejected" and set(result["errors"]) == {"disclosure_reason"}


def test_a_supervisors_phone_visit_is_flagged_when_the_specialists_job_seeker_arrives(client, world):
    seeker, visit_id = new_id(), new_id()
    visit = sample("employer_visit", job_seeker_ids=[seeker])
    assert push(client, world["sue"], op("employer_visit", visit_id, data=visit))[0]["status"] == "applied"
    push(client, world["alice"], op("job_seeker", seeker, data=_seeker("undecided")))
    _assert_flagged_and_kept(client, world, visit_id, visit)


def test_consent_withdrawn_after_a_visit_flags_it_and_the_refusal_before_refuses_it(client, world):
    seeker, visit_id = new_id(), new_id()
    push(client, world["alice"], op("job_seeker", seeker, data=_seeker("consented")))
    visit = sample("employer_visit", job_seeker_ids=[seeker])
    assert push(client, world["alice"], op("employer_visit", visit_id, data=visit))[0]["status"] == "applied"
    reasoned_id = new_id()
    reasoned = {**visit, "disclosure_reason": REASON}
    push(client, world["alice"], op("employer_visit", reasoned_id, data=reasoned))

    push(client, world["alice_tablet"], op("job_seeker", seeker, base=1, data=_seeker("not_consented")))

    _assert_flagged_and_kept(client, world, visit_id, visit)
    _assert_not_flagged(client, world, reasoned_id)  # it says why
    (refused,) = push(client, world["alice"], op("employer_visit", new_id(), data=visit))
    assert refused["status"] == "rejected"


def test_what_is_not_employer_facing_or_consents_is_left_alone(client, world):
    consenting, refusing = new_id(), new_id()
    visit_id, worker_only, deleted = new_id(), new_id(), new_id()
    push(
        client,
        world["alice"],
        op("employer_visit", visit_id, data=sample("employer_visit", job_seeker_ids=[consenting])),
        op("support_check_in", worker_only, data=sample("support_check_in", job_seeker_id=refusing)),
        op("employer_visit", deleted, data=sample("employer_visit", job_seeker_ids=[refusing])),
    )
    push(client, world["alice"], op("employer_visit", deleted, base=1, delete=True))
    push(
        client,
        world["alice"],
        op("job_seeker", consenting, data=_seeker("consented")),
        op("job_seeker", refusing, data=_seeker("not_consented")),
    )
    _assert_not_flagged(client, world, visit_id)
    _assert_not_flagged(client, world, worker_only)
    assert _record(client, world, deleted)["version"] == 2  # the tombstone, not flagged again


def test_an_already_refusing_job_seekers_edit_flags_nothing_again(client, world):
    seeker, visit_id = new_id(), new_id()
    visit = sample("employer_visit", job_seeker_ids=[seeker])
    push(client, world["alice"], op("employer_visit", visit_id, data=visit))
    push(client, world["alice"], op("job_seeker", seeker, data=_seeker("not_consented")))
    push(
        client,
        world["alice"],
        op("job_seeker", seeker, base=1, data={**_seeker("not_consented"), "avoid": "nights"}),
    )
    assert _record(client, world, visit_id)["version"] == 2


def test_the_supervisor_pages_show_the_flag_and_why(client, world):
    seeker, visit_id = new_id(), new_id()
    push(
        client,
        world["alice"],
        op("employer_visit", visit_id, data=sample("employer_visit", job_seeker_ids=[seeker])),
    )
    push(client, world["alice"], op("job_seeker", seeker, data=_seeker("not_consented")))
    page = client.get(f"/review/records/{visit_id}", headers=world["sue"].web)
    assert page.status_code == 200
    assert "conflict to look at" in page.text and "has not agreed to disclosure to employers" in page.text
    activity = client.get("/review", headers=world["sue"].web)
    assert visit_id in activity.text and "conflict" in activity.text
    listed = client.get("/api/v1/records", params={"flagged": "true"}, headers=world["sue"].web).json()
    assert [r["record_id"] for r in listed] == [visit_id]


def test_an_opening_naming_a_non_consenting_job_seeker_needs_a_reason(client, world):
    seeker = new_id()
    push(client, world["alice"], op("job_seeker", seeker, data=_seeker("not_consented")))
    opening = sample("job_opening", job_seeker_ids=[seeker])
    (refused,) = push(client, world["alice"], op("job_opening", new_id(), data=opening))
    assert refused["status"] == "rejected" and set(refused["errors"]) == {"disclosure_reason"}
    opening_id = new_id()
    (applied,) = push(
        client, world["alice"], op("job_opening", opening_id, data={**opening, "disclosure_reason": REASON})
    )
    assert applied["status"] == "applied"
    # An older app that does not know the field keeps the server's reason when it edits the opening.
    older_app = {**opening, "status": "applied"}
    (edited,) = push(client, world["alice"], op("job_opening", opening_id, base=1, data=older_app))
    assert edited["status"] == "applied" and edited["data"]["disclosure_reason"] == REASON
    assert edited["data"]["status"] == "applied"


def test_a_merge_that_drops_an_openings_reason_keeps_the_servers_copy(client, world):
    seeker, opening_id = new_id(), new_id()
    push(client, world["alice"], op("job_seeker", seeker, data=_seeker("not_consented")))
    first = sample("job_opening", job_seeker_ids=[], disclosure_reason=REASON)
    push(client, world["alice"], op("job_opening", opening_id, data=first))
    push(
        client,
        world["alice"],
        op("job_opening", opening_id, base=1, data={**first, "job_seeker_ids": [seeker]}),
    )
    (result,) = push(
        client,
        world["alice_tablet"],
        op("job_opening", opening_id, base=1, data={**first, "disclosure_reason": ""}),
    )
    assert result["status"] == "conflict" and "disclosure_reason" in result["message"]
    assert result["data"]["job_seeker_ids"] == [seeker] and result["data"]["disclosure_reason"] == REASON
