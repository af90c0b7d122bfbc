"""The forms' employer picker (issue 18: visit, opening, job started, disclosure decision, check-in):
the recent employers as chips, and a search that finds any other by part of its name and shows only
a few matches, never the whole directory; New employer only where the form allows one. View-model
and built-view tests through RecordService and LocalStore; the view is built without a page."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import flet as ft

from app.domain.codec import to_dict
from app.domain.enums import Disclosure
from app.domain.matching import MatchIndex
from app.domain.records import Employer, EmployerVisit, SupportCheckIn
from app.records import RecordService
from app.state.checkin_form import CheckInFormState
from app.state.disclosures import DisclosureDecisionFormState
from app.state.forms import EMPLOYER_MATCHES, RECENT_CHOICES
from app.state.jobs import JobStartFormState, all_jobs
from app.state.matches import SeekerMatchesState
from app.state.nearby import NearbyState
from app.state.opening_form import OpeningFormState
from app.state.visit_form import VisitFormState
from app.store import LocalStore, RemoteChange
from app.views.disclosures import DecideView
from app.views.matches import SeekerMatchesSection
from app.views.nearby import NearbyView
from app.views.screens import form_screen
from tests.app.conftest import NOW
from tests.app.test_labels_and_pickers import FakeShell, by_identifier, walk


def directory(store: LocalStore, count: int) -> list[Employer]:
    """`count` employers pulled from the team's directory, as a phone that has synced holds them."""
    employers = [
        Employer(
            id=f"emp-{i:05d}",
            created_at=NOW,
            updated_at=NOW,
            name=f"Bench employer {i:05d}",
            address=f"{i} High Street",
        )
        for i in range(count)
    ]
    store.apply_remote([RemoteChange("employer", e.id, 1, to_dict(e)) for e in employers], cursor="c1")
    return employers


def chip_names(control: Any) -> list[str]:
    return [str(chip.label) for chip in walk(control) if isinstance(chip, ft.Chip)]


def test_typing_part_of_a_name_finds_the_employer_among_two_thousand(service, store):
    directory(store, 2_000)
    form = VisitFormState(service)
    form.set_employer_query("01234")
    assert [e.name for e in form.employer_matches()] == ["Bench employer 01234"]
    form.set_employer_query("bench EMPLOYER 0199")  # every word, case aside
    assert [e.name for e in form.employer_matches()] == [f"Bench employer 0199{i}" for i in range(6)]
    form.set_employer_query("1999 high")  # the address counts too
    assert [e.name for e in form.employer_matches()] == ["Bench employer 01999"]
    form.set_employer_query("no such place")
    assert form.employer_matches() == []
    form.set_employer_query("   ")
    assert form.employer_matches() == []  # nothing typed: the recent chips are the choice


def test_the_search_shows_a_few_matches_names_starting_with_it_first(service, store, add_employer):
    directory(store, 2_000)
    mill = add_employer("Mill Lane Bakery")
    add_employer("Old Mill")
    service.save(EmployerVisit(employer_id=mill.id, occurred_at=NOW))
    form = VisitFormState(service)
    form.set_employer_query("bench")
    assert len(form.employer_matches()) == EMPLOYER_MATCHES
    form.set_employer_query("mill")
    assert [e.name for e in form.employer_matches()] == ["Mill Lane Bakery", "Old Mill"]


def test_a_found_employer_is_chosen_shown_as_a_chip_and_saved_with_the_visit(service, store):
    employers = directory(store, 2_000)
    wanted = employers[1_234]
    shell = FakeShell(service)
    view = form_screen(shell, VisitFormState(service))
    tree = view.build()
    assert not [c for c in walk(tree) if isinstance(c, ft.Dropdown)]  # no list of every employer
    assert len(chip_names(by_identifier(tree, "employer-choice-0"))) == 1
    assert len([c for c in walk(tree) if isinstance(c, ft.Chip)]) < 40  # the whole form, bounded

    search = by_identifier(tree, "employer-search")
    assert isinstance(search, ft.TextField) and search.label == "Find an employer"
    search.value = "employer 01234"
    search.on_change(SimpleNamespace(control=search))
    found = chip_names(view.employer_matches)
    assert found == ["Bench employer 01234"]

    match = by_identifier(view.employer_matches, "employer-match-0")
    match.on_select(SimpleNamespace(control=match))
    state = view.state
    assert state.text("employer_id") == wanted.id and state.employer_query == ""
    tree = view.build()
    chips = [c for c in walk(tree) if isinstance(c, ft.Chip) and c.selected]
    assert [str(c.label) for c in chips if "Bench" in str(c.label)] == [wanted.name]
    assert view.employer_matches.controls == []  # the search is done

    state.set_field("outcome", "Met the owner")
    assert state.on_save().ok
    saved = [record for record in service.visits() if record.outcome == "Met the owner"]
    assert [visit.employer_id for visit in saved] == [wanted.id]


