"""Issue 15: disclosure decided per employer, on the server (SQLite and PostgreSQL, `db_url`).

A push names a job seeker to employer E only with their active agreed decision for E (or, with no
decision at all, their general "consented" flag); "on behalf of, not disclosed" is always allowed;
merging re-checks the combination; a decision that arrives or is revoked later flags the team's
live records naming that job seeker to that employer (server.services.disclosure_sweep)."""

from __future__ import annotations

from typing import Any

from server.services.apply import NOT_ON_CASELOAD
from server.services.disclosure_sweep import UNDISCLOSED_NOTE
from tests.server.world import new_id, op, push, sample


def _decision(seeker: str, employer: str, decision: str, **more: Any) -> dict[str, Any]:
    return {
        "job_seeker_id": seeker,
        "employer_id": employer,
        "decision": decision,
        "decided_on": "2026-05-01",
        **more,
    }


def _record(client, world, record_id: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/records/{record_id}", headers=world["sue"].web)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _status(results: list[dict[str, Any]]) -> list[str]:
    return [result["status"] for result in results]


def test_push_merge_and_sweep_follow_the_decision_for_each_employer(client, world):
    alice, tablet = world["alice"], world["alice_tablet"]
    seeker, agreed_at, declined_at, elsewhere = new_id(), new_id(), new_id(), new_id()
    agreed_id, declined_id = new_id(), new_id()
    results = push(
        client,
        alice,
        op("job_seeker", seeker, data=sample("job_seeker", code="PE-1", disclosure="consented")),
        op("employer_disclosure", agreed_id, data=_decision(seeker, agreed_at, "agreed")),
        op("employer_disclosure", declined_id, data=_decision(seeker, declined_at, "declined")),
        # named to the employer they agreed for: allowed; their general flag no longer decides
        op(
            "employer_visit",
            visit := new_id(),
            data=sample("employer_visit", employer_id=agreed_at, job_seeker_ids=[seeker]),
        ),
        # named to one they declined, or to one they never decided for: refused
        op(
            "employer_visit",
            new_id(),
            data=sample("employer_visit", employer_id=declined_at, job_seeker_ids=[seeker]),
        ),
        op(
            "job_opening",
            new_id(),
            data=sample("job_opening", employer_id=elsewhere, job_seeker_ids=[seeker]),
        ),
        # on behalf of them, not disclosed: always allowed
        op(
            "employer_visit",
            behalf := new_id(),
            data=sample("employer_visit", employer_id=declined_at, undisclosed_job_seeker_ids=[seeker]),
        ),
    )
    assert _status(results) == ["applied"] * 4 + ["rejected", "rejected", "applied"]
    assert set(results[4]["errors"]) == set(results[5]["errors"]) == {"disclosure_reason"}
    assert "PE-1 has not agreed to disclose to this employer" in results[4]["errors"]["disclosure_reason"]

    # Merging: the tablet moves a visit to the declined employer while the phone names them on it
    # (for the employer they agreed for); each side alone is valid, the combination is not.
    merge_visit = new_id()
    base_visit = sample("employer_visit", employer_id=agreed_at)
    push(client, alice, op("employer_visit", merge_visit, data=base_visit))
    (moved,) = push(
        client,
        tablet,
        op("employer_visit", merge_visit, base=1, data={**base_visit, "employer_id": declined_at}),
    )
    assert moved["status"] == "applied"
    (combined,) = push(
        client,
        alice,
        op("employer_visit", merge_visit, base=1, data={**base_visit, "job_seeker_ids": [seeker]}),
    )
    assert combined["status"] == "conflict" and "could not be combined" in combined["message"]
    assert _record(client, world, merge_visit)["data"]["job_seeker_ids"] == []  # the server's copy stands
    visit_data = sample("employer_visit", employer_id=agreed_at, job_seeker_ids=[seeker])

    # The agreement is revoked on the tablet: the visit naming them to that employer is flagged,
    # the on-behalf visit is not; a new visit naming them there is refused from now on.
    (revoked,) = push(
        client,
        tablet,
        op(
            "employer_disclosure",
            agreed_id,
            base=1,
            data=_decision(seeker, agreed_at, "agreed", revoked_on="2026-05-02"),
        ),
    )
    assert revoked["status"] == "applied"
    flagged = _record(client, world, visit)
    assert flagged["flagged"] and flagged["data"]["job_seeker_ids"] == [seeker]
    assert flagged["history"][-1]["op_id"] is None
    assert flagged["history"][-1]["conflicts"][0]["note"] == UNDISCLOSED_NOTE
    assert not _record(client, world, behalf)["flagged"]
    # The supervisor sees the on-behalf job seeker marked as such, on the record page and the list.
    page = client.get(f"/review/records/{behalf}", headers=world["sue"].web)
    assert page.status_code == 200
    assert "On behalf of, not disclosed (never named to the employer)" in page.text and "PE-1" in page.text
    assert "on behalf, not disclosed: PE-1" in client.get("/review", headers=world["sue"].web).text
    (again,) = push(client, alice, op("employer_visit", new_id(), data=visit_data))
    assert again["status"] == "rejected"


def test_a_first_decision_ends_the_general_flag_and_a_new_agreement_flags_nothing(client, world):
    alice = world["alice"]
    seeker, employer, other = new_id(), new_id(), new_id()
    visit, other_visit = new_id(), new_id()
    push(
        client,
        alice,
        op("job_seeker", seeker, data=sample("job_seeker", code="PE-2", disclosure="consented")),
        # the migration rule: no decision yet, the general flag consents
        op(
            "employer_visit",
            visit,
            data=sample("employer_visit", employer_id=employer, job_seeker_ids=[seeker]),
        ),
        op(
            "employer_visit",
            other_visit,
            data=sample("employer_visit", employer_id=other, job_seeker_ids=[seeker]),
        ),
    )
    # A decline for `employer` flags the visit there; the visit to `other` is not that pair's.
    push(client, alice, op("employer_disclosure", new_id(), data=_decision(seeker, employer, "declined")))
    assert _record(client, world, visit)["flagged"]
    assert not _record(client, world, other_visit)["flagged"]
    # ...but from now on `other` needs its own agreement
    (refused,) = push(
        client,
        alice,
        op(
            "employer_visit",
            new_id(),
            data=sample("employer_visit", employer_id=other, job_seeker_ids=[seeker]),
        ),
    )
    assert refused["status"] == "rejected"
    push(client, alice, op("employer_disclosure", new_id(), data=_decision(seeker, other, "agreed")))
    assert _record(client, world, other_visit)["version"] == 1  # an agreement flags nothing
    # "On behalf of" another specialist's job seeker is refused like naming them.
    bobs = new_id()
    push(client, world["bob"], op("job_seeker", bobs, data=sample("job_seeker", code="PE-3")))
    behalf = sample("employer_visit", employer_id=other, undisclosed_job_seeker_ids=[bobs])
    (foreign,) = push(client, alice, op("employer_visit", new_id(), data=behalf))
    assert foreign["status"] == "rejected" and foreign["errors"] == {
        "undisclosed_job_seeker_ids": NOT_ON_CASELOAD
    }
