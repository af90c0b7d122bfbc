"""Search as you type, ignoring case and accents (issue 17, item 5): employers, job seekers and the
new openings list."""

from __future__ import annotations

from app.domain.enums import OpeningStatus, SeekerStatus
from app.domain.records import JobOpening
from app.domain.search import fold, matches
from app.state.employers import EmployersState
from app.state.job_seekers import JobSeekersState
from app.state.openings import OpeningsState
from tests.app.conftest import NOW


def test_folding_drops_case_and_accents():
    assert fold("Café Ÿ ÉCOLE") == "cafe y ecole"
    assert matches("cafe", "Riverside Café") and matches("ÉCOLE", "ecole maternelle")
    assert not matches("cafe bar", "Riverside Café")  # every word must be found
    assert matches("  ", "anything")


def test_cafe_finds_cafe_with_an_accent_on_every_keystroke(service, add_employer):
    add_employer("Riverside Café", sector="Hospitality")
    add_employer("Harbour Bakery", sector="Food")
    state = EmployersState(service)
    shown = []
    for query in ("c", "ca", "caf", "cafe"):  # each letter filters: no Enter needed
        state.set_query(query)
        shown.append([row.name for row in state.rows])
    assert shown[-1] == ["Riverside Café"]
    state.set_query("FOOD")
    assert [row.name for row in state.rows] == ["Harbour Bakery"]
    state.set_query("")
    assert len(state.rows) == 2


def test_job_seekers_filter_by_code_and_status_and_keep_the_caseload_count(service, add_seeker):
    add_seeker("José-1", status=SeekerStatus.WORKING)
    add_seeker("KD-102")
    state = JobSeekersState(service)
    state.set_query("jose")
    assert [row.code for row in state.rows] == ["José-1"]
    state.set_query("job searching")
    assert [row.code for row in state.rows] == ["KD-102"]
    assert state.caseload_note == "2 active"  # the caseload, not what the search shows


def test_openings_list_every_opening_newest_first_with_its_employer_and_finished_ones_last(
    service, add_employer, clock
):
    cafe, bakery = add_employer("Riverside Café"), add_employer("Harbour Bakery")
    service.save(JobOpening(employer_id=cafe.id, title="Barista", wage=11.5, noted_on=NOW.date()))
    clock.advance(minutes=5)
    service.save(JobOpening(employer_id=bakery.id, title="Baker", status=OpeningStatus.HIRED))
    clock.advance(minutes=5)
    service.save(JobOpening(employer_id=bakery.id, title="Counter assistant"))
    state = OpeningsState(service)
    assert [row.title for row in state.rows] == ["Counter assistant", "Barista", "Baker"]
    assert state.rows[1].detail == "Riverside Café · Identified · £11.50 per hour"
    state.set_query("cafe")
    assert [row.title for row in state.rows] == ["Barista"]
    state.set_query("hired")
    assert [row.title for row in state.rows] == ["Baker"]
    state.set_query("plumber")
    assert state.rows == [] and state.empty_text == "No opening matches “plumber”."


def test_an_empty_phone_says_how_to_add_an_opening(service):
    assert OpeningsState(service).empty_text.startswith("No job openings yet.")