def test_no_match_says_so_and_new_employer_takes_the_typed_name(service, store: LocalStore):
    directory(store, 50)
    shell = FakeShell(service)
    view = form_screen(shell, VisitFormState(service))
    tree = view.build()
    search = by_identifier(tree, "employer-search")
    search.value = "Harbour Fish Bar"
    search.on_change(SimpleNamespace(control=search))
    (sentence,) = view.employer_matches.controls
    assert isinstance(sentence, ft.Text) and "No employer matches" in str(sentence.value)
    button = by_identifier(tree, "add-employer")
    button.on_click(SimpleNamespace(control=button))
    assert view.state.new_employer_name == "Harbour Fish Bar"


def test_the_recent_chips_stay_few_with_many_employers(service: RecordService, store: LocalStore):
    employers = directory(store, 300)
    for employer in employers[:10]:
        service.save(EmployerVisit(employer_id=employer.id, occurred_at=NOW))
    form = VisitFormState(service, employer_id=employers[200].id)
    choices = [e.name for e in form.employer_choices]
    assert len(choices) == RECENT_CHOICES + 1 and choices[-1] == employers[200].name  # and the chosen one


def test_the_opening_form_finds_its_employer_the_same_way(service, store):
    employers = directory(store, 2_000)
    view = form_screen(FakeShell(service), OpeningFormState(service))
    tree = view.build()
    assert not [c for c in walk(tree) if isinstance(c, ft.Dropdown)]
    search = by_identifier(tree, "opening-employer-search")
    search.value = "01999"
    search.on_change(SimpleNamespace(control=search))
    match = by_identifier(view.employer_matches, "opening-employer-match-0")
    match.on_select(SimpleNamespace(control=match))
    chosen = [str(c.label) for c in walk(view.build()) if isinstance(c, ft.Chip) and c.selected]
    assert "Bench employer 01999" in chosen  # shown as the chosen chip
    state = view.state
    state.set_field("title", "Warehouse operative")
    assert state.on_save().ok
    (opening,) = service.openings()
    assert opening.employer_id == employers[1_999].id


# -- the other forms with an employer: the same picker, each with its own rules ------------------


def type_and_pick(
    view: Any,
    identifier: str,
    typed: str,
    *,
    tree: Any = None,
    results: Any = None,
    label: str = "Find an employer",
) -> list[str]:
    """Type into the view's search picker (the employer's unless told), tap the first match; what
    the search showed."""
    results = results if results is not None else view.employer_matches
    search = by_identifier(tree if tree is not None else view.build(), f"{identifier}-search")
    assert isinstance(search, ft.TextField) and search.label == label
    search.value = typed
    search.on_change(SimpleNamespace(control=search))
    found = chip_names(results)
    if found:
        match = by_identifier(results, f"{identifier}-match-0")
        match.on_select(SimpleNamespace(control=match))
    return found


def no_employer_dropdown(tree: Any) -> bool:
    """No dropdown of employers (the job form's "From an opening" list is its own, bounded)."""
    return not [c for c in walk(tree) if isinstance(c, ft.Dropdown) and c.label == "Employer"]


def test_the_job_start_form_finds_its_employer_among_two_thousand(service, store, add_seeker):
    employers = directory(store, 2_000)
    seeker = add_seeker("KD-401")
    view = form_screen(FakeShell(service), JobStartFormState(service, job_seeker_id=seeker.id))
    tree = view.build()
    assert no_employer_dropdown(tree)
    assert len([c for c in walk(tree) if isinstance(c, ft.Chip)]) < 40  # the whole form, bounded
    assert len(type_and_pick(view, "job-employer", "bench")) == EMPLOYER_MATCHES
    assert type_and_pick(view, "job-employer", "employer 01777") == ["Bench employer 01777"]
    state = view.state
    assert state.text("employer_id") == employers[1_777].id and state.employer_query == ""
    chosen = [str(c.label) for c in walk(view.build()) if isinstance(c, ft.Chip) and c.selected]
    assert "Bench employer 01777" in chosen
    state.set_field("title", "Kitchen porter")
    assert state.on_save().ok
    (job,) = [j for j in all_jobs(service) if j.title == "Kitchen porter"]
    assert job.employer_id == employers[1_777].id


def test_the_job_start_form_takes_a_new_employer_by_the_typed_name(service, store, add_seeker):
    directory(store, 200)
    seeker = add_seeker("KD-402")
    view = form_screen(FakeShell(service), JobStartFormState(service, job_seeker_id=seeker.id))
    assert type_and_pick(view, "job-employer", "Harbour Fish Bar") == []
    (sentence,) = view.employer_matches.controls
    assert "Add it with New employer" in str(sentence.value)
    button = by_identifier(view.build(), "add-job-employer")
    button.on_click(SimpleNamespace(control=button))
    state = view.state
    assert state.new_employer_name == "Harbour Fish Bar"
    add = by_identifier(view.build(), "add-job-employer-save")
    add.on_click(SimpleNamespace(control=add))
    new = state.selected_employer()
    assert new is not None and new.name == "Harbour Fish Bar" and not state.adding_employer
    state.set_field("title", "Fryer")
    assert state.on_save().ok
    (job,) = [j for j in all_jobs(service) if j.title == "Fryer"]
    assert job.employer_id == new.id


