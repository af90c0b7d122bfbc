"""Job started's "From an opening" (issue 18): the first few open openings as chips (those the job
seeker is matched to first), and a search by part of a title or employer that shows at most a few
matches, instead of a dropdown that listed only the first 30. The same picker as the employer's
(app.state.picker)."""

from __future__ import annotations

import flet as ft

from app.domain.codec import to_dict
from app.domain.enums import OpeningStatus
from app.domain.records import Job, JobOpening
from app.state.jobs import JobStartFormState
from app.state.picker import MATCHES, RECENT_CHOICES
from app.store import LocalStore, RemoteChange
from app.views.screens import form_screen
from tests.app.conftest import NOW
from tests.app.test_employer_picker import chip_names, type_and_pick
from tests.app.test_labels_and_pickers import FakeShell, by_identifier, walk


def openings(store: LocalStore, employer_id: str, count: int, **fields: object) -> list[JobOpening]:
    """`count` openings titled Role 000 on at `employer_id`, as a phone that has synced holds them."""
    made = [
        JobOpening(
            id=f"opening-{employer_id}-{i:03d}",
            created_at=NOW,
            updated_at=NOW,
            employer_id=employer_id,
            title=f"Role {i:03d}",
            **fields,  # type: ignore[arg-type]
        )
        for i in range(count)
    ]
    store.apply_remote([RemoteChange("job_opening", o.id, 1, to_dict(o)) for o in made], cursor="c1")
    return made


def titles(form: JobStartFormState) -> list[str]:
    return [label for _, label in form.opening_pick.matches()]


def test_any_open_opening_is_found_by_part_of_its_title_or_employer(service, store, add_employer, add_seeker):
    mill, cafe = add_employer("Old Mill"), add_employer("Riverside Café")
    openings(store, mill.id, 200)
    openings(store, cafe.id, 3, status=OpeningStatus.HIRED)  # no longer open: never offered
    form = JobStartFormState(service, job_seeker_id=add_seeker().id)
    form.opening_pick.set_query("role 150")  # far past the 30 the dropdown listed
    assert titles(form) == ["Role 150 · Old Mill"]
    form.opening_pick.set_query("mill")
    assert len(titles(form)) == MATCHES  # a few, never all 200
    form.opening_pick.set_query("riverside")
    assert titles(form) == []
    assert len(form.opening_pick.chips()) == RECENT_CHOICES


def test_openings_the_job_seeker_is_matched_to_come_first(service, store, add_employer, add_seeker):
    mill = add_employer("Old Mill")
    kim = add_seeker()
    openings(store, mill.id, 50)
    [theirs] = openings(store, add_employer("Corner Shop").id, 1, job_seeker_ids=[kim.id])
    form = JobStartFormState(service, job_seeker_id=kim.id)
    assert form.opening_pick.chips()[0] == (theirs.id, "Role 000 · Corner Shop")
    form.opening_pick.set_query("role 0")
    assert titles(form)[0] == "Role 000 · Corner Shop"


def test_a_found_opening_fills_the_job_and_is_saved_with_it(service, store, add_employer, add_seeker):
    mill = add_employer("Old Mill")
    wanted = openings(store, mill.id, 200)[123]
    view = form_screen(FakeShell(service), JobStartFormState(service, job_seeker_id=add_seeker().id))
    tree = view.build()
    assert not [c for c in walk(tree) if isinstance(c, ft.Dropdown)]  # no list of the openings
    assert chip_names(by_identifier(tree, "job-opening-choice-0")) == ["None"]
    found = type_and_pick(
        view, "job-opening", "role 123", tree=tree, results=view.opening_matches, label="Find an opening"
    )
    assert found == ["Role 123 · Old Mill"]
    state = view.state
    assert (state.text("opening_id"), state.text("employer_id"), state.text("title")) == (
        wanted.id,
        mill.id,
        "Role 123",
    )
    tree = view.build()
    chosen = [str(c.label) for c in walk(tree) if isinstance(c, ft.Chip) and c.selected]
    assert "Role 123 · Old Mill" in chosen and view.opening_matches.controls == []

    job = service.load("job", state.on_save().saved.data["id"])
    assert isinstance(job, Job) and job.opening_id == wanted.id


def test_no_opening_section_without_open_openings(service, add_seeker):
    view = form_screen(FakeShell(service), JobStartFormState(service, job_seeker_id=add_seeker().id))
    identifiers = [c.identifier for c in walk(view.build()) if isinstance(c, ft.Semantics)]
    assert not [i for i in identifiers if i and i.startswith("job-opening")]
