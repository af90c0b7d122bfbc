"""The visit form: defaults, quick employer add, errors per field that lose nothing, disclosure, geotag."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from app.domain.enums import Disclosure, GeotagSource
from app.domain.records import EmployerVisit, Geotag
from app.geo import FixedLocation, NoLocation
from app.state.visit_form import VisitFormState
from tests.app.conftest import NOW


def test_a_new_visit_defaults_to_now_face_to_face(service):
    form = VisitFormState(service)
    assert form.text("occurred_at") == "2026-05-04 09:30"
    assert form.text("contact_mode") == "face_to_face"


def test_recent_employers_come_first(service, add_employer):
    old, new = add_employer("Old Mill"), add_employer("New Café")
    service.save(EmployerVisit(employer_id=new.id, occurred_at=NOW))
    form = VisitFormState(service)
    assert [e.name for e in form.recent_employers][:2] == ["New Café", "Old Mill"]
    del old


def test_first_visit_defaults_to_introducing_ips_and_a_repeat_to_follow_up(service, add_employer):
    cafe, shop = add_employer("Café"), add_employer("Shop")
    service.save(EmployerVisit(employer_id=cafe.id, occurred_at=NOW - timedelta(days=3)))
    form = VisitFormState(service)
    form.select_employer(shop.id)
    assert form.text("purpose") == "introduce_ips"
    form.select_employer(cafe.id)
    assert form.text("purpose") == "follow_up"


def test_saving_a_visit_writes_it_with_the_typed_values(service, add_employer):
    cafe = add_employer("Café")
    form = VisitFormState(service, employer_id=cafe.id)
    form.set_field("outcome", "Owner keen")
    form.set_next_step_in(7)
    result = form.on_save()
    assert result.ok
    saved = service.load("employer_visit", result.saved.data["id"])
    assert isinstance(saved, EmployerVisit)
    assert (saved.employer_id, saved.outcome, saved.next_step_on) == (
        cafe.id,
        "Owner keen",
        NOW.date() + timedelta(days=7),
    )


def test_bad_input_gives_an_error_per_field_and_keeps_what_was_typed(service, store):
    form = VisitFormState(service)
    form.set_field("occurred_at", "yesterday-ish")
    form.set_field("next_step_on", "31/02/2026")
    form.set_field("outcome", "Long notes typed in the rain")
    result = form.on_save()
    assert not result.ok
    assert set(result.errors) == {"occurred_at", "next_step_on", "employer_id"}  # all in one round
    assert form.text("outcome") == "Long notes typed in the rain"
    assert store.all("employer_visit") == []


def test_a_missing_employer_is_reported_on_the_employer_field(service):
    form = VisitFormState(service)
    result = form.on_save()
    assert "employer_id" in result.errors and "Employer" in result.errors["employer_id"]


def test_fixing_a_field_clears_its_error(service):
    form = VisitFormState(service)
    form.on_save()
    form.set_field("employer_id", "x")
    assert "employer_id" not in form.errors


def test_quick_add_employer_saves_and_selects_it(service):
    form = VisitFormState(service)
    employer = form.add_employer("Corner Shop")
    assert employer is not None and form.text("employer_id") == employer.id
    assert form.employers[0].name == "Corner Shop"
    assert form.add_employer("  ") is None and form.new_employer_error


def test_a_non_consenting_job_seeker_is_warned_then_refused_without_a_reason(
    service, store, add_employer, add_seeker
):
    cafe = add_employer("Café")
    seeker = add_seeker("KD-102", Disclosure.NOT_CONSENTED)
    form = VisitFormState(service, employer_id=cafe.id)
    form.toggle_job_seeker(seeker.id)
    assert form.needs_disclosure_reason()
    result = form.on_save()
    assert not result.ok
    assert "KD-102 has not agreed to disclose" in (result.disclosure_message or "")
    assert "disclosure_reason" in result.errors
    assert store.all("employer_visit") == []
    form.set_field("disclosure_reason", "They asked me to talk to the manager")
    assert form.on_save().ok


def test_removing_the_non_consenting_seeker_clears_the_warning(service, add_employer, add_seeker):
    cafe = add_employer("Café")
    seeker = add_seeker("KD-102", Disclosure.NOT_CONSENTED)
    form = VisitFormState(service, employer_id=cafe.id)
    form.toggle_job_seeker(seeker.id)
    form.on_save()
    form.toggle_job_seeker(seeker.id)
    assert not form.needs_disclosure_reason() and form.disclosure_message is None
    assert form.on_save().ok


def test_a_gps_fix_is_saved_with_the_visit(service, add_employer):
    cafe = add_employer("Café", latitude=54.33, longitude=-2.74)
    fix = Geotag(latitude=54.3301, longitude=-2.7401, accuracy_m=9.0, fixed_at=NOW, source=GeotagSource.GPS)
    form = VisitFormState(service, employer_id=cafe.id)
    asyncio.run(form.capture_location(FixedLocation(fix), 1.0))
    assert form.location_warning is None
    saved = service.load("employer_visit", form.on_save().saved.data["id"])
    assert saved.geotag == fix


def test_without_a_fix_the_visit_saves_with_the_employers_address(service, add_employer):
    cafe = add_employer("Café", latitude=54.33, longitude=-2.74)
    form = VisitFormState(service, employer_id=cafe.id)
    asyncio.run(form.capture_location(NoLocation(), 1.0))
    assert "employer's address" in form.location_text
    saved = service.load("employer_visit", form.on_save().saved.data["id"])
    assert saved.geotag.source is GeotagSource.EMPLOYER_ADDRESS and saved.geotag.latitude == 54.33


def test_saving_does_not_wait_for_a_fix_still_in_flight(service, add_employer):
    cafe = add_employer("Café")
    form = VisitFormState(service, employer_id=cafe.id)
    form.locating = True  # the fix task has started and not answered
    assert "you can save now" in form.location_text
    saved = service.load("employer_visit", form.on_save().saved.data["id"])
    assert saved.geotag.source is GeotagSource.NONE


def test_a_rough_fix_warns(service):
    form = VisitFormState(service)
    rough = Geotag(latitude=54.3, longitude=-2.7, accuracy_m=480.0, fixed_at=NOW, source=GeotagSource.GPS)
    asyncio.run(form.capture_location(FixedLocation(rough), 1.0))
    assert form.location_warning and "480 m" in form.location_warning


def test_editing_a_visit_keeps_its_id_and_geotag(service, add_employer):
    cafe = add_employer("Café")
    tag = Geotag(latitude=54.3, longitude=-2.7, accuracy_m=5.0, fixed_at=NOW, source=GeotagSource.GPS)
    stored = service.save(EmployerVisit(employer_id=cafe.id, occurred_at=NOW, geotag=tag, outcome="first"))
    original = service.load("employer_visit", stored.data["id"])
    form = VisitFormState(service, base=original)
    assert form.text("outcome") == "first" and form.title == "Edit visit"
    form.set_field("outcome", "second")
    result = form.on_save()
    assert result.saved.data["id"] == stored.data["id"] and result.saved.data["version"] == 2
    edited = service.load("employer_visit", stored.data["id"])
    assert edited.outcome == "second" and edited.geotag == tag