def test_the_disclosure_decision_finds_an_existing_employer_and_offers_no_new_one(service, store, add_seeker):
    employers = directory(store, 2_000)
    seeker = add_seeker("KD-403", Disclosure.NOT_CONSENTED)
    view = DecideView(FakeShell(service), DisclosureDecisionFormState(service, job_seeker_id=seeker.id))
    tree = view.build()
    assert no_employer_dropdown(tree)
    assert not [c for c in walk(tree) if getattr(c, "identifier", None) == "add-decision-employer"]
    assert type_and_pick(view, "decision-employer", "nowhere at all") == []
    (sentence,) = view.employer_matches.controls
    assert "New employer" not in str(sentence.value)  # a decision is for an employer already known
    assert len(type_and_pick(view, "decision-employer", "bench employer 00")) == EMPLOYER_MATCHES
    assert type_and_pick(view, "decision-employer", "00042") == ["Bench employer 00042"]
    assert view.state.on_save().ok
    assert service.disclosures().may_name(seeker, employers[42].id)
    assert not service.disclosures().may_name(seeker, employers[43].id)


def test_the_check_in_form_finds_its_employer_or_none(service, store, add_seeker):
    employers = directory(store, 2_000)
    seeker = add_seeker("KD-404")
    view = form_screen(FakeShell(service), CheckInFormState(service, job_seeker_id=seeker.id))
    tree = view.build()
    assert no_employer_dropdown(tree)
    assert chip_names(by_identifier(tree, "check-in-employer-choice-0")) == ["No employer"]
    assert len(type_and_pick(view, "check-in-employer", "bench")) == EMPLOYER_MATCHES
    assert type_and_pick(view, "check-in-employer", "employer 00500") == ["Bench employer 00500"]
    state = view.state
    assert state.text("employer_id") == employers[500].id
    assert state.on_save().ok
    (check_in,) = service.all("support_check_in", SupportCheckIn)
    assert check_in.employer_id == employers[500].id

    again = form_screen(FakeShell(service), CheckInFormState(service, base=check_in))
    none = by_identifier(again.build(), "check-in-employer-choice-0")
    none.on_select(SimpleNamespace(control=none))
    assert again.state.text("employer_id") == ""
    assert again.state.on_save().ok
    assert service.load("support_check_in", check_in.id).employer_id is None


def placed_directory(store: LocalStore, count: int) -> list[Employer]:
    """`count` employers with a map location, as "near an employer" offers them."""
    employers = [
        Employer(
            id=f"pin-{i:05d}",
            created_at=NOW,
            updated_at=NOW,
            name=f"Pinned employer {i:05d}",
            latitude=54.3 + i / 100_000,
            longitude=-2.7,
        )
        for i in range(count)
    ]
    store.apply_remote([RemoteChange("employer", e.id, 1, to_dict(e)) for e in employers], cursor="c2")
    return employers


def test_nearby_finds_the_employer_to_start_from_by_search(service, store):
    placed_directory(store, 2_000)
    view = NearbyView(FakeShell(service), NearbyState(service), locate_now=False)
    view.reload()
    tree = view.build()
    assert not [c for c in walk(tree) if isinstance(c, ft.Dropdown)]
    found = type_and_pick(view, "nearby-employer", "pinned", results=view.near_matches)
    assert len(found) == EMPLOYER_MATCHES
    assert type_and_pick(view, "nearby-employer", "01500", results=view.near_matches) == [
        "Pinned employer 01500"
    ]
    assert view.state.origin_label == "Distances from Pinned employer 01500"
    assert view.state.rows[0].name == "Pinned employer 01500"


def test_matches_find_the_employer_to_start_from_by_search(service, store, add_seeker):
    placed_directory(store, 2_000)
    seeker = add_seeker("KD-405")
    section = SeekerMatchesSection(
        FakeShell(service), SeekerMatchesState(service, seeker.id, index=MatchIndex())
    )
    tree = ft.Column(section.build())
    assert not [c for c in walk(tree) if isinstance(c, ft.Dropdown)]
    found = type_and_pick(
        section, "match-near-employer", "employer 01", tree=tree, results=section.near_matches
    )
    assert len(found) == EMPLOYER_MATCHES
    tree = ft.Column(section.build())
    found = type_and_pick(
        section, "match-near-employer", "employer 00777", tree=tree, results=section.near_matches
    )
    assert found == ["Pinned employer 00777"]
    assert section.state.near_label == "Distances from Pinned employer 00777"
