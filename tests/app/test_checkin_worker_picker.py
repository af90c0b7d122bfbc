"""The check-in form's worker (issue 18): the recent few job seekers as chips (workers in a job
first), and a search by part of a code that shows at most a few matches, never a list of every job
seeker (a caseload of thousands). The same picker as the employer's (app.state.picker)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import flet as ft

from app.domain.codec import to_dict
from app.domain.enums import SeekerStatus
from app.domain.records import JobSeeker, SupportCheckIn
from app.state.checkin_form import RECENT_WORKERS, CheckInFormState
from app.state.picker import MATCHES
from app.store import LocalStore, RemoteChange
from app.views.screens import form_screen
from tests.app.conftest import NOW
from tests.app.test_employer_picker import type_and_pick
from tests.app.test_labels_and_pickers import FakeShell, by_identifier, walk


def caseload(store: LocalStore, count: int, *, working: int | None = None) -> list[JobSeeker]:
    """`count` job seekers coded JS-00000 on, as a phone that has synced holds them; the one at
    index `working` is in work."""
    seekers = [
        JobSeeker(
            id=f"seeker-{i:05d}",
            created_at=NOW,
            updated_at=NOW,
            code=f"JS-{i:05d}",
            referral_date=date(2026, 4, 1),
            status=SeekerStatus.WORKING if i == working else SeekerStatus.JOB_SEARCHING,
        )
        for i in range(count)
    ]
    store.apply_remote([RemoteChange("job_seeker", s.id, 1, to_dict(s)) for s in seekers], cursor="c1")
    return seekers


def codes(form: CheckInFormState) -> list[str]:
    return [code for _, code in form.worker_pick.matches()]


def test_typing_part_of_a_code_finds_the_worker_among_two_thousand(service, store):
    caseload(store, 2_000)
    form = CheckInFormState(service)
    form.worker_pick.set_query("01234")
    assert codes(form) == ["JS-01234"]
    form.worker_pick.set_query("js-0199")  # case aside
    assert codes(form) == [f"JS-0199{i}" for i in range(MATCHES)]
    for query in ("js", "99"):  # names starting with it, or holding it: a few, never the caseload
        form.worker_pick.set_query(query)
        assert len(codes(form)) == MATCHES, query
    form.worker_pick.set_query("KX-9")
    assert codes(form) == []
    form.worker_pick.set_query("  ")
    assert codes(form) == []  # nothing typed: the recent chips are the choice


def test_workers_in_a_job_come_first_in_the_chips_and_the_matches(service, store):
    caseload(store, 2_000, working=1_999)
    form = CheckInFormState(service)
    chips = form.worker_pick.chips()
    assert len(chips) == RECENT_WORKERS and chips[0][1] == "JS-01999"
    form.worker_pick.set_query("js-0")
    assert codes(form)[0] == "JS-01999"


def test_a_found_worker_is_chosen_shown_as_a_chip_and_saved_with_the_check_in(service, store):
    seekers = caseload(store, 2_000)
    wanted = seekers[1_234]
    view = form_screen(FakeShell(service), CheckInFormState(service))
    tree = view.build()
    assert not [c for c in walk(tree) if isinstance(c, ft.Dropdown)]  # no list of every job seeker
    worker_chips = [
        c for c in walk(tree) if isinstance(c, ft.Semantics) and "worker-choice" in (c.identifier or "")
    ]
    assert len(worker_chips) == RECENT_WORKERS
    assert len([c for c in walk(tree) if isinstance(c, ft.Chip)]) < 40  # the whole form, bounded

    found = type_and_pick(
        view, "worker", "js-01234", tree=tree, results=view.worker_matches, label="Find a job seeker"
    )
    assert found == ["JS-01234"]
    state = view.state
    assert state.text("job_seeker_id") == wanted.id and state.worker_pick.query == ""
    tree = view.build()
    chosen = [
        str(c.label)
        for c in walk(tree)
        if isinstance(c, ft.Chip) and c.selected and str(c.label).startswith("JS-")
    ]
    assert chosen == [wanted.code]  # a chip beside the recent few
    assert view.worker_matches.controls == []  # the search is done

    assert state.on_save().ok
    (check_in,) = service.all("support_check_in", SupportCheckIn)
    assert check_in.job_seeker_id == wanted.id


def test_no_match_says_so_and_a_missing_worker_is_marked_on_the_search(service, store):
    caseload(store, 50)
    view = form_screen(FakeShell(service), CheckInFormState(service))
    tree = view.build()
    search = by_identifier(tree, "worker-search")
    search.value = "KX-9"
    search.on_change(SimpleNamespace(control=search))
    (sentence,) = view.worker_matches.controls
    assert isinstance(sentence, ft.Text) and sentence.value == "No job seeker matches “KX-9”."
    assert not view.state.on_save().ok
    search = by_identifier(view.build(), "worker-search")
    assert search.error and "required" in str(search.error).lower()
