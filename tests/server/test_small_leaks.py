"""Issue 16, item 9: a taken username, another specialist's job seeker and a phone's own name
reveal nothing and break nothing."""

from __future__ import annotations

from server import cli
from server.services import accounts
from server.services.accounts import Role
from server.services.apply import NOT_ON_CASELOAD
from tests.server.world import new_id, op, push, sample


def test_a_taken_username_gets_the_same_answer_whichever_organisation_has_it(client, world, database, clock):
    with database.write() as session:
        other_org = accounts.create_organisation(session, name="Southside Trust", clock=clock)
        team = accounts.create_team(session, organisation_id=other_org, name="IPS East", clock=clock)
        accounts.create_user(
            session,
            team_id=team,
            username="zed",
            display_name="Zed",
            role=Role.ADMIN,
            password=None,
            clock=clock,
        )
    answers = []
    for username in ("zed", "bob"):  # another organisation's user, then one of the admin's own team
        body = {"username": username, "display_name": "New", "role": "specialist"}
        refused = client.post("/api/v1/users", json=body, headers=world["ada"].web)
        assert refused.status_code == 409
        answers.append(refused.json()["error"])
        assert username not in refused.text and "taken" not in refused.text
    assert answers[0] == answers[1]


def _bobs_seeker(client, world, disclosure: str) -> str:
    seeker = new_id()
    data = sample("job_seeker", code=f"JS-{disclosure[:3].upper()}", disclosure=disclosure)
    assert push(client, world["bob"], op("job_seeker", seeker, data=data))[0]["status"] == "applied"
    return seeker


def test_a_specialist_cannot_name_another_specialists_job_seeker_and_learns_nothing(client, world):
    refusing = _bobs_seeker(client, world, "not_consented")
    consenting = _bobs_seeker(client, world, "consented")
    answers = []
    for seeker in (refusing, consenting):
        visit = sample("employer_visit", job_seeker_ids=[seeker])
        check_in = sample(
            "support_check_in", job_seeker_id=seeker, with_whom="employer", employer_id=new_id()
        )
        results = push(client, world["alice"], op("employer_visit", new_id(), data=visit),
                       op("support_check_in", new_id(), data=check_in))  # fmt: skip
        assert [r["status"] for r in results] == ["rejected", "rejected"]
        assert results[0]["errors"] == {"job_seeker_ids": NOT_ON_CASELOAD}
        assert results[1]["errors"] == {"job_seeker_id": NOT_ON_CASELOAD}
        answers.append([(r["errors"], r.get("message")) for r in results])
        assert "JS-" not in str(results) and "agree" not in str(results) and "consent" not in str(results)
    assert answers[0] == answers[1]  # a refusing and a consenting seeker look the same


def test_supervisors_phones_may_name_the_teams_job_seekers(client, world):
    """A supervisor sees the whole team anyway: the disclosure guard itself still applies."""
    seeker = _bobs_seeker(client, world, "not_consented")
    visit = sample("employer_visit", job_seeker_ids=[seeker])
    result = push(client, world["sue"], op("employer_visit", new_id(), data=visit))[0]
    assert result["status"] == "rejected" and set(result["errors"]) == {"disclosure_reason"}
    with_reason = {**visit, "disclosure_reason": "they asked me to speak to the manager"}
    assert (
        push(client, world["sue"], op("employer_visit", new_id(), data=with_reason))[0]["status"] == "applied"
    )


def test_list_devices_escapes_control_characters_in_device_names(
    client, world, database, settings, clock, capsys
):
    with database.write() as session:
        code, _ = accounts.issue_enrollment_code(
            session,
            user_id=world["alice"].user_id,
            issued_by=None,
            clock=clock,
            secret=settings.secret_key.get_secret_value(),
            minutes=15,
        )
    hostile = "phone\x1b[2J\x1b]0;owned\x07\nforged-row  active  \u202eevil"
    assert client.post("/api/v1/enroll", json={"code": code, "device_name": hostile}).status_code == 200
    capsys.readouterr()
    assert cli.main(["list-devices", "--team", "IPS North"], settings=settings) == 0
    out = capsys.readouterr().out
    assert not [ch for ch in out if not ch.isprintable() and ch != "\n"]
    lines = out.splitlines()
    assert len(lines) == 5  # alice's phone and tablet, bob's, sue's, the new one: one line each
    assert any(
        line.endswith("phone\\x1b[2J\\x1b]0;owned\\x07\\nforged-row  active  \\u202eevil") for line in lines
    )


def test_a_specialist_cannot_name_another_specialists_job_seeker_on_an_opening(client, world):
    seeker = _bobs_seeker(client, world, "consented")
    opening = sample("job_opening", job_seeker_ids=[seeker])
    (result,) = push(client, world["alice"], op("job_opening", new_id(), data=opening))
    assert result["status"] == "rejected"
    assert result["errors"] == {"job_seeker_ids": NOT_ON_CASELOAD}
