"""Issue 17, item 10: the job-seeker code format is a team setting. An admin sets it on the team
page (a preset or a pattern of A, 9, X and -, never a regular expression), a push checks codes
against it with a precise reason, and every pull tells the phone. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from tests.server.web_helpers import csrf_from, sign_in
from tests.server.world import new_id, op, pull_all, push, sample


def _set_format(client, choice: str, mask: str = "") -> Any:
    page = client.get("/review/team")
    assert page.status_code == 200
    form = {"csrf_token": csrf_from(page.text), "choice": choice, "mask": mask}
    return client.post("/review/team/code-format", data=form, follow_redirects=False)


def _pulled_format(client, member) -> str:
    response = client.get("/api/v1/sync/pull", headers=member.bearer)
    assert response.status_code == 200
    setting: str = response.json()["code_format"]
    return setting


def _push_code(client, member, code: str) -> dict[str, Any]:
    data = sample("job_seeker", code=code)
    (result,) = push(client, member, op("job_seeker", new_id(), data=data))
    return result


def test_the_default_format_until_an_admin_chooses_a_pattern(client, world):
    assert _pulled_format(client, world["alice"]) == "letters_digits_hyphens"
    assert _push_code(client, world["alice"], "KD104")["status"] == "applied"

    sign_in(client, "ada")
    answer = _set_format(client, "mask", " aa-999 ")
    assert answer.status_code == 303 and answer.headers["location"] == "/review/team?done=code_format"
    page = client.get("/review/team?done=code_format").text
    assert "Pattern AA-999" in page and "2 letters, a hyphen, 3 digits" in page
    assert "Job seeker code format changed" in client.get("/review/audit").text

    assert _pulled_format(client, world["alice"]) == "mask:AA-999"
    assert _push_code(client, world["alice"], "KD-104")["status"] == "applied"
    refused = _push_code(client, world["alice"], "KD104")
    assert refused["status"] == "rejected"
    assert refused["errors"] == {
        "code": "use your team's pattern AA-999 (2 letters, a hyphen, 3 digits), e.g. KD-104"
    }
    assert _pushed_name_is_refused(client, world)
    # Another team keeps its own format.
    assert _pulled_format(client, world["carl"]) == "letters_digits_hyphens"
    assert _push_code(client, world["carl"], "KD104")["status"] == "applied"


def _pushed_name_is_refused(client, world) -> bool:
    return _push_code(client, world["alice"], "John Smith, schizophrenia")["status"] == "rejected"


def test_a_preset_applies_to_pushes_and_a_seekers_other_records_pass(client, world):
    sign_in(client, "ada")
    assert _set_format(client, "digits").status_code == 303
    assert _pulled_format(client, world["alice"]) == "digits"
    assert _push_code(client, world["alice"], "10452")["status"] == "applied"
    assert _push_code(client, world["alice"], "KD-104")["errors"]["code"].startswith("use only digits")
    visit = sample("employer_visit")  # no code in it: the format is not its business
    assert push(client, world["alice"], op("employer_visit", new_id(), data=visit))[0]["status"] == "applied"


def test_a_stored_code_is_kept_and_checked_when_its_job_seeker_is_next_saved(client, world):
    seeker = new_id()
    push(client, world["alice"], op("job_seeker", seeker, data=sample("job_seeker", code="KD104")))
    sign_in(client, "ada")
    _set_format(client, "mask", "AA-999")
    changes, _ = pull_all(client, world["alice_tablet"])
    assert [c["data"]["code"] for c in changes if c["record_id"] == seeker] == ["KD104"]
    edit = sample("job_seeker", code="KD104", avoid="nights")
    (refused,) = push(client, world["alice"], op("job_seeker", seeker, base=1, data=edit))
    assert refused["status"] == "rejected" and "AA-999" in refused["errors"]["code"]
    (fixed,) = push(client, world["alice"], op("job_seeker", seeker, base=1, data={**edit, "code": "KD-104"}))
    assert fixed["status"] == "applied"


BAD_FORMATS = [
    ("mask", "^(a+)+$", "only A (a letter), 9 (a digit), X (a letter or digit) and - (a hyphen)"),
    ("mask", "AAAA-9999-XXXX", "1 to 12 characters"),
    ("mask", "", "1 to 12 characters"),
    ("mask", "---", "at least one A, 9 or X"),
    ("regex", "", "choose one of the formats offered"),
]


def test_an_admin_gets_the_reason_for_a_bad_format_and_nothing_changes(client, world):
    sign_in(client, "ada")
    for choice, mask, why in BAD_FORMATS:
        answer = _set_format(client, choice, mask)
        assert answer.status_code == 422, mask
        assert why in answer.text and 'id="code-format-error"' in answer.text, mask
    assert _pulled_format(client, world["alice"]) == "letters_digits_hyphens"


def test_only_an_admin_changes_the_format(client, world):
    sign_in(client, "sue")
    page = client.get("/review/team").text
    assert (
        "Letters, digits and hyphens (the default)" in page
        and 'action="/review/team/code-format"' not in page
    )
    answer = _set_format(client, "digits")
    assert answer.status_code == 403 and "change the job seeker code format" in answer.text
    assert _pulled_format(client, world["alice"]) == "letters_digits_hyphens"
