"""Job started's "New employer" is held, chosen but unsaved, until the job is saved: leaving the
form (or a job the form refuses) adds no employer to the directory; Save job saves the employer,
then the job naming it, both queued for sync in that order. The visit form still saves a new
employer at once (a visit means it was met)."""

from __future__ import annotations

from types import SimpleNamespace

from app.domain.records import Employer, Job
from app.state.jobs import JobStartFormState, all_jobs
from app.state.visit_form import VisitFormState
from app.views.screens import form_screen
from tests.app.test_labels_and_pickers import FakeShell, by_identifier


def _add(view, name: str) -> None:
    """New employer, its name typed, Add: as the specialist taps them."""
    button = by_identifier(view.build(), "add-job-employer")
    button.on_click(SimpleNamespace(control=button))
    view.state.new_employer_name = name
    add = by_identifier(view.build(), "add-job-employer-save")
    add.on_click(SimpleNamespace(control=add))


def _names(service) -> list[str]:
    return [e.name for e in service.all("employer", Employer)]


def test_a_new_employer_is_chosen_but_not_saved_until_the_job_is(service, store, add_seeker):
    seeker = add_seeker("KD-410")
    view = form_screen(FakeShell(service), JobStartFormState(service, job_seeker_id=seeker.id))
    _add(view, "Harbour Fish Bar")
    state = view.state
    held = state.selected_employer()
    assert held is not None and held.name == "Harbour Fish Bar" and not state.adding_employer
    assert "Harbour Fish Bar" not in _names(service)  # nothing saved yet
    note = by_identifier(view.build(), "held-job-employer")
    assert note.value == "Harbour Fish Bar is added to the employers when you save."
    assert "Harbour Fish Bar" in [label for _, label in state.employer_pick.chips()]

    state.set_field("title", "Fryer")
    assert state.on_save().ok
    (employer,) = [e for e in service.all("employer", Employer) if e.name == "Harbour Fish Bar"]
    (job,) = [j for j in all_jobs(service) if j.title == "Fryer"]
    assert job.employer_id == employer.id
    queued = [(entry.kind, entry.record_id) for entry in store.outbox()]
    assert queued.index(("employer", employer.id)) < queued.index(("job", job.id))


def test_leaving_the_form_or_a_refused_job_adds_no_employer(service, store, add_seeker):
    seeker = add_seeker("KD-411")
    left = form_screen(FakeShell(service), JobStartFormState(service, job_seeker_id=seeker.id))
    _add(left, "Never Saved Ltd")
    assert left.state.held_employer is not None  # then the form is closed: nothing to undo
    refused = form_screen(FakeShell(service), JobStartFormState(service, job_seeker_id=seeker.id))
    _add(refused, "Refused Job Ltd")
    refused.state.set_field("started_on", "")  # a job needs its start date
    assert not refused.state.on_save().ok
    assert "started_on" in refused.state.errors
    assert not {"Never Saved Ltd", "Refused Job Ltd"} & set(_names(service))
    assert all_jobs(service) == []


def test_a_held_employer_no_longer_chosen_is_not_saved(service, add_employer, add_seeker):
    cafe = add_employer("Riverside Café")
    seeker = add_seeker("KD-412")
    view = form_screen(FakeShell(service), JobStartFormState(service, job_seeker_id=seeker.id))
    _add(view, "Changed My Mind Ltd")
    view.state.pick_employer(cafe.id)
    view.state.set_field("title", "Barista")
    assert view.state.on_save().ok
    assert "Changed My Mind Ltd" not in _names(service)
    (job,) = all_jobs(service)
    assert isinstance(job, Job) and job.employer_id == cafe.id


def test_the_visit_form_still_saves_a_new_employer_on_add(service):
    form = VisitFormState(service)
    employer = form.add_employer("Met Today Ltd")
    assert employer is not None and "Met Today Ltd" in _names(service)
