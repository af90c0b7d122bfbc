"""The disclosure guard on job openings (issue 16, item 8): an opening's matched job seekers are put
forward to its employer, so matching someone who has not consented needs a reason, as on a visit."""

from __future__ import annotations

import pytest

from app.domain.enums import Disclosure
from app.domain.errors import DisclosureRefused
from app.domain.records import JobOpening
from app.domain.rules import check_disclosure, employer_facing_seeker_ids
from app.state.opening_form import OpeningFormState


def test_an_openings_matched_job_seekers_are_employer_facing():
    opening = JobOpening(employer_id="e1", title="Barista", job_seeker_ids=["s1", "s2"])
    assert employer_facing_seeker_ids(opening) == ["s1", "s2"]


def test_the_guard_refuses_an_opening_matching_a_non_consenting_seeker(add_seeker):
    seeker = add_seeker("KD-201", Disclosure.UNDECIDED)
    opening = JobOpening(employer_id="e1", title="Barista", job_seeker_ids=[seeker.id])
    with pytest.raises(DisclosureRefused, match="KD-201"):
        check_disclosure(opening, {seeker.id: seeker})
    check_disclosure(
        JobOpening(**{**vars(opening), "disclosure_reason": "They asked me to"}), {seeker.id: seeker}
    )


def test_the_opening_form_warns_and_asks_for_a_reason(service, store, add_employer, add_seeker):
    cafe = add_employer("Café")
    seeker = add_seeker("KD-202", Disclosure.NOT_CONSENTED)
    form = OpeningFormState(service, employer_id=cafe.id)
    form.set_field("title", "Barista")
    form.toggle_job_seeker(seeker.id)
    assert form.needs_disclosure_reason()
    result = form.on_save()
    assert not result.ok
    assert "KD-202 has not agreed to disclose" in (result.disclosure_message or "")
    assert "disclosure_reason" in result.errors
    assert store.all("job_opening") == []
    form.set_field("disclosure_reason", "They want me to put them forward")
    saved = form.on_save().saved
    assert saved is not None
    opening = service.load("job_opening", saved.data["id"])
    assert isinstance(opening, JobOpening) and opening.disclosure_reason == "They want me to put them forward"
    edit = OpeningFormState(service, base=opening)
    assert edit.text("disclosure_reason") == "They want me to put them forward" and edit.reason_needed


def test_unmatching_the_seeker_clears_the_warning(service, add_employer, add_seeker):
    cafe = add_employer("Café")
    seeker = add_seeker("KD-203", Disclosure.NOT_CONSENTED)
    form = OpeningFormState(service, employer_id=cafe.id)
    form.set_field("title", "Barista")
    form.toggle_job_seeker(seeker.id)
    assert not form.on_save().ok
    form.toggle_job_seeker(seeker.id)
    assert not form.needs_disclosure_reason() and form.disclosure_message is None
    assert form.on_save().ok


def test_a_consenting_match_needs_no_reason(service, add_employer, add_seeker):
    seeker = add_seeker("KD-204", Disclosure.CONSENTED)
    form = OpeningFormState(service, employer_id=add_employer("Café").id)
    form.set_field("title", "Barista")
    form.toggle_job_seeker(seeker.id)
    assert not form.needs_disclosure_reason()
    assert form.on_save().ok
