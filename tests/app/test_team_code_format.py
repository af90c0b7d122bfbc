"""Issue 17, item 10 on the phone: the team's code format comes with each pull, is kept in the
store, and the save and the job seeker form use it (the default until a pull says otherwise)."""

from __future__ import annotations

from datetime import date

import pytest

from app.device_sync import remember_code_format
from app.domain.code_format import CODE_FORMAT_META, BadCodeFormat, CodeFormat
from app.domain.errors import ValidationError
from app.domain.records import JobSeeker
from app.state.job_seekers import JobSeekerFormState
from sync.wire import decode_pull_response


def _seeker(code: str) -> JobSeeker:
    return JobSeeker(code=code, referral_date=date(2026, 4, 1))


def test_a_pull_carries_the_teams_format_and_an_older_servers_pull_none():
    page = {"changes": [], "next_cursor": "c", "has_more": False, "protocol_version": 3}
    assert decode_pull_response({**page, "code_format": "mask:AA-999"}).code_format == "mask:AA-999"
    assert decode_pull_response(page).code_format is None
    assert decode_pull_response({**page, "code_format": 7}).code_format is None


def test_the_save_and_the_form_follow_the_format_the_last_pull_kept(service, store):
    form = JobSeekerFormState(service)
    assert form.code_explanation.startswith("Up to 12 letters, digits and hyphens")
    service.save(_seeker("KD104"))

    remember_code_format(store, "mask:AA-999")
    assert store.get_meta(CODE_FORMAT_META) == "mask:AA-999"
    form = JobSeekerFormState(service)
    assert form.code_explanation.startswith("Your team's pattern is AA-999: 2 letters, a hyphen, 3 digits")
    form.set_field("code", "KD104")
    result = form.on_save()
    assert not result.ok and "AA-999" in result.errors["code"]
    with pytest.raises(ValidationError) as refused:
        service.save(_seeker("John Smith"))
    assert refused.value.errors["code"].startswith("use your team's pattern AA-999")
    assert service.save(_seeker("KD-104"))


def test_a_pull_without_a_format_keeps_the_one_kept_and_the_same_one_is_not_rewritten(store):
    remember_code_format(store, "digits")
    remember_code_format(store, None)
    assert store.get_meta(CODE_FORMAT_META) == "digits"
    writes: list[object] = []
    store.set_meta = lambda key, value: writes.append(value)  # type: ignore[method-assign]
    remember_code_format(store, "digits")
    assert writes == []


def test_an_unknown_setting_reads_as_the_default_and_bad_masks_are_refused():
    assert CodeFormat.from_setting("mask:^(a+)+$") == CodeFormat()
    assert CodeFormat.from_setting("a_newer_preset") == CodeFormat()
    for bad in ("mask:", "mask:AAAAAAAAAAAAA", "mask:a*", "mask:--", "letters+"):
        with pytest.raises(BadCodeFormat):
            CodeFormat(bad)


@pytest.mark.parametrize(
    ("setting", "good", "bad"),
    [
        ("letters_digits_hyphens", ["KD-104", "José"], ["KD 104", "J.Smith", "abcdefghijklm"]),
        ("letters_digits", ["KD104", "Mo"], ["KD-104"]),
        ("digits", ["10452"], ["KD1", "\uff11\uff12"]),  # full-width digits are not 0-9
        ("letters", ["Sam", "Zoë"], ["Sam1", "Jo-Ann"]),
        ("mask:AA-999", ["KD-104", "ÉA-000"], ["KD104", "KD-10", "KD-1045", "K1-104", "KD_104"]),
        ("mask:X9X", ["A1B", "111"], ["AAA", "A-B"]),
    ],
)
def test_each_format_takes_what_it_says_and_nothing_else(setting, good, bad):
    code_format = CodeFormat(setting)
    assert [code for code in good if code_format.problem(code) is not None] == []
    assert [code for code in bad if code_format.problem(code) is None] == []
    assert code_format.problem(code_format.example) is None
