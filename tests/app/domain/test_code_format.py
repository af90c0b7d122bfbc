"""Job seeker codes are pseudonymous by construction (issue 17, item 10): the code format is one
rule, checked on every write (the phone's save and the server's push), never on read."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.domain.codec import from_dict, to_dict
from app.domain.records import JobSeeker
from app.domain.validation import CODE_FORMAT, validate

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def seeker(code: str) -> JobSeeker:
    return JobSeeker(code=code, referral_date=date(2026, 4, 1))


@pytest.mark.parametrize("code", ["KD-104", "Mo", "José", "A1", "abcdefghijkl", "-JS1"])
def test_letters_digits_and_hyphens_up_to_twelve_characters_are_a_code(code: str):
    assert "code" not in validate(seeker(code), now=NOW)


@pytest.mark.parametrize(
    "code",
    ["John Smith, schizophrenia", "John Smith", "J.Smith", "KD_104", "abcdefghijklm", "KD 104", "Sam\t"],
)
def test_a_name_a_diagnosis_spaces_or_more_than_twelve_characters_are_refused(code: str):
    message = validate(seeker(code), now=NOW)["code"]
    assert "letters, digits and hyphens" in message


def test_a_long_code_is_told_the_length_and_a_sentence_is_told_no_spaces():
    assert "at most 12 characters" in validate(seeker("abcdefghijklm"), now=NOW)["code"]
    assert "no spaces" in validate(seeker("Jo Smith"), now=NOW)["code"]


def test_an_empty_code_is_required_not_malformed():
    assert validate(seeker("  "), now=NOW)["code"] == "Code or first name is required"


def test_a_code_saved_before_the_format_still_loads():
    """Read never validates: a 30-character code with a space comes back as it was stored."""
    data = to_dict(seeker("Legacy code from 2024 import"))
    loaded = from_dict("job_seeker", data)
    assert isinstance(loaded, JobSeeker) and loaded.code == "Legacy code from 2024 import"


def test_the_form_explanation_states_the_format():
    assert CODE_FORMAT.explanation.startswith("Up to 12 letters, digits and hyphens")
